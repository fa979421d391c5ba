/*
 * Lifeboat plugin SDK: RestoreItemAction, a custom restore transform.
 *
 * Semantics follow Velero's RestoreItemAction v2. Items cross the boundary as JSON text.
 * Context, ownership and errors as in object_store.h; selector and identifier JSON as in
 * backup_item_action.h.
 *
 *   input:  {"item":{..}        the item as it will be created: metadata and status already
 *                               reset, earlier actions and modifiers applied,
 *            "itemFromBackup":{..}  pristine, as read from the backup,
 *            "restore":{..}}    the Restore object
 *   output: {"updatedItem":{..}, "additionalItems":[identifier..], "skipRestore":bool,
 *            "operationID":"..", "waitForAdditionalItems":bool,
 *            "additionalItemsReadyTimeoutMs":N}
 *           skipRestore stops further actions and the item is not created.
 *           Omitted updatedItem = item unchanged. An action may change kind/apiVersion.
 */
#ifndef LIFEBOAT_PLUGIN_RESTORE_ITEM_ACTION_H
#define LIFEBOAT_PLUGIN_RESTORE_ITEM_ACTION_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LB_RESTORE_ITEM_ACTION_ABI_MINOR 0

typedef struct lb_restore_item_action lb_restore_item_action;

typedef struct lb_restore_item_action_methods {
	uint32_t struct_size;
	uint32_t abi_minor;
	const char *name;

	/** Optional (NULL: *self_out = NULL). */
	int (*init)(lb_call *call, const lb_config *config, lb_restore_item_action **self_out);

	/** Required. Selector JSON ("{}" = everything). Idempotent. */
	int (*applies_to)(lb_restore_item_action *self, lb_call *call, lb_buf *selector_json_out);

	/** Required. Input and output JSON as described above. */
	int (*execute)(
		lb_restore_item_action *self,
		lb_call *call,
		const char *input_json,
		lb_buf *output_json_out);

	/** Optional (async operations). Idempotent. */
	int (*progress)(
		lb_restore_item_action *self,
		lb_call *call,
		const char *operation_id,
		const char *restore_json,
		lb_buf *progress_json_out);

	/** Optional (async operations). Best effort. */
	int (*cancel)(
		lb_restore_item_action *self,
		lb_call *call,
		const char *operation_id,
		const char *restore_json);

	/** Optional (NULL: always ready). @p additional_items_json is a JSON array of
	 *  identifiers; *ready_out = 1 when all of them are ready. Idempotent. */
	int (*are_additional_items_ready)(
		lb_restore_item_action *self,
		lb_call *call,
		const char *additional_items_json,
		const char *restore_json,
		int *ready_out);

	/** Required. Release the instance; @p self may be NULL. */
	void (*destroy)(lb_restore_item_action *self);
	/* Members above: abi_minor >= 0. Append only; never reorder, retype or remove. */
} lb_restore_item_action_methods;

#define LB_RESTORE_ITEM_ACTION_METHODS_HEADER                                                      \
	sizeof(lb_restore_item_action_methods), LB_RESTORE_ITEM_ACTION_ABI_MINOR

#ifdef __cplusplus
}
#endif
#endif /* LIFEBOAT_PLUGIN_RESTORE_ITEM_ACTION_H */
