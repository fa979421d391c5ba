"""The resource types the simulator serves: built-in kinds and those CRDs register."""

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

# Version priority as kube orders them: GA > beta > alpha, higher numbers first.
import re

_VER_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(v):
    m = _VER_RE.match(v)
    if not m:
        return (0, 0, 0, v)  # non-kube-like versions sort last, alphabetically
    major = int(m.group(1))
    stage = {"": 3, None: 3, "beta": 2, "alpha": 1}[m.group(2)]
    minor = int(m.group(3) or 0)
    return (stage, major, minor, "")


def sort_versions(versions):
    """Kube version-priority order: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > others."""
    def key(v):
        p = version_priority(v)
        if p[0] == 0:
            return (1, 0, 0, 0, v)
        return (0, -p[0], -p[1], -p[2], "")
    return sorted(versions, key=key)


class ResourceType:
    __slots__ = ("group", "versions", "plural", "singular", "kind", "namespaced", "short_names",
                 "verbs", "subresources", "categories", "generation", "crd", "printer_columns",
                 "storage_version", "status_on_create", "name_rule", "delete_returns_object")

    def __init__(self, group, versions, plural, kind, namespaced, short_names=(),
                 subresources=(), verbs=None, categories=(), generation=False, crd=False,
                 printer_columns=None, storage_version=None, name_rule="subdomain",
                 delete_returns_object=False):
        self.group = group
        self.versions = list(versions)
        self.plural = plural
        self.singular = kind.lower()
        self.kind = kind
        self.namespaced = namespaced
        self.short_names = list(short_names)
        self.verbs = list(verbs) if verbs is not None else list(ALL_VERBS)
        self.subresources = list(subresources)
        self.categories = list(categories)
        self.generation = generation
        self.crd = crd
        self.printer_columns = printer_columns or {}  # version -> [column]
        self.storage_version = storage_version or self.versions[0]
        self.name_rule = name_rule
        self.delete_returns_object = delete_returns_object

    @property
    def key(self):
        return (self.group, self.plural)

    def api_version(self, version):
        return "%s/%s" % (self.group, version) if self.group else version

    @property
    def has_status(self):
        return "status" in self.subresources

    def __repr__(self):
        return "ResourceType(%s/%s)" % (self.group or "core", self.plural)


def _b(group, versions, plural, kind, namespaced, short=(), sub=(), **kw):
    return ResourceType(group, versions, plural, kind, namespaced, short, sub, **kw)


_NS_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
_CREATE_ONLY = ["create"]


