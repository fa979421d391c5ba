"""HTTP(S) front end: routing, discovery, Table responses, watch streams, bearer
tokens, and the command line."""
import argparse
import datetime
import json
import os
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import errors as E
from . import tables
from .api import Cluster
from .catalog import Registry
from .store import Store, start_saver
from .volumes import Volumes

SERVER_VERSION = {"major": "1", "minor": "27", "gitVersion": "v1.27.3+lifeboat-sim",
                  "gitCommit": "0000000000000000000000000000000000000000",
                  "gitTreeState": "clean", "buildDate": "2026-11-24T00:00:00Z",
                  "goVersion": "go1.20.5", "compiler": "gc", "platform": "linux/amd64"}
PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")


def _pb_str(field, s):
    b = s.encode()
    return bytes([(field << 3) | 2, len(b)]) + b


# gnostic openapi_v2.Document{swagger:"2.0", info:{title, version}, paths:{}}
OPENAPI_V2 = (_pb_str(1, "2.0") +
              bytes([(2 << 3) | 2]) + bytes([len(_pb_str(1, "Kubernetes") + _pb_str(2, "v1.27.3"))])
              + _pb_str(1, "Kubernetes") + _pb_str(2, "v1.27.3") + bytes([(8 << 3) | 2, 0]))


def dumps(o):
    return json.dumps(o, separators=(",", ":")).encode()


class Sim:
    def __init__(self, args):
        self.args = args
        overrides = {}
        for s in args.serve or []:
            g, _, vs = s.partition("=")
            overrides[g] = [v for v in vs.split(",") if v]
        self.registry = Registry(args.profile, overrides)
        self.store = Store()
        data = args.state_dir or args.data_dir or tempfile.mkdtemp(prefix="k8s-sim-")
        self.data_dir = os.path.abspath(data)
        os.makedirs(self.data_dir, exist_ok=True)
        self.volumes = Volumes(args.storage_root or os.path.join(self.data_dir, "storage"),
                               args.kubelet_dir or os.path.join(self.data_dir, "kubelet"))
        self.cluster = Cluster(self.registry, self.store, args.node_name, self.volumes)
        self.volumes.attach(self.cluster)
        self.state_file = os.path.join(args.state_dir, "state.json") if args.state_dir else None
        if args.no_default_storage_class:
            self.cluster.default_storage_class = None
        elif args.default_storage_class:
            self.cluster.default_storage_class = args.default_storage_class
        fresh = True
        if self.state_file and os.path.exists(self.state_file):
            self.store.load(self.state_file)
            self.cluster.after_load()
            fresh = False
        self.cluster.bootstrap(fresh)
        self.tokens = set(args.token or [])
        if args.token_file:
            with open(args.token_file) as f:
                self.tokens.update(t.strip() for t in f if t.strip())
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.client_ca = args.client_ca
        self.faults = []            # injected failures, see _inject_fault
        self.stats_lock = threading.Lock()
        self.stats = {"requests": 0, "handlerSeconds": 0.0}
        for seed in args.seed or []:
            self.seed(seed)

    def seed(self, spec):
        """--seed RESOURCE/NAMESPACE=COUNT, e.g. configmaps/bench=100000."""
        what, _, count = spec.partition("=")
        plural, _, ns = what.partition("/")
        res = None
        for r in self.registry.by_key.values():
            if r.plural == plural:
                res = r
        if res is None:
            raise SystemExit("k8s-sim: --seed names unknown resource %r" % plural)
        nsres = self.registry.get("", "namespaces")
        if ns and not self.store.get(nsres.key, "", ns):
            self.cluster.create(nsres, None, {"metadata": {"name": ns}})
        body = {"data": {"key": "x" * 64}} if plural in ("configmaps",) else {}
        for i in range(int(count)):
            o = dict(body)
            o["metadata"] = {"name": "%s-%06d" % (res.singular, i),
                             "labels": {"seed": "true", "mod10": str(i % 10)}}
            self.cluster.create(res, ns or None, o)


