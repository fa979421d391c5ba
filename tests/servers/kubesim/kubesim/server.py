"""HTTP(S) front end: routing, authentication, content negotiation, discovery, watch streams,
and the simulator's own endpoints under /simulator/."""
import json
import socket
import ssl
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import errors as E
from . import tables
from .api import scale_of
from .selectors import field_selector_name
from .types import ALL_VERBS

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
PUBLIC_PATHS = {"/version", "/version/", "/healthz", "/livez", "/readyz"}


def openapi_v2_protobuf(version):
    """A gnostic openapi_v2.Document{swagger:"2.0", info{title, version}, paths{}}: enough for
    kubectl's create/apply, which then skips schema validation."""
    def ld(field, payload):
        return bytes([(field << 3) | 2, len(payload)]) + payload
    info = ld(1, b"Kubernetes") + ld(2, version.encode())
    return ld(1, b"2.0") + ld(2, info) + ld(8, b"")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self._zero()

    def _zero(self):
        self.requests = 0
        self.seconds = 0.0
        self.by_verb = {}
        self.started = time.time()

    def reset(self):
        with self.lock:
            self._zero()

    def add(self, verb, seconds):
        with self.lock:
            self.requests += 1
            self.seconds += seconds
            v = self.by_verb.setdefault(verb, [0, 0.0])
            v[0] += 1
            v[1] += seconds

    def snapshot(self):
        with self.lock:
            return {"requests": self.requests, "handlerSeconds": round(self.seconds, 6),
                    "byVerb": {k: {"requests": v[0], "handlerSeconds": round(v[1], 6)}
                               for k, v in self.by_verb.items()},
                    "sinceSeconds": round(time.time() - self.started, 3)}


