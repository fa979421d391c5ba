"""REST semantics of the Kubernetes API over the store: create, get, list, update, patch,
delete, with the status subresource, generation, finalizers and Status errors."""
import base64
import copy
import json
import random
import time
import uuid

from . import admission
from . import errors as E
from . import patch as P
from .selectors import parse_field_selector, parse_label_selector
from .types import REVIEW_KINDS

NAMESPACES = ("", "namespaces")
CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")
_GEN_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def deep(o):
    return copy.deepcopy(o)


def _body_sans(o, keys):
    return {k: v for k, v in o.items() if k not in keys}


class Api:
    def __init__(self, store, registry, opts=None):
        self.store = store
        self.registry = registry
        self.opts = opts or {}
        self.lock = store.lock
        for crd in self.all_objects(CRDS):
            registry.register_crd(crd)

    # ------------------------------------------------------------ helpers
    def all_objects(self, gr, ns=None):
        return [e.obj for _, e in self.store.iter_entries(gr, ns)]

    def default_storage_class(self):
        for sc in self.all_objects(("storage.k8s.io", "storageclasses")):
            ann = sc["metadata"].get("annotations") or {}
            if ann.get("storageclass.kubernetes.io/is-default-class") == "true" or \
                    ann.get("storageclass.beta.kubernetes.io/is-default-class") == "true":
                return sc["metadata"]["name"]
        return None

    def service_allocations(self, exclude):
        ips, ports = set(), set()
        for _, e in self.store.iter_entries(("", "services")):
            md = e.obj["metadata"]
            if exclude and (md.get("namespace"), md["name"]) == exclude:
                continue
            spec = e.obj.get("spec") or {}
            for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
                if ip and ip != "None":
                    ips.add(ip)
            for p in spec.get("ports") or []:
                if p.get("nodePort"):
                    ports.add(p["nodePort"])
        return ips, ports

    def allocate_ip(self, used):
        net = admission.SERVICE_CIDR
        for _ in range(10000):
            cand = str(net[random.randint(10, net.num_addresses - 2)])
            if cand not in used:
                return cand
        raise E.internal("failed to allocate a serviceIP: range is full")

    def allocate_node_port(self, used):
        free = [p for p in range(admission.NODE_PORT_MIN, admission.NODE_PORT_MAX + 1)
                if p not in used]
        if not free:
            raise E.internal("failed to allocate a nodePort: range is full")
        return random.choice(free)

    def check_namespace(self, rt, ns, creating=True):
        if not rt.namespaced:
            return
        nso = self.store.get(NAMESPACES, "", ns)
        if nso is None:
            raise E.namespace_not_found(ns)
        if creating and nso["metadata"].get("deletionTimestamp"):
            raise E.ApiError(403, "Forbidden",
                             '%s "%s" is forbidden: unable to create new content in namespace %s '
                             'because it is being terminated'
                             % (E.qualified(rt), "", ns),
                             {"name": "", "group": rt.group, "kind": rt.plural,
                              "causes": [{"reason": "NamespaceTerminating",
                                          "message": "namespace %s is being terminated" % ns,
                                          "field": "metadata.namespace"}]})

    def _check_type_meta(self, rt, version, body):
        if not isinstance(body, dict):
            raise E.bad_request("the body of the request must be a JSON object")
        want = rt.api_version(version)
        av = body.get("apiVersion")
        if av and av != want:
            raise E.bad_request("the API version in the data (%s) does not match the expected "
                                "API version (%s)" % (av, want))
        kind = body.get("kind")
        if kind and kind != rt.kind:
            raise E.bad_request("%s in version \"%s\" cannot be handled as a %s: no kind "
                                "\"%s\" is registered for version \"%s\""
                                % (rt.kind, version, rt.kind, kind, want))
        if not isinstance(body.get("metadata", {}), dict):
            raise E.bad_request("metadata must be an object")

    # ------------------------------------------------------------ read
    def get(self, rt, ns, name):
        with self.lock:
            if rt.namespaced and self.store.get(NAMESPACES, "", ns) is None and \
                    self.store.get(rt.key, ns, name) is None:
                raise E.not_found(rt, name)
            o = self.store.get(rt.key, ns if rt.namespaced else "", name)
            if o is None:
                raise E.not_found(rt, name)
            return o

    def get_entry(self, rt, ns, name):
        with self.lock:
            e = self.store.entry(rt.key, ns if rt.namespaced else "", name)
            if e is None:
                raise E.not_found(rt, name)
            return e

    def list(self, rt, ns, q):
        """Returns (entries, metadata) for one page."""
        lsel = parse_label_selector(q.get("labelSelector"))
        fsel = parse_field_selector(q.get("fieldSelector"), rt)
        limit = q.get("limit")
        try:
            limit = int(limit) if limit not in (None, "") else 0
        except ValueError:
            raise E.bad_request("invalid limit %r" % limit)
        cont = q.get("continue")
        after = None
        with self.lock:
            rv = self.store.rv
            if cont:
                try:
                    tok = json.loads(base64.b64decode(cont + "=" * (-len(cont) % 4)))
                    rv = int(tok["rv"])
                    start = tok["start"]
                    sns, _, sname = start.rstrip("\x00").partition("/")
                    if not rt.namespaced:
                        sns, sname = "", start.rstrip("\x00")
                    after = (sns, sname)
                except (ValueError, KeyError, TypeError):
                    raise E.bad_request("continue key is not valid: incorrect encoded start "
                                        "resourceVersion (version meta.k8s.io/v1)")
            scope_ns = ns if (rt.namespaced and ns) else None
            items = []
            last = None
            more = False
            remaining = 0
            it = self.store.iter_entries(rt.key, scope_ns, after)
            for key, e in it:
                o = e.obj
                if lsel and not lsel((o["metadata"].get("labels"))):
                    last = key
                    continue
                if fsel and not fsel(o):
                    last = key
                    continue
                if limit and len(items) >= limit:
                    more = True
                    if not lsel and not fsel:
                        remaining = self.store.count_after(rt.key, scope_ns, last)
                    break
                items.append(e)
                last = key
            meta = {"resourceVersion": str(rv)}
            if more:
                items_last = items[-1].obj["metadata"] if items else None
                lk = ((items_last.get("namespace") or "") + "/" + items_last["name"]
                      if rt.namespaced else items_last["name"]) if items_last else \
                    (last[0] + "/" + last[1] if rt.namespaced else last[1])
                tok = {"v": "meta.k8s.io/v1", "rv": rv, "start": lk + "\x00"}
                meta["continue"] = base64.b64encode(json.dumps(
                    tok, separators=(",", ":")).encode()).decode()
                if not lsel and not fsel:
                    meta["remainingItemCount"] = remaining
            return items, meta

    def watch_filter(self, rt, ns, q):
        lsel = parse_label_selector(q.get("labelSelector"))
        fsel = parse_field_selector(q.get("fieldSelector"), rt)
        scope_ns = ns if (rt.namespaced and ns) else None

        def pred(o):
            md = o["metadata"]
            if scope_ns is not None and md.get("namespace") != scope_ns:
                return False
            if lsel and not lsel(md.get("labels")):
                return False
            if fsel and not fsel(o):
                return False
            return True
        return pred

    # ------------------------------------------------------------ create
    def create(self, rt, version, ns, body, dry_run=False):
        if "create" not in rt.verbs:
            raise E.method_not_allowed(rt)
        self._check_type_meta(rt, version, body)
        if rt.key in REVIEW_KINDS:
            return 201, self._review(rt, version, body)
        obj = deep(body)
        md = obj.setdefault("metadata", {}) or {}
        obj["metadata"] = md
        with self.lock:
            if rt.namespaced:
                bns = md.get("namespace")
                if bns and bns != ns:
                    raise E.bad_request("the namespace of the provided object does not match "
                                        "the namespace sent on the request")
                md["namespace"] = ns
            else:
                md.pop("namespace", None)
            if not md.get("name"):
                if md.get("generateName"):
                    md["name"] = md["generateName"] + "".join(
                        random.choice(_GEN_CHARS) for _ in range(5))
                else:
                    raise E.invalid(rt, "", [E.field_required(
                        "metadata.name", "name or generateName is required")])
            name = md["name"]
            causes = admission.validate_name(rt, name)
            if md.get("generateName") and causes:
                causes = admission.validate_name(rt, md["generateName"] + "a",
                                                 "metadata.generateName")
            causes += admission.validate_meta(obj)
            if causes:
                raise E.invalid(rt, name, causes)
            if md.get("resourceVersion"):
                raise E.internal("resourceVersion should not be set on objects to be created")
            self.check_namespace(rt, ns)
            if self.store.get(rt.key, md.get("namespace", ""), name) is not None:
                raise E.already_exists(rt, name)
            obj = self.prepare_new(rt, obj)
            admission.on_create(self, rt, obj)
            if rt.key == CRDS:
                self._crd_status(obj, None)
            if dry_run:
                return 201, obj
            self.store.put(rt.key, obj)
            if rt.key == CRDS:
                self.registry.register_crd(obj)
            return 201, obj

    def prepare_new(self, rt, obj):
        obj = _typed(rt, obj)
        md = obj["metadata"]
        md["uid"] = str(uuid.uuid4())
        md["creationTimestamp"] = now_rfc3339()
        for k in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
                  "managedFields", "resourceVersion"):
            md.pop(k, None)
        if rt.generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        if rt.has_status:
            st = admission.initial_status(rt, obj)
            if st is None:
                obj.pop("status", None)
            else:
                obj["status"] = st
        return obj

    def _review(self, rt, version, body):
        out = deep(body)
        out["apiVersion"] = rt.api_version(version)
        out["kind"] = rt.kind
        out.setdefault("metadata", {})["creationTimestamp"] = None
        if rt.plural == "tokenreviews":
            tok = (out.get("spec") or {}).get("token")
            user = (self.opts.get("token_users") or {}).get(tok)
            out["status"] = {"authenticated": bool(user)}
            if user:
                out["status"]["user"] = {"username": user, "groups": ["system:masters",
                                                                      "system:authenticated"]}
        else:
            out["status"] = {"allowed": True, "reason": "the simulator allows everything"}
        return out

    def _crd_status(self, obj, old):
        spec = obj.get("spec") or {}
        names = dict(spec.get("names") or {})
        names.setdefault("singular", (names.get("kind") or "").lower())
        names.setdefault("listKind", (names.get("kind") or "") + "List")
        spec["names"] = names
        stored = list(((old or {}).get("status") or {}).get("storedVersions") or [])
        for v in spec.get("versions") or []:
            if v.get("storage") and v["name"] not in stored:
                stored.append(v["name"])
        t = now_rfc3339()
        obj["status"] = {
            "acceptedNames": names,
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "lastTransitionTime": t,
                 "reason": "NoConflicts", "message": "no conflicts found"},
                {"type": "Established", "status": "True", "lastTransitionTime": t,
                 "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted"},
            ],
            "storedVersions": stored,
        }

    # ------------------------------------------------------------ update / patch
    def update(self, rt, version, ns, name, body, sub=None, dry_run=False):
        if "update" not in rt.verbs:
            raise E.method_not_allowed(rt)
        self._check_type_meta(rt, version, body)
        with self.lock:
            ns = ns if rt.namespaced else ""
            old = self.store.get(rt.key, ns, name)
            if old is None:
                if rt.namespaced and self.store.get(NAMESPACES, "", ns) is None:
                    raise E.namespace_not_found(ns)
                raise E.not_found(rt, name)
            md = body.get("metadata") or {}
            if md.get("name") and md["name"] != name:
                raise E.bad_request("the name of the object (%s) does not match the name on "
                                    "the URL (%s)" % (md["name"], name))
            if rt.namespaced and md.get("namespace") and md["namespace"] != ns:
                raise E.bad_request("the namespace of the provided object does not match the "
                                    "namespace sent on the request")
            rv = md.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise E.conflict(rt, name)
            return self._apply_update(rt, old, deep(body), sub, dry_run)

    def _apply_update(self, rt, old, new, sub, dry_run):
        name = old["metadata"]["name"]
        omd = old["metadata"]
        if sub == "status":
            merged = deep(old)
            if "status" in new:
                merged["status"] = new["status"]
            else:
                merged.pop("status", None)
            new = merged
        elif sub in ("scale", "finalize", "approval"):
            merged = deep(old)
            if sub == "scale":
                rep = (new.get("spec") or {}).get("replicas")
                if not isinstance(rep, int) or rep < 0:
                    raise E.invalid(rt, name, [E.field_invalid(
                        "spec.replicas", rep, "must be greater than or equal to 0")])
                merged.setdefault("spec", {})["replicas"] = rep
            elif sub == "finalize":
                merged.setdefault("spec", {})["finalizers"] = (new.get("spec") or {}).get(
                    "finalizers") or []
            elif sub == "approval":
                merged.setdefault("status", {})["conditions"] = (new.get("status") or {}).get(
                    "conditions") or []
            new = merged
        else:
            md = new.setdefault("metadata", {})
            if rt.has_status:
                if "status" in old:
                    new["status"] = deep(old["status"])
                else:
                    new.pop("status", None)
            causes = admission.validate_meta(new)
            if causes:
                raise E.invalid(rt, name, causes)
            if omd.get("deletionTimestamp"):
                added = set(md.get("finalizers") or []) - set(omd.get("finalizers") or [])
                if added:
                    raise E.invalid(rt, name, [E.field_forbidden(
                        "metadata.finalizers", "no new finalizers can be added if the object "
                        "is being deleted, found new finalizers %s" % json.dumps(
                            sorted(added)))])
        new = _typed(rt, new)
        md = new.setdefault("metadata", {})
        md["name"] = name
        if rt.namespaced:
            md["namespace"] = omd.get("namespace")
        for k in ("uid", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "generation"):
            if k in omd:
                md[k] = omd[k]
            else:
                md.pop(k, None)
        md.pop("managedFields", None)
        md.pop("selfLink", None)
        md["resourceVersion"] = omd["resourceVersion"]
        if sub is None:
            admission.on_update(self, rt, old, new)
        if rt.key == CRDS and sub is None:
            self._crd_status(new, old)
            new["status"]["conditions"] = (old.get("status") or {}).get(
                "conditions", new["status"]["conditions"])
        if rt.generation and sub in (None, "scale"):
            skip = ("metadata", "status", "apiVersion", "kind")
            if _body_sans(old, skip) != _body_sans(new, skip):
                md["generation"] = int(omd.get("generation") or 1) + 1
        if new == old:
            return 200, old
        if dry_run:
            return 200, new
        if md.get("deletionTimestamp") and not md.get("finalizers"):
            self.store.put(rt.key, new)
            self._finish_delete(rt, new)
            return 200, new
        self.store.put(rt.key, new)
        if rt.key == CRDS:
            self.registry.register_crd(new)
        return 200, new

    def patch(self, rt, version, ns, name, raw, ctype, sub=None, dry_run=False):
        if "patch" not in rt.verbs:
            raise E.method_not_allowed(rt)
        ctype = (ctype or "").split(";")[0].strip()
        accepted = ["application/json-patch+json", "application/merge-patch+json",
                    "application/apply-patch+yaml"]
        if not rt.crd:
            accepted.insert(2, "application/strategic-merge-patch+json")
        if ctype not in accepted:
            raise E.unsupported_media(ctype, accepted)
        try:
            doc = json.loads(raw or b"null")
        except ValueError:
            doc = _yaml_or_none(raw)
            if doc is None:
                raise E.bad_request("error decoding patch: invalid JSON")
        with self.lock:
            ns = ns if rt.namespaced else ""
            old = self.store.get(rt.key, ns, name)
            if old is None:
                if ctype == "application/apply-patch+yaml" and sub is None:
                    return self.create(rt, version, ns, doc, dry_run)
                raise E.not_found(rt, name)
            base = deep(old)
            base["apiVersion"] = rt.api_version(version)
            try:
                if ctype == "application/json-patch+json":
                    new = P.json_patch(base, doc)
                elif ctype == "application/strategic-merge-patch+json":
                    if not isinstance(doc, dict):
                        raise P.PatchError("strategic merge patch must be a JSON object")
                    new = P.strategic_merge(base, doc)
                else:
                    if ctype == "application/apply-patch+yaml" and not isinstance(doc, dict):
                        raise P.PatchError("apply patch must be an object")
                    new = P.merge_patch(base, doc)
            except P.PatchError as e:
                raise E.ApiError(422 if ctype == "application/json-patch+json" else 400,
                                 "Invalid" if ctype == "application/json-patch+json"
                                 else "BadRequest", str(e))
            if not isinstance(new, dict):
                raise E.bad_request("the patch produced a non-object")
            self._check_type_meta(rt, version, new)
            md = new.get("metadata") or {}
            if md.get("name") and md["name"] != name:
                raise E.bad_request("the name of the object (%s) does not match the name on "
                                    "the URL (%s)" % (md["name"], name))
            rv = md.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise E.conflict(rt, name)
            return self._apply_update(rt, old, new, sub, dry_run)

    def update_scale(self, rt, version, ns, name, body=None, raw=None, ctype=None):
        with self.lock:
            ns = ns if rt.namespaced else ""
            old = self.store.get(rt.key, ns, name)
            if old is None:
                raise E.not_found(rt, name)
            if raw is not None:
                sc = scale_of(rt, version, old)
                doc = json.loads(raw or b"null")
                ct = (ctype or "").split(";")[0].strip()
                try:
                    if ct == "application/json-patch+json":
                        body = P.json_patch(sc, doc)
                    else:
                        body = P.merge_patch(sc, doc)
                except P.PatchError as e:
                    raise E.bad_request(str(e))
            rv = ((body or {}).get("metadata") or {}).get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise E.conflict(rt, name)
            code, obj = self._apply_update(rt, old, {"spec": (body or {}).get("spec") or {}},
                                           "scale", False)
            return code, scale_of(rt, version, obj)

    # ------------------------------------------------------------ delete
    def delete(self, rt, ns, name, opts=None, dry_run=False):
        if "delete" not in rt.verbs:
            raise E.method_not_allowed(rt)
        opts = opts or {}
        with self.lock:
            ns = ns if rt.namespaced else ""
            old = self.store.get(rt.key, ns, name)
            if old is None:
                raise E.not_found(rt, name)
            pre = opts.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != old["metadata"].get("uid"):
                raise E.conflict(rt, name, "Precondition failed: UID in precondition: %s, UID "
                                 "in object meta: %s" % (pre["uid"], old["metadata"].get("uid")))
            if pre.get("resourceVersion") and pre["resourceVersion"] != \
                    old["metadata"]["resourceVersion"]:
                raise E.conflict(rt, name, "Precondition failed: ResourceVersion in "
                                 "precondition: %s, ResourceVersion in object meta: %s"
                                 % (pre["resourceVersion"], old["metadata"]["resourceVersion"]))
            if dry_run:
                return 200, old
            policy = opts.get("propagationPolicy")
            if opts.get("orphanDependents") is True:
                policy = "Orphan"
            if rt.key == NAMESPACES or old["metadata"].get("finalizers"):
                if old["metadata"].get("deletionTimestamp"):
                    return 200, old
                new = deep(old)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                if rt.key == NAMESPACES:
                    new.setdefault("status", {})["phase"] = "Terminating"
                self.store.put(rt.key, new)
                return 200, new
            if policy == "Orphan":
                self._orphan(old)
            gone = self._finish_delete(rt, old)
            if rt.delete_returns_object:
                return 200, gone
            return 200, _success(rt, old)

    def _finish_delete(self, rt, obj):
        md = obj["metadata"]
        gone = self.store.delete(rt.key, md.get("namespace") or "", md["name"])
        if rt.key == CRDS:
            t = self.registry.unregister_crd(obj)
            if t is not None:
                self.store.drop_type(t.key)
        return gone

    def _orphan(self, owner):
        uid = owner["metadata"].get("uid")
        for gr, key in self.store.dependents(uid):
            d = self.store.get(gr, key[0], key[1])
            if d is None:
                continue
            d = deep(d)
            d["metadata"]["ownerReferences"] = [r for r in d["metadata"].get(
                "ownerReferences") or [] if r.get("uid") != uid]
            if not d["metadata"]["ownerReferences"]:
                del d["metadata"]["ownerReferences"]
            self.store.put(gr, d)

    def delete_collection(self, rt, ns, q, opts=None, dry_run=False):
        if "deletecollection" not in rt.verbs:
            raise E.method_not_allowed(rt)
        q = dict(q)
        q.pop("limit", None)
        q.pop("continue", None)
        with self.lock:
            entries, meta = self.list(rt, ns, q)
            out = []
            for e in entries:
                md = e.obj["metadata"]
                try:
                    _, o = self.delete(rt, md.get("namespace"), md["name"], opts, dry_run)
                except E.ApiError:
                    continue
                out.append(e.obj)
            return out

    # ------------------------------------------------------------ for controllers
    def put_internal(self, rt_key, obj):
        """Store a changed object without validation (controllers); honours finalizers."""
        md = obj["metadata"]
        if md.get("deletionTimestamp") and not md.get("finalizers") and rt_key != NAMESPACES:
            self.store.put(rt_key, obj)
            rt = self.registry.types.get(rt_key)
            if rt is not None:
                self._finish_delete(rt, obj)
            else:
                self.store.delete(rt_key, md.get("namespace") or "", md["name"])
            return None
        return self.store.put(rt_key, obj)

    def create_internal(self, rt_key, obj):
        rt = self.registry.types[rt_key]
        obj = self.prepare_new(rt, obj)
        if rt_key == ("", "serviceaccounts") or rt_key == ("", "configmaps"):
            pass
        admission.on_create(self, rt, obj)
        if rt_key == CRDS:
            self._crd_status(obj, None)
        self.store.put(rt_key, obj)
        if rt_key == CRDS:
            self.registry.register_crd(obj)
        return obj

    def delete_internal(self, rt_key, ns, name, honour_finalizers=True):
        """Delete as the garbage collector or namespace controller would."""
        rt = self.registry.types.get(rt_key)
        o = self.store.get(rt_key, ns, name)
        if o is None:
            return
        if honour_finalizers and o["metadata"].get("finalizers"):
            if not o["metadata"].get("deletionTimestamp"):
                n = deep(o)
                n["metadata"]["deletionTimestamp"] = now_rfc3339()
                n["metadata"]["deletionGracePeriodSeconds"] = 0
                self.store.put(rt_key, n)
            return
        if rt is not None:
            self._finish_delete(rt, o)
        else:
            self.store.delete(rt_key, ns, name)


def _typed(rt, obj):
    """kind and apiVersion first, as the apiserver writes them."""
    out = {"kind": rt.kind, "apiVersion": rt.api_version(rt.storage_version)}
    for k, v in obj.items():
        if k not in out:
            out[k] = v
    return out


def _success(rt, obj):
    d = {"name": obj["metadata"]["name"], "kind": rt.plural,
         "uid": obj["metadata"].get("uid")}
    if rt.group:
        d["group"] = rt.group
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": d}


def _yaml_or_none(raw):
    try:
        import yaml  # optional: only for YAML request bodies
    except ImportError:
        return None
    try:
        return yaml.safe_load(raw)
    except Exception:  # noqa: BLE001 - any YAML error is a bad request
        return None


def scale_of(rt, version, obj):
    spec = obj.get("spec") or {}
    st = obj.get("status") or {}
    sel = spec.get("selector") or {}
    if isinstance(sel, dict):
        ml = sel.get("matchLabels") or {}
        sel = ",".join("%s=%s" % kv for kv in sorted(ml.items()))
    md = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                            "creationTimestamp") if k in md},
            "spec": {"replicas": spec.get("replicas", 1)},
            "status": {"replicas": st.get("replicas", 0), "selector": sel}}
