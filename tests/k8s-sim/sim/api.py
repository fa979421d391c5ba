"""REST semantics of kube-apiserver over the store: create, get, list, update, patch,
delete, status subresource, admission rules that make restores fail in real clusters,
and CustomResourceDefinition registration."""
import base64
import copy
import datetime
import json
import random
import re
import uuid

from . import errors as E
from .catalog import Resource, sort_versions
from .patch import json_patch, merge_patch, strategic_merge
from .selectors import (check_field_labels, field_namespace_name, fields_match,
                        labels_match, parse_field_selector, parse_label_selector)

SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
             "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',"
             "  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
LABEL_NAMED = {("", "namespaces"), ("", "services")}
PATH_SEGMENT_NAMED = {"rbac.authorization.k8s.io"}
GEN_CHARS = "bcdfghjklmnpqrstvwxz2456789"
NODEPORT_MIN, NODEPORT_MAX = 30000, 32767
DEFAULT_STORAGE_CLASS = "standard"
QUOTA_LEGACY = {"pods": "pods", "services": "services", "secrets": "secrets",
                "configmaps": "configmaps", "persistentvolumeclaims": "persistentvolumeclaims",
                "replicationcontrollers": "replicationcontrollers",
                "resourcequotas": "resourcequotas"}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def go_label_selector(sel):
    """A LabelSelector as Go's %#v prints it in "field is immutable" messages."""
    sel = sel or {}
    ml = sel.get("matchLabels")
    mls = "map[string]string(nil)" if ml is None else "map[string]string{%s}" % ", ".join(
        '"%s":"%s"' % kv for kv in sorted(ml.items()))
    me = sel.get("matchExpressions")
    mes = "[]v1.LabelSelectorRequirement(nil)" if me is None else \
        "[]v1.LabelSelectorRequirement{%s}" % ", ".join(
            'v1.LabelSelectorRequirement{Key:"%s", Operator:"%s", Values:[]string{%s}}'
            % (r.get("key"), r.get("operator"),
               ", ".join('"%s"' % v for v in r.get("values") or [])) for r in me)
    return "v1.LabelSelector{MatchLabels:%s, MatchExpressions:%s}" % (mls, mes)


def selector_string(sel):
    """metav1.FormatLabelSelector: "app=web,tier in (a,b)"."""
    sel = sel or {}
    parts = ["%s=%s" % kv for kv in sorted((sel.get("matchLabels") or {}).items())]
    for r in sel.get("matchExpressions") or []:
        op = r.get("operator")
        if op in ("In", "NotIn"):
            parts.append("%s %s (%s)" % (r.get("key"), op.lower(),
                                         ",".join(r.get("values") or [])))
        elif op == "Exists":
            parts.append(r.get("key"))
        elif op == "DoesNotExist":
            parts.append("!" + r.get("key"))
    return ",".join(parts)


def body_spec(obj):
    return {k: v for k, v in obj.items()
            if k not in ("metadata", "status", "apiVersion", "kind")}


