"""Label selectors (=, ==, !=, in, notin, exists, !key) and field selectors."""
import re

from .errors import bad_request

_SET_RE = re.compile(r"\s*([A-Za-z0-9_./-]+)\s+(in|notin)\s*\(([^)]*)\)\s*")


def _split_top(s):
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(s):
    """Returns a list of requirement tuples (key, op, values)."""
    reqs = []
    if not s:
        return reqs
    for part in _split_top(s):
        m = _SET_RE.fullmatch(part)
        if m:
            vals = {v.strip() for v in m.group(3).split(",") if v.strip()}
            reqs.append((m.group(1), m.group(2), vals))
            continue
        if part.startswith("!"):
            reqs.append((part[1:].strip(), "!", None))
            continue
        for op in ("==", "!=", "="):
            if op in part:
                k, v = part.split(op, 1)
                reqs.append((k.strip(), "!=" if op == "!=" else "=", {v.strip()}))
                break
        else:
            if not re.fullmatch(r"[A-Za-z0-9_./-]+", part):
                raise bad_request('unable to parse requirement: invalid label key "%s"' % part)
            reqs.append((part, "exists", None))
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, vals in reqs:
        has = key in labels
        if op == "=":
            if not has or labels[key] not in vals:
                return False
        elif op == "!=":
            if has and labels[key] in vals:
                return False
        elif op == "in":
            if not has or labels[key] not in vals:
                return False
        elif op == "notin":
            if has and labels[key] in vals:
                return False
        elif op == "exists":
            if not has:
                return False
        elif op == "!":
            if has:
                return False
    return True


def parse_field_selector(s):
    reqs = []
    if not s:
        return reqs
    for part in s.split(","):
        part = part.strip()
        if not part:
            continue
        for op in ("==", "!=", "="):
            if op in part:
                k, v = part.split(op, 1)
                reqs.append((k.strip(), "!=" if op == "!=" else "=", v.strip()))
                break
        else:
            raise bad_request('invalid selector: \'%s\'; can\'t understand \'%s\'' % (s, part))
    return reqs


def _field(obj, path):
    cur = obj
    for p in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(p)
        if cur is None:
            return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def fields_match(reqs, obj):
    for key, op, val in reqs:
        got = _field(obj, FIELD_PATHS.get(key, key)) or FIELD_DEFAULTS.get(key, "")
        if op == "=" and got != val:
            return False
        if op == "!=" and got == val:
            return False
    return True


def field_namespace_name(reqs):
    """Equality constraints on metadata.namespace / metadata.name, for index lookups."""
    ns = name = None
    for key, op, val in reqs:
        if op == "=" and key == "metadata.namespace":
            ns = val
        elif op == "=" and key == "metadata.name":
            name = val
    return ns, name


# Field labels kube-apiserver 1.27 converts per kind (pkg/apis/*/v1/conversion.go); kinds
# without their own list accept only metadata.name and metadata.namespace.
_META = {"metadata.name", "metadata.namespace"}
FIELD_LABELS = {
    ("", "pods"): _META | {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                           "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
                           "status.podIP", "status.podIPs", "status.nominatedNodeName"},
    ("", "nodes"): {"metadata.name", "spec.unschedulable"},
    ("", "namespaces"): {"metadata.name", "status.phase"},
    ("", "secrets"): _META | {"type"},
    ("", "replicationcontrollers"): _META | {"status.replicas"},
    ("", "events"): _META | {"involvedObject.kind", "involvedObject.namespace",
                             "involvedObject.name", "involvedObject.uid",
                             "involvedObject.apiVersion", "involvedObject.resourceVersion",
                             "involvedObject.fieldPath", "reason", "reportingComponent",
                             "source", "type"},
    ("apps", "replicasets"): _META | {"status.replicas"},
    ("batch", "jobs"): _META | {"status.successful"},
    ("certificates.k8s.io", "certificatesigningrequests"): _META | {"spec.signerName"},
}
# field label -> object path where they differ, and values of unset booleans
FIELD_PATHS = {"source": "source.component"}
FIELD_DEFAULTS = {"spec.hostNetwork": "false", "spec.unschedulable": "false"}
# groups whose kinds are CustomResourceDefinitions in real clusters
CRD_GROUPS = {"snapshot.storage.k8s.io", "example.lifeboat.io"}


def check_field_labels(res, reqs):
    """400 BadRequest for a field selector on a field the kind does not support."""
    if not reqs:
        return
    if res.crd or res.group in CRD_GROUPS:
        ok = {"metadata.name"} | ({"metadata.namespace"} if res.namespaced else set())
        own = True
    else:
        ok = FIELD_LABELS.get(res.key)
        own = ok is not None
        ok = ok or _META
    for key, _op, _val in reqs:
        if key not in ok:
            if own:
                raise bad_request("field label not supported: %s" % key)
            raise bad_request('"%s" is not a known field selector: only "metadata.name", '
                              '"metadata.namespace"' % key)
