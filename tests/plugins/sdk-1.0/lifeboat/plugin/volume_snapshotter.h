/*
 * Lifeboat plugin SDK: VolumeSnapshotter, provider-native volume snapshots.
 *
 * Semantics follow Velero's VolumeSnapshotter v1. Kubernetes objects cross the boundary as
 * JSON text (NUL-terminated UTF-8). Context, ownership and errors as in object_store.h.
 */
#ifndef LIFEBOAT_PLUGIN_VOLUME_SNAPSHOTTER_H
#define LIFEBOAT_PLUGIN_VOLUME_SNAPSHOTTER_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LB_VOLUME_SNAPSHOTTER_ABI_MINOR 0

typedef struct lb_volume_snapshotter lb_volume_snapshotter;

typedef struct lb_volume_snapshotter_methods {
	uint32_t struct_size;
	uint32_t abi_minor;
	const char *name;

	/** Required. @p config is the snapshot location's config plus `credentialsFile`. */
	int (*init)(lb_call *call, const lb_config *config, lb_volume_snapshotter **self_out);

	/** Required. New volume from @p snapshot_id; its ID goes to @p volume_id_out.
	 *  @p iops is -1 when unset. Not idempotent. */
	int (*create_volume_from_snapshot)(
		lb_volume_snapshotter *self,
		lb_call *call,
		const char *snapshot_id,
		const char *volume_type,
		const char *volume_az,
		int64_t iops,
		lb_buf *volume_id_out);

	/** Required. The provider's volume ID for the PersistentVolume @p pv_json; leave
	 *  @p volume_id_out empty when the volume is not this plugin's. Idempotent. */
	int (*get_volume_id)(
		lb_volume_snapshotter *self,
		lb_call *call,
		const char *pv_json,
		lb_buf *volume_id_out);

	/** Required. @p pv_json with its volume ID replaced by @p volume_id. Idempotent. */
	int (*set_volume_id)(
		lb_volume_snapshotter *self,
		lb_call *call,
		const char *pv_json,
		const char *volume_id,
		lb_buf *pv_json_out);

	/** Required. Volume type into @p volume_type_out and IOPS into *iops_out (-1: none). */
	int (*get_volume_info)(
		lb_volume_snapshotter *self,
		lb_call *call,
		const char *volume_id,
		const char *volume_az,
		lb_buf *volume_type_out,
		int64_t *iops_out);

	/** Required. Snapshot @p volume_id, tagging it with @p tags. Not idempotent. */
	int (*create_snapshot)(
		lb_volume_snapshotter *self,
		lb_call *call,
		const char *volume_id,
		const char *volume_az,
		const lb_config *tags,
		lb_buf *snapshot_id_out);

	/** Required. Deleting a missing snapshot succeeds. Idempotent. */
	int (*delete_snapshot)(lb_volume_snapshotter *self, lb_call *call, const char *snapshot_id);

	/** Required. Release the instance; @p self may be NULL. */
	void (*destroy)(lb_volume_snapshotter *self);
	/* Members above: abi_minor >= 0. Append only; never reorder, retype or remove. */
} lb_volume_snapshotter_methods;

#define LB_VOLUME_SNAPSHOTTER_METHODS_HEADER                                                       \
	sizeof(lb_volume_snapshotter_methods), LB_VOLUME_SNAPSHOTTER_ABI_MINOR

#ifdef __cplusplus
}
#endif
#endif /* LIFEBOAT_PLUGIN_VOLUME_SNAPSHOTTER_H */
