/* Where a PVC's data lives on this node (locator.h). */
#include "locator.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/error.h"

static const cJSON *
get(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

static const char *
gets(const cJSON *o, const char *a, const char *b)
{
	return cJSON_GetStringValue(get(o, a, b));
}

const char *
lb_volume_pod_volume_for(const cJSON *pod, const char *claim)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, get(pod, "spec", "volumes"))
	{
		const char *c = gets(v, "persistentVolumeClaim", "claimName");

		if (c && strcmp(c, claim) == 0)
			return gets(v, "name", NULL);
	}
	return NULL;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
lb_volume_csi_dir(
    const char *map, const char *driver, const char *handle, const char *pv, char *buf, size_t size)
{
	const char *p = map;
	size_t dn = strlen(driver);

	while (p && *p) {
		const char *end = strchr(p, ','), *eq = strchr(p, '=');

		if (!end)
			end = p + strlen(p);
		if (eq && eq < end && (size_t) (eq - p) == dn && strncmp(p, driver, dn) == 0) {
			const char *t = eq + 1;
			size_t o = 0;

			while (t < end && o + 1 < size) {
				const char *val = NULL;
				size_t skip = 0;

				if (strncmp(t, "{volumeHandle}", 14) == 0)
					val = handle, skip = 14;
				else if (strncmp(t, "{pv}", 4) == 0)
					val = pv, skip = 4;
				else if (strncmp(t, "{driver}", 8) == 0)
					val = driver, skip = 8;
				if (val) {
					o += (size_t) snprintf(buf + o, size - o, "%s", val);
					if (o >= size)
						return lb_error_set(LB_EINVAL,
						                    "data-mover path too long");
					t += skip;
				} else {
					buf[o++] = *t++;
				}
			}
			buf[o] = '\0';
			return 0;
		}
		p = *end ? end + 1 : end;
	}
	return LB_ENOTFOUND;
}

static int
mounted(const lb_volume_locator *cfg,
        const cJSON *pvc,
        const cJSON *pv,
        const cJSON *const *pods,
        size_t npods,
        lb_volume_location *out)
{
	const char *claim = gets(pvc, "metadata", "name"), *pvname = gets(pv, "metadata", "name");
	const char *plugin = get(pv, "spec", "csi")        ? "kubernetes.io~csi"
	                     : get(pv, "spec", "local")    ? "kubernetes.io~local-volume"
	                     : get(pv, "spec", "hostPath") ? "kubernetes.io~host-path"
	                                                   : NULL;
	size_t i;

	if (!claim || !pvname || !plugin)
		return 0;
	for (i = 0; i < npods; i++) {
		const char *vol = lb_volume_pod_volume_for(pods[i], claim);
		const char *uid = gets(pods[i], "metadata", "uid");
		const char *phase = gets(pods[i], "status", "phase");
		char path[PATH_MAX];

		if (!vol || !uid || !phase || strcmp(phase, "Running") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/pods/%s/volumes/%s/%s%s", cfg->kubelet_dir, uid,
		         plugin, pvname, strcmp(plugin, "kubernetes.io~csi") == 0 ? "/mount" : "");
		if (!is_dir(path))
			continue;
		snprintf(out->path, sizeof(out->path), "%s", path);
		snprintf(out->how, sizeof(out->how), "mounted");
		snprintf(out->pod, sizeof(out->pod), "%s", gets(pods[i], "metadata", "name"));
		snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", uid);
		snprintf(out->volume, sizeof(out->volume), "%s", vol);
		return 1;
	}
	return 0;
}

int
lb_volume_locate(const lb_volume_locator *cfg,
                 const cJSON *pvc,
                 const cJSON *pv,
                 const cJSON *const *pods,
                 size_t npods,
                 lb_volume_location *out)
{
	const char *ns = gets(pvc, "metadata", "namespace"), *name = gets(pvc, "metadata", "name");
	const char *pvname = gets(pv, "metadata", "name"), *p, *ann;
	const cJSON *csi = get(pv, "spec", "csi");
	char tried[3 * PATH_MAX] = "", dir[PATH_MAX];

	memset(out, 0, sizeof(*out));
	if (!pv || !pvname)
		return lb_error_set(LB_EINVAL, "PVC %s/%s is not bound to a PersistentVolume",
		                    ns ? ns : "", name ? name : "");
	if (mounted(cfg, pvc, pv, pods, npods, out))
		return 0;
	snprintf(tried, sizeof(tried), "no running pod on this node mounts it under %s/pods",
	         cfg->kubelet_dir);
#define FOUND(dirpath, kind)                                                                       \
	do {                                                                                       \
		snprintf(out->path, sizeof(out->path), "%s", dirpath);                             \
		snprintf(out->how, sizeof(out->how), "%s", kind);                                  \
		return 0;                                                                          \
	} while (0)
#define TRIED(fmt, ...)                                                                            \
	snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "; " fmt, __VA_ARGS__)
	if ((p = gets(get(pv, "spec", "hostPath"), "path", NULL))) {
		if (is_dir(p))
			FOUND(p, "hostPath");
		TRIED("hostPath %s is not a directory here", p);
	}
	if ((p = gets(get(pv, "spec", "local"), "path", NULL))) {
		if (is_dir(p))
			FOUND(p, "local");
		TRIED("local path %s is not a directory here", p);
	}
	if (csi && cfg->csi_dirs && *cfg->csi_dirs) {
		const char *drv = gets(csi, "driver", NULL), *h = gets(csi, "volumeHandle", NULL);

		if (drv && h &&
		    lb_volume_csi_dir(cfg->csi_dirs, drv, h, pvname, dir, sizeof(dir)) == 0) {
			if (is_dir(dir))
				FOUND(dir, "data-mover");
			TRIED("data-mover dir %s does not exist", dir);
		}
	}
	ann = gets(get(pv, "metadata", "annotations"), LB_VOLUME_SIM_PATH_ANNOTATION, NULL);
	if (ann) {
		if (is_dir(ann))
			FOUND(ann, "annotation");
		TRIED("%s %s is not a directory", LB_VOLUME_SIM_PATH_ANNOTATION, ann);
	} else if (csi && (!cfg->csi_dirs || !*cfg->csi_dirs)) {
		TRIED("%s", "CSI volume and no data-mover mapping (--csi-volume-dirs)");
	}
#undef FOUND
#undef TRIED
	return lb_error_set(LB_ENOTFOUND,
	                    "cannot find the data of PVC %s/%s (PV %s) on this node: %s",
	                    ns ? ns : "", name ? name : "", pvname, tried);
}
