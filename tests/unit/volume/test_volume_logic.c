/* Unit tests: the volume locator, the selection rules (Velero's annotations), the
 * data-mover mapping, the CSI class choice, flags and the password resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "csi-snapshot/csi.h"
#include "util/error.h"
#include "volume/locator.h"
#include "volume/select.h"
#include "volume/volume.h"

static char tmp[256];

static int
setup(void **state)
{
	(void) state;
	snprintf(tmp, sizeof(tmp), "/tmp/volume-unit.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void) state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static cJSON *
J(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	cJSON *o;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o = cJSON_Parse(buf);
	assert_non_null(o);
	return o;
}

static void
mkdirs(const char *path)
{
	char cmd[PATH_MAX + 200];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
}

#define PVC(name)                                                                                  \
	J("{\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns\",\"uid\":\"u1\"},"                   \
	  "\"spec\":{\"volumeName\":\"pv1\"},\"status\":{\"phase\":\"Bound\"}}",                   \
	  name)

static cJSON *
pod(const char *name,
    const char *uid,
    const char *phase,
    const char *claim,
    const char *incl,
    const char *excl)
{
	return J("{\"metadata\":{\"name\":\"%s\",\"uid\":\"%s\",\"annotations\":{%s%s%s%s%s%s%s}},"
	         "\"spec\":{\"volumes\":[{\"name\":\"scratch\",\"emptyDir\":{}},"
	         "{\"name\":\"vol-%s\",\"persistentVolumeClaim\":{\"claimName\":\"%s\"}}]},"
	         "\"status\":{\"phase\":\"%s\"}}",
	         name, uid, incl ? "\"" LB_VOLUME_ANN_INCLUDE "\":\"" : "", incl ? incl : "",
	         incl ? "\"" : "", incl && excl ? "," : "",
	         excl ? "\"" LB_VOLUME_ANN_EXCLUDE "\":\"" : "", excl ? excl : "", excl ? "\"" : "",
	         claim, claim, phase);
}

static void
test_locate_mounted_prefers_running_pod(void **state)
{
	char kubelet[PATH_MAX], mnt[PATH_MAX + 100], data[PATH_MAX];
	cJSON *pvc = PVC("data"), *pv, *p1, *p2;
	const cJSON *pods[2];
	lb_volume_locator cfg;
	lb_volume_location loc;

	(void) state;
	snprintf(kubelet, sizeof(kubelet), "%s/kubelet", tmp);
	snprintf(data, sizeof(data), "%s/vol", tmp);
	mkdirs(data);
	snprintf(mnt, sizeof(mnt), "%s/pods/uid-b/volumes/kubernetes.io~csi/pv1", kubelet);
	mkdirs(mnt);
	strcat(mnt, "/mount");
	assert_int_equal(symlink(data, mnt), 0);
	pv = J("{\"metadata\":{\"name\":\"pv1\",\"annotations\":{\"sim.lifeboat.io/path\":\"%s\"}},"
	       "\"spec\":{\"csi\":{\"driver\":\"d\",\"volumeHandle\":\"h\"}}}",
	       data);
	p1 = pod("pending", "uid-a", "Pending", "data", NULL, NULL);
	p2 = pod("web", "uid-b", "Running", "data", NULL, NULL);
	pods[0] = p1;
	pods[1] = p2;
	cfg.kubelet_dir = kubelet;
	cfg.csi_dirs = NULL;
	assert_int_equal(lb_volume_locate(&cfg, pvc, pv, pods, 2, &loc), 0);
	assert_string_equal(loc.how, "mounted");
	assert_string_equal(loc.pod, "web");
	assert_string_equal(loc.volume, "vol-data");
	assert_string_equal(loc.path, mnt);
	/* no pod: the PV's own path */
	assert_int_equal(lb_volume_locate(&cfg, pvc, pv, pods, 1, &loc), 0);
	assert_string_equal(loc.how, "annotation");
	assert_string_equal(loc.path, data);
	assert_string_equal(loc.pod, "");
	cJSON_Delete(pvc);
	cJSON_Delete(pv);
	cJSON_Delete(p1);
	cJSON_Delete(p2);
}

