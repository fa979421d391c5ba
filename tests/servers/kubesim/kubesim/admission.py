"""What the apiserver's validation, defaulting and admission do to built-in kinds, as far as a
backup and restore tool notices: names, labels, defaults, Service IP and nodePort allocation,
Secret encoding, immutable fields, CRD validation."""
import base64
import ipaddress
import json
import re

from . import errors as E

SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric character "
                 "(e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
             "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
             "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
LABEL1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                 "start with an alphabetic character, and end with an alphanumeric character "
                 "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
                 "'[a-z]([-a-z0-9]*[a-z0-9])?')")

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
NODE_PORT_MIN, NODE_PORT_MAX = 30000, 32767


def validate_name(rt, name, field="metadata.name"):
    rule = rt.name_rule
    if rule == "path":
        if name in (".", ".."):
            return [E.field_invalid(field, name, 'may not be \'%s\'' % name)]
        for c in ("/", "%"):
            if c in name:
                return [E.field_invalid(field, name, "may not contain '%s'" % c)]
        return []
    if rule == "label":
        if len(name) > 63:
            return [E.field_invalid(field, name, "must be no more than 63 characters")]
        if not LABEL_RE.match(name):
            return [E.field_invalid(field, name, LABEL_MSG)]
        return []
    if rule == "label1035":
        if len(name) > 63:
            return [E.field_invalid(field, name, "must be no more than 63 characters")]
        if not LABEL1035_RE.match(name):
            return [E.field_invalid(field, name, LABEL1035_MSG)]
        return []
    if len(name) > 253:
        return [E.field_invalid(field, name, "must be no more than 253 characters")]
    if not SUBDOMAIN_RE.match(name):
        return [E.field_invalid(field, name, SUBDOMAIN_MSG)]
    return []


