/*
 * Lifeboat plugin SDK: BackupItemAction, run on each item as it is backed up.
 *
 * Semantics follow Velero's BackupItemAction v2 (v1 plugins are the special case that never
 * returns an operation ID). Items cross the boundary as JSON text. Context, ownership and
 * errors as in object_store.h.
 *
 * JSON shapes (fields may be omitted; unknown fields are ignored by both sides):
 *   selector:  {"includedNamespaces":[..],"excludedNamespaces":[..],
 *               "includedResources":[..],"excludedResources":[..],"labelSelector":"k=v"}
 *              Empty lists mean "all". An action that names namespaces never applies to
 *              cluster-scoped items (as in Velero).
 *   identifier:{"group":"","resource":"persistentvolumeclaims","namespace":"ns","name":"x"}
 *   output:    {"updatedItem":{..}, "additionalItems":[identifier..],
 *               "operationID":"..", "postOperationItems":[identifier..]}
 *              Omitted updatedItem = item unchanged.
 *   progress:  {"completed":bool,"err":"..","nCompleted":N,"nTotal":N,
 *               "operationUnits":"bytes","description":"..","started":"RFC3339","updated":"RFC3339"}
 */
#ifndef LIFEBOAT_PLUGIN_BACKUP_ITEM_ACTION_H
#define LIFEBOAT_PLUGIN_BACKUP_ITEM_ACTION_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LB_BACKUP_ITEM_ACTION_ABI_MINOR 0

typedef struct lb_backup_item_action lb_backup_item_action;

typedef struct lb_backup_item_action_methods {
	uint32_t struct_size;
	uint32_t abi_minor;
	const char *name;

	/** Optional (NULL: *self_out = NULL). @p config is the action's config map. */
	int (*init)(lb_call *call, const lb_config *config, lb_backup_item_action **self_out);

	/** Required. Selector JSON into @p selector_json_out ("{}" = everything). Called once
	 *  per backup. Idempotent. */
	int (*applies_to)(lb_backup_item_action *self, lb_call *call, lb_buf *selector_json_out);

	/** Required. @p item_json is the item as read from the cluster, @p backup_json the
	 *  Backup object. Output JSON as described above. */
	int (*execute)(
		lb_backup_item_action *self,
		lb_call *call,
		const char *item_json,
		const char *backup_json,
		lb_buf *output_json_out);

	/** Optional (async operations). Progress JSON of @p operation_id. Idempotent. */
	int (*progress)(
		lb_backup_item_action *self,
		lb_call *call,
		const char *operation_id,
		const char *backup_json,
		lb_buf *progress_json_out);

	/** Optional (async operations). Best effort. */
	int (*cancel)(
		lb_backup_item_action *self,
		lb_call *call,
		const char *operation_id,
		const char *backup_json);

	/** Required. Release the instance; @p self may be NULL. */
	void (*destroy)(lb_backup_item_action *self);
	/* Members above: abi_minor >= 0. Append only; never reorder, retype or remove. */
} lb_backup_item_action_methods;

#define LB_BACKUP_ITEM_ACTION_METHODS_HEADER                                                       \
	sizeof(lb_backup_item_action_methods), LB_BACKUP_ITEM_ACTION_ABI_MINOR

#ifdef __cplusplus
}
#endif
#endif /* LIFEBOAT_PLUGIN_BACKUP_ITEM_ACTION_H */