static void
test_locate_unmounted_paths(void **state)
{
	char dir[PATH_MAX];
	cJSON *pvc = PVC("data"), *pv;
	lb_volume_locator cfg = {"/nonexistent/kubelet", NULL};
	lb_volume_location loc;

	(void) state;
	snprintf(dir, sizeof(dir), "%s/host", tmp);
	mkdirs(dir);
	pv = J("{\"metadata\":{\"name\":\"pv1\"},\"spec\":{\"hostPath\":{\"path\":\"%s\"}}}", dir);
	assert_int_equal(lb_volume_locate(&cfg, pvc, pv, NULL, 0, &loc), 0);
	assert_string_equal(loc.how, "hostPath");
	cJSON_Delete(pv);
	pv = J("{\"metadata\":{\"name\":\"pv1\"},\"spec\":{\"local\":{\"path\":\"%s\"}}}", dir);
	assert_int_equal(lb_volume_locate(&cfg, pvc, pv, NULL, 0, &loc), 0);
	assert_string_equal(loc.how, "local");
	cJSON_Delete(pv);
	/* CSI through the data-mover mapping */
	snprintf(dir, sizeof(dir), "%s/mover/h-42", tmp);
	mkdirs(dir);
	pv = J("{\"metadata\":{\"name\":\"pv1\"},\"spec\":{\"csi\":{\"driver\":\"ebs\","
	       "\"volumeHandle\":\"h-42\"}}}");
	{
		char map[PATH_MAX];

		snprintf(map, sizeof(map), "other=/x/{pv},ebs=%s/mover/{volumeHandle}", tmp);
		cfg.csi_dirs = map;
		assert_int_equal(lb_volume_locate(&cfg, pvc, pv, NULL, 0, &loc), 0);
		assert_string_equal(loc.how, "data-mover");
		assert_string_equal(loc.path, dir);
	}
	/* nothing: a message that says what was tried */
	cfg.csi_dirs = NULL;
	assert_int_equal(lb_volume_locate(&cfg, pvc, pv, NULL, 0, &loc), LB_ENOTFOUND);
	assert_non_null(strstr(lb_error_last(LB_ENOTFOUND), "PVC ns/data"));
	assert_non_null(strstr(lb_error_last(LB_ENOTFOUND), "--csi-volume-dirs"));
	cJSON_Delete(pv);
	/* a missing hostPath dir is named */
	pv = J("{\"metadata\":{\"name\":\"pv1\"},\"spec\":{\"hostPath\":{\"path\":\"/no/such\"}}}");
	assert_int_equal(lb_volume_locate(&cfg, pvc, pv, NULL, 0, &loc), LB_ENOTFOUND);
	assert_non_null(strstr(lb_error_last(LB_ENOTFOUND), "hostPath /no/such"));
	cJSON_Delete(pv);
	/* unbound */
	assert_int_equal(lb_volume_locate(&cfg, pvc, NULL, NULL, 0, &loc), LB_EINVAL);
	cJSON_Delete(pvc);
}

