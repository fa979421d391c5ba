/* In-process test doubles for the conformance kit: an in-memory object store and small
 * item actions and a snapshotter, implementing the SDK vtables directly (engine side, so
 * errors go through lb_call_set_error and outputs into the engine's builders). Each has
 * flags that break one rule of the contract, so the tests can prove the kit notices. */
#ifndef LB_TEST_CONFORMANCE_MEMSTORE_H
#define LB_TEST_CONFORMANCE_MEMSTORE_H

#include "conformance.h"

enum {
	MEM_PREFIX_NO_DELIM = 1 << 0, /* common prefixes without the trailing delimiter */
	MEM_OUTSIDE_PREFIX = 1 << 1,  /* list_objects ignores the prefix */
	MEM_LEAF_AS_PREFIX = 1 << 2,  /* keys at the prefix level returned as prefixes */
	MEM_MISSING_EIO = 1 << 3,     /* get of a missing key: LB_EIO, not LB_ENOTFOUND */
	MEM_ACCEPT_UNKNOWN = 1 << 4,  /* init accepts unknown config keys */
	MEM_TRUNCATE = 1 << 5,        /* put keeps at most 1 MiB */
	MEM_DELETE_MISSING = 1 << 6,  /* delete of a missing key: LB_ENOTFOUND */
	MEM_TIMEOUT_GET = 1 << 7,     /* get_object fails as the supervisor does at a deadline */
	MEM_DIR_PREFIX = 1 << 8,      /* list_objects matches prefixes as directories */
	MEM_NO_MESSAGE = 1 << 9,      /* errors without a message */
};

/* An opener for the kit over an in-memory store with @flags (one store per opener). */
void memstore_opener(lb_kit_opener *opener, unsigned flags);
void memstore_opener_dispose(lb_kit_opener *opener);

enum {
	ACT_BAD_SELECTOR = 1 << 0,  /* applies_to returns text that is not JSON */
	ACT_BAD_OUTPUT = 1 << 1,    /* execute returns additionalItems without names */
	ACT_CLAIM_FOREIGN = 1 << 2, /* get_volume_id claims an NFS volume */
};

void bia_opener(lb_kit_opener *opener, unsigned flags);
void ria_opener(lb_kit_opener *opener, unsigned flags);
void vs_opener(lb_kit_opener *opener, unsigned flags);
void action_opener_dispose(lb_kit_opener *opener);

#endif