def builtin_types():
    """The built-in kinds of a Kubernetes 1.22 control plane (the ones a namespace holds and
    the cluster-scoped ones a backup tool meets)."""
    ws = ["all"]
    return [
        _b("", ["v1"], "namespaces", "Namespace", False, ["ns"], ["status", "finalize"],
           verbs=_NS_VERBS, name_rule="label", delete_returns_object=True),
        _b("", ["v1"], "pods", "Pod", True, ["po"], ["status"], categories=ws,
           delete_returns_object=True),
        _b("", ["v1"], "services", "Service", True, ["svc"], ["status"], categories=ws,
           verbs=["create", "delete", "get", "list", "patch", "update", "watch"],
           name_rule="label1035", delete_returns_object=True),
        _b("", ["v1"], "configmaps", "ConfigMap", True, ["cm"]),
        _b("", ["v1"], "secrets", "Secret", True),
        _b("", ["v1"], "serviceaccounts", "ServiceAccount", True, ["sa"]),
        _b("", ["v1"], "persistentvolumes", "PersistentVolume", False, ["pv"], ["status"],
           delete_returns_object=True),
        _b("", ["v1"], "persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"],
           ["status"], delete_returns_object=True),
        _b("", ["v1"], "nodes", "Node", False, ["no"], ["status"]),
        _b("", ["v1"], "endpoints", "Endpoints", True, ["ep"]),
        _b("", ["v1"], "events", "Event", True, ["ev"]),
        _b("", ["v1"], "limitranges", "LimitRange", True, ["limits"]),
        _b("", ["v1"], "resourcequotas", "ResourceQuota", True, ["quota"], ["status"]),
        _b("", ["v1"], "replicationcontrollers", "ReplicationController", True, ["rc"],
           ["status", "scale"], categories=ws, generation=True),
        _b("", ["v1"], "podtemplates", "PodTemplate", True),
        _b("apps", ["v1"], "deployments", "Deployment", True, ["deploy"], ["status", "scale"],
           categories=ws, generation=True),
        _b("apps", ["v1"], "replicasets", "ReplicaSet", True, ["rs"], ["status", "scale"],
           categories=ws, generation=True),
        _b("apps", ["v1"], "statefulsets", "StatefulSet", True, ["sts"], ["status", "scale"],
           categories=ws, generation=True),
        _b("apps", ["v1"], "daemonsets", "DaemonSet", True, ["ds"], ["status"], categories=ws,
           generation=True),
        _b("apps", ["v1"], "controllerrevisions", "ControllerRevision", True),
        _b("batch", ["v1"], "jobs", "Job", True, [], ["status"], categories=ws,
           generation=True),
        _b("batch", ["v1", "v1beta1"], "cronjobs", "CronJob", True, ["cj"], ["status"],
           categories=ws, generation=True),
        _b("autoscaling", ["v1", "v2beta1", "v2beta2"], "horizontalpodautoscalers",
           "HorizontalPodAutoscaler", True, ["hpa"], ["status"], categories=ws,
           generation=True),
        _b("policy", ["v1", "v1beta1"], "poddisruptionbudgets", "PodDisruptionBudget", True,
           ["pdb"], ["status"], generation=True),
        _b("networking.k8s.io", ["v1"], "ingresses", "Ingress", True, ["ing"], ["status"],
           generation=True),
        _b("networking.k8s.io", ["v1"], "ingressclasses", "IngressClass", False),
        _b("networking.k8s.io", ["v1"], "networkpolicies", "NetworkPolicy", True, ["netpol"],
           generation=True),
        _b("rbac.authorization.k8s.io", ["v1"], "roles", "Role", True, name_rule="path"),
        _b("rbac.authorization.k8s.io", ["v1"], "rolebindings", "RoleBinding", True,
           name_rule="path"),
        _b("rbac.authorization.k8s.io", ["v1"], "clusterroles", "ClusterRole", False,
           name_rule="path"),
        _b("rbac.authorization.k8s.io", ["v1"], "clusterrolebindings", "ClusterRoleBinding",
           False, name_rule="path"),
        _b("storage.k8s.io", ["v1"], "storageclasses", "StorageClass", False, ["sc"]),
        _b("storage.k8s.io", ["v1"], "csidrivers", "CSIDriver", False),
        _b("storage.k8s.io", ["v1"], "csinodes", "CSINode", False),
        _b("storage.k8s.io", ["v1"], "volumeattachments", "VolumeAttachment", False, [],
           ["status"]),
        _b("storage.k8s.io", ["v1beta1"], "csistoragecapacities", "CSIStorageCapacity", True),
        _b("apiextensions.k8s.io", ["v1"], "customresourcedefinitions",
           "CustomResourceDefinition", False, ["crd", "crds"], ["status"], generation=True,
           delete_returns_object=True),
        _b("apiregistration.k8s.io", ["v1"], "apiservices", "APIService", False, [],
           ["status"]),
        _b("scheduling.k8s.io", ["v1"], "priorityclasses", "PriorityClass", False, ["pc"]),
        _b("coordination.k8s.io", ["v1"], "leases", "Lease", True),
        _b("discovery.k8s.io", ["v1", "v1beta1"], "endpointslices", "EndpointSlice", True),
        _b("events.k8s.io", ["v1"], "events", "Event", True, ["ev"]),
        _b("admissionregistration.k8s.io", ["v1"], "mutatingwebhookconfigurations",
           "MutatingWebhookConfiguration", False),
        _b("admissionregistration.k8s.io", ["v1"], "validatingwebhookconfigurations",
           "ValidatingWebhookConfiguration", False),
        _b("certificates.k8s.io", ["v1"], "certificatesigningrequests",
           "CertificateSigningRequest", False, ["csr"], ["status", "approval"]),
        _b("node.k8s.io", ["v1"], "runtimeclasses", "RuntimeClass", False),
        _b("authorization.k8s.io", ["v1"], "selfsubjectaccessreviews",
           "SelfSubjectAccessReview", False, verbs=_CREATE_ONLY),
        _b("authorization.k8s.io", ["v1"], "subjectaccessreviews", "SubjectAccessReview",
           False, verbs=_CREATE_ONLY),
        _b("authentication.k8s.io", ["v1"], "tokenreviews", "TokenReview", False,
           verbs=_CREATE_ONLY),
    ]


