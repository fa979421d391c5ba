"""python3 -m kubesim: start the simulator. See tests/servers/kubesim/README.md."""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading

from .api import Api
from .bootstrap import bootstrap
from .controllers import Controllers
from .types import Registry
from .server import SimHTTPServer, Simulator, make_ssl_context
from .store import Store


def parse_args(argv):
    p = argparse.ArgumentParser(prog="kubesim", description=__doc__)
    p.add_argument("--listen", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0,
                   help="port of the main listener, TLS when --tls-cert is given (0: a free "
                        "port)")
    p.add_argument("--http-port", type=int, default=None,
                   help="also serve plain HTTP on this port (0: a free port)")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--client-ca", help="accept client certificates signed by this CA")
    p.add_argument("--token", action="append", default=[],
                   help="accepted bearer token, TOKEN or TOKEN:USER (repeatable)")
    p.add_argument("--token-auth-file",
                   help="kube-apiserver style CSV: token,user,uid[,\"group1,group2\"]")
    p.add_argument("--http-require-auth", action="store_true",
                   help="refuse anonymous requests on the plain HTTP listener too")
    p.add_argument("--state-dir", help="keep objects and volume data here across restarts")
    p.add_argument("--data-dir", help="volume data (node root, CSI volumes, snapshots); "
                                      "default: STATE_DIR, or a temporary directory")
    p.add_argument("--port-file", help="write {port, httpPort, pid} here once listening")
    p.add_argument("--kube-version", default="v1.22.17")
    p.add_argument("--csi-driver", default="hostpath.csi.k8s.io")
    p.add_argument("--node-name", default="sim-node-1")
    p.add_argument("--no-controllers", action="store_true")
    p.add_argument("--no-bootstrap", action="store_true")
    p.add_argument("--no-gc", action="store_true", help="keep objects whose owners are gone")
    p.add_argument("--log-requests", action="store_true")
    return p.parse_args(argv)


def load_tokens(args):
    tokens = {}
    for t in args.token:
        tok, _, user = t.partition(":")
        tokens[tok] = user or "admin"
    if args.token_auth_file:
        import csv
        with open(args.token_auth_file, newline="") as f:
            for row in csv.reader(f):
                if row and not row[0].startswith("#"):
                    tokens[row[0].strip()] = row[1].strip() if len(row) > 1 else "admin"
    return tokens


def version_info(v):
    major, minor = v.lstrip("v").split(".")[:2]
    return {"major": major, "minor": minor, "gitVersion": v,
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.16.15", "compiler": "gc",
            "platform": "linux/amd64"}


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    tmp = None
    data_dir = args.data_dir or args.state_dir
    if not data_dir:
        tmp = data_dir = tempfile.mkdtemp(prefix="kubesim-")
    layout = {"dataDir": os.path.abspath(data_dir)}
    layout["node"] = os.path.join(layout["dataDir"], "node")
    layout["kubelet"] = os.path.join(layout["node"], "var", "lib", "kubelet")
    layout["csi"] = os.path.join(layout["node"], "var", "lib", "csi-hostpath-data")
    layout["snapshots"] = os.path.join(layout["dataDir"], "snapshots")
    for k in ("kubelet", "csi", "snapshots"):
        os.makedirs(layout[k], exist_ok=True)
    os.makedirs(os.path.join(layout["kubelet"], "pods"), exist_ok=True)

    store = Store(os.path.join(args.state_dir, "objects") if args.state_dir else None)
    api = Api(store, Registry(), {"token_users": load_tokens(args)})
    if not args.no_bootstrap:
        bootstrap(api, args.csi_driver, args.node_name, args.kube_version)
    ca_pem = None
    if args.tls_cert:
        ca_file = args.client_ca or args.tls_cert
        with open(ca_file) as f:
            ca_pem = f.read()
    config = {"tokens": load_tokens(args), "client_ca": args.client_ca,
              "http_anonymous": not args.http_require_auth, "layout": layout,
              "version_info": version_info(args.kube_version), "csi_driver": args.csi_driver,
              "node_name": args.node_name, "log_requests": args.log_requests}
    sim = Simulator(api, config)
    servers = []
    if args.tls_cert:
        ctx = make_ssl_context(args.tls_cert, args.tls_key, args.client_ca)
        servers.append(SimHTTPServer((args.listen, args.port), sim, ctx))
    else:
        servers.append(SimHTTPServer((args.listen, args.port), sim))
    if args.http_port is not None and args.tls_cert:
        servers.append(SimHTTPServer((args.listen, args.http_port), sim))
    sim.addresses = [("https" if s.ssl_ctx else "http") + "://%s:%d" % s.server_address[:2]
                     for s in servers]
    ctrl = None
    if not args.no_controllers:
        ctrl = Controllers(api, layout, args.csi_driver, args.node_name, ca_pem,
                           gc=not args.no_gc)
        ctrl.start()
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                                daemon=True) for s in servers]
    for t in threads:
        t.start()
    if args.port_file:
        info = {"port": servers[0].server_address[1], "pid": os.getpid(),
                "tls": bool(args.tls_cert), "layout": layout}
        if len(servers) > 1:
            info["httpPort"] = servers[1].server_address[1]
        tmpf = args.port_file + ".tmp"
        with open(tmpf, "w") as f:
            json.dump(info, f)
        os.replace(tmpf, args.port_file)
    sys.stderr.write("kubesim listening on %s (pid %d, data %s)\n"
                     % (", ".join(sim.addresses), os.getpid(), layout["dataDir"]))
    sys.stderr.flush()

    done = threading.Event()

    def on_signal(signum, frame):
        done.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    done.wait()
    sim.stopping.set()
    with store.lock:
        store.cond.notify_all()
    for s in servers:
        s.shutdown()
        s.server_close()
    if ctrl:
        ctrl.stop()
    store.close()
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