class _Handled(Exception):
    """The response was already written."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "k8s-sim"
    sys_version = ""
    disable_nagle_algorithm = True
    sim = None
    tls = False

    def log_message(self, fmt, *a):
        pass

    # plumbing
    def _read_body(self):
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                n = int(self.rfile.readline().strip().split(b";")[0], 16)
                if n == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(n))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, code, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = dumps(body)
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, err):
        self._send(err.code, err.status())

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _handle(self):
        t0 = time.perf_counter()
        try:
            body = self._read_body()
            u = urllib.parse.urlsplit(self.path)
            query = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query,
                                                                keep_blank_values=True).items()}
            path = u.path.rstrip("/") or "/"
            self._auth(path)
            if path.startswith("/sim/v1/"):
                return self._sim_api(path, body)
            self._inject_fault(path)
            self._route(path, query, body)
        except _Handled:
            pass
        except E.ApiError as e:
            self._error(e)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # an internal error must still be a Status
            import traceback
            traceback.print_exc()
            self._error(E.ApiError(500, "InternalError", "Internal error occurred: %s" % e))
        finally:
            dt = time.perf_counter() - t0
            with self.sim.stats_lock:
                self.sim.stats["requests"] += 1
                self.sim.stats["handlerSeconds"] += dt
            if self.sim.log:
                self.sim.log.write("%s %s %.3fms\n" % (self.command, self.path, dt * 1000))

    def _sim_api(self, path, body):
        """Simulator control endpoints (not Kubernetes paths):
        GET /sim/v1/info; GET|DELETE /sim/v1/stats (request count and seconds spent in
        handlers); POST|GET|DELETE /sim/v1/faults: inject failures, a JSON object or list of
        {"pathPrefix": "/api/v1/namespaces/x/configmaps", "method": "GET" (optional),
         "code": 429|500|503|..., "count": N, "retryAfter": seconds (optional)}."""
        sim = self.sim
        if path == "/sim/v1/info":
            return self._send(200, {"dataDir": sim.data_dir,
                                    "storageRoot": sim.volumes.storage_root,
                                    "kubeletDir": sim.volumes.kubelet_dir,
                                    "nodeName": sim.cluster.node_name,
                                    "profile": sim.registry.profile,
                                    "stateDir": sim.args.state_dir or ""})
        if path == "/sim/v1/stats":
            with sim.stats_lock:
                if self.command == "DELETE":
                    sim.stats = {"requests": 0, "handlerSeconds": 0.0}
                return self._send(200, dict(sim.stats))
        if path == "/sim/v1/faults":
            with sim.stats_lock:
                if self.command == "POST":
                    f = json.loads(body or b"[]")
                    sim.faults.extend(f if isinstance(f, list) else [f])
                elif self.command == "DELETE":
                    sim.faults = []
                return self._send(200, list(sim.faults))
        raise E.path_not_found()

    def _inject_fault(self, path):
        sim = self.sim
        if not sim.faults:
            return
        with sim.stats_lock:
            for f in sim.faults:
                if f.get("count", 1) <= 0 or not path.startswith(f.get("pathPrefix", "/")):
                    continue
                if f.get("method") and f["method"] != self.command:
                    continue
                f["count"] = f.get("count", 1) - 1
                code = int(f.get("code", 500))
                break
            else:
                return
        reasons = {429: ("TooManyRequests", "Too many requests, please try again later."),
                   500: ("InternalError", "Internal error occurred: injected fault"),
                   503: ("ServiceUnavailable", "the server is currently unable to handle "
                         "the request"),
                   504: ("Timeout", "the server was unable to return a response in the "
                         "time allotted")}
        reason, msg = reasons.get(code, ("InternalError", "injected fault"))
        details = {}
        if f.get("retryAfter") is not None:
            details["retryAfterSeconds"] = int(f["retryAfter"])
        err = E.ApiError(code, reason, msg, details)
        body = dumps(err.status())
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if f.get("retryAfter") is not None:
            self.send_header("Retry-After", str(int(f["retryAfter"])))
        self.end_headers()
        self.wfile.write(body)
        raise _Handled()

    def _auth(self, path):
        if self.tls and self.sim.client_ca:
            try:
                if self.connection.getpeercert():
                    return          # a certificate signed by --client-ca
            except (AttributeError, ValueError):
                pass
        h = self.headers.get("Authorization")
        if h is not None:
            tok = h[7:].strip() if h.startswith("Bearer ") else None
            if not self.sim.tokens or tok not in self.sim.tokens:
                raise E.unauthorized()
            return
        if self.tls and self.sim.tokens and not path.startswith(PUBLIC_PATHS):
            raise E.ApiError(403, "Forbidden", 'forbidden: User "system:anonymous" cannot '
                             'access path "%s"' % path, {})

    # routing
    def _route(self, path, query, body):
        sim = self.sim
        reg = sim.registry
        m = self.command
        if path == "/version":
            return self._send(200, SERVER_VERSION)
        if path in ("/healthz", "/livez", "/readyz"):
            return self._send(200, b"ok", "text/plain")
        if path == "/openapi/v2":
            return self._send(200, OPENAPI_V2, "application/octet-stream")
        if path == "/":
            return self._send(200, {"paths": ["/api", "/apis", "/version", "/openapi/v2"]})
        parts = path.strip("/").split("/")
        with sim.store.lock:
            if parts == ["api"]:
                return self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [
                                            {"clientCIDR": "0.0.0.0/0",
                                             "serverAddress": "127.0.0.1:0"}]})
            if parts == ["apis"]:
                return self._send(200, reg.api_group_list())
            if parts[0] == "api" and len(parts) >= 2:
                group, version, rest = "", parts[1], parts[2:]
            elif parts[0] == "apis" and len(parts) >= 3:
                group, version, rest = parts[1], parts[2], parts[3:]
            elif parts[0] == "apis" and len(parts) == 2:
                gs = reg.groups()
                if parts[1] not in gs:
                    raise E.path_not_found()
                g = reg.api_group(parts[1], gs[parts[1]])
                g.update({"kind": "APIGroup", "apiVersion": "v1"})
                return self._send(200, g)
            else:
                raise E.path_not_found()
            if not rest:
                rl = reg.resource_list(group, version)
                if rl is None:
                    raise E.path_not_found()
                return self._send(200, rl)
            ns = name = sub = None
            if rest[0] == "namespaces" and len(rest) >= 3 and \
                    reg.lookup(group, version, rest[2]) is not None and \
                    reg.lookup(group, version, rest[2]).namespaced:
                ns, plural, rest2 = rest[1], rest[2], rest[3:]
            else:
                plural, rest2 = rest[0], rest[1:]
            res = reg.lookup(group, version, plural)
            if res is None or len(rest2) > 2:
                raise E.path_not_found()
            if rest2:
                name = rest2[0]
            if len(rest2) == 2:
                sub = rest2[1]
                if not ((sub == "status" and res.status) or (sub == "scale" and res.scale)):
                    raise E.path_not_found()
            if res.namespaced and name is not None and ns is None:
                raise E.path_not_found()
            if not res.namespaced and ns is not None:
                raise E.path_not_found()
        dry = query.get("dryRun") == "All"
        c = sim.cluster
        if res.verbs == ["create"]:
            return self._review(res, m, ns, name, body)
        if sub == "scale":
            return self._scale(res, m, ns, name, query, body, dry)
        if name is None:
            if m == "GET":
                if (query.get("watch") or "").lower() in ("true", "1", "t"):
                    return self._watch(res, version, ns, query)
                return self._list(res, version, ns, query)
            if m == "POST":
                if ns is None and res.namespaced:
                    raise E.method_not_allowed()
                obj = self._json(body)
                o = c.create(res, ns, obj, version, dry_run=dry)
                return self._send(201, c.out(res, o, version))
            if m == "DELETE":
                opts = self._json(body) if body.strip() else {}
                with sim.store.lock:
                    items = c.delete_collection(res, ns, query,
                                                self._delete_opts(opts, query))
                return self._send(200, self._list_doc(res, version, items, str(sim.store.rv),
                                                      "", None))
            raise E.method_not_allowed()
        if m == "GET":
            with sim.store.lock:
                o = c.get(res, ns, name)
            if self._wants_table():
                return self._send(200, self._table(res, version, [o], o["metadata"][
                    "resourceVersion"], "", query))
            return self._send(200, c.out(res, o, version))
        if m == "PUT":
            o = c.update(res, ns, name, self._json(body), version, sub, dry_run=dry)
            return self._send(200, c.out(res, o, version))
        if m == "PATCH":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            o = c.patch(res, ns, name, ctype, self._json(body), version, sub, dry_run=dry)
            return self._send(200, c.out(res, o, version))
        if m == "DELETE":
            if sub:
                raise E.method_not_allowed()
            opts = self._json(body) if body.strip() else {}
            opts = self._delete_opts(opts, query)
            if (opts.get("dryRun") or []) == ["All"]:
                dry = True
            o = c.delete(res, ns, name, opts, dry_run=dry)
            return self._send(200, c.out(res, o, version))
        raise E.method_not_allowed()

    def _delete_opts(self, opts, query):
        opts = dict(opts or {}) if isinstance(opts, dict) else {}
        if query.get("propagationPolicy"):
            opts["propagationPolicy"] = query["propagationPolicy"]
        if query.get("orphanDependents"):
            opts["orphanDependents"] = query["orphanDependents"] == "true"
        return opts

    def _review(self, res, m, ns, name, body):
        """authorization.k8s.io reviews: no RBAC here, an authenticated caller may do
        anything. Answered (201), never stored."""
        if m != "POST" or name is not None:
            raise E.method_not_allowed()
        if res.namespaced and ns is None:
            raise E.path_not_found()
        obj = self._json(body)
        if not isinstance(obj, dict):
            raise E.bad_request("the body of the request was not a JSON object")
        out = {"kind": res.kind, "apiVersion": res.gv("v1"),
               "metadata": dict(obj.get("metadata") or {}, creationTimestamp=None),
               "spec": obj.get("spec") or {}}
        if res.kind == "SelfSubjectRulesReview":
            out["status"] = {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"],
                                                "resources": ["*"]}],
                             "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                             "incomplete": False}
        else:
            out["status"] = {"allowed": True, "reason": "k8s-sim authorizes every "
                             "authenticated request"}
        return self._send(201, out)

    def _scale(self, res, m, ns, name, query, body, dry):
        c = self.sim.cluster
        if m == "GET":
            with self.sim.store.lock:
                return self._send(200, c.scale_of(res, c.get(res, ns, name)))
        if m == "PUT":
            return self._send(200, c.update_scale(res, ns, name, self._json(body),
                                                  dry_run=dry))
        if m == "PATCH":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            return self._send(200, c.update_scale(res, ns, name, self._json(body), ctype,
                                                  dry_run=dry))
        raise E.method_not_allowed()

    def _json(self, body):
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if "protobuf" in ctype or "yaml" in ctype:
            raise E.ApiError(415, "UnsupportedMediaType",
                             'the body of the request was in an unknown format - accepted '
                             'media types include: application/json')
        try:
            return json.loads(body or b"null")
        except ValueError as e:
            raise E.bad_request("the body of the request was not valid JSON: %s" % e)

    def _wants_table(self):
        acc = self.headers.get("Accept") or ""
        first = acc.split(",")[0]
        return "as=Table" in first

    def _list_doc(self, res, version, items, rv, token, remaining):
        c = self.sim.cluster
        gv = res.gv(version)
        kind = res.kind
        out = []
        for o in items:
            d = {"apiVersion": gv, "kind": kind}
            d.update(o)
            d["apiVersion"] = gv
            d["kind"] = kind
            out.append(d)
        md = {"resourceVersion": rv}
        if token:
            md["continue"] = token
        if remaining is not None:
            md["remainingItemCount"] = remaining
        return {"apiVersion": gv, "kind": res.list_kind(), "metadata": md, "items": out}

    def _table(self, res, version, items, rv, token, query, remaining=None):
        md = {"resourceVersion": rv}
        if token:
            md["continue"] = token
        if remaining is not None:
            md["remainingItemCount"] = remaining
        return tables.table(res, version, items, md, query.get("includeObject", "Metadata"),
                            lambda o: self.sim.cluster.out(res, o, version))

    def _list(self, res, version, ns, query):
        items, rv, token, remaining = self.sim.cluster.list(res, ns, query)
        if self._wants_table():
            return self._send(200, self._table(res, version, items, str(rv), token, query,
                                               remaining))
        return self._send(200, self._list_doc(res, version, items, str(rv), token, remaining))

    def _watch(self, res, version, ns, query):
        from .selectors import (check_field_labels, fields_match, labels_match,
                                parse_field_selector, parse_label_selector)
        store = self.sim.store
        c = self.sim.cluster
        lsel = parse_label_selector(query.get("labelSelector", ""))
        fsel = parse_field_selector(query.get("fieldSelector", ""))
        check_field_labels(res, fsel)
        as_table = self._wants_table()
        include = query.get("includeObject", "Metadata")

        def matches(o):
            if o is None:
                return False
            if ns is not None and o["metadata"].get("namespace") != ns:
                return False
            if lsel and not labels_match(lsel, o["metadata"].get("labels")):
                return False
            if fsel and not fields_match(fsel, o):
                return False
            return True
        timeout = float(query.get("timeoutSeconds") or 1800)
        deadline = time.monotonic() + timeout
        rvq = query.get("resourceVersion") or ""
        initial = []
        with store.lock:
            if rvq and rvq != "0":
                try:
                    last = int(rvq)
                except ValueError:
                    raise E.bad_request("invalid resource version %r" % rvq)
                if store.events_since(last) is None:
                    expired = E.ApiError(410, "Expired", "too old resource version: %s (%d)"
                                         % (rvq, store.events_base_rv)).status()
                    initial = None
            else:
                q = {k: v for k, v in query.items() if k in ("labelSelector", "fieldSelector")}
                initial, last, _t, _r = c.list(res, ns, q)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        columns_sent = []

        def emit(evtype, o):
            if as_table:
                # as kube-apiserver: one Table per event, column definitions only in the
                # first (kubectl reuses them and prints the header once)
                obj = tables.table(res, version, [o], {"resourceVersion": o["metadata"][
                    "resourceVersion"]}, include, lambda x: c.out(res, x, version),
                    with_columns=not columns_sent)
                columns_sent.append(True)
            else:
                obj = c.out(res, o, version)
            chunk(dumps({"type": evtype, "object": obj}) + b"\n")

        try:
            if initial is None:
                chunk(dumps({"type": "ERROR", "object": expired}) + b"\n")
                chunk(b"")
                return
            for o in initial:
                emit("ADDED", o)
            while True:
                batch = []
                with store.cond:
                    while True:
                        idx = store.events_since(last)
                        if idx is None:
                            break
                        if idx < len(store.events):
                            batch = store.events[idx:]
                            last = batch[-1][0]
                            break
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        store.cond.wait(min(left, 5.0))
                if not batch:
                    break
                for _rv, key, evtype, o, prev in batch:
                    if key != res.key:
                        continue
                    now_in = matches(o)
                    if not (lsel or fsel):
                        if now_in:
                            emit(evtype, o)
                        continue
                    # with selectors, an object entering is ADDED and one leaving DELETED
                    was_in = matches(prev)
                    if evtype == "DELETED":
                        if was_in:
                            emit("DELETED", o)
                    elif now_in:
                        emit(evtype if was_in or evtype == "ADDED" else "ADDED", o)
                    elif was_in:
                        emit("DELETED", o)
            chunk(b"")
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


def make_server(sim, host, port, tls_ctx=None):
    cls = type("H", (Handler,), {"sim": sim, "tls": tls_ctx is not None})
    srv = ThreadingHTTPServer((host, port), cls)
    srv.daemon_threads = True
    if tls_ctx is not None:
        srv.socket = tls_ctx.wrap_socket(srv.socket, server_side=True)
    return srv


def main(argv=None):
    ap = argparse.ArgumentParser(prog="k8s-sim", description="Kubernetes API simulator")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="HTTP port (0: pick a free one)")
    ap.add_argument("--no-http", action="store_true", help="serve TLS only")
    ap.add_argument("--tls-port", type=int, default=None, help="also serve TLS on this port")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--token", action="append", help="accepted bearer token (repeatable)")
    ap.add_argument("--token-file")
    ap.add_argument("--client-ca", help="accept TLS client certificates signed by this CA")
    ap.add_argument("--profile", default="default")
    ap.add_argument("--serve", action="append", metavar="GROUP=v1,v2",
                    help="served versions of a built-in group (overrides the profile)")
    ap.add_argument("--state-dir")
    ap.add_argument("--data-dir")
    ap.add_argument("--storage-root")
    ap.add_argument("--kubelet-dir")
    ap.add_argument("--node-name", default="sim-node-1")
    ap.add_argument("--port-file", help="write {\"http\":N,\"https\":M} here once listening")
    ap.add_argument("--seed", action="append", metavar="RESOURCE/NAMESPACE=COUNT")
    ap.add_argument("--log")
    ap.add_argument("--no-default-storage-class", action="store_true",
                    help="start without the default StorageClass \"standard\"")
    ap.add_argument("--default-storage-class", metavar="NAME",
                    help="name of the default StorageClass made at start (default: standard)")
    args = ap.parse_args(argv)
    sim = Sim(args)
    servers = {}
    if not args.no_http:
        servers["http"] = make_server(sim, args.host, args.port)
    if args.tls_port is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            ctx.load_verify_locations(args.client_ca)
            ctx.verify_mode = ssl.CERT_OPTIONAL
        servers["https"] = make_server(sim, args.host, args.tls_port, ctx)
    for srv in servers.values():
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    ports = {k: s.server_address[1] for k, s in servers.items()}
    if sim.state_file:
        start_saver(sim.store, sim.state_file)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(ports, f)
        os.replace(tmp, args.port_file)
    stop = threading.Event()

    def on_signal(_s, _f):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.wait(3600):
        pass
    if sim.state_file:
        sim.store.save(sim.state_file)
    return 0
