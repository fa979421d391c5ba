/* Restore priorities, as Velero's defaults (pkg/cmd/server/config/config.go). */
#include "order.h"

#include <stdlib.h>
#include <string.h>

static const char *const high[] = {
    "customresourcedefinitions.apiextensions.k8s.io", /* Velero names it by resource only */
    "customresourcedefinitions",
    "namespaces",
    "storageclasses.storage.k8s.io",
    "storageclasses",
    "volumesnapshotclass.snapshot.storage.k8s.io",
    "volumesnapshotcontents.snapshot.storage.k8s.io",
    "volumesnapshots.snapshot.storage.k8s.io",
    "datauploads.velero.io",
    "persistentvolumes",
    "persistentvolumeclaims",
    "clusterroles.rbac.authorization.k8s.io",
    "clusterroles",
    "roles.rbac.authorization.k8s.io",
    "roles",
    "serviceaccounts",
    "clusterrolebindings.rbac.authorization.k8s.io",
    "clusterrolebindings",
    "rolebindings.rbac.authorization.k8s.io",
    "rolebindings",
    "secrets",
    "configmaps",
    "limitranges",
    "priorityclasses.scheduling.k8s.io",
    "priorityclasses",
    "pods",
    "replicasets.apps",
    "clusterclasses.cluster.x-k8s.io",
    "endpoints",
    "services",
};

static const char *const low[] = {
    "clusterbootstraps.run.tanzu.vmware.com",      "clusters.cluster.x-k8s.io",
    "clusterresourcesets.addons.cluster.x-k8s.io", "apps.kappctrl.k14s.io",
    "packageinstalls.packaging.carvel.dev",
};

static const char *const never[] = {
    "nodes",
    "events",
    "events.events.k8s.io",
    "backups.velero.io",
    "restores.velero.io",
    "resticrepositories.velero.io",
    "backuprepositories.velero.io",
    "csinodes.storage.k8s.io",
    "volumeattachments.storage.k8s.io",
};

int
lb_restore_rank(const char *gr)
{
	size_t i;

	for (i = 0; i < sizeof(high) / sizeof(high[0]); i++)
		if (strcmp(gr, high[i]) == 0)
			return (int) i;
	for (i = 0; i < sizeof(low) / sizeof(low[0]); i++)
		if (strcmp(gr, low[i]) == 0)
			return 2000 + (int) i;
	return 1000;
}

int
lb_restore_never(const char *gr)
{
	size_t i;

	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (strcmp(gr, never[i]) == 0)
			return 1;
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *) a, *y = *(const char *const *) b;
	int rx = lb_restore_rank(x), ry = lb_restore_rank(y);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x, y);
}

void
lb_restore_order(const char **grs, size_t n)
{
	qsort(grs, n, sizeof(*grs), cmp);
}
