"""JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch."""
import copy


class PatchError(Exception):
    pass


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    else:
        target = dict(target)
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge_patch(target.get(k), v)
    return target


def _unescape(tok):
    return tok.replace("~1", "/").replace("~0", "~")


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid JSON pointer %r" % path)
    return [_unescape(t) for t in path[1:].split("/")]


def _walk(doc, toks):
    cur = doc
    for t in toks:
        if isinstance(cur, dict):
            if t not in cur:
                raise PatchError("doc is missing path: /%s" % "/".join(toks))
            cur = cur[t]
        elif isinstance(cur, list):
            try:
                cur = cur[int(t)]
            except (ValueError, IndexError):
                raise PatchError("doc is missing path: /%s" % "/".join(toks))
        else:
            raise PatchError("doc is missing path: /%s" % "/".join(toks))
    return cur


def _add(doc, toks, value):
    if not toks:
        return value
    parent = _walk(doc, toks[:-1])
    last = toks[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                i = int(last)
            except ValueError:
                raise PatchError("invalid index %r" % last)
            if i < 0 or i > len(parent):
                raise PatchError("add operation does not apply: index out of range")
            parent.insert(i, value)
    else:
        raise PatchError("add operation does not apply: doc is missing path")
    return doc


def _remove(doc, toks):
    if not toks:
        raise PatchError("cannot remove the whole document")
    parent = _walk(doc, toks[:-1])
    last = toks[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError("remove operation does not apply: doc is missing path: /%s"
                             % "/".join(toks))
        return parent.pop(last)
    if isinstance(parent, list):
        try:
            return parent.pop(int(last))
        except (ValueError, IndexError):
            raise PatchError("remove operation does not apply: doc is missing path")
    raise PatchError("remove operation does not apply: doc is missing path")


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise PatchError("json patch must be an array of operations")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise PatchError("invalid operation %r" % (op,))
        kind = op["op"]
        toks = _pointer(op.get("path", ""))
        if kind == "add":
            doc = _add(doc, toks, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, toks)
        elif kind == "replace":
            if not toks:
                doc = copy.deepcopy(op.get("value"))
                continue
            _walk(doc, toks)
            parent = _walk(doc, toks[:-1])
            if isinstance(parent, list):
                parent[int(toks[-1])] = copy.deepcopy(op.get("value"))
            else:
                parent[toks[-1]] = copy.deepcopy(op.get("value"))
        elif kind == "move":
            val = _remove(doc, _pointer(op["from"]))
            doc = _add(doc, toks, val)
        elif kind == "copy":
            val = copy.deepcopy(_walk(doc, _pointer(op["from"])))
            doc = _add(doc, toks, val)
        elif kind == "test":
            if _walk(doc, toks) != op.get("value"):
                raise PatchError("testing value /%s failed" % "/".join(toks))
        else:
            raise PatchError("Unexpected kind: %s" % kind)
    return doc


# Strategic merge patch: list fields that merge by a key (patchMergeKey in the Go types).
# Other lists are replaced whole, as for a list without patchStrategy=merge.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "volumes": "name", "env": "name", "volumeMounts": "mountPath",
    "volumeDevices": "devicePath", "imagePullSecrets": "name", "conditions": "type",
    "hostAliases": "ip", "ownerReferences": "uid", "topologySpreadConstraints":
    "topologyKey", "secrets": "name", "taints": "key", "addresses": "type",
}
PRIMITIVE_MERGE = {"finalizers"}


def _ports_key(items):
    for it in items:
        if isinstance(it, dict):
            if "containerPort" in it:
                return "containerPort"
            if "port" in it:
                return "port"
    return None


def _merge_key(field, items):
    if field == "ports":
        return _ports_key(items)
    return MERGE_KEYS.get(field)


def strategic_merge(original, patch):
    return _smp_map(original if isinstance(original, dict) else {}, patch)


def _smp_map(orig, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        p = {k: v for k, v in patch.items() if k != "$patch"}
        return copy.deepcopy(p)
    if patch.get("$patch") == "delete":
        return None
    result = dict(orig) if isinstance(orig, dict) else {}
    retain = patch.get("$retainKeys")
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(v, list):
                result[field] = [x for x in result[field] if x not in v]
            continue
        if v is None:
            result.pop(k, None)
            continue
        cur = result.get(k)
        if isinstance(v, dict):
            merged = _smp_map(cur if isinstance(cur, dict) else {}, v)
            if merged is None:
                result.pop(k, None)
            else:
                result[k] = merged
        elif isinstance(v, list):
            order = patch.get("$setElementOrder/" + k)
            result[k] = _smp_list(k, cur if isinstance(cur, list) else [], v, order)
        else:
            result[k] = copy.deepcopy(v)
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _smp_list(field, orig, patch, order):
    if field in PRIMITIVE_MERGE:
        out = list(orig)
        for x in patch:
            if x not in out:
                out.append(x)
        return out
    key = _merge_key(field, patch + orig)
    if key is None:
        # Replace unless the patch carries a $patch directive element.
        return [copy.deepcopy(x) for x in patch if not (isinstance(x, dict) and "$patch" in x)]
    if any(isinstance(x, dict) and x.get("$patch") == "replace" for x in patch):
        return [copy.deepcopy(x) for x in patch if not (isinstance(x, dict) and "$patch" in x)]
    out = [copy.deepcopy(x) for x in orig]
    index = {x.get(key): i for i, x in enumerate(out) if isinstance(x, dict)}
    deleted = set()
    for item in patch:
        if not isinstance(item, dict):
            continue
        kv = item.get(key)
        if item.get("$patch") == "delete":
            if kv in index:
                deleted.add(kv)
            continue
        if kv in index:
            out[index[kv]] = _smp_map(out[index[kv]], item)
        else:
            out.append(_smp_map({}, item))
            index[kv] = len(out) - 1
    out = [x for x in out if not (isinstance(x, dict) and x.get(key) in deleted)]
    if isinstance(order, list) and order:
        pos = {}
        for i, o in enumerate(order):
            if isinstance(o, dict):
                pos[o.get(key)] = i
        ordered = sorted(range(len(out)), key=lambda i: (pos.get(out[i].get(key), len(order)
                                                                 + i) if isinstance(out[i], dict)
                                                         else len(order) + i))
        out = [out[i] for i in ordered]
    return out