static void
test_csi_dir_template(void **state)
{
	char buf[64];

	(void) state;
	assert_int_equal(
	    lb_volume_csi_dir("a=/v/{driver}/{pv}/{volumeHandle}", "a", "h", "p", buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "/v/a/p/h");
	assert_int_equal(lb_volume_csi_dir("ab=/x,b=/y", "a", "h", "p", buf, sizeof(buf)),
	                 LB_ENOTFOUND);
}

static void
test_csv_has(void **state)
{
	(void) state;
	assert_true(lb_volume_csv_has("a, data ,b", "data"));
	assert_false(lb_volume_csv_has("database", "data"));
	assert_false(lb_volume_csv_has(NULL, "data"));
	assert_false(lb_volume_csv_has("", "data"));
}

static void
test_select_rules(void **state)
{
	cJSON *pvc = PVC("data"), *in = pod("p", "u", "Running", "data", "vol-data", NULL),
	      *out = pod("q", "v", "Running", "data", NULL, "scratch,vol-data"),
	      *other = pod("r", "w", "Running", "data", "scratch", NULL), *ann;
	const cJSON *pods[2];
	char why[256];
	const int F = LB_VOLUME_FSCOPY, C = LB_VOLUME_CSI;

	(void) state;
	/* default on: everything, unmounted too */
	assert_int_equal(lb_volume_select(pvc, NULL, 0, F, 1, 1, why, sizeof(why)), F);
	/* default off (Velero's opt-in): only annotated volumes */
	assert_int_equal(lb_volume_select(pvc, NULL, 0, F, 0, 1, why, sizeof(why)), 0);
	pods[0] = other;
	assert_int_equal(lb_volume_select(pvc, pods, 1, F, 0, 1, why, sizeof(why)), 0);
	pods[0] = in;
	assert_int_equal(lb_volume_select(pvc, pods, 1, F, 0, 1, why, sizeof(why)), F);
	assert_non_null(strstr(why, "opted in"));
	/* opt-out wins over default and over another pod's opt-in */
	pods[0] = out;
	assert_int_equal(lb_volume_select(pvc, pods, 1, F, 1, 1, why, sizeof(why)), 0);
	pods[1] = in;
	assert_int_equal(lb_volume_select(pvc, pods, 2, F, 1, 1, why, sizeof(why)), 0);
	/* CSI: snapshots of CSI volumes; an fs opt-in wins in csi mode, as Velero */
	assert_int_equal(lb_volume_select(pvc, NULL, 0, C, 1, 1, why, sizeof(why)), C);
	assert_int_equal(lb_volume_select(pvc, NULL, 0, C, 1, 0, why, sizeof(why)), 0);
	pods[0] = in;
	assert_int_equal(lb_volume_select(pvc, pods, 1, C, 0, 1, why, sizeof(why)), F);
	/* both */
	assert_int_equal(lb_volume_select(pvc, NULL, 0, F | C, 1, 1, why, sizeof(why)), F | C);
	assert_int_equal(lb_volume_select(pvc, NULL, 0, F | C, 1, 0, why, sizeof(why)), F);
	pods[0] = out;
	assert_int_equal(lb_volume_select(pvc, pods, 1, F | C, 1, 1, why, sizeof(why)), C);
	/* none */
	assert_int_equal(lb_volume_select(pvc, NULL, 0, 0, 1, 1, why, sizeof(why)), 0);
	/* the PVC annotation overrides */
	ann = J("{\"metadata\":{\"name\":\"data\",\"annotations\":{\"" LB_VOLUME_ANN_PVC
	        "\":\"both\"}}}");
	assert_int_equal(lb_volume_select(ann, NULL, 0, F, 0, 1, why, sizeof(why)), F | C);
	assert_int_equal(lb_volume_select(ann, NULL, 0, F, 0, 0, why, sizeof(why)), F);
	cJSON_Delete(ann);
	ann = J("{\"metadata\":{\"name\":\"data\",\"annotations\":{\"" LB_VOLUME_ANN_PVC
	        "\":\"sometimes\"}}}");
	assert_int_equal(lb_volume_select(ann, NULL, 0, F, 1, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "sometimes"));
	cJSON_Delete(ann);
	cJSON_Delete(pvc);
	cJSON_Delete(in);
	cJSON_Delete(out);
	cJSON_Delete(other);
}

static void
test_pick_class(void **state)
{
	cJSON *c =
	    J("[{\"metadata\":{\"name\":\"a\"},\"driver\":\"x\"},"
	      "{\"metadata\":{\"name\":\"b\",\"annotations\":{\"" LB_CSI_DEFAULT_CLASS_ANNOTATION
	      "\":\"true\"}},\"driver\":\"y\"},"
	      "{\"metadata\":{\"name\":\"c\"},\"driver\":\"y\"},"
	      "{\"metadata\":{\"name\":\"d\",\"labels\":{\"" LB_CSI_CLASS_LABEL
	      "\":\"true\"}},\"driver\":\"y\"},"
	      "{\"metadata\":{\"name\":\"e\"},\"driver\":\"z\"},"
	      "{\"metadata\":{\"name\":\"f\"},\"driver\":\"z\"}]");

	(void) state;
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(lb_csi_pick_class(c, "x"), "metadata"), "name")
	        ->valuestring,
	    "a");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(lb_csi_pick_class(c, "y"), "metadata"), "name")
	        ->valuestring,
	    "d");
	assert_null(lb_csi_pick_class(c, "z")); /* two, none marked */
	assert_null(lb_csi_pick_class(c, "nope"));
	cJSON_Delete(c);
}

