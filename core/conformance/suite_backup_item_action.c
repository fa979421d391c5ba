/* The BackupItemAction contract (backup_item_action.h): selector and output JSON shapes,
 * optional async methods either working or cleanly unsupported. */
#include "kit.h"

#include <string.h>

#include "json_check.h"
#include "rpc/call.h"
#include "samples.h"
#include "util/buf.h"

static lb_backup_item_action_handle *
H(lb_kit *kit)
{
	return kit->handle;
}

static void
t_applies_to(lb_kit *kit)
{
	lb_buf a = LB_BUF_INIT, b = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	const char *cd = "applies_to()";
	char why[512];
	const char *err;
	int error = H(kit)->m->applies_to(H(kit)->self, call, &a);

	if (error < 0) {
		lb_kit_fail_code(kit, cd, "0 and selector JSON (\"{}\" = everything)", error, call);
		goto done;
	}
	if ((err = lb_kit_check_selector(a.ptr, why, sizeof(why))) != NULL) {
		lb_kit_fail(kit, cd, "selector JSON (see backup_item_action.h)", a.ptr ? a.ptr : "",
		            "%s", err);
		goto done;
	}
	call = lb_kit_call(kit);
	error = H(kit)->m->applies_to(H(kit)->self, call, &b);
	if (error < 0)
		lb_kit_fail_code(kit, "applies_to() (second time)", "0", error, call);
	else if (b.ptr == NULL || strcmp(a.ptr, b.ptr) != 0)
		lb_kit_fail(kit, "applies_to() (second time)", a.ptr, b.ptr ? b.ptr : "",
		            "applies_to is not idempotent: it returned a different selector");
done:
	lb_buf_dispose(&a);
	lb_buf_dispose(&b);
}

static void
execute(lb_kit *kit, const char *what, const char *item)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	char cd[256], why[512];
	const char *err;
	int error = H(kit)->m->execute(H(kit)->self, call, item, LB_KIT_BACKUP, &out);

	lb_kit_fmt(cd, sizeof(cd), "execute(item_json=<%s>, backup_json=<a Backup>)", what);
	if (error < 0)
		lb_kit_fail_code(kit, cd, "0 and output JSON", error, call);
	else if ((err = lb_kit_check_bia_output(out.ptr, why, sizeof(why))) != NULL)
		lb_kit_fail(kit, cd, "output JSON (see backup_item_action.h)",
		            out.ptr ? out.ptr : "", "%s", err);
	lb_buf_dispose(&out);
}

static void
t_execute_configmap(lb_kit *kit)
{
	execute(kit, "a ConfigMap", LB_KIT_CONFIGMAP);
}

static void
t_execute_pvc(lb_kit *kit)
{
	execute(kit, "a bound PersistentVolumeClaim", LB_KIT_PVC);
}

static void
t_progress(lb_kit *kit)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	int error;

	if (H(kit)->m->progress == NULL) {
		lb_kit_skip(kit, "progress is not implemented (optional)");
		return;
	}
	error =
	    H(kit)->m->progress(H(kit)->self, call, LB_KIT_UNKNOWN_OPERATION, LB_KIT_BACKUP, &out);
	lb_kit_check_outcome(
	    kit, "progress(operation_id=\"" LB_KIT_UNKNOWN_OPERATION "\", backup_json=<a Backup>)",
	    error, call, out.ptr, lb_kit_check_progress);
	lb_buf_dispose(&out);
}

static void
t_cancel(lb_kit *kit)
{
	lb_call *call = lb_kit_call(kit);
	int error;

	if (H(kit)->m->cancel == NULL) {
		lb_kit_skip(kit, "cancel is not implemented (optional)");
		return;
	}
	error = H(kit)->m->cancel(H(kit)->self, call, LB_KIT_UNKNOWN_OPERATION, LB_KIT_BACKUP);
	lb_kit_check_outcome(
	    kit, "cancel(operation_id=\"" LB_KIT_UNKNOWN_OPERATION "\", backup_json=<a Backup>)",
	    error, call, NULL, NULL);
}

int
lb_kit_backup_item_action_suite(lb_kit *kit)
{
	static const lb_kit_case cases[] = {
	    {"init accepts the configuration under test", lb_kit_t_init, 0},
	    {"applies_to returns valid selector JSON, the same every time", t_applies_to, 1},
	    {"execute on a ConfigMap returns valid output JSON", t_execute_configmap, 1},
	    {"execute on a bound PersistentVolumeClaim returns valid output JSON", t_execute_pvc,
	     1},
	    {"progress of an unknown operation works or is cleanly unsupported", t_progress, 1},
	    {"cancel of an unknown operation works or is cleanly unsupported", t_cancel, 1},
	};

	return lb_kit_run(kit, cases, sizeof(cases) / sizeof(cases[0]));
}
