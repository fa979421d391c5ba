"""meta.k8s.io/v1 Table responses, the server-side printing `kubectl get` asks for."""
import calendar
import re
import time

_NAME_COL = {"name": "Name", "type": "string", "format": "name", "priority": 0,
             "description": "Name must be unique within a namespace. More info: "
             "http://kubernetes.io/docs/user-guide/identifiers#names"}
_AGE_COL = {"name": "Age", "type": "string", "format": "", "priority": 0,
            "description": "CreationTimestamp is a timestamp representing the server time when "
            "this object was created."}


def human_duration(seconds):
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60 * 2:
        return "%ds" % s
    m = s // 60
    if m < 10:
        r = s % 60
        return "%dm" % m if r == 0 else "%dm%ds" % (m, r)
    if m < 60 * 3:
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


def age(obj):
    ts = (obj.get("metadata") or {}).get("creationTimestamp")
    if not ts:
        return "<unknown>"
    try:
        t = calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return "<unknown>"
    return human_duration(time.time() - t)


def _col(name, typ="string", priority=0, fmt=""):
    return {"name": name, "type": typ, "format": fmt, "description": name, "priority": priority}


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


def _ports(svc):
    out = []
    for p in _g(svc, "spec", "ports", default=[]):
        s = "%s" % p.get("port")
        if p.get("nodePort"):
            s += ":%s" % p["nodePort"]
        out.append(s + "/" + p.get("protocol", "TCP"))
    return ",".join(out) or "<none>"


