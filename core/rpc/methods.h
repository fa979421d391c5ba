/*
 * The one list of plugin methods, shared by the engine-side proxies and the child's
 * dispatch table: wire name, interface, method class (deadline), idempotency, and whether
 * a descriptor rides with the request. Index = method id.
 */
#ifndef LB_RPC_METHODS_H
#define LB_RPC_METHODS_H

#include <stdint.h>
#include "call.h"

#define LB_M_IDEMPOTENT 0x1 /* retried once on a fresh child after a crash or timeout */
#define LB_M_TAKES_FD 0x2   /* the request carries a descriptor */
#define LB_M_OPTIONAL 0x4   /* may be NULL in the plugin's table */

/* XX(ID, "Wire.Name", kind, class, flags, bit) -- bit: position in HELLO's method bitmask
 * (the member's index after name in the methods struct). */
#define LB_METHOD_MAP(XX)                                                                          \
	XX(OS_INIT, "ObjectStore.Init", 0, LB_CALL_CLASS_META, 0, 0)                               \
	XX(OS_PUT_OBJECT, "ObjectStore.PutObject", 0, LB_CALL_CLASS_DATA, LB_M_TAKES_FD, 1)        \
	XX(OS_OBJECT_EXISTS, "ObjectStore.ObjectExists", 0, LB_CALL_CLASS_META, LB_M_IDEMPOTENT,   \
	   2)                                                                                      \
	XX(OS_GET_OBJECT, "ObjectStore.GetObject", 0, LB_CALL_CLASS_DATA,                          \
	   LB_M_TAKES_FD | LB_M_IDEMPOTENT, 3)                                                     \
	XX(OS_LIST_COMMON_PREFIXES, "ObjectStore.ListCommonPrefixes", 0, LB_CALL_CLASS_META,       \
	   LB_M_IDEMPOTENT, 4)                                                                     \
	XX(OS_LIST_OBJECTS, "ObjectStore.ListObjects", 0, LB_CALL_CLASS_META, LB_M_IDEMPOTENT, 5)  \
	XX(OS_DELETE_OBJECT, "ObjectStore.DeleteObject", 0, LB_CALL_CLASS_META, LB_M_IDEMPOTENT,   \
	   6)                                                                                      \
	XX(OS_CREATE_SIGNED_URL, "ObjectStore.CreateSignedURL", 0, LB_CALL_CLASS_META,             \
	   LB_M_IDEMPOTENT | LB_M_OPTIONAL, 7)                                                     \
	XX(OS_DESTROY, "ObjectStore.Destroy", 0, LB_CALL_CLASS_META, 0, 8)                         \
	XX(VS_INIT, "VolumeSnapshotter.Init", 1, LB_CALL_CLASS_META, 0, 0)                         \
	XX(VS_CREATE_VOLUME_FROM_SNAPSHOT, "VolumeSnapshotter.CreateVolumeFromSnapshot", 1,        \
	   LB_CALL_CLASS_DATA, 0, 1)                                                               \
	XX(VS_GET_VOLUME_ID, "VolumeSnapshotter.GetVolumeID", 1, LB_CALL_CLASS_META,               \
	   LB_M_IDEMPOTENT, 2)                                                                     \
	XX(VS_SET_VOLUME_ID, "VolumeSnapshotter.SetVolumeID", 1, LB_CALL_CLASS_META,               \
	   LB_M_IDEMPOTENT, 3)                                                                     \
	XX(VS_GET_VOLUME_INFO, "VolumeSnapshotter.GetVolumeInfo", 1, LB_CALL_CLASS_META,           \
	   LB_M_IDEMPOTENT, 4)                                                                     \
	XX(VS_CREATE_SNAPSHOT, "VolumeSnapshotter.CreateSnapshot", 1, LB_CALL_CLASS_DATA, 0, 5)    \
	XX(VS_DELETE_SNAPSHOT, "VolumeSnapshotter.DeleteSnapshot", 1, LB_CALL_CLASS_DATA,          \
	   LB_M_IDEMPOTENT, 6)                                                                     \
	XX(VS_DESTROY, "VolumeSnapshotter.Destroy", 1, LB_CALL_CLASS_META, 0, 7)                   \
	XX(BIA_INIT, "BackupItemAction.Init", 2, LB_CALL_CLASS_META, LB_M_OPTIONAL, 0)             \
	XX(BIA_APPLIES_TO, "BackupItemAction.AppliesTo", 2, LB_CALL_CLASS_ITEM, LB_M_IDEMPOTENT,   \
	   1)                                                                                      \
	XX(BIA_EXECUTE, "BackupItemAction.Execute", 2, LB_CALL_CLASS_ITEM, 0, 2)                   \
	XX(BIA_PROGRESS, "BackupItemAction.Progress", 2, LB_CALL_CLASS_ITEM,                       \
	   LB_M_IDEMPOTENT | LB_M_OPTIONAL, 3)                                                     \
	XX(BIA_CANCEL, "BackupItemAction.Cancel", 2, LB_CALL_CLASS_ITEM, LB_M_OPTIONAL, 4)         \
	XX(BIA_DESTROY, "BackupItemAction.Destroy", 2, LB_CALL_CLASS_META, 0, 5)                   \
	XX(RIA_INIT, "RestoreItemAction.Init", 3, LB_CALL_CLASS_META, LB_M_OPTIONAL, 0)            \
	XX(RIA_APPLIES_TO, "RestoreItemAction.AppliesTo", 3, LB_CALL_CLASS_ITEM, LB_M_IDEMPOTENT,  \
	   1)                                                                                      \
	XX(RIA_EXECUTE, "RestoreItemAction.Execute", 3, LB_CALL_CLASS_ITEM, 0, 2)                  \
	XX(RIA_PROGRESS, "RestoreItemAction.Progress", 3, LB_CALL_CLASS_ITEM,                      \
	   LB_M_IDEMPOTENT | LB_M_OPTIONAL, 3)                                                     \
	XX(RIA_CANCEL, "RestoreItemAction.Cancel", 3, LB_CALL_CLASS_ITEM, LB_M_OPTIONAL, 4)        \
	XX(RIA_ARE_ADDITIONAL_ITEMS_READY, "RestoreItemAction.AreAdditionalItemsReady", 3,         \
	   LB_CALL_CLASS_ITEM, LB_M_IDEMPOTENT | LB_M_OPTIONAL, 5)                                 \
	XX(RIA_DESTROY, "RestoreItemAction.Destroy", 3, LB_CALL_CLASS_META, 0, 6)                  \
	XX(VC_INIT, "VolumeCopier.Init", 4, LB_CALL_CLASS_META, 0, 0)                              \
	XX(VC_BACKUP, "VolumeCopier.Backup", 4, LB_CALL_CLASS_DATA, 0, 1)                          \
	XX(VC_RESTORE, "VolumeCopier.Restore", 4, LB_CALL_CLASS_DATA, 0, 2)                        \
	XX(VC_MAINTAIN, "VolumeCopier.Maintain", 4, LB_CALL_CLASS_DATA, LB_M_OPTIONAL, 3)          \
	XX(VC_DESTROY, "VolumeCopier.Destroy", 4, LB_CALL_CLASS_META, 0, 4)

#define LB_METHOD_ENUM_(id, name, kind, cls, flags, bit) LB_METHOD_##id,
typedef enum lb_method_id { LB_METHOD_MAP(LB_METHOD_ENUM_) LB_METHOD_COUNT_ } lb_method_id;
#undef LB_METHOD_ENUM_

typedef struct lb_method_desc {
	const char *name; /* "ObjectStore.PutObject" */
	int kind;         /* lb_plugin_kind */
	int cls;          /* lb_call_class */
	int flags;        /* LB_M_* */
	int bit;
} lb_method_desc;

extern const lb_method_desc lb_methods[LB_METHOD_COUNT_];

/* The method with wire name @name, or -1. */
int lb_method_lookup(const char *name);

#endif
