"""The resources the simulator serves: built-in kinds, version profiles, and
CRD-registered kinds. Discovery documents are computed from this registry."""
import re

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
CLUSTER_VERBS = ALL_VERBS
SUB_VERBS = ["get", "patch", "update"]


class Resource:
    """One resource (group + plural), served under one or more versions."""

    def __init__(self, group, versions, plural, kind, namespaced=True, short=(),
                 status=False, singular=None, categories=(), crd=None, scale=False,
                 verbs=None):
        self.group = group
        self.versions = list(versions)
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
        self.short = list(short)
        self.status = status
        self.scale = scale
        self.singular = singular or kind.lower()
        self.categories = list(categories)
        self.crd = crd          # name of the owning CRD, None for built-ins
        self.verbs = list(verbs or ALL_VERBS)
        self.printer_columns = {}   # version -> CRD additionalPrinterColumns
        self.storage_version = self.versions[0]

    @property
    def key(self):
        return (self.group, self.plural)

    def gv(self, version):
        return version if not self.group else "%s/%s" % (self.group, version)

    def list_kind(self):
        return self.kind + "List"


def version_priority(v):
    """Sort key, smaller first, in kube-apiserver's version priority:
    v2 > v1 > v11beta2 > v10beta3 > v3beta1 > v12alpha1 > v11alpha2 > foo1 > foo10."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", v)
    if not m:
        return (3, 0, 0, v)
    major = int(m.group(1))
    if m.group(2) is None:
        return (0, -major, 0, "")
    minor = int(m.group(3))
    return (1 if m.group(2) == "beta" else 2, -major, -minor, "")


def sort_versions(vs):
    return sorted(set(vs), key=version_priority)


# Built-in groups in the order kube-apiserver lists them.
GROUP_ORDER = ["", "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io",
               "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
               "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
               "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
               "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io",
               "snapshot.storage.k8s.io", "example.lifeboat.io"]

# Served versions per group under each profile. A group absent from a profile keeps
# the default. "--serve GROUP=v1,v2" overrides any profile.
PROFILES = {
    "default": {"autoscaling": ["v2", "v1"], "example.lifeboat.io": ["v1", "v1beta1"],
                "batch": ["v1"]},
    # An older cluster: autoscaling only v1, the test group only v1beta1.
    "old": {"autoscaling": ["v1"], "example.lifeboat.io": ["v1beta1"], "batch": ["v1", "v1beta1"]},
    # A newer cluster: autoscaling only v2, the test group only v1.
    "new": {"autoscaling": ["v2"], "example.lifeboat.io": ["v1"], "batch": ["v1"]},
}


def builtin_resources(group_versions):
    """group_versions: dict group -> list of versions for the groups that vary."""
    def gv(group, default):
        return group_versions.get(group, default)

    R = Resource
    out = [
        # core/v1
        R("", ["v1"], "namespaces", "Namespace", False, ["ns"], status=True),
        R("", ["v1"], "nodes", "Node", False, ["no"], status=True),
        R("", ["v1"], "pods", "Pod", True, ["po"], status=True, categories=["all"]),
        R("", ["v1"], "services", "Service", True, ["svc"], status=True, categories=["all"]),
        R("", ["v1"], "endpoints", "Endpoints", True, ["ep"], singular="endpoints"),
        R("", ["v1"], "configmaps", "ConfigMap", True, ["cm"]),
        R("", ["v1"], "secrets", "Secret", True),
        R("", ["v1"], "serviceaccounts", "ServiceAccount", True, ["sa"]),
        R("", ["v1"], "events", "Event", True, ["ev"]),
        R("", ["v1"], "persistentvolumes", "PersistentVolume", False, ["pv"], status=True),
        R("", ["v1"], "persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"],
          status=True),
        R("", ["v1"], "resourcequotas", "ResourceQuota", True, ["quota"], status=True),
        R("", ["v1"], "limitranges", "LimitRange", True, ["limits"]),
        R("", ["v1"], "replicationcontrollers", "ReplicationController", True, ["rc"],
          status=True, categories=["all"], scale=True),
        R("", ["v1"], "podtemplates", "PodTemplate", True),
        # apps/v1
        R("apps", ["v1"], "deployments", "Deployment", True, ["deploy"], status=True,
          categories=["all"], scale=True),
        R("apps", ["v1"], "replicasets", "ReplicaSet", True, ["rs"], status=True,
          categories=["all"], scale=True),
        R("apps", ["v1"], "statefulsets", "StatefulSet", True, ["sts"], status=True,
          categories=["all"], scale=True),
        R("apps", ["v1"], "daemonsets", "DaemonSet", True, ["ds"], status=True,
          categories=["all"]),
        R("apps", ["v1"], "controllerrevisions", "ControllerRevision", True),
        # batch
        R("batch", gv("batch", ["v1"]), "jobs", "Job", True, status=True, categories=["all"]),
        R("batch", gv("batch", ["v1"]), "cronjobs", "CronJob", True, ["cj"], status=True,
          categories=["all"]),
        # autoscaling
        R("autoscaling", gv("autoscaling", ["v2", "v1"]), "horizontalpodautoscalers",
          "HorizontalPodAutoscaler", True, ["hpa"], status=True, categories=["all"]),
        # networking, policy, rbac, storage
        R("networking.k8s.io", ["v1"], "ingresses", "Ingress", True, ["ing"], status=True),
        R("networking.k8s.io", ["v1"], "ingressclasses", "IngressClass", False),
        R("networking.k8s.io", ["v1"], "networkpolicies", "NetworkPolicy", True, ["netpol"]),
        R("policy", ["v1"], "poddisruptionbudgets", "PodDisruptionBudget", True, ["pdb"],
          status=True),
        R("rbac.authorization.k8s.io", ["v1"], "roles", "Role", True),
        R("rbac.authorization.k8s.io", ["v1"], "rolebindings", "RoleBinding", True),
        R("rbac.authorization.k8s.io", ["v1"], "clusterroles", "ClusterRole", False),
        R("rbac.authorization.k8s.io", ["v1"], "clusterrolebindings", "ClusterRoleBinding",
          False),
        R("storage.k8s.io", ["v1"], "storageclasses", "StorageClass", False, ["sc"]),
        R("storage.k8s.io", ["v1"], "csidrivers", "CSIDriver", False),
        R("storage.k8s.io", ["v1"], "volumeattachments", "VolumeAttachment", False,
          status=True),
        # authorization reviews: create only, answered (allowed) and never stored
        R("authorization.k8s.io", ["v1"], "selfsubjectaccessreviews",
          "SelfSubjectAccessReview", False, verbs=["create"]),
        R("authorization.k8s.io", ["v1"], "selfsubjectrulesreviews",
          "SelfSubjectRulesReview", False, verbs=["create"]),
        R("authorization.k8s.io", ["v1"], "subjectaccessreviews", "SubjectAccessReview",
          False, verbs=["create"]),
        R("authorization.k8s.io", ["v1"], "localsubjectaccessreviews",
          "LocalSubjectAccessReview", True, verbs=["create"]),
        R("scheduling.k8s.io", ["v1"], "priorityclasses", "PriorityClass", False, ["pc"]),
        R("coordination.k8s.io", ["v1"], "leases", "Lease", True),
        R("discovery.k8s.io", ["v1"], "endpointslices", "EndpointSlice", True),
        R("apiextensions.k8s.io", ["v1"], "customresourcedefinitions",
          "CustomResourceDefinition", False, ["crd", "crds"], status=True),
        # external snapshotter (installed as CRDs in real clusters; built in here)
        R("snapshot.storage.k8s.io", ["v1"], "volumesnapshots", "VolumeSnapshot", True,
          ["vs"], status=True),
        R("snapshot.storage.k8s.io", ["v1"], "volumesnapshotcontents",
          "VolumeSnapshotContent", False, ["vsc", "vscs"], status=True),
        R("snapshot.storage.k8s.io", ["v1"], "volumesnapshotclasses", "VolumeSnapshotClass",
          False, ["vsclass", "vsclasses"]),
        # a built-in test group whose served versions depend on the profile
        R("example.lifeboat.io", gv("example.lifeboat.io", ["v1", "v1beta1"]), "gadgets",
          "Gadget", True, ["gd"], status=True),
    ]
    for r in out:
        r.versions = sort_versions(r.versions)
        r.storage_version = r.versions[0]
    return out


class Registry:
    """All served resources, indexed for routing and discovery."""

    def __init__(self, profile="default", overrides=None):
        if profile not in PROFILES:
            raise SystemExit("k8s-sim: unknown profile %r (known: %s)"
                             % (profile, ", ".join(sorted(PROFILES))))
        gvs = dict(PROFILES["default"])
        gvs.update(PROFILES[profile])
        gvs.update(overrides or {})
        self.profile = profile
        self.by_key = {}
        for r in builtin_resources(gvs):
            self.by_key[r.key] = r
        for g, vs in (overrides or {}).items():
            if not any(r.group == g for r in self.by_key.values()):
                raise SystemExit("k8s-sim: --serve names unknown group %r" % g)
        self._rebuild()

    def _rebuild(self):
        self.by_gv_plural = {}
        self.gv_kind = {}
        for r in self.by_key.values():
            for v in r.versions:
                self.by_gv_plural[(r.group, v, r.plural)] = r
                self.gv_kind[(r.group, v, r.kind)] = r

    def add(self, res):
        self.by_key[res.key] = res
        self._rebuild()

    def remove(self, key):
        self.by_key.pop(key, None)
        self._rebuild()

    def lookup(self, group, version, plural):
        return self.by_gv_plural.get((group, version, plural))

    def by_kind(self, group, version, kind):
        return self.gv_kind.get((group, version, kind))

    def get(self, group, plural):
        return self.by_key.get((group, plural))

    def groups(self):
        """dict group -> sorted versions (priority order)."""
        gs = {}
        for r in self.by_key.values():
            gs.setdefault(r.group, set()).update(r.versions)
        return {g: sort_versions(vs) for g, vs in gs.items()}

    def group_order(self):
        gs = self.groups()
        known = [g for g in GROUP_ORDER if g in gs]
        rest = sorted(g for g in gs if g not in GROUP_ORDER)
        return [(g, gs[g]) for g in known + rest]

    # discovery documents
    def api_group(self, g, versions):
        vs = [{"groupVersion": "%s/%s" % (g, v), "version": v} for v in versions]
        return {"name": g, "versions": vs, "preferredVersion": vs[0]}

    def api_group_list(self):
        return {"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [self.api_group(g, vs) for g, vs in self.group_order() if g]}

    def resource_list(self, group, version):
        rs = [r for r in self.by_key.values() if r.group == group and version in r.versions]
        if not rs:
            return None
        items = []
        for r in sorted(rs, key=lambda r: r.plural):
            e = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                 "kind": r.kind, "verbs": list(r.verbs)}
            if r.short:
                e["shortNames"] = list(r.short)
            if r.categories:
                e["categories"] = list(r.categories)
            items.append(e)
            if r.status:
                items.append({"name": r.plural + "/status", "singularName": "",
                              "namespaced": r.namespaced, "kind": r.kind,
                              "verbs": list(SUB_VERBS)})
            if r.scale:
                items.append({"name": r.plural + "/scale", "singularName": "",
                              "namespaced": r.namespaced, "group": "autoscaling",
                              "version": "v1", "kind": "Scale", "verbs": list(SUB_VERBS)})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": version if not group else "%s/%s" % (group, version),
                "resources": items}