class Cluster:
    def __init__(self, registry, store, node_name="sim-node-1", volumes=None):
        self.default_storage_class = DEFAULT_STORAGE_CLASS   # None: no class at start
        self.reg = registry
        self.store = store
        self.node_name = node_name
        self.volumes = volumes
        self.cluster_ips = {}
        self.node_ports = {}
        self.next_ip = 10
        self.next_pod_ip = 2

    # ---- boot -------------------------------------------------------------------------
    def bootstrap(self, fresh=True):
        """Objects a fresh cluster holds (fresh: no state was loaded)."""
        with self.store.lock:
            scres = self.reg.get("storage.k8s.io", "storageclasses")
            if fresh and self.default_storage_class and \
                    not self.store.get(scres.key, "", self.default_storage_class):
                self.create(scres, None, {
                    "metadata": {"name": self.default_storage_class, "annotations": {
                        "storageclass.kubernetes.io/is-default-class": "true"}},
                    "provisioner": "csi.lifeboat.io", "reclaimPolicy": "Delete",
                    "volumeBindingMode": "Immediate", "allowVolumeExpansion": True})
            for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
                if not self.store.get(("", "namespaces"), "", ns):
                    self.create(self.reg.get("", "namespaces"), None,
                                {"metadata": {"name": ns}})
            if not self.store.get(("", "nodes"), "", self.node_name):
                self.create(self.reg.get("", "nodes"), None, {
                    "metadata": {"name": self.node_name,
                                 "labels": {"kubernetes.io/hostname": self.node_name,
                                            "kubernetes.io/os": "linux"}},
                    "status": {}})
                self._set_status(self.reg.get("", "nodes"), None, self.node_name, {
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                    "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                                  {"type": "Hostname", "address": self.node_name}],
                    "nodeInfo": {"kubeletVersion": "v1.27.3", "operatingSystem": "linux",
                                 "architecture": "amd64"}})
            if not self.store.get(("", "services"), "default", "kubernetes"):
                self.create(self.reg.get("", "services"), "default", {
                    "metadata": {"name": "kubernetes", "labels": {"component": "apiserver"}},
                    "spec": {"clusterIP": "10.96.0.1",
                             "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}})

    def after_load(self):
        """Rebuild allocations and CRD registrations from stored objects."""
        for crd in list(self.store.objs.get(("apiextensions.k8s.io",
                                              "customresourcedefinitions"), {}).values()):
            self._register_crd(crd)
        for svc in self.store.objs.get(("", "services"), {}).values():
            self._note_service(svc)

    # ---- helpers ----------------------------------------------------------------------
    def out(self, res, obj, version):
        o = {"apiVersion": res.gv(version), "kind": res.kind}
        o.update(obj)
        o["apiVersion"] = res.gv(version)
        o["kind"] = res.kind
        return o

    def _check_ns(self, res, ns):
        if res.namespaced and not self.store.get(("", "namespaces"), "", ns):
            raise E.namespace_not_found(ns)

    def _validate_name(self, res, name, field="metadata.name"):
        if res.group in PATH_SEGMENT_NAMED:
            if name in (".", "..") or "/" in name or "%" in name:
                raise E.invalid(res, name, [(field, "FieldValueInvalid",
                                             'Invalid value: "%s": may not contain \'/\'' % name)])
            return
        if res.key in LABEL_NAMED:
            ok, msg, mx = LABEL.fullmatch(name), LABEL_MSG, 63
        else:
            ok, msg, mx = SUBDOMAIN.fullmatch(name), SUBDOMAIN_MSG, 253
        if not ok:
            raise E.invalid(res, name, [(field, "FieldValueInvalid",
                                         'Invalid value: "%s": %s' % (name, msg))])
        if len(name) > mx:
            raise E.invalid(res, name, [(field, "FieldValueTooLong",
                                         'Too long: must have at most %d bytes' % mx)])

    def _check_body(self, res, version, obj, ns):
        if not isinstance(obj, dict):
            raise E.bad_request("the body of the request was not a JSON object")
        av = obj.get("apiVersion")
        if av and av != res.gv(version):
            raise E.bad_request("the API version in the data (%s) does not match the expected "
                                "API version (%s)" % (av, res.gv(version)))
        kind = obj.get("kind")
        if kind and kind != res.kind:
            raise E.bad_request("the kind in the data (%s) does not match the expected kind (%s)"
                                % (kind, res.kind))
        md = obj.get("metadata")
        if md is None:
            md = {}
        if not isinstance(md, dict):
            raise E.bad_request("metadata must be an object")
        if res.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise E.bad_request("the namespace of the provided object does not match the "
                                    "namespace sent on the request")
        return md

    # ---- read -------------------------------------------------------------------------
    def get(self, res, ns, name):
        obj = self.store.get(res.key, ns if res.namespaced else "", name)
        if obj is None:
            raise E.not_found(res, name)
        return obj

    def list(self, res, ns, query):
        """Returns (items, list_rv, continue_token, remaining)."""
        lsel = parse_label_selector(query.get("labelSelector", ""))
        fsel = parse_field_selector(query.get("fieldSelector", ""))
        check_field_labels(res, fsel)
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            raise E.bad_request("invalid limit %r" % query.get("limit"))
        cont = query.get("continue") or ""
        fns, fname = field_namespace_name(fsel)
        after = None
        with self.store.lock:
            list_rv = self.store.rv
            if cont:
                try:
                    tok = json.loads(base64.urlsafe_b64decode(cont.encode()))
                    after = tuple(tok["start"])
                    list_rv = int(tok["rv"])
                except Exception:
                    raise E.bad_request("continue key is not valid: incorrect encoded "
                                        "start resourceVersion (version meta.k8s.io/v1)")
            if res.namespaced and ns is None and fns is not None:
                ns = fns
            if not res.namespaced:
                ns = None
            if fname is not None and not cont:
                o = self.store.get(res.key, ns or fns or "", fname) if (ns or not res.namespaced) \
                    else None
                if o is not None or ns is not None or not res.namespaced:
                    cand = [o] if o is not None else []
                    items = [x for x in cand
                             if labels_match(lsel, x["metadata"].get("labels"))
                             and fields_match(fsel, x)]
                    return items, list_rv, "", None
            keys, lo, hi, table = self.store.scan(res.key, ns, after)
            items = []
            i = lo
            while i < hi:
                o = table[keys[i]]
                i += 1
                if lsel and not labels_match(lsel, o["metadata"].get("labels")):
                    continue
                if fsel and not fields_match(fsel, o):
                    continue
                items.append(o)
                if limit and len(items) >= limit:
                    break
            token, remaining = "", None
            if limit and len(items) >= limit and i < hi:
                # more may follow
                last = items[-1]["metadata"]
                token = base64.urlsafe_b64encode(json.dumps(
                    {"rv": list_rv, "start": [last.get("namespace") or "", last["name"]]},
                    separators=(",", ":")).encode()).decode()
                if not lsel and not fsel:
                    remaining = hi - i
            return items, list_rv, token, remaining

    # ---- create -----------------------------------------------------------------------
    def create(self, res, ns, obj, version=None, dry_run=False, internal=False):
        version = version or res.storage_version
        with self.store.lock:
            md = dict(self._check_body(res, version, obj, ns))
            ns = ns if res.namespaced else None
            try:
                rv_set = int(md.get("resourceVersion") or 0) != 0
            except ValueError:
                rv_set = True
            if rv_set:
                # kube-apiserver's storage layer refuses this with a bare 500
                raise E.ApiError(500, "InternalError",
                                 "resourceVersion should not be set on objects to be created")
            if not md.get("name"):
                if md.get("generateName"):
                    for _ in range(20):
                        cand = md["generateName"] + "".join(random.choice(GEN_CHARS)
                                                            for _ in range(5))
                        if not self.store.get(res.key, ns, cand):
                            break
                    md["name"] = cand
                else:
                    raise E.invalid(res, "", [("metadata.name", "FieldValueRequired",
                                               "Required value: name or generateName is required")])
            name = md["name"]
            self._validate_name(res, name)
            self._check_ns(res, ns)
            if self.store.get(res.key, ns, name) is not None:
                raise E.already_exists(res, name)
            o = copy.deepcopy(obj)
            o["apiVersion"] = res.gv(res.storage_version)
            o["kind"] = res.kind
            for k in ("uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                      "selfLink"):
                md.pop(k, None)
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now()
            if ns:
                md["namespace"] = ns
            else:
                md.pop("namespace", None)
            if res.group or res.crd:
                md["generation"] = 1
            else:
                md.pop("generation", None)
            o["metadata"] = md
            if res.status and not internal:
                o.pop("status", None)
            self._admit_create(res, ns, o)
            if dry_run:
                return o
            stored = self.store.put(res.key, o, "ADDED")
            self._after_write(res, None, stored)
            return stored

    def _admit_create(self, res, ns, o):
        key = res.key
        if res.namespaced:
            self._check_quota(res, ns, o["metadata"]["name"])
        if key == ("", "namespaces"):
            o.setdefault("spec", {"finalizers": ["kubernetes"]})
            o["status"] = {"phase": "Active"}
            md = o["metadata"]
            md["labels"] = dict(md.get("labels") or {})
            md["labels"]["kubernetes.io/metadata.name"] = md["name"]
        elif key == ("", "services"):
            self._admit_service(res, o, None)
        elif key == ("", "pods"):
            self._admit_pod(res, ns, o)
        elif key == ("", "persistentvolumeclaims"):
            spec = o.setdefault("spec", {})
            spec.setdefault("volumeMode", "Filesystem")
            if "storageClassName" not in spec:
                dflt = self._default_class(("storage.k8s.io", "storageclasses"),
                                           "storageclass.kubernetes.io/is-default-class")
                if dflt:
                    spec["storageClassName"] = dflt
            o["status"] = {"phase": "Pending"}
        elif key == ("", "persistentvolumes"):
            o["status"] = {"phase": "Available"}
        elif key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._validate_crd(res, o)
            o["status"] = self._crd_status(o, None)
        elif key == ("snapshot.storage.k8s.io", "volumesnapshots"):
            o["status"] = {"readyToUse": False}
        elif key == ("storage.k8s.io", "storageclasses"):
            o.setdefault("reclaimPolicy", "Delete")
            o.setdefault("volumeBindingMode", "Immediate")
        elif key == ("", "secrets"):
            self._admit_secret(res, o)
        if res.key == ("", "services") and "status" not in o:
            o["status"] = {"loadBalancer": {}}

    def _default_class(self, key, annotation):
        """The default class; with several, the newest (then the first by name), as
        kube-apiserver 1.26+ chooses."""
        best = None
        for sc in self.store.objs.get(key, {}).values():
            md = sc["metadata"]
            if (md.get("annotations") or {}).get(annotation) == "true":
                k = (md.get("creationTimestamp") or "", [-ord(c) for c in md["name"]])
                if best is None or k > best[0]:
                    best = (k, md["name"])
        return best[1] if best else None

    def _admit_secret(self, res, o):
        """stringData merges into data (base64); data must be base64; type defaults."""
        name = o["metadata"]["name"]
        o.setdefault("type", "Opaque")
        data = o.get("data") or {}
        for k, v in data.items():
            try:
                base64.b64decode(v or "", validate=True)
            except (ValueError, TypeError):
                raise E.bad_request("Secret in version \"v1\" cannot be handled as a Secret: "
                                    "illegal base64 data at input byte 0")
        sd = o.pop("stringData", None)
        if sd:
            data = dict(data)
            for k, v in sd.items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            o["data"] = data

    def _check_quota(self, res, ns, name):
        for q in self.store.objs.get(("", "resourcequotas"), {}).values():
            if q["metadata"].get("namespace") != ns:
                continue
            hard = (q.get("spec") or {}).get("hard") or {}
            for hk, hv in hard.items():
                if hk.startswith("count/"):
                    target = hk[6:]
                    want = res.plural + ("." + res.group if res.group else "")
                    if target != want:
                        continue
                elif QUOTA_LEGACY.get(hk) != res.plural or res.group:
                    continue
                try:
                    limit = int(str(hv))
                except ValueError:
                    continue
                used = sum(1 for (ons, _n) in self.store.objs.get(res.key, {}) if ons == ns)
                if used + 1 > limit:
                    raise E.forbidden(res, name, "exceeded quota: %s, requested: %s=1, used: "
                                      "%s=%d, limited: %s=%d" % (q["metadata"]["name"], hk, hk,
                                                                 used, hk, limit))

    # services: cluster IPs and node ports
    def _note_service(self, svc):
        who = (svc["metadata"].get("namespace"), svc["metadata"]["name"])
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        if ip and ip != "None":
            self.cluster_ips[ip] = who
        for p in spec.get("ports") or []:
            if p.get("nodePort"):
                self.node_ports[int(p["nodePort"])] = who

    def _free_service(self, svc):
        who = (svc["metadata"].get("namespace"), svc["metadata"]["name"])
        for d in (self.cluster_ips, self.node_ports):
            for k in [k for k, v in d.items() if v == who]:
                del d[k]

    def _admit_service(self, res, o, old):
        name = o["metadata"]["name"]
        who = (o["metadata"].get("namespace"), name)
        spec = o.setdefault("spec", {})
        ospec = (old or {}).get("spec") or {}
        stype = spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        ip = spec.get("clusterIP") or ""
        if old is not None:
            oip = ospec.get("clusterIP") or ""
            if not ip:
                ip = oip
            elif ip != oip:
                raise E.invalid(res, name, [("spec.clusterIP", "FieldValueInvalid",
                                             'Invalid value: "%s": field is immutable' % ip)])
        elif stype == "ExternalName":
            ip = ""
        elif ip and ip != "None":
            if not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", ip):
                raise E.invalid(res, name, [("spec.clusterIPs[0]", "FieldValueInvalid",
                                             'Invalid value: "%s": must be a valid IP address'
                                             % ip)])
            if ip in self.cluster_ips and self.cluster_ips[ip] != who:
                raise E.invalid(res, name, [("spec.clusterIPs", "FieldValueInvalid",
                                             'Invalid value: []string{"%s"}: failed to '
                                             'allocate IP %s: provided IP is already allocated'
                                             % (ip, ip))])
        elif not ip:
            while True:
                n = self.next_ip
                self.next_ip += 1
                ip = "10.96.%d.%d" % (n // 250, n % 250 + 1)
                if ip not in self.cluster_ips:
                    break
        if ip:
            spec["clusterIP"] = ip
            spec["clusterIPs"] = [ip]
        oports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                  for p in ospec.get("ports") or []}
        wants_np = stype in ("NodePort", "LoadBalancer")
        taken_here = set()
        for i, p in enumerate(spec.get("ports") or []):
            p.setdefault("protocol", "TCP")
            if "targetPort" not in p and "port" in p:
                p["targetPort"] = p["port"]
            np_ = p.get("nodePort")
            field = "spec.ports[%d].nodePort" % i
            if not wants_np:
                if np_:
                    raise E.invalid(res, name, [(field, "FieldValueForbidden",
                                                 "Forbidden: may not be used when `type` is '%s'"
                                                 % stype)])
                continue
            if not np_ and oports.get((p.get("port"), p["protocol"])):
                np_ = oports[(p.get("port"), p["protocol"])]
            if np_:
                np_ = int(np_)
                if not NODEPORT_MIN <= np_ <= NODEPORT_MAX:
                    raise E.invalid(res, name, [(field, "FieldValueInvalid",
                                                 "Invalid value: %d: provided port is not in "
                                                 "the valid range. The range of valid ports is "
                                                 "%d-%d" % (np_, NODEPORT_MIN, NODEPORT_MAX))])
                if (self.node_ports.get(np_, who) != who) or np_ in taken_here:
                    raise E.invalid(res, name, [(field, "FieldValueInvalid",
                                                 "Invalid value: %d: provided port is already "
                                                 "allocated" % np_)])
            else:
                np_ = NODEPORT_MIN
                while np_ in self.node_ports or np_ in taken_here:
                    np_ += 1
            p["nodePort"] = np_
            taken_here.add(np_)

    # pods
    def _admit_pod(self, res, ns, o):
        spec = o.setdefault("spec", {})
        sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        if not self.store.get(("", "serviceaccounts"), ns, sa) and sa != "default":
            raise E.forbidden(res, o["metadata"]["name"],
                              "error looking up service account %s/%s: serviceaccount \"%s\" "
                              "not found" % (ns, sa, sa))
        spec["serviceAccountName"] = sa
        spec["serviceAccount"] = sa
        spec.setdefault("nodeName", self.node_name)
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        ip = "10.244.%d.%d" % (self.next_pod_ip // 250, self.next_pod_ip % 250 + 1)
        self.next_pod_ip += 1
        t = now()
        o["status"] = {
            "phase": "Running", "hostIP": "127.0.0.1", "podIP": ip, "podIPs": [{"ip": ip}],
            "startTime": t, "qosClass": "BestEffort",
            "conditions": [{"type": c, "status": "True", "lastTransitionTime": t}
                           for c in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "containerStatuses": [{
                "name": c.get("name"), "image": c.get("image"), "imageID": "",
                "containerID": "sim://" + uuid.uuid4().hex, "ready": True, "started": True,
                "restartCount": 0, "state": {"running": {"startedAt": t}}}
                for c in spec.get("containers") or []]}

    # CRDs
    def _validate_crd(self, res, o):
        name = o["metadata"]["name"]
        spec = o.get("spec") or {}
        names = spec.get("names") or {}
        causes = []
        if not spec.get("group"):
            causes.append(("spec.group", "FieldValueRequired", "Required value"))
        if not names.get("plural"):
            causes.append(("spec.names.plural", "FieldValueRequired", "Required value"))
        if not names.get("kind"):
            causes.append(("spec.names.kind", "FieldValueRequired", "Required value"))
        if spec.get("scope") not in ("Namespaced", "Cluster"):
            causes.append(("spec.scope", "FieldValueNotSupported",
                           'Unsupported value: "%s": supported values: "Cluster", "Namespaced"'
                           % spec.get("scope")))
        vs = spec.get("versions") or []
        if not vs:
            causes.append(("spec.versions", "FieldValueInvalid",
                           "Invalid value: null: must have exactly one version marked as "
                           "storage version"))
        elif sum(1 for v in vs if v.get("storage")) != 1:
            causes.append(("spec.versions", "FieldValueInvalid",
                           "Invalid value: ...: must have exactly one version marked as "
                           "storage version"))
        if not causes and name != "%s.%s" % (names["plural"], spec["group"]):
            causes.append(("metadata.name", "FieldValueInvalid",
                           'Invalid value: "%s": must be spec.names.plural+"."+spec.group'
                           % name))
        if causes:
            raise E.invalid(res, name, causes)

    def _crd_status(self, o, old):
        spec = o["spec"]
        names = dict(spec["names"])
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", names["kind"] + "List")
        stored = list(((old or {}).get("status") or {}).get("storedVersions") or [])
        sv = [v["name"] for v in spec["versions"] if v.get("storage")][0]
        if sv not in stored:
            stored.append(sv)
        t = now()
        return {"conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": t},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": t}],
            "acceptedNames": names, "storedVersions": stored}

    def _register_crd(self, crd):
        spec = crd["spec"]
        names = spec["names"]
        served = [v["name"] for v in spec["versions"] if v.get("served", True)]
        storage = [v["name"] for v in spec["versions"] if v.get("storage")][0]
        has_status = any(((v.get("subresources") or {}).get("status") is not None)
                         for v in spec["versions"]) or \
            (spec.get("subresources") or {}).get("status") is not None
        old = self.reg.get(spec["group"], names["plural"])
        if old is not None and not old.crd:
            return
        if not served:
            self.reg.remove((spec["group"], names["plural"]))
            return
        r = Resource(spec["group"], sort_versions(served), names["plural"], names["kind"],
                     spec["scope"] == "Namespaced", names.get("shortNames") or [],
                     status=has_status, singular=names.get("singular") or names["kind"].lower(),
                     categories=names.get("categories") or [], crd=crd["metadata"]["name"])
        r.storage_version = storage
        r.printer_columns = {v["name"]: v.get("additionalPrinterColumns")
                             for v in spec["versions"]}
        self.reg.add(r)

    # ---- update / patch ---------------------------------------------------------------
    def update(self, res, ns, name, obj, version=None, sub=None, dry_run=False):
        version = version or res.storage_version
        with self.store.lock:
            md = self._check_body(res, version, obj, ns)
            if md.get("name") and md["name"] != name:
                raise E.bad_request("the name of the object (%s) does not match the name on "
                                    "the URL (%s)" % (md["name"], name))
            old = self.get(res, ns, name)
            rv = md.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise E.conflict(res, name)
            return self._replace(res, old, obj, sub, dry_run)

    def patch(self, res, ns, name, ctype, patch, version=None, sub=None, dry_run=False):
        version = version or res.storage_version
        with self.store.lock:
            old = self.get(res, ns, name)
            cur = self.out(res, old, version)
            if ctype == "application/json-patch+json":
                new = json_patch(cur, patch)
            elif ctype == "application/merge-patch+json":
                if not isinstance(patch, dict):
                    raise E.bad_request("merge patch must be a JSON object")
                new = merge_patch(cur, patch)
            elif ctype == "application/strategic-merge-patch+json":
                if res.crd:
                    raise E.ApiError(415, "UnsupportedMediaType",
                                     "the body of the request was in an unknown format - "
                                     "accepted media types include: application/json-patch+json"
                                     ", application/merge-patch+json, application/apply-patch+yaml")
                if not isinstance(patch, dict):
                    raise E.bad_request("strategic merge patch must be a JSON object")
                new = strategic_merge(cur, patch)
            else:
                raise E.unsupported_media(ctype)
            if not isinstance(new, dict):
                raise E.bad_request("patch did not produce an object")
            md = self._check_body(res, version, new, ns)
            if md.get("name") != name:
                raise E.bad_request("the name of the object (%s) does not match the name on "
                                    "the URL (%s)" % (md.get("name"), name))
            rv = md.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise E.conflict(res, name)
            return self._replace(res, old, new, sub, dry_run)

    def _replace(self, res, old, obj, sub, dry_run):
        name = old["metadata"]["name"]
        ns = old["metadata"].get("namespace")
        if sub == "status":
            new = copy.deepcopy(old)
            if "status" in obj:
                new["status"] = copy.deepcopy(obj["status"])
            else:
                new.pop("status", None)
        else:
            new = copy.deepcopy(obj)
            new["apiVersion"] = old["apiVersion"]
            new["kind"] = res.kind
            md = dict(new.get("metadata") or {})
            omd = old["metadata"]
            for k in ("uid", "creationTimestamp", "namespace", "deletionTimestamp",
                      "deletionGracePeriodSeconds", "generation"):
                if k in omd:
                    md[k] = omd[k]
                else:
                    md.pop(k, None)
            md["name"] = name
            new["metadata"] = md
            if res.status:
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
                else:
                    new.pop("status", None)
            if omd.get("deletionTimestamp"):
                added = sorted(set(md.get("finalizers") or []) -
                               set(omd.get("finalizers") or []))
                if added:
                    raise E.invalid(res, name, [(
                        "metadata.finalizers", "FieldValueForbidden",
                        "Forbidden: no new finalizers can be added if the object is being "
                        "deleted, found new finalizers []string{%s}"
                        % ", ".join(json.dumps(f) for f in added))])
            if body_spec(new) != body_spec(old) and "generation" in md:
                md["generation"] = int(md["generation"]) + 1
            self._admit_update(res, old, new)
        a = dict(new)
        a["metadata"] = {k: v for k, v in new["metadata"].items() if k != "resourceVersion"}
        b = dict(old)
        b["metadata"] = {k: v for k, v in old["metadata"].items() if k != "resourceVersion"}
        if a == b:
            return old
        if dry_run:
            return new
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            return self._delete_now(res, ns, name)
        stored = self.store.put(res.key, new, "MODIFIED")
        self._after_write(res, old, stored)
        return self.store.get(res.key, ns, name) or stored

    def _admit_update(self, res, old, new):
        key = res.key
        name = old["metadata"]["name"]
        if key in (("", "configmaps"), ("", "secrets")):
            if key == ("", "secrets"):
                sd = new.pop("stringData", None)
                if sd:
                    new["data"] = dict(new.get("data") or {})
                    for k, v in sd.items():
                        new["data"][k] = base64.b64encode(str(v).encode()).decode()
                new.setdefault("type", old.get("type", "Opaque"))
                if new.get("type") != old.get("type", "Opaque"):
                    raise E.invalid(res, name, [("type", "FieldValueInvalid",
                                                 'Invalid value: "%s": field is immutable'
                                                 % new.get("type"))])
            if old.get("immutable"):
                causes = []
                if new.get("immutable") is not True:
                    causes.append(("immutable", "FieldValueForbidden",
                                   "Forbidden: field is immutable when `immutable` is set"))
                for f in ("data", "binaryData"):
                    if (new.get(f) or {}) != (old.get(f) or {}):
                        causes.append((f, "FieldValueForbidden",
                                       "Forbidden: field is immutable when `immutable` is set"))
                if causes:
                    raise E.invalid(res, name, causes)
        elif key in (("apps", "deployments"), ("apps", "replicasets"),
                     ("apps", "statefulsets"), ("apps", "daemonsets")):
            osel = (old.get("spec") or {}).get("selector")
            nsel = (new.get("spec") or {}).get("selector")
            if osel != nsel:
                raise E.invalid(res, name, [("spec.selector", "FieldValueInvalid",
                                             "Invalid value: %s: field is immutable"
                                             % go_label_selector(nsel))])
        elif key == ("storage.k8s.io", "storageclasses"):
            causes = []
            if (new.get("parameters") or {}) != (old.get("parameters") or {}):
                causes.append(("parameters", "FieldValueForbidden",
                               "Forbidden: updates to parameters are forbidden."))
            if new.get("provisioner") != old.get("provisioner"):
                causes.append(("provisioner", "FieldValueForbidden",
                               "Forbidden: updates to provisioner are forbidden."))
            new.setdefault("reclaimPolicy", "Delete")
            new.setdefault("volumeBindingMode", "Immediate")
            if new.get("reclaimPolicy") != old.get("reclaimPolicy", "Delete"):
                causes.append(("reclaimPolicy", "FieldValueForbidden",
                               "Forbidden: updates to reclaimPolicy are forbidden."))
            if new.get("volumeBindingMode") != old.get("volumeBindingMode", "Immediate"):
                causes.append(("volumeBindingMode", "FieldValueForbidden",
                               "Forbidden: field is immutable"))
            if causes:
                raise E.invalid(res, name, causes)
        elif key == ("", "services"):
            self._admit_service(res, new, old)
        elif key == ("", "persistentvolumeclaims"):
            os_, ns_ = dict(old.get("spec") or {}), dict(new.get("spec") or {})
            if not ns_.get("volumeName") and os_.get("volumeName"):
                ns_["volumeName"] = os_["volumeName"]
                new["spec"]["volumeName"] = os_["volumeName"]
            for s in (os_, ns_):
                s.pop("resources", None)
                s.setdefault("volumeMode", "Filesystem")
            if not os_.get("volumeName"):
                ns_.pop("volumeName", None)
                os_.pop("volumeName", None)
            if os_ != ns_:
                raise E.invalid(res, name, [("spec", "FieldValueForbidden",
                                             "Forbidden: spec is immutable after creation "
                                             "except resources.requests for bound claims")])
        elif key == ("", "persistentvolumes"):
            osrc = {k: v for k, v in (old.get("spec") or {}).items()
                    if k in ("hostPath", "local", "csi", "nfs")}
            nsrc = {k: v for k, v in (new.get("spec") or {}).items()
                    if k in ("hostPath", "local", "csi", "nfs")}
            if osrc != nsrc:
                raise E.invalid(res, name, [("spec.persistentvolumesource", "FieldValueForbidden",
                                             "Forbidden: spec.persistentvolumesource is "
                                             "immutable after creation")])
        elif key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._validate_crd(res, new)
            if (new["spec"].get("group"), new["spec"]["names"].get("plural")) != \
                    (old["spec"].get("group"), old["spec"]["names"].get("plural")):
                raise E.invalid(res, name, [("spec.group", "FieldValueInvalid",
                                             "Invalid value: field is immutable")])
            new["status"] = self._crd_status(new, old)
        elif key == ("", "pods"):
            if (old.get("spec") or {}).get("containers") and \
                    [c.get("name") for c in new.get("spec", {}).get("containers") or []] != \
                    [c.get("name") for c in old["spec"]["containers"]]:
                raise E.invalid(res, name, [("spec", "FieldValueForbidden",
                                             "Forbidden: pod updates may not change fields "
                                             "other than `spec.containers[*].image`, "
                                             "`spec.initContainers[*].image`, "
                                             "`spec.activeDeadlineSeconds`, "
                                             "`spec.tolerations` (only additions to existing "
                                             "tolerations) or `spec.terminationGracePeriodSeconds`")])
            for k in ("nodeName", "serviceAccountName", "serviceAccount", "restartPolicy",
                      "dnsPolicy", "schedulerName", "terminationGracePeriodSeconds"):
                if k in (old.get("spec") or {}):
                    new.setdefault("spec", {}).setdefault(k, old["spec"][k])

    # ---- scale subresource (autoscaling/v1 Scale) ---------------------------------------
    def scale_of(self, res, obj):
        spec = obj.get("spec") or {}
        st = obj.get("status") or {}
        sel = spec.get("selector") or {}
        md = obj["metadata"]
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                "creationTimestamp") if k in md},
                "spec": {"replicas": spec.get("replicas", 1)},
                "status": {"replicas": st.get("replicas", 0),
                           "selector": selector_string(sel) if isinstance(sel, dict) and
                           ("matchLabels" in sel or "matchExpressions" in sel) else
                           ",".join("%s=%s" % kv for kv in sorted(sel.items()))}}

    def update_scale(self, res, ns, name, body, ctype=None, dry_run=False):
        """PUT (ctype None) or PATCH of /scale: only spec.replicas reaches the object."""
        with self.store.lock:
            old = self.get(res, ns, name)
            cur = self.scale_of(res, old)
            if ctype is None:
                sc = body
            elif ctype == "application/json-patch+json":
                sc = json_patch(cur, body)
            elif ctype in ("application/merge-patch+json",
                           "application/strategic-merge-patch+json"):
                if not isinstance(body, dict):
                    raise E.bad_request("patch must be a JSON object")
                sc = merge_patch(cur, body)
            else:
                raise E.unsupported_media(ctype)
            if not isinstance(sc, dict):
                raise E.bad_request("the body of the request was not a JSON object")
            if sc.get("kind") not in (None, "Scale"):
                raise E.bad_request("the kind in the data (%s) does not match the expected "
                                    "kind (Scale)" % sc.get("kind"))
            md = sc.get("metadata") or {}
            if md.get("name") and md["name"] != name:
                raise E.bad_request("the name of the object (%s) does not match the name on "
                                    "the URL (%s)" % (md["name"], name))
            rv = md.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise E.conflict(res, name)
            n = (sc.get("spec") or {}).get("replicas", 0)
            scale_res = type("ScaleRes", (), {"kind": "Scale", "group": "autoscaling",
                                              "plural": res.plural})
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise E.invalid(scale_res, name, [(
                    "spec.replicas", "FieldValueInvalid",
                    "Invalid value: %s: must be greater than or equal to 0" % json.dumps(n))])
            new = copy.deepcopy(old)
            new.setdefault("spec", {})["replicas"] = n
            o = self._replace(res, old, new, None, dry_run)
            return self.scale_of(res, o)

    def _set_status(self, res, ns, name, status):
        """Controller write: replace status without admission."""
        old = self.store.get(res.key, ns or "", name)
        if old is None:
            return None
        new = dict(old)
        new["status"] = status
        stored = self.store.put(res.key, new, "MODIFIED")
        return stored

    def _set(self, res, obj):
        """Controller write of a whole object."""
        return self.store.put(res.key, obj, "MODIFIED")

    # ---- delete -----------------------------------------------------------------------
    def delete(self, res, ns, name, opts=None, dry_run=False):
        with self.store.lock:
            old = self.get(res, ns, name)
            if res.key == ("", "namespaces") and name in ("default", "kube-system",
                                                          "kube-public"):
                raise E.forbidden(res, name, "this namespace may not be deleted")
            pre = (opts or {}).get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != old["metadata"].get("uid"):
                raise E.ApiError(409, "Conflict",
                                 'Operation cannot be fulfilled on %s "%s": Precondition failed: '
                                 'UID in precondition: %s, UID in object meta: %s'
                                 % (res.plural, name, pre["uid"], old["metadata"].get("uid")),
                                 E._details(res, name))
            if pre.get("resourceVersion") and \
                    pre["resourceVersion"] != old["metadata"]["resourceVersion"]:
                raise E.conflict(res, name)
            if dry_run:
                return old
            policy = (opts or {}).get("propagationPolicy")
            if (opts or {}).get("orphanDependents") in (True, "true"):
                policy = "Orphan"
            if policy not in (None, "", "Orphan", "Background", "Foreground"):
                raise E.invalid(res, name, [(
                    "propagationPolicy", "FieldValueNotSupported",
                    'Unsupported value: "%s": supported values: "Foreground", "Background", '
                    '"Orphan", "nil"' % policy)])
            if old["metadata"].get("finalizers"):
                if old["metadata"].get("deletionTimestamp"):
                    return old
                new = dict(old)
                new["metadata"] = dict(old["metadata"])
                new["metadata"]["deletionTimestamp"] = now()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                return self.store.put(res.key, new, "MODIFIED")
            return self._delete_now(res, ns, name, policy)

    def _delete_now(self, res, ns, name, policy=None):
        ns = ns if res.namespaced else ""
        old = self.store.get(res.key, ns, name)
        if res.key == ("", "namespaces"):
            self._drain_namespace(name)
        if policy == "Foreground" and old is not None:
            self._collect_dependents(old, policy)      # dependents go first
        gone = self.store.remove(res.key, ns, name)
        self._after_delete(res, old, policy)
        if res.key == ("", "namespaces") and gone is not None:
            gone = dict(gone)
            gone["metadata"] = dict(gone["metadata"])
            gone["metadata"]["deletionTimestamp"] = now()
            gone["status"] = {"phase": "Terminating"}
        return gone

    def _drain_namespace(self, ns):
        for r in list(self.reg.by_key.values()):
            if not r.namespaced:
                continue
            t = self.store.objs.get(r.key, {})
            for (ons, name) in [k for k in t if k[0] == ns]:
                old = t.get((ons, name))
                self.store.remove(r.key, ons, name)
                self._after_delete(r, old)

    def delete_collection(self, res, ns, query, opts=None):
        items, _rv, _t, _r = self.list(res, ns, {k: v for k, v in query.items()
                                                 if k in ("labelSelector", "fieldSelector")})
        out = []
        for o in items:
            if self.store.get(res.key, o["metadata"].get("namespace") or "",
                              o["metadata"]["name"]) is None:
                continue        # collected with an earlier owner
            g = self.delete(res, o["metadata"].get("namespace"), o["metadata"]["name"], opts)
            if g is not None:
                out.append(g)
        return out

    # ---- controllers ------------------------------------------------------------------
    def _after_write(self, res, old, new):
        key = res.key
        refs = new["metadata"].get("ownerReferences")
        if refs and refs != ((old or {}).get("metadata") or {}).get("ownerReferences"):
            self._collect_if_dangling(res, new)
            if self.store.get(key, new["metadata"].get("namespace") or "",
                              new["metadata"]["name"]) is None:
                return
        if key == ("", "namespaces") and old is None:
            ns = new["metadata"]["name"]
            if not self.store.get(("", "serviceaccounts"), ns, "default"):
                self.create(self.reg.get("", "serviceaccounts"), ns,
                            {"metadata": {"name": "default"}})
            if not self.store.get(("", "configmaps"), ns, "kube-root-ca.crt"):
                try:
                    self.create(self.reg.get("", "configmaps"), ns,
                                {"metadata": {"name": "kube-root-ca.crt"},
                                 "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nsim\n"
                                          "-----END CERTIFICATE-----\n"}})
                except E.ApiError:
                    pass
        elif key == ("", "services"):
            if old is not None:
                self._free_service(old)
            self._note_service(new)
        elif key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._register_crd(new)
        if self.volumes is not None:
            self.volumes.after_write(res, old, new)

    # ---- garbage collector (ownerReferences), run synchronously ------------------------
    def _owner_res(self, ref):
        av = ref.get("apiVersion") or ""
        group = av.rpartition("/")[0]
        for r in self.reg.by_key.values():
            if r.group == group and r.kind == ref.get("kind"):
                return r
        return None

    def _owner_alive(self, dep_ns, ref):
        """True / False, or None when the owner's kind is unknown (left alone, as the
        garbage collector does with unresolvable owners)."""
        r = self._owner_res(ref)
        if r is None:
            return None
        if r.namespaced and not dep_ns:
            return False            # a cluster-scoped dependent's owner must be too
        o = self.store.get(r.key, dep_ns if r.namespaced else "", ref.get("name"))
        return o is not None and o["metadata"].get("uid") == ref.get("uid")

    def _collect_dependents(self, owner, policy=None):
        uid = owner["metadata"].get("uid")
        for key, dns, dname in sorted(self.store.dependents.get(uid, ())):
            d = self.store.get(key, dns, dname)
            r = self.reg.get(*key)
            if d is None or r is None:
                continue
            refs = d["metadata"].get("ownerReferences") or []
            rest = [x for x in refs if x.get("uid") != uid]
            if policy == "Orphan" or any(self._owner_alive(dns, x) is not False
                                         for x in rest):
                self._set_owner_refs(r, d, rest)
            elif not d["metadata"].get("deletionTimestamp") or \
                    not d["metadata"].get("finalizers"):
                self.delete(r, dns or None, dname,
                            {"propagationPolicy": policy if policy == "Foreground"
                             else "Background"})

    def _set_owner_refs(self, res, obj, refs):
        new = dict(obj)
        new["metadata"] = dict(obj["metadata"])
        if refs:
            new["metadata"]["ownerReferences"] = refs
        else:
            new["metadata"].pop("ownerReferences", None)
        return self.store.put(res.key, new, "MODIFIED")

    def _collect_if_dangling(self, res, obj):
        """An object whose owners are all gone is deleted (dangling owners are dropped
        when another owner lives), as the garbage collector would soon after."""
        refs = obj["metadata"].get("ownerReferences") or []
        if not refs or obj["metadata"].get("deletionTimestamp"):
            return
        ns = obj["metadata"].get("namespace") or ""
        alive = [self._owner_alive(ns, x) for x in refs]
        if False not in alive:
            return
        if all(a is False for a in alive):
            self.delete(res, ns or None, obj["metadata"]["name"],
                        {"propagationPolicy": "Background"})
        else:
            self._set_owner_refs(res, obj, [x for x, a in zip(refs, alive) if a is not False])

    def _after_delete(self, res, old, policy=None):
        if old is None:
            return
        if self.store.dependents.get(old["metadata"].get("uid")):
            self._collect_dependents(old, policy)
        key = res.key
        if key == ("", "services"):
            self._free_service(old)
        elif key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            spec = old["spec"]
            rk = (spec["group"], spec["names"]["plural"])
            r = self.reg.get(*rk)
            if r is not None and r.crd:
                self.reg.remove(rk)
                self.store.drop_resource(rk)
        if self.volumes is not None:
            self.volumes.after_delete(res, old)