# Create-only review kinds: answered, never stored.
REVIEW_KINDS = {("authorization.k8s.io", "selfsubjectaccessreviews"),
                ("authorization.k8s.io", "subjectaccessreviews"),
                ("authentication.k8s.io", "tokenreviews")}

# Order of groups in /apis, as a 1.22 server lists them.
GROUP_ORDER = ["apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io",
               "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
               "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
               "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
               "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io"]


class Registry:
    """Served resource types: built-ins plus CRD-registered ones. Thread-safety comes from the
    store lock, which every caller holds while it changes the registry."""

    def __init__(self):
        self.types = {}  # (group, plural) -> ResourceType
        self.crd_owner = {}  # (group, plural) -> CRD name
        for rt in builtin_types():
            self.types[rt.key] = rt
        self._builtin_keys = set(self.types)

    def lookup(self, group, version, plural):
        rt = self.types.get((group, plural))
        if rt is None or version not in rt.versions:
            return None
        return rt

    def by_kind(self, group, kind):
        for rt in self.types.values():
            if rt.group == group and rt.kind == kind:
                return rt
        return None

    def groups(self):
        """{group: [versions in priority order]} for every named group."""
        out = {}
        for rt in self.types.values():
            if not rt.group:
                continue
            vs = out.setdefault(rt.group, [])
            for v in rt.versions:
                if v not in vs:
                    vs.append(v)
        return {g: sort_versions(vs) for g, vs in out.items()}

    def group_order(self):
        gs = self.groups()
        known = [g for g in GROUP_ORDER if g in gs]
        extra = sorted(g for g in gs if g not in GROUP_ORDER)
        return known + extra

    def resources_in(self, group, version):
        return [rt for rt in self.types.values()
                if rt.group == group and version in rt.versions]

    # ---- CRDs ----
    def register_crd(self, crd):
        """(Re)register the types a CRD object defines. Returns the ResourceType, or None when
        the CRD serves no version."""
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        group = spec.get("group")
        plural = names.get("plural")
        key = (group, plural)
        served = [v["name"] for v in spec.get("versions") or [] if v.get("served")]
        storage = [v["name"] for v in spec.get("versions") or [] if v.get("storage")]
        if key in self._builtin_keys:
            return None
        if not served:
            self.types.pop(key, None)
            self.crd_owner.pop(key, None)
            return None
        subs = set()
        cols = {}
        for v in spec.get("versions") or []:
            sr = v.get("subresources") or {}
            if "status" in sr:
                subs.add("status")
            if "scale" in sr:
                subs.add("scale")
            if v.get("additionalPrinterColumns"):
                cols[v["name"]] = v["additionalPrinterColumns"]
        rt = ResourceType(group, sort_versions(served), plural, names.get("kind"),
                          spec.get("scope") == "Namespaced", names.get("shortNames") or [],
                          sorted(subs), categories=names.get("categories") or [],
                          generation=True, crd=True, printer_columns=cols,
                          storage_version=storage[0] if storage else served[0],
                          delete_returns_object=True)
        if names.get("singular"):
            rt.singular = names["singular"]
        self.types[key] = rt
        self.crd_owner[key] = crd["metadata"]["name"]
        return rt

    def unregister_crd(self, crd):
        spec = crd.get("spec") or {}
        key = (spec.get("group"), (spec.get("names") or {}).get("plural"))
        if key in self._builtin_keys:
            return None
        self.crd_owner.pop(key, None)
        return self.types.pop(key, None)
