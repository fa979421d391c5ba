/* Which method each PVC gets (select.h). */
#include "select.h"

#include <stdio.h>
#include <string.h>

#include "volume.h"
#include "locator.h"

int
lb_volume_csv_has(const char *csv, const char *name)
{
	const char *p = csv;
	size_t n = strlen(name);

	if (!csv || !n)
		return 0;
	while (*p) {
		const char *end = strchr(p, ','), *b = p, *e;

		if (!end)
			end = p + strlen(p);
		e = end;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t) (e - b) == n && strncmp(b, name, n) == 0)
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static const char *
annotation(const cJSON *o, const char *key)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");

	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(md, "annotations"), key));
}

int
lb_volume_select(const cJSON *pvc,
                 const cJSON *const *pods,
                 size_t npods,
                 int mode,
                 int default_fs,
                 int is_csi,
                 char *why,
                 size_t why_size)
{
	const char *claim = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pvc, "metadata"), "name"));
	const char *ann = annotation(pvc, LB_VOLUME_ANN_PVC);
	int opted_in = 0, opted_out = 0, bits = 0;
	size_t i;

	snprintf(why, why_size, "%s", "");
	if (!mode) {
		snprintf(why, why_size, "volume data is off (--volume-data none)");
		return 0;
	}
	if (ann) {
		if (lb_volume_parse_mode(ann, &bits) < 0) {
			snprintf(why, why_size,
			         "annotation %s: \"%s\" is not none, fs-copy, csi or both",
			         LB_VOLUME_ANN_PVC, ann);
			return -1;
		}
		if ((bits & LB_VOLUME_CSI) && !is_csi) {
			bits &= ~LB_VOLUME_CSI;
			snprintf(why, why_size, "annotation %s=%s; not a CSI volume",
			         LB_VOLUME_ANN_PVC, ann);
		} else {
			snprintf(why, why_size, "annotation %s=%s", LB_VOLUME_ANN_PVC, ann);
		}
		return bits;
	}
	for (i = 0; claim && i < npods; i++) {
		const char *vol = lb_volume_pod_volume_for(pods[i], claim);

		if (!vol)
			continue;
		if (lb_volume_csv_has(annotation(pods[i], LB_VOLUME_ANN_EXCLUDE), vol))
			opted_out = 1;
		if (lb_volume_csv_has(annotation(pods[i], LB_VOLUME_ANN_INCLUDE), vol))
			opted_in = 1;
	}
	if (opted_out) {
		snprintf(why, why_size, "opted out by %s", LB_VOLUME_ANN_EXCLUDE);
		return (mode & LB_VOLUME_CSI) && is_csi ? LB_VOLUME_CSI : 0;
	}
	if (mode == LB_VOLUME_CSI) {
		/* as Velero: an fs-backup opt-in wins over the snapshot */
		if (opted_in) {
			snprintf(why, why_size, "opted in by %s", LB_VOLUME_ANN_INCLUDE);
			return LB_VOLUME_FSCOPY;
		}
		if (!is_csi) {
			snprintf(why, why_size, "not a CSI volume and --volume-data csi");
			return 0;
		}
		snprintf(why, why_size, "CSI volume");
		return LB_VOLUME_CSI;
	}
	if (opted_in) {
		snprintf(why, why_size, "opted in by %s", LB_VOLUME_ANN_INCLUDE);
		bits = LB_VOLUME_FSCOPY;
	} else if (default_fs) {
		snprintf(why, why_size, "default-volumes-to-fs-backup");
		bits = LB_VOLUME_FSCOPY;
	} else {
		snprintf(why, why_size, "not opted in (default-volumes-to-fs-backup is false)");
	}
	if ((mode & LB_VOLUME_CSI) && is_csi)
		bits |= LB_VOLUME_CSI;
	return bits;
}
