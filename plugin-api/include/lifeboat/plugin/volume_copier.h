/*
 * Lifeboat plugin SDK: VolumeCopier, file-level copies of volume data into a repository
 * kept in the task's storage location (fs-copy, Lifeboat's restic-format backup, is one).
 *
 * Since SDK 1.1 (register with lb_register_volume_copier(); the member exists only when
 * LB_HOST_HAS(register_volume_copier)).
 *
 * Requests and results cross the boundary as JSON text (NUL-terminated UTF-8). Unknown
 * request fields are ignored; optional ones may be absent. Context, ownership and errors as
 * in object_store.h.
 *
 * The repository lives in the storage location of the task the call belongs to: the plugin
 * reads and writes it only through the host's location_put/get/exists/list/delete, with keys
 * starting with the request's "repository" (e.g. "restic/<namespace>"); the engine adds the
 * location's bucket and prefix and routes the call to the location's ObjectStore plugin.
 *
 * Backup request:
 *   {"repository": "restic/<ns>",      key prefix of the repository in the location
 *    "sourcePath": "/abs/dir",         directory whose contents are backed up
 *    "tags": ["k=v", ...],             snapshot tags (optional)
 *    "hostname": "...",                snapshot hostname (optional)
 *    "parent": "<snapshot id or empty>"} parent snapshot for change detection (optional)
 * Backup result:
 *   {"snapshotID": "...", "filesNew": N, "filesChanged": N, "filesUnmodified": N,
 *    "bytesAdded": N, "totalBytes": N, "totalFiles": N}
 *
 * Restore request:
 *   {"repository": "restic/<ns>", "snapshotID": "..." (an ID, a unique ID prefix or "latest"),
 *    "targetPath": "/abs/dir",         receives the contents of the backed-up sourcePath
 *                                      (not the sourcePath itself: the inverse of backup)
 *    "include": "sub/path" (optional: restore only this path, relative to sourcePath),
 *    "delete": false (optional: remove files in targetPath absent from the snapshot)}
 * Restore result:
 *   {"files": N, "bytes": N}
 *
 * Maintenance request (optional method):
 *   {"repository": "...", "op": "snapshots" | "forget" | "prune" | "check" | "unlock", ...}
 *   with op-specific fields (forget: "snapshotID" or "keepLast"/"keepDaily"/..., or a
 *   selection: "snapshotIDs": [full IDs] and/or "tags": ["k=v", ...] (snapshots carrying all
 *   of them); a selection that matches nothing forgets nothing). Result: a JSON object
 *   (snapshots: {"snapshots": [...]}; forget: {"kept": [...], "removed": [...]}).
 *
 * Repository password: the instance config key "password", or "passwordFile" (a path read by
 * the plugin). Never log it or put it in a message.
 *
 * Long calls report progress with lb_progress(call, done, total, "bytes") (which extends the
 * call's deadline) and stop with LB_ECANCELED once lb_cancelled(call) is true.
 */
#ifndef LIFEBOAT_PLUGIN_VOLUME_COPIER_H
#define LIFEBOAT_PLUGIN_VOLUME_COPIER_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LB_VOLUME_COPIER_ABI_MINOR 0

/** Plugin-defined instance, opaque to the host. */
typedef struct lb_volume_copier lb_volume_copier;

typedef struct lb_volume_copier_methods {
	uint32_t struct_size; /**< sizeof(lb_volume_copier_methods) as the plugin was built */
	uint32_t abi_minor;   /**< LB_VOLUME_COPIER_ABI_MINOR the plugin was built with */
	const char *name;     /**< "<dns-subdomain>/<name>", e.g. "lifeboat.io/fs-copy" */

	/** Required. Validate @p config ("password" or "passwordFile", plugin-specific keys)
	 *  and create an instance. A missing password is LB_EINVAL naming the key. */
	int (*init)(lb_call *call, const lb_config *config, lb_volume_copier **self_out);

	/** Required. Back up the request's sourcePath into the repository (created when
	 *  missing) and write the result JSON to @p result_json_out. Not idempotent. */
	int (*backup)(
		lb_volume_copier *self,
		lb_call *call,
		const char *request_json,
		lb_buf *result_json_out);

	/** Required. Restore a snapshot into the request's targetPath and write the result JSON
	 *  to @p result_json_out. An unknown snapshot is LB_ENOTFOUND. Not idempotent. */
	int (*restore)(
		lb_volume_copier *self,
		lb_call *call,
		const char *request_json,
		lb_buf *result_json_out);

	/** Optional (NULL: LB_EUNSUPPORTED). Repository maintenance selected by the request's
	 *  "op": snapshots, forget, prune, check, unlock. Not idempotent. */
	int (*maintain)(
		lb_volume_copier *self,
		lb_call *call,
		const char *request_json,
		lb_buf *result_json_out);

	/** Required. Release the instance; @p self may be NULL. */
	void (*destroy)(lb_volume_copier *self);
	/* Members above: abi_minor >= 0. Append only; never reorder, retype or remove. */
} lb_volume_copier_methods;

#define LB_VOLUME_COPIER_METHODS_HEADER                                                            \
	sizeof(lb_volume_copier_methods), LB_VOLUME_COPIER_ABI_MINOR

#ifdef __cplusplus
}
#endif
#endif /* LIFEBOAT_PLUGIN_VOLUME_COPIER_H */
