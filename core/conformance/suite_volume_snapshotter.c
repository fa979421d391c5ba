/* The VolumeSnapshotter contract (volume_snapshotter.h), as far as it can be checked
 * without provider volumes: foreign and malformed PVs, missing snapshots and volumes. */
#include "kit.h"

#include <string.h>

#include "json_check.h"
#include "rpc/call.h"
#include "samples.h"
#include "util/buf.h"

static lb_volume_snapshotter_handle *
H(lb_kit *kit)
{
	return kit->handle;
}

static void
t_foreign_pv(lb_kit *kit)
{
	lb_buf id = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	const char *cd = "get_volume_id(pv_json=<an NFS PersistentVolume>)";
	int error = H(kit)->m->get_volume_id(H(kit)->self, call, LB_KIT_FOREIGN_PV, &id);

	if (error < 0)
		lb_kit_fail_code(kit, cd, "0 and an empty volume ID", error, call);
	else if (id.len != 0)
		lb_kit_fail(kit, cd, "an empty volume ID (the volume is not this plugin's)", id.ptr,
		            "get_volume_id claimed a volume that belongs to no snapshotter");
	lb_buf_dispose(&id);
}

static void
t_bare_pv(lb_kit *kit)
{
	lb_buf id = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	const char *cd = "get_volume_id(pv_json=<a PersistentVolume without spec>)";
	int error = H(kit)->m->get_volume_id(H(kit)->self, call, LB_KIT_BARE_PV, &id);

	if (error < 0 && !lb_kit_clean_error(error, call))
		lb_kit_fail_code(kit, cd, "0 and an empty ID, or LB_EINVAL with a message", error,
		                 call);
	else if (error == 0 && id.len != 0)
		lb_kit_fail(kit, cd, "an empty volume ID", id.ptr,
		            "get_volume_id returned an ID for a PV without a volume source");
	lb_buf_dispose(&id);
}

static void
t_set_volume_id(lb_kit *kit)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	int error = H(kit)->m->set_volume_id(H(kit)->self, call, LB_KIT_FOREIGN_PV,
	                                     "lifeboat-conformance-volume", &out);

	lb_kit_check_outcome(kit,
	                     "set_volume_id(pv_json=<an NFS PersistentVolume>, "
	                     "volume_id=\"lifeboat-conformance-volume\")",
	                     error, call, out.ptr, lb_kit_check_object);
	lb_buf_dispose(&out);
}

static void
t_volume_info(lb_kit *kit)
{
	lb_buf type = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	int64_t iops = -2;
	const char *cd = "get_volume_info(volume_id=\"lifeboat-conformance-no-such-volume\", "
	                 "volume_az=\"\")";
	int error = H(kit)->m->get_volume_info(
	    H(kit)->self, call, "lifeboat-conformance-no-such-volume", "", &type, &iops);

	lb_kit_check_outcome(kit, cd, error, call, NULL, NULL);
	if (error == 0 && iops < -1)
		lb_kit_fail(kit, cd, "*iops_out >= -1 (-1: none)", "*iops_out left unset",
		            "get_volume_info succeeded without setting *iops_out");
	lb_buf_dispose(&type);
}

static void
t_delete_missing(lb_kit *kit)
{
	lb_call *call = lb_kit_call(kit);
	int error =
	    H(kit)->m->delete_snapshot(H(kit)->self, call, "lifeboat-conformance-no-such-snapshot");

	if (error < 0)
		lb_kit_fail_code(
		    kit, "delete_snapshot(snapshot_id=\"lifeboat-conformance-no-such-snapshot\")",
		    "0 (deleting a missing snapshot succeeds)", error, call);
}

static void
t_restore_missing(lb_kit *kit)
{
	lb_buf id = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	const char *cd = "create_volume_from_snapshot(snapshot_id=\"lifeboat-conformance-no-such-"
	                 "snapshot\", volume_type=\"\", volume_az=\"\", iops=-1)";
	int error = H(kit)->m->create_volume_from_snapshot(
	    H(kit)->self, call, "lifeboat-conformance-no-such-snapshot", "", "", -1, &id);

	if (error < 0 && !lb_kit_clean_error(error, call))
		lb_kit_fail_code(kit, cd, "LB_ENOTFOUND (or another error with a message)", error,
		                 call);
	else if (error == 0 && id.len == 0)
		lb_kit_fail(kit, cd, "a volume ID on success", "0 and an empty volume ID",
		            "create_volume_from_snapshot succeeded without a volume ID");
	lb_buf_dispose(&id);
}

int
lb_kit_volume_snapshotter_suite(lb_kit *kit)
{
	static const lb_kit_case cases[] = {
	    {"init accepts the configuration under test", lb_kit_t_init, 0},
	    {"init with an unknown config key fails cleanly or succeeds",
	     lb_kit_t_init_unknown_key_lenient, 0},
	    {"get_volume_id of a foreign (NFS) PV returns 0 and an empty ID", t_foreign_pv, 1},
	    {"get_volume_id of a PV without a volume source returns empty or fails cleanly",
	     t_bare_pv, 1},
	    {"set_volume_id returns a PersistentVolume JSON object or fails cleanly",
	     t_set_volume_id, 1},
	    {"get_volume_info of a missing volume fails cleanly or sets type and IOPS",
	     t_volume_info, 1},
	    {"delete_snapshot of a missing snapshot succeeds", t_delete_missing, 1},
	    {"create_volume_from_snapshot of a missing snapshot fails cleanly", t_restore_missing,
	     1},
	};

	return lb_kit_run(kit, cases, sizeof(cases) / sizeof(cases[0]));
}
