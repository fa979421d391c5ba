"""A tiny stdlib client for the simulator's REST API, for tests that look at the wire."""
import json
import os
import ssl
import subprocess
import time
import http.client
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SERVERS = os.path.join(ROOT, "tests", "servers")


class Response:
    def __init__(self, code, headers, raw):
        self.code = code
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<%d %s>" % (self.code, self.raw[:300])


class Sim:
    def __init__(self, env=None):
        env = env or os.environ
        self.env = dict(env)
        self.url = env["KUBESIM_URL"]
        self.http_url = env.get("KUBESIM_HTTP_URL")
        self.token = env.get("KUBESIM_TOKEN")
        self.ca = env.get("KUBESIM_CA")
        self.dir = env.get("KUBESIM_DIR")

    def ctx(self, cert=None):
        c = ssl.create_default_context(cafile=self.ca)
        if cert:
            c.load_cert_chain(*cert)
        return c

    def req(self, method, path, body=None, ctype="application/json", headers=None,
            token=True, url=None, cert=None, timeout=30):
        u = urlsplit(url or self.url)
        if u.scheme == "https":
            conn = http.client.HTTPSConnection(u.hostname, u.port, context=self.ctx(cert),
                                               timeout=timeout)
        else:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
        h = {"Accept": "application/json"}
        if token is True and self.token and u.scheme == "https":
            h["Authorization"] = "Bearer " + self.token
        elif isinstance(token, str):
            h["Authorization"] = "Bearer " + token
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            h["Content-Type"] = ctype
        h.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return Response(r.status, dict(r.getheaders()), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.req("POST", path, body, **kw)

    def put(self, path, body, **kw):
        return self.req("PUT", path, body, **kw)

    def patch(self, path, body, ctype="application/merge-patch+json", **kw):
        return self.req("PATCH", path, body, ctype=ctype, **kw)

    def delete(self, path, body=None, **kw):
        return self.req("DELETE", path, body, **kw)

    def ok(self, method, path, body=None, **kw):
        if method == "PATCH":
            kw.setdefault("ctype", "application/json-patch+json" if isinstance(body, list)
                          else "application/merge-patch+json")
        r = self.req(method, path, body, **kw)
        if r.code >= 300:
            raise AssertionError("%s %s -> %d %s" % (method, path, r.code, r.raw[:500]))
        return r.json

    def ensure_ns(self, name):
        r = self.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": name}})
        assert r.code in (201, 409), r

    def watch_lines(self, path, timeout=5):
        """Open a watch and return the response object to read JSON lines from."""
        u = urlsplit(self.url)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=self.ctx(),
                                           timeout=timeout)
        conn.request("GET", path, headers={"Authorization": "Bearer " + self.token,
                                           "Accept": "application/json"})
        return conn, conn.getresponse()


def wait_for(fn, timeout=15, interval=0.05, what="condition"):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def start_sim(extra_args=(), directory=None, persist=False):
    """Start a private simulator with tests/servers/kube-sim-up.sh; returns its env dict."""
    cmd = [os.path.join(SERVERS, "kube-sim-up.sh")]
    if directory:
        cmd += ["--dir", directory]
    if persist:
        cmd += ["--persist"]
    if extra_args:
        cmd += ["--"] + list(extra_args)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    env = {}
    for line in out.splitlines():
        k, _, v = line.partition("=")
        env[k] = v
    return env


def stop_sim(env, keep=False):
    cmd = [os.path.join(SERVERS, "kube-sim-down.sh"), env["KUBESIM_DIR"]]
    if keep:
        cmd.append("--keep")
    subprocess.run(cmd, check=True)