def _pod_row(o):
    cs = _g(o, "spec", "containers", default=[])
    st = _g(o, "status", "containerStatuses", default=[])
    ready = sum(1 for c in st if c.get("ready"))
    restarts = sum(c.get("restartCount", 0) for c in st)
    phase = _g(o, "status", "phase", default="Pending")
    if _g(o, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    return ["%d/%d" % (ready, len(cs)), phase, restarts]


def _replicas_row(o):
    spec = _g(o, "spec", "replicas", default=1)
    return ["%d/%d" % (_g(o, "status", "readyReplicas", default=0), spec),
            _g(o, "status", "updatedReplicas", default=0),
            _g(o, "status", "availableReplicas", default=0)]


KIND_COLUMNS = {
    ("", "pods"): ([_col("Ready"), _col("Status"), _col("Restarts", "integer")], _pod_row),
    ("", "namespaces"): ([_col("Status")], lambda o: [_g(o, "status", "phase", default="")]),
    ("", "configmaps"): ([_col("Data", "integer")],
                         lambda o: [len(o.get("data") or {}) + len(o.get("binaryData") or {})]),
    ("", "secrets"): ([_col("Type"), _col("Data", "integer")],
                      lambda o: [o.get("type", "Opaque"), len(o.get("data") or {})]),
    ("", "serviceaccounts"): ([_col("Secrets", "integer")],
                              lambda o: [len(o.get("secrets") or [])]),
    ("", "services"): ([_col("Type"), _col("Cluster-IP"), _col("External-IP"),
                        _col("Port(s)")],
                       lambda o: [_g(o, "spec", "type", default="ClusterIP"),
                                  _g(o, "spec", "clusterIP", default="None"),
                                  _g(o, "spec", "externalName", default="<none>"),
                                  _ports(o)]),
    ("", "persistentvolumes"): (
        [_col("Capacity"), _col("Access Modes"), _col("Reclaim Policy"), _col("Status"),
         _col("Claim"), _col("StorageClass"), _col("Reason")],
        lambda o: [_g(o, "spec", "capacity", "storage", default=""),
                   _modes(_g(o, "spec", "accessModes", default=[])),
                   _g(o, "spec", "persistentVolumeReclaimPolicy", default=""),
                   _g(o, "status", "phase", default=""),
                   ("%s/%s" % (_g(o, "spec", "claimRef", "namespace"),
                               _g(o, "spec", "claimRef", "name"))
                    if _g(o, "spec", "claimRef") else ""),
                   _g(o, "spec", "storageClassName", default=""),
                   _g(o, "status", "reason", default="")]),
    ("", "persistentvolumeclaims"): (
        [_col("Status"), _col("Volume"), _col("Capacity"), _col("Access Modes"),
         _col("StorageClass")],
        lambda o: [_g(o, "status", "phase", default=""), _g(o, "spec", "volumeName", default=""),
                   _g(o, "status", "capacity", "storage", default=""),
                   _modes(_g(o, "status", "accessModes", default=[])),
                   _g(o, "spec", "storageClassName", default="")]),
    ("", "nodes"): ([_col("Status"), _col("Roles"), _col("Version")],
                    lambda o: ["Ready", "<none>",
                               _g(o, "status", "nodeInfo", "kubeletVersion", default="")]),
    ("apps", "deployments"): ([_col("Ready"), _col("Up-to-date", "integer"),
                               _col("Available", "integer")], _replicas_row),
    ("apps", "statefulsets"): ([_col("Ready")], lambda o: [_replicas_row(o)[0]]),
    ("apps", "replicasets"): ([_col("Desired", "integer"), _col("Current", "integer"),
                               _col("Ready", "integer")],
                              lambda o: [_g(o, "spec", "replicas", default=1),
                                         _g(o, "status", "replicas", default=0),
                                         _g(o, "status", "readyReplicas", default=0)]),
    ("apps", "daemonsets"): ([_col("Desired", "integer"), _col("Current", "integer"),
                              _col("Ready", "integer")],
                             lambda o: [_g(o, "status", "desiredNumberScheduled", default=0),
                                        _g(o, "status", "currentNumberScheduled", default=0),
                                        _g(o, "status", "numberReady", default=0)]),
    ("batch", "jobs"): ([_col("Completions")],
                        lambda o: ["%d/%d" % (_g(o, "status", "succeeded", default=0),
                                              _g(o, "spec", "completions", default=1))]),
    ("storage.k8s.io", "storageclasses"): (
        [_col("Provisioner"), _col("ReclaimPolicy"), _col("VolumeBindingMode"),
         _col("AllowVolumeExpansion")],
        lambda o: [o.get("provisioner", ""), o.get("reclaimPolicy", "Delete"),
                   o.get("volumeBindingMode", "Immediate"),
                   str(o.get("allowVolumeExpansion", False)).lower()]),
    ("apiextensions.k8s.io", "customresourcedefinitions"): (
        [_col("Created At", fmt="date-time")],
        lambda o: [_g(o, "metadata", "creationTimestamp", default="")]),
}


def _modes(ms):
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
             "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in ms)


_JP_TOKEN = re.compile(r"\.([A-Za-z0-9_\-/]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_.]+)==\"([^\"]*)\"\)\]")


def jsonpath(obj, path):
    """The small JSONPath subset CRD additionalPrinterColumns use."""
    cur = [obj]
    p = path.strip()
    if p.startswith("{") and p.endswith("}"):
        p = p[1:-1]
    for m in _JP_TOKEN.finditer(p):
        nxt = []
        for c in cur:
            if m.group(1) is not None:
                if isinstance(c, dict) and m.group(1) in c:
                    nxt.append(c[m.group(1)])
            elif m.group(2) is not None:
                i = int(m.group(2))
                if isinstance(c, list) and i < len(c):
                    nxt.append(c[i])
            else:
                if isinstance(c, list):
                    for it in c:
                        if isinstance(it, dict) and str(_g(it, *m.group(3).split("."))) == \
                                m.group(4):
                            nxt.append(it)
        cur = nxt
    if not cur:
        return None
    return cur[0]


def columns_and_row(rt, version):
    if rt.crd:
        cols = rt.printer_columns.get(version) or []
        defs = [dict(_NAME_COL)]
        fns = []
        has_age = False
        for c in cols:
            defs.append({"name": c.get("name"), "type": c.get("type", "string"),
                         "format": c.get("format", ""), "description": c.get("description",
                                                                             c.get("name")),
                         "priority": c.get("priority", 0)})
            if c.get("jsonPath") == ".metadata.creationTimestamp":
                has_age = True
                fns.append(lambda o: age(o))
            else:
                fns.append(lambda o, jp=c.get("jsonPath", ""): _cell(jsonpath(o, jp)))
        if not has_age and not cols:
            defs.append(dict(_AGE_COL))
            fns.append(age)
        return defs, lambda o: [o["metadata"]["name"]] + [f(o) for f in fns]
    extra, fn = KIND_COLUMNS.get(rt.key, ([], lambda o: []))
    defs = [dict(_NAME_COL)] + [dict(c) for c in extra] + [dict(_AGE_COL)]
    if rt.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
        defs = defs[:-1]
        return defs, lambda o: [o["metadata"]["name"]] + fn(o)
    return defs, lambda o: [o["metadata"]["name"]] + fn(o) + [age(o)]


def _cell(v):
    if v is None:
        return None
    if isinstance(v, (dict, list)):
        import json
        return json.dumps(v)
    return v


def partial_metadata(obj):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata")}


def table(rt, version, objs, meta, include="Metadata", with_columns=True):
    defs, row = columns_and_row(rt, version)
    rows = []
    for o in objs:
        r = {"cells": row(o)}
        if include == "Metadata":
            r["object"] = partial_metadata(o)
        elif include == "Object":
            oo = dict(o)
            oo["apiVersion"] = rt.api_version(version)
            r["object"] = oo
        rows.append(r)
    t = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
         "columnDefinitions": defs if with_columns else None, "rows": rows}
    return t
