/* Version choice per group-resource. */
#include "version.h"

#include <string.h>

#include "kube/kube.h"

static int
has(const char *const *l, size_t n, const char *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i], v) == 0)
			return 1;
	return 0;
}

const char *
lb_restore_choose_version(const char *const *backup,
                          size_t nbackup,
                          const char *const *target,
                          size_t ntarget)
{
	const char *best = NULL;
	size_t i;

	if (!nbackup)
		return NULL;
	if (ntarget && has(backup, nbackup, target[0]))
		return target[0];
	if (has(target, ntarget, backup[0]))
		return backup[0];
	for (i = 0; i < nbackup; i++)
		if (has(target, ntarget, backup[i]) &&
		    (!best || lb_kube_version_compare(backup[i], best) < 0))
			best = backup[i];
	return best ? best : backup[0];
}
