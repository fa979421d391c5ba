"""Label and field selectors, parsed as k8s.io/apimachinery parses them."""
import re

from .errors import bad_request

_KEY_RE = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


class _Lexer:
    def __init__(self, s):
        self.s = s
        self.i = 0

    def skip_ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def peek_op(self):
        self.skip_ws()
        for op in ("==", "!=", "=", "(", ")", ",", "!", ">", "<"):
            if self.s.startswith(op, self.i):
                return op
        return None

    def word(self):
        self.skip_ws()
        j = self.i
        while j < len(self.s) and self.s[j] not in " \t=!(),<>":
            j += 1
        w = self.s[self.i:j]
        self.i = j
        return w

    def eat(self, op):
        self.skip_ws()
        if self.s.startswith(op, self.i):
            self.i += len(op)
            return True
        return False

    def done(self):
        self.skip_ws()
        return self.i >= len(self.s)


def parse_label_selector(s):
    """Return a predicate over a labels dict. Raises ApiError 400 on syntax errors."""
    if s is None or s.strip() == "":
        return None
    reqs = []
    lx = _Lexer(s)
    try:
        while True:
            neg = lx.eat("!")
            key = lx.word()
            if not key or not _KEY_RE.match(key):
                raise ValueError("invalid label key %r" % key)
            if neg:
                reqs.append(("notexists", key, None))
            else:
                op = lx.peek_op()
                if op in ("==", "=", "!="):
                    lx.eat(op)
                    val = lx.word()
                    reqs.append(("ne" if op == "!=" else "eq", key, val))
                elif op in (">", "<"):
                    lx.eat(op)
                    val = lx.word()
                    int(val)
                    reqs.append(("gt" if op == ">" else "lt", key, int(val)))
                else:
                    save = lx.i
                    w = lx.word()
                    if w in ("in", "notin"):
                        if not lx.eat("("):
                            raise ValueError("expected (")
                        vals = set()
                        while True:
                            if lx.eat(")"):
                                break
                            vals.add(lx.word())
                            if lx.eat(")"):
                                break
                            if not lx.eat(","):
                                raise ValueError("expected ,")
                        reqs.append((w, key, vals))
                    else:
                        lx.i = save
                        reqs.append(("exists", key, None))
            if lx.done():
                break
            if not lx.eat(","):
                raise ValueError("expected ,")
    except ValueError as e:
        raise bad_request("unable to parse requirement: %s" % e)

    def pred(labels):
        labels = labels or {}
        for op, k, v in reqs:
            has = k in labels
            if op == "eq":
                if not has or labels[k] != v:
                    return False
            elif op == "ne":
                if has and labels[k] == v:
                    return False
            elif op == "in":
                if not has or labels[k] not in v:
                    return False
            elif op == "notin":
                if has and labels[k] in v:
                    return False
            elif op == "exists":
                if not has:
                    return False
            elif op == "notexists":
                if has:
                    return False
            elif op in ("gt", "lt"):
                try:
                    n = int(labels[k])
                except (KeyError, ValueError):
                    return False
                if op == "gt" and not n > v or op == "lt" and not n < v:
                    return False
        return True
    return pred


# Field labels each kind supports beyond metadata.name / metadata.namespace, as the real
# apiserver registers them (a subset; unknown labels are refused like the real one does).
FIELD_LABELS = {
    ("", "pods"): {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                   "spec.serviceAccountName", "status.phase", "status.podIP",
                   "status.nominatedNodeName"},
    ("", "events"): {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                     "involvedObject.uid", "involvedObject.apiVersion",
                     "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                     "reportingComponent", "source", "type"},
    ("", "secrets"): {"type"},
    ("", "namespaces"): {"status.phase"},
    ("", "nodes"): {"spec.unschedulable"},
    ("", "persistentvolumeclaims"): set(),
    ("", "replicationcontrollers"): {"status.replicas"},
    ("apps", "replicasets"): {"status.replicas"},
    ("batch", "jobs"): {"status.successful"},
    ("certificates.k8s.io", "certificatesigningrequests"): {"spec.signerName"},
}


def _get_path(obj, path):
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


def parse_field_selector(s, rt):
    if s is None or s.strip() == "":
        return None
    reqs = []
    allowed = {"metadata.name", "metadata.namespace"} | FIELD_LABELS.get(rt.key, set())
    for part in s.split(","):
        part = part.strip()
        if not part:
            continue
        if "!=" in part:
            k, v = part.split("!=", 1)
            op = "ne"
        elif "==" in part:
            k, v = part.split("==", 1)
            op = "eq"
        elif "=" in part:
            k, v = part.split("=", 1)
            op = "eq"
        else:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (s, part))
        k = k.strip()
        if k not in allowed:
            raise bad_request('field label not supported: %s' % k)
        reqs.append((op, k, v.strip()))

    def pred(obj):
        for op, k, v in reqs:
            got = _get_path(obj, k)
            if (got == v) != (op == "eq"):
                return False
        return True
    return pred


def field_selector_name(s):
    """If the selector pins metadata.name exactly, return that name (fast path)."""
    if not s:
        return None
    for part in s.split(","):
        part = part.strip()
        for op in ("==", "="):
            if part.startswith("metadata.name" + op) and "!=" not in part:
                return part[len("metadata.name" + op):].strip()
    return None