def _validate_key(field, key):
    prefix, _, name = key.rpartition("/")
    causes = []
    if prefix and (len(prefix) > 253 or not SUBDOMAIN_RE.match(prefix)):
        causes.append(E.field_invalid(field, key, "prefix part " + SUBDOMAIN_MSG))
    if not name or len(name) > 63 or not QUALIFIED_NAME_RE.match(name):
        causes.append(E.field_invalid(
            field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"))
    return causes


def validate_meta(obj):
    md = obj.get("metadata") or {}
    causes = []
    labels = md.get("labels") or {}
    if not isinstance(labels, dict):
        raise E.bad_request("metadata.labels must be a map of strings")
    for k, v in labels.items():
        causes += _validate_key("metadata.labels", k)
        if not isinstance(v, str):
            raise E.bad_request("json: cannot unmarshal %s into Go struct field "
                                "ObjectMeta.metadata.labels of type string"
                                % type(v).__name__)
        if len(v) > 63 or not LABEL_VALUE_RE.match(v):
            causes.append(E.field_invalid(
                "metadata.labels", v, "a valid label must be an empty string or consist of "
                "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
                "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"))
    ann = md.get("annotations") or {}
    if not isinstance(ann, dict):
        raise E.bad_request("metadata.annotations must be a map of strings")
    for k, v in ann.items():
        causes += _validate_key("metadata.annotations", k)
        if not isinstance(v, str):
            raise E.bad_request("json: cannot unmarshal %s into Go struct field "
                                "ObjectMeta.metadata.annotations of type string"
                                % type(v).__name__)
    if sum(len(k) + len(v) for k, v in ann.items()) > 256 * 1024:
        causes.append(("FieldValueTooLong", "metadata.annotations",
                       "metadata.annotations: Too long: must have at most 262144 bytes"))
    return causes


# ---------------------------------------------------------------- defaults on create

def initial_status(rt, obj):
    """Status as the apiserver sets it on create, where create ignores the client's status."""
    k = rt.key
    if k == ("", "namespaces"):
        return {"phase": "Active"}
    if k == ("", "pods"):
        return {"phase": "Pending", "qosClass": _qos(obj)}
    if k == ("", "persistentvolumeclaims"):
        return {"phase": "Pending"}
    if k == ("", "persistentvolumes"):
        return {"phase": "Pending"}
    if k == ("", "services"):
        return {"loadBalancer": {}}
    if k == ("apiextensions.k8s.io", "customresourcedefinitions"):
        return None  # set by api.py
    if rt.crd:
        return None
    return {}


def _qos(pod):
    cs = (pod.get("spec") or {}).get("containers") or []
    any_res = False
    guaranteed = bool(cs)
    for c in cs:
        r = c.get("resources") or {}
        lim, req = r.get("limits") or {}, r.get("requests") or {}
        if lim or req:
            any_res = True
        if not lim.get("cpu") or not lim.get("memory"):
            guaranteed = False
        for k in ("cpu", "memory"):
            if k in req and req.get(k) != lim.get(k):
                guaranteed = False
    if not any_res:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def on_create(api, rt, obj):
    k = rt.key
    fn = _CREATE.get(k)
    if fn:
        fn(api, rt, obj)


def _ns_create(api, rt, obj):
    spec = obj.setdefault("spec", {})
    spec.setdefault("finalizers", ["kubernetes"])
    _ns_label(obj)


def _ns_label(obj):
    md = obj["metadata"]
    labels = md.get("labels") or {}
    labels["kubernetes.io/metadata.name"] = md["name"]
    md["labels"] = labels


def _secret_create(api, rt, obj):
    _secret_normalize(obj)
    obj.setdefault("type", "Opaque")


def _secret_normalize(obj):
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        raise E.bad_request("Secret.data must be a map")
    for key, v in data.items():
        if v is None:
            continue
        try:
            base64.b64decode(v, validate=True)
        except (ValueError, TypeError):
            raise E.bad_request("Secret in version \"v1\" cannot be handled as a Secret: "
                                "v1.Secret.Data: decode base64: illegal base64 data")
    sd = obj.pop("stringData", None)
    if sd:
        for key, v in sd.items():
            data[key] = base64.b64encode(str(v).encode()).decode()
    if data or "data" in obj:
        obj["data"] = data


def _pod_create(api, rt, obj):
    spec = obj.setdefault("spec", {})
    if not spec.get("containers"):
        raise E.invalid(rt, obj["metadata"]["name"], [E.field_required(
            "spec.containers", "")])
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("securityContext", {})
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        img = c.get("image") or ""
        tagged = ":" in img.rsplit("/", 1)[-1] or "@" in img
        c.setdefault("imagePullPolicy", "IfNotPresent" if tagged and not img.endswith(
            ":latest") else "Always")
        c.setdefault("resources", {})
    for v in spec.get("volumes") or []:
        if not any(key != "name" for key in v):
            v["emptyDir"] = {}


def _protect(obj, fin):
    fins = obj["metadata"].setdefault("finalizers", [])
    if fin not in fins:
        fins.append(fin)


def _pvc_create(api, rt, obj):
    _protect(obj, "kubernetes.io/pvc-protection")
    spec = obj.setdefault("spec", {})
    if "storageClassName" not in spec or spec.get("storageClassName") is None:
        dflt = api.default_storage_class()
        if dflt:
            spec["storageClassName"] = dflt
    spec.setdefault("volumeMode", "Filesystem")
    causes = []
    if not spec.get("accessModes"):
        causes.append(E.field_required("spec.accessModes", "at least 1 access mode is "
                                       "required"))
    if not ((spec.get("resources") or {}).get("requests") or {}).get("storage"):
        causes.append(E.field_required("spec.resources[storage]", ""))
    if causes:
        raise E.invalid(rt, obj["metadata"]["name"], causes)


def _pv_create(api, rt, obj):
    _protect(obj, "kubernetes.io/pv-protection")
    spec = obj.setdefault("spec", {})
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")
    causes = []
    if not (spec.get("capacity") or {}).get("storage"):
        causes.append(E.field_required("spec.capacity", ""))
    if not spec.get("accessModes"):
        causes.append(E.field_required("spec.accessModes", ""))
    if not any(k in spec for k in _PV_SOURCES):
        causes.append(E.field_required("spec", "must specify a volume type"))
    if causes:
        raise E.invalid(rt, obj["metadata"]["name"], causes)


_PV_SOURCES = ("hostPath", "local", "csi", "nfs", "gcePersistentDisk", "awsElasticBlockStore",
               "azureDisk", "azureFile", "cephfs", "rbd", "iscsi", "fc", "flexVolume", "cinder",
               "glusterfs", "vsphereVolume", "portworxVolume", "storageos", "quobyte",
               "scaleIO", "photonPersistentDisk", "flocker")


def _deployment_create(api, rt, obj):
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    spec.setdefault("strategy", {"type": "RollingUpdate", "rollingUpdate": {
        "maxUnavailable": "25%", "maxSurge": "25%"}})
    _require_selector(rt, obj)


def _require_selector(rt, obj):
    spec = obj.get("spec") or {}
    sel = spec.get("selector")
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    name = obj["metadata"]["name"]
    if not sel:
        raise E.invalid(rt, name, [E.field_required("spec.selector", "")])
    ml = sel.get("matchLabels") or {}
    for k, v in ml.items():
        if labels.get(k) != v:
            raise E.invalid(rt, name, [E.field_invalid(
                "spec.template.metadata.labels", labels,
                "`selector` does not match template `labels`")])


def _sts_create(api, rt, obj):
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("updateStrategy", {"type": "RollingUpdate",
                                       "rollingUpdate": {"partition": 0}})
    _require_selector(rt, obj)


def _service_create(api, rt, obj):
    spec = obj.setdefault("spec", {})
    stype = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    name = obj["metadata"]["name"]
    for p in spec.get("ports") or []:
        p.setdefault("protocol", "TCP")
        if stype != "ExternalName":
            p.setdefault("targetPort", p.get("port"))
    if stype == "ExternalName":
        return
    used_ips, used_ports = api.service_allocations(exclude=None)
    ip = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
    if ip and ip != "None":
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            raise E.invalid(rt, name, [E.field_invalid("spec.clusterIPs[0]", ip,
                                                      "must be a valid IP address")])
        if addr not in SERVICE_CIDR:
            raise E.invalid(rt, name, [E.field_invalid(
                "spec.clusterIPs", [ip], "failed to allocate IP %s: provided IP is not in the "
                "valid range. The range of valid IPs is %s" % (ip, SERVICE_CIDR))])
        if ip in used_ips:
            raise E.invalid(rt, name, [E.field_invalid(
                "spec.clusterIPs", [ip], "failed to allocate IP %s: provided IP is already "
                "allocated" % ip)])
    elif ip != "None":
        ip = api.allocate_ip(used_ips)
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip]
    if ip != "None":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    _assign_node_ports(api, rt, obj, used_ports, {})


def _assign_node_ports(api, rt, obj, used_ports, keep):
    spec = obj["spec"]
    name = obj["metadata"]["name"]
    needs = spec.get("type") in ("NodePort", "LoadBalancer")
    for i, p in enumerate(spec.get("ports") or []):
        np = p.get("nodePort")
        if not needs:
            if np:
                raise E.invalid(rt, name, [E.field_forbidden(
                    "spec.ports[%d].nodePort" % i, "may not be used when `type` is '%s'"
                    % spec.get("type"))])
            continue
        if np:
            if np in keep:
                continue
            if not NODE_PORT_MIN <= np <= NODE_PORT_MAX:
                raise E.invalid(rt, name, [E.field_invalid(
                    "spec.ports[%d].nodePort" % i, np, "provided port is not in the valid "
                    "range. The range of valid ports is %d-%d" % (NODE_PORT_MIN,
                                                                  NODE_PORT_MAX))])
            if np in used_ports:
                raise E.invalid(rt, name, [E.field_invalid(
                    "spec.ports[%d].nodePort" % i, np, "provided port is already allocated")])
            used_ports.add(np)
        else:
            p["nodePort"] = api.allocate_node_port(used_ports)
            used_ports.add(p["nodePort"])


def _crd_create(api, rt, obj):
    validate_crd(rt, obj)


def validate_crd(rt, obj):
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    name = obj["metadata"]["name"]
    causes = []
    group = spec.get("group") or ""
    if not group:
        causes.append(E.field_required("spec.group", ""))
    elif "." not in group:
        causes.append(E.field_invalid("spec.group", group,
                                      "should be a domain with at least one dot"))
    if not names.get("plural"):
        causes.append(E.field_required("spec.names.plural", ""))
    if not names.get("kind"):
        causes.append(E.field_required("spec.names.kind", ""))
    if names.get("plural") and group and name != "%s.%s" % (names["plural"], group):
        causes.append(E.field_invalid("metadata.name", name,
                                      'must be spec.names.plural+"."+spec.group'))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(("FieldValueNotSupported", "spec.scope",
                       'spec.scope: Unsupported value: "%s": supported values: "Cluster", '
                       '"Namespaced"' % (spec.get("scope") or "")))
    versions = spec.get("versions") or []
    if not versions:
        causes.append(E.field_invalid("spec.versions", versions,
                                      "must have exactly one version marked as storage version"))
    else:
        if sum(1 for v in versions if v.get("storage")) != 1:
            causes.append(E.field_invalid("spec.versions", versions,
                                          "must have exactly one version marked as storage "
                                          "version"))
        seen = set()
        for i, v in enumerate(versions):
            if v.get("name") in seen:
                causes.append(E.field_duplicate("spec.versions[%d].name" % i, v.get("name")))
            seen.add(v.get("name"))
            if not v.get("schema", {}).get("openAPIV3Schema"):
                causes.append(E.field_required("spec.versions[%d].schema.openAPIV3Schema" % i,
                                               "schemas are required"))
    if causes:
        raise E.invalid(rt, name, causes)


_CREATE = {
    ("", "namespaces"): _ns_create,
    ("", "secrets"): _secret_create,
    ("", "pods"): _pod_create,
    ("", "persistentvolumeclaims"): _pvc_create,
    ("", "persistentvolumes"): _pv_create,
    ("", "services"): _service_create,
    ("apps", "deployments"): _deployment_create,
    ("apps", "replicasets"): lambda api, rt, o: _require_selector(rt, o),
    ("apps", "daemonsets"): lambda api, rt, o: _require_selector(rt, o),
    ("apps", "statefulsets"): _sts_create,
    ("apiextensions.k8s.io", "customresourcedefinitions"): _crd_create,
}


# ---------------------------------------------------------------- updates

def _go_repr(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def on_update(api, rt, old, new):
    fn = _UPDATE.get(rt.key)
    if fn:
        fn(api, rt, old, new)


def _immutable(rt, name, field, value):
    return E.invalid(rt, name, [E.field_invalid(field, value, "field is immutable")])


def _ns_update(api, rt, old, new):
    _ns_label(new)
    new.setdefault("spec", {}).setdefault("finalizers",
                                          (old.get("spec") or {}).get("finalizers", []))


def _secret_update(api, rt, old, new):
    _secret_normalize(new)
    new.setdefault("type", "Opaque")
    name = new["metadata"]["name"]
    if new.get("type") != old.get("type"):
        raise _immutable(rt, name, "type", new.get("type"))
    _immutable_data(rt, old, new, ("data",))


def _cm_update(api, rt, old, new):
    _immutable_data(rt, old, new, ("data", "binaryData"))


def _immutable_data(rt, old, new, fields):
    if not old.get("immutable"):
        return
    name = new["metadata"]["name"]
    causes = []
    if new.get("immutable") is not True:
        causes.append(E.field_forbidden("immutable",
                                        "field is immutable when `immutable` is set"))
    for f in fields:
        if (old.get(f) or {}) != (new.get(f) or {}):
            causes.append(E.field_forbidden(f, "field is immutable when `immutable` is set"))
    if causes:
        raise E.invalid(rt, name, causes)


def _pvc_update(api, rt, old, new):
    o, n = dict(old.get("spec") or {}), dict(new.get("spec") or {})
    if not o.get("volumeName") and n.get("volumeName"):
        o["volumeName"] = n["volumeName"]  # binding a claim is allowed
    if "storageClassName" not in n and "storageClassName" in o:
        n["storageClassName"] = o["storageClassName"]
    n.setdefault("volumeMode", o.get("volumeMode"))
    bound = (old.get("status") or {}).get("phase") == "Bound"
    if bound:
        o.pop("resources", None)
        n.pop("resources", None)
    if o != n:
        raise E.invalid(rt, new["metadata"]["name"], [E.field_forbidden(
            "spec", "spec is immutable after creation except resources.requests for bound "
            "claims")])
    new["spec"].setdefault("storageClassName", (old.get("spec") or {}).get("storageClassName"))
    new["spec"].setdefault("volumeMode", (old.get("spec") or {}).get("volumeMode"))


def _pv_update(api, rt, old, new):
    o, n = old.get("spec") or {}, new.get("spec") or {}
    for k in _PV_SOURCES:
        if o.get(k) != n.get(k):
            raise E.invalid(rt, new["metadata"]["name"], [E.field_forbidden(
                "spec.persistentvolumesource",
                "spec.persistentvolumesource is immutable after creation")])


def _service_update(api, rt, old, new):
    o, n = old.get("spec") or {}, new.setdefault("spec", {})
    name = new["metadata"]["name"]
    n.setdefault("type", "ClusterIP")
    n.setdefault("sessionAffinity", "None")
    for p in n.get("ports") or []:
        p.setdefault("protocol", "TCP")
        if n["type"] != "ExternalName":
            p.setdefault("targetPort", p.get("port"))
    if n.get("type") != "ExternalName" and o.get("type") != "ExternalName":
        if not n.get("clusterIP"):
            n["clusterIP"] = o.get("clusterIP")
        if not n.get("clusterIPs"):
            n["clusterIPs"] = o.get("clusterIPs")
        if n.get("clusterIP") != o.get("clusterIP"):
            raise _immutable(rt, name, "spec.clusterIP", n.get("clusterIP"))
        for k in ("ipFamilies", "ipFamilyPolicy"):
            if k in o:
                n.setdefault(k, o[k])
    used_ips, used_ports = api.service_allocations(exclude=(new["metadata"].get("namespace"),
                                                            name))
    keep = {p.get("nodePort") for p in o.get("ports") or [] if p.get("nodePort")}
    # Ports the client left out keep their nodePort, as the real apiserver does by port number.
    by_port = {p.get("port"): p.get("nodePort") for p in o.get("ports") or []}
    if n.get("type") in ("NodePort", "LoadBalancer"):
        for p in n.get("ports") or []:
            if not p.get("nodePort") and by_port.get(p.get("port")):
                p["nodePort"] = by_port[p.get("port")]
    _assign_node_ports(api, rt, new, used_ports, keep)


def _selector_immutable(rt, old, new):
    if (old.get("spec") or {}).get("selector") != (new.get("spec") or {}).get("selector"):
        raise E.invalid(rt, new["metadata"]["name"], [E.field_invalid(
            "spec.selector", (new.get("spec") or {}).get("selector"), "field is immutable")])


def _sts_update(api, rt, old, new):
    o = {k: v for k, v in (old.get("spec") or {}).items()
         if k not in ("replicas", "template", "updateStrategy", "minReadySeconds",
                      "persistentVolumeClaimRetentionPolicy")}
    n = {k: v for k, v in (new.get("spec") or {}).items()
         if k not in ("replicas", "template", "updateStrategy", "minReadySeconds",
                      "persistentVolumeClaimRetentionPolicy")}
    for k in ("podManagementPolicy", "revisionHistoryLimit"):
        if k not in n and k in o:
            n[k] = o[k]
            new["spec"][k] = o[k]
    if o != n:
        raise E.invalid(rt, new["metadata"]["name"], [E.field_forbidden(
            "spec", "updates to statefulset spec for fields other than 'replicas', "
            "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
            "'minReadySeconds' are forbidden")])


def _job_update(api, rt, old, new):
    _selector_immutable(rt, old, new)
    if (old.get("spec") or {}).get("template") != (new.get("spec") or {}).get("template"):
        raise E.invalid(rt, new["metadata"]["name"], [E.field_invalid(
            "spec.template", (new.get("spec") or {}).get("template"), "field is immutable")])


def _sc_update(api, rt, old, new):
    causes = []
    name = new["metadata"]["name"]
    for f in ("parameters", "provisioner", "reclaimPolicy"):
        ov, nv = old.get(f), new.get(f)
        if f == "reclaimPolicy":
            nv = nv or "Delete"
            ov = ov or "Delete"
        if (ov or None) != (nv or None):
            causes.append(E.field_forbidden(f, "updates to %s are forbidden." % f))
    if (old.get("volumeBindingMode") or "Immediate") != (new.get("volumeBindingMode")
                                                         or "Immediate"):
        causes.append(E.field_forbidden("volumeBindingMode", "field is immutable"))
    if causes:
        raise E.invalid(rt, name, causes)
    new.setdefault("reclaimPolicy", old.get("reclaimPolicy", "Delete"))
    new.setdefault("volumeBindingMode", old.get("volumeBindingMode", "Immediate"))


def _pod_update(api, rt, old, new):
    def strip(spec):
        spec = json.loads(json.dumps(spec or {}))
        for key in ("containers", "initContainers"):
            for c in spec.get(key) or []:
                c.pop("image", None)
        spec.pop("activeDeadlineSeconds", None)
        spec.pop("tolerations", None)
        return spec
    o, n = strip(old.get("spec")), strip(new.get("spec"))
    if not n.get("nodeName"):
        n["nodeName"] = o.get("nodeName")
        if o.get("nodeName"):
            new["spec"]["nodeName"] = o["nodeName"]
    for k, v in o.items():
        if k not in n:
            n[k] = v
            new["spec"][k] = (old.get("spec") or {})[k]
    if {k: v for k, v in o.items() if v is not None} != {k: v for k, v in n.items()
                                                         if v is not None}:
        raise E.invalid(rt, new["metadata"]["name"], [E.field_forbidden(
            "spec", "pod updates may not change fields other than `spec.containers[*].image`, "
            "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, "
            "`spec.tolerations` (only additions to existing tolerations) or "
            "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
            "previously negative)")])


def _crd_update(api, rt, old, new):
    validate_crd(rt, new)
    o, n = old.get("spec") or {}, new.get("spec") or {}
    name = new["metadata"]["name"]
    if o.get("group") != n.get("group"):
        raise _immutable(rt, name, "spec.group", n.get("group"))
    if (o.get("names") or {}).get("plural") != (n.get("names") or {}).get("plural"):
        raise _immutable(rt, name, "spec.names.plural", (n.get("names") or {}).get("plural"))
    if o.get("scope") != n.get("scope"):
        raise _immutable(rt, name, "spec.scope", n.get("scope"))


_UPDATE = {
    ("", "namespaces"): _ns_update,
    ("", "secrets"): _secret_update,
    ("", "configmaps"): _cm_update,
    ("", "persistentvolumeclaims"): _pvc_update,
    ("", "persistentvolumes"): _pv_update,
    ("", "services"): _service_update,
    ("", "pods"): _pod_update,
    ("apps", "deployments"): lambda api, rt, o, n: _selector_immutable(rt, o, n),
    ("apps", "replicasets"): lambda api, rt, o, n: _selector_immutable(rt, o, n),
    ("apps", "daemonsets"): lambda api, rt, o, n: _selector_immutable(rt, o, n),
    ("apps", "statefulsets"): _sts_update,
    ("batch", "jobs"): _job_update,
    ("storage.k8s.io", "storageclasses"): _sc_update,
    ("apiextensions.k8s.io", "customresourcedefinitions"): _crd_update,
}