static void
test_flags(void **state)
{
	char *argv[] = {"lifeboat",
	                "--volume-data",
	                "both",
	                "--snapshot-volumes=false",
	                "--default-volumes-to-fs-backup=false",
	                "--kubelet-dir=/k",
	                "--csi-snapshot-timeout",
	                "90s",
	                "--other",
	                "--volume-data=maybe"};
	lb_volume_opts o = LB_VOLUME_OPTS_INIT;
	int i = 1;

	(void) state;
	assert_int_equal(lb_volume_cli_flag(10, argv, &i, &o), 1);
	assert_int_equal(i, 2);
	assert_int_equal(o.mode, LB_VOLUME_FSCOPY | LB_VOLUME_CSI);
	i = 3;
	assert_int_equal(lb_volume_cli_flag(10, argv, &i, &o), 1);
	assert_int_equal(o.mode, LB_VOLUME_FSCOPY);
	i = 4;
	assert_int_equal(lb_volume_cli_flag(10, argv, &i, &o), 1);
	assert_int_equal(o.default_fs, 0);
	i = 5;
	assert_int_equal(lb_volume_cli_flag(10, argv, &i, &o), 1);
	assert_string_equal(o.kubelet_dir, "/k");
	i = 6;
	assert_int_equal(lb_volume_cli_flag(10, argv, &i, &o), 1);
	assert_int_equal(o.csi_timeout_ms, 90000);
	i = 8;
	assert_int_equal(lb_volume_cli_flag(10, argv, &i, &o), 0);
	i = 9;
	assert_true(lb_volume_cli_flag(10, argv, &i, &o) < 0);
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "maybe"));
}

static void
test_password_order(void **state)
{
	lb_settings s;
	lb_storage_location_cfg l;
	lb_kv kv[1];
	lb_volume_opts o = LB_VOLUME_OPTS_INIT;
	char path[PATH_MAX], *pw = NULL;
	FILE *f;

	(void) state;
	unsetenv("LIFEBOAT_REPO_PASSWORD");
	memset(&s, 0, sizeof(s));
	memset(&l, 0, sizeof(l));
	o.settings = &s;
	o.location = &l;
	assert_int_equal(lb_volume_password(&o, &pw), LB_EINVAL);
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "LIFEBOAT_REPO_PASSWORD"));
	setenv("LIFEBOAT_REPO_PASSWORD", "from-env", 1);
	assert_int_equal(lb_volume_password(&o, &pw), 0);
	assert_string_equal(pw, "from-env");
	free(pw);
	snprintf(path, sizeof(path), "%s/pw", tmp);
	f = fopen(path, "w");
	fputs("from-file\n", f);
	fclose(f);
	s.repo_password_file = path;
	assert_int_equal(lb_volume_password(&o, &pw), 0);
	assert_string_equal(pw, "from-file");
	free(pw);
	kv[0].key = "repoPassword";
	kv[0].value = "from-location";
	l.config.items = kv;
	l.config.count = 1;
	assert_int_equal(lb_volume_password(&o, &pw), 0);
	assert_string_equal(pw, "from-location");
	free(pw);
	l.config.count = 0;
	s.repo_password_file = "/no/such/pw";
	assert_true(lb_volume_password(&o, &pw) < 0);
	assert_non_null(strstr(lb_error_last(LB_ENOTFOUND), "/no/such/pw"));
	unsetenv("LIFEBOAT_REPO_PASSWORD");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_locate_mounted_prefers_running_pod),
	    cmocka_unit_test(test_locate_unmounted_paths),
	    cmocka_unit_test(test_csi_dir_template),
	    cmocka_unit_test(test_csv_has),
	    cmocka_unit_test(test_select_rules),
	    cmocka_unit_test(test_pick_class),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_password_order),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