class Simulator:
    """Everything a handler needs: api, registry, store, config, stats, injected faults."""

    def __init__(self, api, config):
        self.api = api
        self.store = api.store
        self.registry = api.registry
        self.config = config
        self.tokens = config.get("tokens") or {}  # token -> user
        self.stats = Stats()
        self.faults = []
        self.faults_lock = threading.Lock()
        self.stopping = threading.Event()
        self.layout = config.get("layout") or {}
        self.addresses = []

    def take_fault(self, method, path):
        with self.faults_lock:
            for f in self.faults:
                if f.get("method") and f["method"].upper() != method:
                    continue
                if not path.startswith(f.get("pathPrefix", "/")):
                    continue
                if f.get("count", 1) <= 0:
                    continue
                f["count"] = f.get("count", 1) - 1
                self.faults = [x for x in self.faults if x.get("count", 1) > 0]
                return f
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lifeboat-kubesim"
    sys_version = ""
    timeout = 300

    # quiet by default; --log-requests turns on one line per request
    def log_message(self, fmt, *args):
        pass

    @property
    def sim(self):
        return self.server.sim

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_HEAD(self):
        self._dispatch("HEAD")

    # ------------------------------------------------------------ plumbing
    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if te == "chunked":
            out = b""
            while True:
                line = self.rfile.readline()
                n = int(line.strip().split(b";")[0] or b"0", 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, code, body, ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = _dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("X-Lifeboat-Sim-Handler-Us",
                         str(int((time.perf_counter() - self._t0) * 1e6)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._code = code

    def _send_error(self, err):
        self._send(err.code, err.status(), headers=err.headers)

    def _authenticate(self, path):
        """Returns the user name, '' for anonymous; raises 401 for bad credentials."""
        sim = self.sim
        tls = isinstance(self.connection, ssl.SSLSocket)
        auth = self.headers.get("Authorization") or ""
        if auth:
            if auth.startswith("Bearer "):
                user = sim.tokens.get(auth[7:].strip())
                if user:
                    return user
            raise E.unauthorized()
        if tls:
            try:
                cert = self.connection.getpeercert()
            except (ValueError, OSError):
                cert = None
            if cert:
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            return v
                return "client-cert"
        if not tls and sim.config.get("http_anonymous", True):
            return "system:anonymous-http"
        if not sim.tokens and not sim.config.get("client_ca"):
            return "system:anonymous"
        return ""

    def _dispatch(self, method):
        self._t0 = time.perf_counter()
        self._code = 0
        streaming = False
        url = urlsplit(self.path)
        path = url.path
        q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        verb = method
        try:
            body = self._read_body() if method in ("POST", "PUT", "PATCH", "DELETE") else b""
            user = self._authenticate(path)
            if user == "" and path not in PUBLIC_PATHS:
                raise E.ApiError(403, "Forbidden", 'forbidden: User "system:anonymous" cannot '
                                 '%s path "%s"' % (method.lower(), path), {})
            fault = self.sim.take_fault(method, path)
            if fault:
                err = E.ApiError(fault.get("status", 500), fault.get("reason", "InternalError"),
                                 fault.get("message", "injected fault"),
                                 headers={"Retry-After": fault["retryAfter"]}
                                 if "retryAfter" in fault else None)
                if fault.get("status") == 429:
                    err.reason = "TooManyRequests"
                raise err
            verb, streaming = self._route(method, path, q, body)
        except E.ApiError as e:
            self._send_error(e)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            try:
                self._send_error(E.internal(str(e)))
            except OSError:
                self.close_connection = True
        finally:
            dt = time.perf_counter() - self._t0
            if not streaming:
                self.sim.stats.add(verb, dt)
            if self.sim.config.get("log_requests"):
                sys.stderr.write("%s %s %s %d %.1fms\n" % (
                    time.strftime("%H:%M:%S"), method, self.path, self._code, dt * 1000))
                sys.stderr.flush()

    # ------------------------------------------------------------ routing
    def _route(self, method, path, q, body):
        sim = self.sim
        if path.startswith("/simulator/") or path == "/simulator":
            self._simulator(method, path, q, body)
            return "SIM", False
        if path in ("/healthz", "/livez", "/readyz") or path.startswith("/healthz/") or \
                path.startswith("/livez/") or path.startswith("/readyz/"):
            self._send(200, "ok", "text/plain; charset=utf-8")
            return "HEALTH", False
        if path in ("/version", "/version/"):
            self._send(200, sim.config["version_info"])
            return "DISCOVERY", False
        if path == "/openapi/v2":
            accept = self.headers.get("Accept") or ""
            if "protobuf" in accept:
                self._send(200, openapi_v2_protobuf(sim.config["version_info"]["gitVersion"]),
                           "application/octet-stream")
            else:
                self._send(200, {"swagger": "2.0", "info": {
                    "title": "Kubernetes", "version": sim.config["version_info"]["gitVersion"]},
                    "paths": {}, "definitions": {}})
            return "DISCOVERY", False
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] not in ("api", "apis"):
            if not parts:
                self._send(200, {"paths": ["/api", "/api/v1", "/apis", "/healthz",
                                           "/livez", "/openapi/v2", "/readyz", "/version"]})
                return "DISCOVERY", False
            raise E.path_not_found()
        with sim.store.lock:
            if parts[0] == "api":
                group = ""
                if len(parts) == 1:
                    if method != "GET":
                        raise E.method_not_allowed()
                    self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                     "serverAddressByClientCIDRs": [{
                                         "clientCIDR": "0.0.0.0/0",
                                         "serverAddress": self._server_address()}]})
                    return "DISCOVERY", False
                version, rest = parts[1], parts[2:]
            else:
                if len(parts) == 1:
                    self._send(200, self._group_list())
                    return "DISCOVERY", False
                group = parts[1]
                gv = sim.registry.groups().get(group)
                if gv is None:
                    raise E.path_not_found()
                if len(parts) == 2:
                    self._send(200, self._group_doc(group, gv))
                    return "DISCOVERY", False
                version, rest = parts[2], parts[3:]
            if not sim.registry.resources_in(group, version):
                raise E.path_not_found()
            if not rest:
                self._send(200, self._resource_list(group, version))
                return "DISCOVERY", False
        watch = False
        if rest[0] == "watch":
            watch = True
            rest = rest[1:]
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in ("status", "finalize"):
            ns = rest[1]
            rest = rest[2:]
        if not rest or len(rest) > 3:
            raise E.path_not_found()
        plural = rest[0]
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        rt = sim.registry.lookup(group, version, plural)
        if rt is None:
            raise E.path_not_found()
        if rt.namespaced and ns is None and name is not None:
            raise E.path_not_found()
        if not rt.namespaced and ns is not None:
            raise E.path_not_found()
        if sub and sub not in rt.subresources:
            raise E.path_not_found()
        if (q.get("watch") or "").lower() in ("true", "1", "t") or watch:
            if method != "GET":
                raise E.method_not_allowed(rt)
            if "watch" not in rt.verbs:
                raise E.method_not_allowed(rt)
            self._watch(rt, version, ns, name, q)
            return "WATCH", True
        return self._resource(method, rt, version, ns, name, sub, q, body), False

    def _server_address(self):
        host, port = self.server.server_address[:2]
        return "%s:%d" % (host, port)

    # ------------------------------------------------------------ discovery
    def _gv(self, group, v):
        return {"groupVersion": "%s/%s" % (group, v), "version": v}

    def _group_doc(self, group, versions):
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group,
                "versions": [self._gv(group, v) for v in versions],
                "preferredVersion": self._gv(group, versions[0])}

    def _group_list(self):
        groups = self.sim.registry.groups()
        return {"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [{"name": g, "versions": [self._gv(g, v) for v in groups[g]],
                            "preferredVersion": self._gv(g, groups[g][0])}
                           for g in self.sim.registry.group_order()]}

    def _resource_list(self, group, version):
        res = []
        for rt in sorted(self.sim.registry.resources_in(group, version),
                         key=lambda r: r.plural):
            r = {"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
                 "kind": rt.kind, "verbs": rt.verbs}
            if rt.short_names:
                r["shortNames"] = rt.short_names
            if rt.categories:
                r["categories"] = rt.categories
            r["storageVersionHash"] = _hash8(rt.group + "/" + rt.storage_version + "/" +
                                             rt.kind)
            res.append(r)
            for sub in rt.subresources:
                s = {"name": "%s/%s" % (rt.plural, sub), "singularName": "",
                     "namespaced": rt.namespaced, "kind": rt.kind,
                     "verbs": ["get", "patch", "update"]}
                if sub == "scale":
                    s.update({"group": "autoscaling", "version": "v1", "kind": "Scale"})
                elif sub == "finalize":
                    s["verbs"] = ["update"]
                elif sub == "approval":
                    s["verbs"] = ["get", "patch", "update"]
                res.append(s)
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": "%s/%s" % (group, version) if group else version,
                "resources": res}

    # ------------------------------------------------------------ resources
    def _accept(self):
        a = self.headers.get("Accept") or ""
        first = a.split(",")[0]
        if "as=Table" in a:
            return "table"
        if "as=PartialObjectMetadata" in first:
            return "partial"
        if a and "json" not in a and "*/*" not in a and "yaml" not in a:
            raise E.ApiError(406, "NotAcceptable", "only the following media types are "
                             "accepted: application/json, application/yaml, "
                             "application/vnd.kubernetes.protobuf")
        return "json"

    def _decode(self, body):
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if ctype in ("application/json", ""):
            try:
                return json.loads(body or b"null")
            except ValueError as e:
                raise E.bad_request("error decoding the request body: %s" % e)
        if ctype in ("application/yaml", "application/apply-patch+yaml"):
            try:
                import yaml
                return yaml.safe_load(body)
            except ImportError:
                pass
            except Exception as e:  # noqa: BLE001
                raise E.bad_request("error decoding YAML: %s" % e)
        raise E.unsupported_media(ctype, ["application/json", "application/yaml",
                                          "application/vnd.kubernetes.protobuf"])

    def _resource(self, method, rt, version, ns, name, sub, q, body):
        api = self.sim.api
        dry = q.get("dryRun") == "All"
        av = rt.api_version(version)
        if method in ("GET", "HEAD"):
            if "get" not in rt.verbs and name:
                raise E.method_not_allowed(rt)
            if name:
                mode = self._accept()
                with api.lock:
                    e = api.get_entry(rt, ns, name)
                    if sub == "scale":
                        self._send(200, scale_of(rt, version, e.obj))
                    elif mode == "table":
                        self._send(200, tables.table(rt, version, [e.obj], {
                            "resourceVersion": e.obj["metadata"]["resourceVersion"]},
                            q.get("includeObject", "Metadata")))
                    elif mode == "partial":
                        self._send(200, tables.partial_metadata(e.obj))
                    else:
                        self._send(200, e.json(av))
                return "GET"
            if "list" not in rt.verbs:
                raise E.method_not_allowed(rt)
            mode = self._accept()
            with api.lock:
                if rt.namespaced and ns and not q.get("fieldSelector") and \
                        api.store.get(("", "namespaces"), "", ns) is None:
                    pass  # listing in a missing namespace is an empty list, as in kube
                entries, meta = api.list(rt, ns, q)
                if mode == "table":
                    out = tables.table(rt, version, [e.obj for e in entries], meta,
                                       q.get("includeObject", "Metadata"))
                    self._send(200, out)
                elif mode == "partial":
                    self._send(200, {"kind": "PartialObjectMetadataList",
                                     "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                                     "items": [tables.partial_metadata(e.obj)
                                               for e in entries]})
                else:
                    head = ('{"kind":"%sList","apiVersion":"%s","metadata":' % (rt.kind, av)
                            ).encode() + _dumps(meta).encode() + b',"items":['
                    payload = head + b",".join(e.json(av) for e in entries) + b"]}"
                    self._send(200, payload)
            return "LIST"
        if method == "POST":
            if name:
                raise E.method_not_allowed(rt)
            obj = self._decode(body)
            code, out = api.create(rt, version, ns, obj, dry)
            self._send(code, _versioned(out, av))
            return "CREATE"
        if method == "PUT":
            if not name:
                raise E.method_not_allowed(rt)
            obj = self._decode(body)
            if sub == "scale":
                code, out = api.update_scale(rt, version, ns, name, body=obj)
                self._send(code, out)
                return "UPDATE"
            code, out = api.update(rt, version, ns, name, obj, sub, dry)
            self._send(code, _versioned(out, av))
            return "UPDATE"
        if method == "PATCH":
            if not name:
                raise E.method_not_allowed(rt)
            if sub == "scale":
                code, out = api.update_scale(rt, version, ns, name, raw=body,
                                             ctype=self.headers.get("Content-Type"))
                self._send(code, out)
                return "PATCH"
            code, out = api.patch(rt, version, ns, name, body,
                                  self.headers.get("Content-Type"), sub, dry)
            self._send(code, _versioned(out, av))
            return "PATCH"
        if method == "DELETE":
            opts = {}
            if body.strip():
                opts = self._decode(body) or {}
            for k in ("propagationPolicy", "gracePeriodSeconds"):
                if k in q:
                    opts[k] = q[k]
            if q.get("orphanDependents") == "true":
                opts["orphanDependents"] = True
            if (opts.get("dryRun") or []) == ["All"]:
                dry = True
            if sub:
                raise E.method_not_allowed(rt)
            if name:
                code, out = api.delete(rt, ns, name, opts, dry)
                self._send(code, _versioned(out, av) if out.get("kind") != "Status" else out)
                return "DELETE"
            items = api.delete_collection(rt, ns, q, opts, dry)
            self._send(200, {"kind": rt.kind + "List", "apiVersion": av,
                             "metadata": {"resourceVersion": str(api.store.rv)},
                             "items": [_versioned(o, av) for o in items]})
            return "DELETECOLLECTION"
        raise E.method_not_allowed(rt)

    # ------------------------------------------------------------ watch
    def _watch(self, rt, version, ns, name, q):
        api = self.sim.api
        store = api.store
        av = rt.api_version(version)
        table_mode = self._accept() == "table"
        pred = api.watch_filter(rt, ns, q)
        pinned = name or field_selector_name(q.get("fieldSelector"))
        try:
            timeout = float(q.get("timeoutSeconds") or 1800)
        except ValueError:
            timeout = 1800.0
        deadline = time.monotonic() + timeout
        rv_param = q.get("resourceVersion") or ""
        first = []
        with store.lock:
            if rv_param in ("", "0"):
                cursor = store.rv
                scope = ns if rt.namespaced and ns else None
                for _, e in store.iter_entries(rt.key, scope):
                    if pred(e.obj) and (not pinned or e.obj["metadata"]["name"] == pinned):
                        first.append(("ADDED", e.obj))
            else:
                try:
                    cursor = int(rv_param)
                except ValueError:
                    raise E.bad_request("invalid resourceVersion %r" % rv_param)
                if store.events_since(cursor) is None:
                    cursor = None
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self._code = 200
        self._columns_sent = False

        def send(etype, obj):
            if table_mode and etype != "ERROR":
                t = tables.table(rt, version, [obj], {"resourceVersion":
                                                      obj["metadata"]["resourceVersion"]},
                                 q.get("includeObject", "Metadata"),
                                 with_columns=not self._columns_sent)
                self._columns_sent = True
                data = b'{"type":"%s","object":' % etype.encode() + _dumps(t).encode() + b"}\n"
            elif etype == "ERROR":
                data = _dumps({"type": "ERROR", "object": obj}).encode() + b"\n"
            else:
                data = b'{"type":"%s","object":' % etype.encode() + \
                    _dumps(_versioned(obj, av)).encode() + b"}\n"
            self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")

        try:
            if cursor is None:
                send("ERROR", E.gone("too old resource version: %s (%d)" % (
                    rv_param, store.oldest_rv())).status())
            else:
                for etype, obj in first:
                    send(etype, obj)
                self.wfile.flush()
                while not self.sim.stopping.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    with store.lock:
                        evs = store.events_since(cursor)
                        if evs == []:
                            store.cond.wait(min(left, 1.0))
                            evs = store.events_since(cursor)
                        if evs is None:
                            out = [("ERROR", None)]
                        else:
                            out = []
                            for ev in evs:
                                cursor = ev.rv
                                if ev.gr != rt.key:
                                    continue
                                if pinned and ev.obj["metadata"]["name"] != pinned:
                                    continue
                                now = pred(ev.obj)
                                was = ev.old is not None and pred(ev.old)
                                if ev.type == "DELETED":
                                    if was or now:
                                        out.append(("DELETED", ev.obj))
                                elif now and (ev.type == "ADDED" or was):
                                    out.append((ev.type, ev.obj))
                                elif now:
                                    out.append(("ADDED", ev.obj))
                                elif was:
                                    out.append(("DELETED", ev.obj))
                    for etype, obj in out:
                        if etype == "ERROR":
                            send("ERROR", E.gone("too old resource version").status())
                            raise StopIteration
                        send(etype, obj)
                    if out:
                        self.wfile.flush()
        except StopIteration:
            pass
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
            return
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    # ------------------------------------------------------------ simulator endpoints
    def _simulator(self, method, path, q, body):
        sim = self.sim
        what = path[len("/simulator/"):].strip("/")
        if what == "stats" and method == "GET":
            s = sim.stats.snapshot()
            with sim.store.lock:
                s["objects"] = sim.store.count()
                s["resourceVersion"] = sim.store.rv
            self._send(200, s)
        elif what == "stats/reset" and method == "POST":
            sim.stats.reset()
            self._send(200, {"reset": True})
        elif what == "info" and method == "GET":
            self._send(200, {"layout": sim.layout, "csiDriver": sim.config.get("csi_driver"),
                             "nodeName": sim.config.get("node_name"),
                             "version": sim.config["version_info"]["gitVersion"],
                             "addresses": sim.addresses})
        elif what == "faults" and method == "POST":
            f = json.loads(body or b"{}")
            with sim.faults_lock:
                sim.faults.append(f)
            self._send(201, f)
        elif what == "faults" and method == "DELETE":
            with sim.faults_lock:
                sim.faults = []
            self._send(200, {"faults": []})
        elif what == "faults" and method == "GET":
            with sim.faults_lock:
                self._send(200, {"faults": sim.faults})
        elif what == "seed" and method == "POST":
            self._send(201, seed(sim.api, json.loads(body or b"{}")))
        else:
            raise E.path_not_found()


