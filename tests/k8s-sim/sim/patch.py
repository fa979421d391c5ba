"""JSON merge patch (RFC 7386), JSON patch (RFC 6902), and a best-effort strategic
merge patch (lists of objects merged by a merge key, $patch directives honoured)."""
import copy

from .errors import ApiError

MERGE_KEYS = ("name", "mountPath", "containerPort", "port", "devicePath", "ip", "topologyKey",
              "type")


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _merge_key(items):
    for mk in MERGE_KEYS:
        if items and all(isinstance(i, dict) and mk in i for i in items):
            return mk
    return None


def strategic_merge(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    if patch.get("$patch") == "replace":
        p = {k: v for k, v in patch.items() if k != "$patch"}
        return strategic_merge({}, p)
    if patch.get("$patch") == "delete":
        return None
    out = dict(target)
    retain = patch.get("$retainKeys")
    for k, v in patch.items():
        if k.startswith("$setElementOrder/") or k.startswith("$deleteFromPrimitiveList/"):
            if k.startswith("$deleteFromPrimitiveList/"):
                field = k.split("/", 1)[1]
                cur = out.get(field)
                if isinstance(cur, list):
                    out[field] = [x for x in cur if x not in v]
            continue
        if k.startswith("$"):
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, list):
            out[k] = _merge_list(out.get(k), v)
        elif isinstance(v, dict):
            r = strategic_merge(out.get(k), v)
            if r is None:
                out.pop(k, None)
            else:
                out[k] = r
        else:
            out[k] = v
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(cur, plist):
    plain = [p for p in plist if not (isinstance(p, dict) and "$patch" in p)]
    directives = [p for p in plist if isinstance(p, dict) and "$patch" in p]
    for d in directives:
        if d.get("$patch") == "replace":
            return [p for p in plain]
    if not isinstance(cur, list):
        cur = []
    mk = _merge_key(plain + [{k: v for k, v in d.items() if k != "$patch"} for d in directives]
                    + cur) if (plain or directives) else None
    if mk is None or not all(isinstance(c, dict) for c in cur):
        return copy.deepcopy(plain)
    out = [dict(c) for c in cur]
    index = {c.get(mk): i for i, c in enumerate(out)}
    for d in directives:
        if d.get("$patch") == "delete" and d.get(mk) in index:
            out[index[d.get(mk)]] = None
    for p in plain:
        key = p.get(mk)
        if key in index and out[index[key]] is not None:
            out[index[key]] = strategic_merge(out[index[key]], p)
        else:
            index[key] = len(out)
            out.append(strategic_merge({}, p))
    return [o for o in out if o is not None]


def _ptr(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise _bad('json patch path "%s" must start with /' % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _bad(msg):
    return ApiError(422, "Invalid", msg)


def _walk(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, dict):
            if p not in cur:
                raise _bad("doc is missing path: %s" % "/" + "/".join(parts))
            cur = cur[p]
        elif isinstance(cur, list):
            try:
                cur = cur[int(p)]
            except (ValueError, IndexError):
                raise _bad("doc is missing path: /%s" % "/".join(parts))
        else:
            raise _bad("doc is missing path: /%s" % "/".join(parts))
    return cur


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise ApiError(400, "BadRequest", "json patch must be a list of operations")
    doc = copy.deepcopy(doc)
    for op in ops:
        kind = op.get("op")
        parts = _ptr(op.get("path", ""))
        if kind == "test":
            if _walk(doc, parts) != op.get("value"):
                raise _bad("testing value %s failed" % op.get("path"))
            continue
        if kind in ("move", "copy"):
            src = _ptr(op.get("from", ""))
            val = copy.deepcopy(_walk(doc, src))
            if kind == "move":
                doc = _remove(doc, src)
            doc = _add(doc, parts, val)
            continue
        if kind == "add":
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            doc = _remove(doc, parts)
        elif kind == "replace":
            doc = _remove(doc, parts)
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        else:
            raise _bad('Unexpected kind: %s' % kind)
    return doc


def _add(doc, parts, val):
    if not parts:
        return val
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = val
    elif isinstance(parent, list):
        if last == "-":
            parent.append(val)
        else:
            try:
                i = int(last)
            except ValueError:
                raise _bad("invalid index %s" % last)
            if i < 0 or i > len(parent):
                raise _bad("add operation does not apply: index out of range")
            parent.insert(i, val)
    else:
        raise _bad("add operation does not apply: doc is missing path")
    return doc


def _remove(doc, parts):
    if not parts:
        return None
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _bad("remove operation does not apply: doc is missing path: \"/%s\""
                       % "/".join(parts))
        del parent[last]
    elif isinstance(parent, list):
        try:
            del parent[int(last)]
        except (ValueError, IndexError):
            raise _bad("remove operation does not apply: doc is missing path")
    return doc
