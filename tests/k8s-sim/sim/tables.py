"""meta.k8s.io/v1 Table responses (the server-side printing `kubectl get` asks for): the
columns of kube-apiserver 1.27's printers for built-in kinds, CRD
additionalPrinterColumns for custom resources."""
import calendar
import json
import re
import time

NAME_COL = ("Name", "string", "name",
            "Name must be unique within a namespace. Is required when creating resources, "
            "although some resources may allow a client to request the generation of an "
            "appropriate name automatically. Name is primarily intended for creation "
            "idempotence and configuration definition. Cannot be updated. More info: "
            "http://kubernetes.io/docs/user-guide/identifiers#names")
AGE_COL = ("Age", "string", "",
           "CreationTimestamp is a timestamp representing the server time when this object "
           "was created. It is not guaranteed to be set in happens-before order across "
           "separate operations. Clients may not set this value. It is represented in "
           "RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for "
           "lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture"
           "/api-conventions.md#metadata")


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    m = s // 60
    if m < 10:
        r = s % 60
        return "%dm" % m if r == 0 else "%dm%ds" % (m, r)
    if m < 180:
        return "%dm" % m
    h = m // 60
    if h < 8:
        r = m % 60
        return "%dh" % h if r == 0 else "%dh%dm" % (h, r)
    if h < 48:
        return "%dh" % h
    if h < 24 * 8:
        r = h % 24
        return "%dd" % (h // 24) if r == 0 else "%dd%dh" % (h // 24, r)
    if h < 24 * 365 * 2:
        return "%dd" % (h // 24)
    if h < 24 * 365 * 8:
        dy = (h // 24) % 365
        return "%dy" % (h // 24 // 365) if dy == 0 else "%dy%dd" % (h // 24 // 365, dy)
    return "%dy" % (h // 24 // 365)


def since(ts):
    if not ts:
        return "<unknown>"
    try:
        t = calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return "<unknown>"
    return human_duration(time.time() - t)


def _g(o, *path, default=None):
    for p in path:
        if isinstance(o, dict):
            o = o.get(p)
        elif isinstance(o, list) and isinstance(p, int) and p < len(o):
            o = o[p]
        else:
            return default
        if o is None:
            return default
    return o


def _modes(ms):
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
             "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in ms or [])


def _ports(svc):
    out = []
    for p in _g(svc, "spec", "ports", default=[]):
        s = "%s" % p.get("port")
        if p.get("nodePort"):
            s += ":%s" % p["nodePort"]
        out.append(s + "/" + p.get("protocol", "TCP"))
    return ",".join(out) or "<none>"


def _external_ip(svc):
    """printers.go getServiceExternalIP."""
    spec = svc.get("spec") or {}
    t = spec.get("type", "ClusterIP")
    ext = list(spec.get("externalIPs") or [])
    if t in ("ClusterIP", "NodePort"):
        return ",".join(ext) or "<none>"
    if t == "LoadBalancer":
        lb = [i.get("ip") or i.get("hostname") for i in
              _g(svc, "status", "loadBalancer", "ingress", default=[])]
        ips = [x for x in lb if x] + ext
        return ",".join(ips) or "<pending>"
    if t == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _selector(sel):
    sel = sel or {}
    if "matchLabels" in sel or "matchExpressions" in sel:
        from .api import selector_string
        return selector_string(sel) or "<none>"
    return ",".join("%s=%s" % kv for kv in sorted(sel.items())) or "<none>"


def _pod(o):
    cs = _g(o, "spec", "containers", default=[])
    st = _g(o, "status", "containerStatuses", default=[])
    phase = _g(o, "status", "phase", default="Pending")
    if _g(o, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    return ["%d/%d" % (sum(1 for c in st if c.get("ready")), len(cs)), phase,
            str(sum(c.get("restartCount", 0) for c in st)),
            _g(o, "status", "podIP", default="<none>"),
            _g(o, "spec", "nodeName", default="<none>"), "<none>", "<none>"]


def _containers(o):
    cs = _g(o, "spec", "template", "spec", "containers", default=[])
    return [",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)]


def _duration(o):
    st, end = _g(o, "status", "startTime"), _g(o, "status", "completionTime")
    if not st:
        return ""
    try:
        a = calendar.timegm(time.strptime(st, "%Y-%m-%dT%H:%M:%SZ"))
        b = calendar.timegm(time.strptime(end, "%Y-%m-%dT%H:%M:%SZ")) if end else time.time()
    except ValueError:
        return ""
    return human_duration(b - a)


def _sc_name(o):
    n = o["metadata"]["name"]
    ann = o["metadata"].get("annotations") or {}
    if ann.get("storageclass.kubernetes.io/is-default-class") == "true" or \
            ann.get("snapshot.storage.kubernetes.io/is-default-class") == "true":
        n += " (default)"
    return n


# key -> ([(name, type, priority)], row function); "Age" marks where the age goes
_S, _I = "string", "integer"
KINDS = {
    ("", "pods"): ([("Ready", _S, 0), ("Status", _S, 0), ("Restarts", _S, 0), "Age",
                    ("IP", _S, 1), ("Node", _S, 1), ("Nominated Node", _S, 1),
                    ("Readiness Gates", _S, 1)], _pod),
    ("", "namespaces"): ([("Status", _S, 0), "Age"],
                         lambda o: [_g(o, "status", "phase", default="")]),
    ("", "configmaps"): ([("Data", _I, 0), "Age"],
                         lambda o: [len(o.get("data") or {}) + len(o.get("binaryData") or {})]),
    ("", "secrets"): ([("Type", _S, 0), ("Data", _I, 0), "Age"],
                      lambda o: [o.get("type", "Opaque"), len(o.get("data") or {})]),
    ("", "serviceaccounts"): ([("Secrets", _S, 0), "Age"],
                              lambda o: [len(o.get("secrets") or [])]),
    ("", "services"): ([("Type", _S, 0), ("Cluster-IP", _S, 0), ("External-IP", _S, 0),
                        ("Port(s)", _S, 0), "Age", ("Selector", _S, 1)],
                       lambda o: [_g(o, "spec", "type", default="ClusterIP"),
                                  _g(o, "spec", "clusterIP", default="<none>"),
                                  _external_ip(o), _ports(o),
                                  _selector(_g(o, "spec", "selector"))]),
    ("", "persistentvolumes"): (
        [("Capacity", _S, 0), ("Access Modes", _S, 0), ("Reclaim Policy", _S, 0),
         ("Status", _S, 0), ("Claim", _S, 0), ("StorageClass", _S, 0), ("Reason", _S, 0),
         "Age", ("VolumeMode", _S, 1)],
        lambda o: [_g(o, "spec", "capacity", "storage", default=""),
                   _modes(_g(o, "spec", "accessModes")),
                   _g(o, "spec", "persistentVolumeReclaimPolicy", default=""),
                   _g(o, "status", "phase", default=""),
                   ("%s/%s" % (_g(o, "spec", "claimRef", "namespace"),
                               _g(o, "spec", "claimRef", "name"))
                    if _g(o, "spec", "claimRef") else ""),
                   _g(o, "spec", "storageClassName", default=""),
                   _g(o, "status", "reason", default=""),
                   _g(o, "spec", "volumeMode", default="Filesystem")]),
    ("", "persistentvolumeclaims"): (
        [("Status", _S, 0), ("Volume", _S, 0), ("Capacity", _S, 0), ("Access Modes", _S, 0),
         ("StorageClass", _S, 0), "Age", ("VolumeMode", _S, 1)],
        lambda o: [_g(o, "status", "phase", default=""), _g(o, "spec", "volumeName", default=""),
                   _g(o, "status", "capacity", "storage", default=""),
                   _modes(_g(o, "status", "accessModes")),
                   _g(o, "spec", "storageClassName", default=""),
                   _g(o, "spec", "volumeMode", default="Filesystem")]),
    ("", "nodes"): ([("Status", _S, 0), ("Roles", _S, 0), "Age", ("Version", _S, 0)],
                    lambda o: ["Ready", "<none>",
                               _g(o, "status", "nodeInfo", "kubeletVersion", default="")]),
    ("apps", "deployments"): (
        [("Ready", _S, 0), ("Up-to-date", _I, 0), ("Available", _I, 0), "Age",
         ("Containers", _S, 1), ("Images", _S, 1), ("Selector", _S, 1)],
        lambda o: ["%d/%d" % (_g(o, "status", "readyReplicas", default=0),
                              _g(o, "spec", "replicas", default=1)),
                   _g(o, "status", "updatedReplicas", default=0),
                   _g(o, "status", "availableReplicas", default=0)] + _containers(o) +
        [_selector(_g(o, "spec", "selector"))]),
    ("apps", "replicasets"): (
        [("Desired", _I, 0), ("Current", _I, 0), ("Ready", _I, 0), "Age",
         ("Containers", _S, 1), ("Images", _S, 1), ("Selector", _S, 1)],
        lambda o: [_g(o, "spec", "replicas", default=1), _g(o, "status", "replicas", default=0),
                   _g(o, "status", "readyReplicas", default=0)] + _containers(o) +
        [_selector(_g(o, "spec", "selector"))]),
    ("apps", "statefulsets"): (
        [("Ready", _S, 0), "Age", ("Containers", _S, 1), ("Images", _S, 1)],
        lambda o: ["%d/%d" % (_g(o, "status", "readyReplicas", default=0),
                              _g(o, "spec", "replicas", default=1))] + _containers(o)),
    ("apps", "daemonsets"): (
        [("Desired", _I, 0), ("Current", _I, 0), ("Ready", _I, 0), ("Up-to-date", _I, 0),
         ("Available", _I, 0), ("Node Selector", _S, 0), "Age"],
        lambda o: [_g(o, "status", "desiredNumberScheduled", default=0),
                   _g(o, "status", "currentNumberScheduled", default=0),
                   _g(o, "status", "numberReady", default=0),
                   _g(o, "status", "updatedNumberScheduled", default=0),
                   _g(o, "status", "numberAvailable", default=0),
                   _selector(_g(o, "spec", "template", "spec", "nodeSelector"))]),
    ("batch", "jobs"): ([("Completions", _S, 0), ("Duration", _S, 0), "Age"],
                        lambda o: ["%d/%d" % (_g(o, "status", "succeeded", default=0),
                                              _g(o, "spec", "completions", default=1)),
                                   _duration(o)]),
    ("batch", "cronjobs"): (
        [("Schedule", _S, 0), ("Suspend", "boolean", 0), ("Active", _I, 0),
         ("Last Schedule", _S, 0), "Age"],
        lambda o: [_g(o, "spec", "schedule", default=""),
                   bool(_g(o, "spec", "suspend", default=False)),
                   len(_g(o, "status", "active", default=[])),
                   since(_g(o, "status", "lastScheduleTime"))
                   if _g(o, "status", "lastScheduleTime") else "<none>"]),
    ("storage.k8s.io", "storageclasses"): (
        [("Provisioner", _S, 0), ("ReclaimPolicy", _S, 0), ("VolumeBindingMode", _S, 0),
         ("AllowVolumeExpansion", _S, 0), "Age"],
        lambda o: [o.get("provisioner", ""), o.get("reclaimPolicy", "Delete"),
                   o.get("volumeBindingMode", "Immediate"),
                   str(bool(o.get("allowVolumeExpansion", False))).lower()]),
    ("apiextensions.k8s.io", "customresourcedefinitions"): (
        [("Created At", "date", 0)],
        lambda o: [_g(o, "metadata", "creationTimestamp", default="")]),
    ("rbac.authorization.k8s.io", "rolebindings"): (
        [("Role", _S, 0), "Age"],
        lambda o: ["%s/%s" % (_g(o, "roleRef", "kind", default=""),
                              _g(o, "roleRef", "name", default=""))]),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): (
        [("Role", _S, 0), "Age"],
        lambda o: ["%s/%s" % (_g(o, "roleRef", "kind", default=""),
                              _g(o, "roleRef", "name", default=""))]),
}
NAME_FN = {("storage.k8s.io", "storageclasses"): _sc_name,
           ("snapshot.storage.k8s.io", "volumesnapshotclasses"): _sc_name}

# the external snapshotter's CRD printer columns (built in here)
_SNAP_COLS = {
    ("snapshot.storage.k8s.io", "volumesnapshotclasses"): [
        {"name": "Driver", "type": "string", "jsonPath": ".driver"},
        {"name": "DeletionPolicy", "type": "string", "jsonPath": ".deletionPolicy"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}],
    ("snapshot.storage.k8s.io", "volumesnapshots"): [
        {"name": "ReadyToUse", "type": "boolean", "jsonPath": ".status.readyToUse"},
        {"name": "SourcePVC", "type": "string",
         "jsonPath": ".spec.source.persistentVolumeClaimName"},
        {"name": "SourceSnapshotContent", "type": "string",
         "jsonPath": ".spec.source.volumeSnapshotContentName"},
        {"name": "RestoreSize", "type": "string", "jsonPath": ".status.restoreSize"},
        {"name": "SnapshotClass", "type": "string", "jsonPath": ".spec.volumeSnapshotClassName"},
        {"name": "SnapshotContent", "type": "string",
         "jsonPath": ".status.boundVolumeSnapshotContentName"},
        {"name": "CreationTime", "type": "date", "jsonPath": ".status.creationTime"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}],
    ("snapshot.storage.k8s.io", "volumesnapshotcontents"): [
        {"name": "ReadyToUse", "type": "boolean", "jsonPath": ".status.readyToUse"},
        {"name": "RestoreSize", "type": "integer", "jsonPath": ".status.restoreSize"},
        {"name": "DeletionPolicy", "type": "string", "jsonPath": ".spec.deletionPolicy"},
        {"name": "Driver", "type": "string", "jsonPath": ".spec.driver"},
        {"name": "VolumeSnapshotClass", "type": "string",
         "jsonPath": ".spec.volumeSnapshotClassName"},
        {"name": "VolumeSnapshot", "type": "string", "jsonPath": ".spec.volumeSnapshotRef.name"},
        {"name": "VolumeSnapshotNamespace", "type": "string",
         "jsonPath": ".spec.volumeSnapshotRef.namespace"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}],
}

_JP = re.compile(r"\.([A-Za-z0-9_\-/]+)|\[(\d+)\]|\['([^']*)'\]")


def jsonpath(obj, path):
    """The JSONPath subset additionalPrinterColumns use (.a.b, [0], ['x.y'])."""
    p = path.strip()
    if p.startswith("{") and p.endswith("}"):
        p = p[1:-1]
    cur = obj
    for m in _JP.finditer(p):
        if m.group(2) is not None:
            i = int(m.group(2))
            cur = cur[i] if isinstance(cur, list) and i < len(cur) else None
        else:
            k = m.group(1) if m.group(1) is not None else m.group(3)
            cur = cur.get(k) if isinstance(cur, dict) else None
        if cur is None:
            return None
    return cur


def _cell(v, typ):
    if v is None:
        return None
    if typ == "date":
        return since(v) if isinstance(v, str) else v
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return v


def _coldef(name, typ, fmt="", desc="", priority=0):
    return {"name": name, "type": typ, "format": fmt, "description": desc or name,
            "priority": priority}


def columns(res, version):
    """(columnDefinitions, row function)."""
    cols = res.printer_columns.get(version) if res.crd else _SNAP_COLS.get(res.key)
    if res.crd or cols is not None:
        if not cols:
            cols = [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
        defs = [_coldef(*NAME_COL)] + [
            _coldef(c.get("name"), c.get("type", "string"), c.get("format", ""),
                    c.get("description", ""), c.get("priority", 0)) for c in cols]
        name_fn = NAME_FN.get(res.key, lambda o: o["metadata"]["name"])

        def row(o):
            return [name_fn(o)] + [_cell(jsonpath(o, c.get("jsonPath", "")),
                                         c.get("type", "string")) for c in cols]
        return defs, row
    spec, fn = KINDS.get(res.key, (["Age"], lambda o: []))
    defs = [_coldef(*NAME_COL)]
    order = []          # index into fn's cells, or None for the age
    i = 0
    for c in spec:
        if c == "Age":
            defs.append(_coldef(*AGE_COL))
            order.append(None)
        else:
            defs.append(_coldef(c[0], c[1], "", c[0], c[2]))
            order.append(i)
            i += 1
    name_fn = NAME_FN.get(res.key, lambda o: o["metadata"]["name"])

    def row(o):
        cells = fn(o)
        return [name_fn(o)] + [since(o["metadata"].get("creationTimestamp")) if j is None
                               else cells[j] for j in order]
    return defs, row


def table(res, version, items, meta, include="Metadata", out=None, with_columns=True):
    """out(obj) renders a full object for includeObject=Object."""
    defs, row = columns(res, version)
    rows = []
    for o in items:
        if include == "Object" and out is not None:
            obj = out(o)
        elif include == "None":
            obj = None
        else:
            obj = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                   "metadata": o["metadata"]}
        r = {"cells": row(o)}
        if obj is not None:
            r["object"] = obj
        rows.append(r)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": defs if with_columns else [], "rows": rows}