def _versioned(obj, av):
    if obj.get("apiVersion") == av or obj.get("kind") == "Status":
        return obj
    o = dict(obj)
    o["apiVersion"] = av
    return o


def _hash8(s):
    import base64
    import hashlib
    return base64.b64encode(hashlib.sha256(s.encode()).digest()[:8]).decode()


def seed(api, spec):
    """Create many objects at once, for benchmarks: {"group": "", "resource": "configmaps",
    "namespace": "bench", "count": 10000, "prefix": "cm-", "template": {...}}."""
    import copy
    group = spec.get("group", "")
    plural = spec.get("resource", "configmaps")
    rt = api.registry.types.get((group, plural))
    if rt is None:
        raise E.bad_request("unknown resource %s/%s" % (group, plural))
    ns = spec.get("namespace", "default") if rt.namespaced else ""
    count = int(spec.get("count", 0))
    prefix = spec.get("prefix", plural[:-1] + "-")
    tmpl = spec.get("template") or {}
    created = 0
    with api.lock:
        if rt.namespaced and api.store.get(("", "namespaces"), "", ns) is None:
            api.create(api.registry.types[("", "namespaces")], "v1", None,
                       {"metadata": {"name": ns}})
        width = len(str(max(count - 1, 1)))
        start = int(spec.get("start", 0))
        for i in range(start, start + count):
            o = copy.deepcopy(tmpl)
            md = o.setdefault("metadata", {})
            md["name"] = "%s%0*d" % (prefix, width, i)
            if rt.namespaced:
                md["namespace"] = ns
            if api.store.get(rt.key, ns, md["name"]) is not None:
                continue
            api.create_internal(rt.key, o)
            created += 1
    return {"created": created, "resourceVersion": str(api.store.rv)}


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, sim, ssl_ctx=None):
        self.sim = sim
        self.ssl_ctx = ssl_ctx
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        if self.ssl_ctx is not None:
            request.settimeout(15)
            try:
                request = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                try:
                    request.close()
                except OSError:
                    pass
                return
            request.settimeout(None)
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError, ssl.SSLError,
                            socket.timeout)):
            return
        super().handle_error(request, client_address)


def make_ssl_context(cert, key, client_ca=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


VERBS = ALL_VERBS
