#!/usr/bin/python3
"""Fidelity suite: Debian's kubectl 1.20 and python3-kubernetes judge the simulator.
Checks run in order against one simulator and some build on earlier ones (e.g. the
delete checks delete what the create checks made); -k runs a subset.

usage: /usr/bin/python3 tests/fidelity/fidelity.py [--kubectl PATH] [-k SUBSTRING]
Starts its simulators with tests/servers/k8s-sim-up.sh and stops them by pid.
Prints one line per check and a closing line "N passed, M failed"; exit 1 on failure."""
import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SERVERS = os.path.join(REPO, "tests", "servers")
SAMPLE = os.path.join(REPO, "tests", "k8s-sim", "sample-app")

PASSED, FAILED = [], []
SIMS = []
WORK = tempfile.mkdtemp(prefix="k8s-fidelity-")


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def sim_up(*args):
    out = subprocess.run([os.path.join(SERVERS, "k8s-sim-up.sh")] + list(args),
                         check=True, capture_output=True, text=True).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    SIMS.append(env)
    return env


def sim_down(env):
    subprocess.run([os.path.join(SERVERS, "k8s-sim-down.sh"), env["K8S_SIM_PID"],
                    env["K8S_SIM_DIR"]], check=False)
    if env in SIMS:
        SIMS.remove(env)


@atexit.register
def _cleanup():
    for env in list(SIMS):
        sim_down(env)
    shutil.rmtree(WORK, ignore_errors=True)


class Kubectl:
    def __init__(self, path, kubeconfig):
        self.path = path
        self.kubeconfig = kubeconfig
        self.cache = tempfile.mkdtemp(prefix="kcache-", dir=WORK)

    def run(self, *args, stdin=None, ok=True):
        p = subprocess.run([self.path, "--kubeconfig", self.kubeconfig, "--cache-dir",
                            self.cache] + list(args), input=stdin, capture_output=True,
                           text=True)
        if ok and p.returncode != 0:
            raise Fail("kubectl %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                    p.stderr.strip()))
        if ok is False and p.returncode == 0:
            raise Fail("kubectl %s: expected failure, got: %s" % (" ".join(args),
                                                                  p.stdout.strip()))
        return p

    def json(self, *args):
        return json.loads(self.run(*args, "-o", "json").stdout)


def manifest(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def raw(env, method, path, body=None, token=None, ctype="application/json", tls=True):
    """Plain HTTP request against a simulator; returns (code, parsed JSON or bytes)."""
    import ssl
    url = (env["K8S_SIM_URL"] if tls else env["K8S_SIM_HTTP_URL"]) + path
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    if token is None:
        token = env.get("K8S_SIM_TOKEN")
    if token and tls:
        req.add_header("Authorization", "Bearer " + token)
    ctx = None
    if url.startswith("https"):
        ctx = ssl.create_default_context(cafile=env["K8S_SIM_CA"])
    try:
        with urllib.request.urlopen(req, context=ctx) as r:
            b = r.read()
            code = r.status
    except urllib.error.HTTPError as e:
        b = e.read()
        code = e.code
    try:
        return code, json.loads(b)
    except ValueError:
        return code, b


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


# ---------------------------------------------------------------- kubectl ---------
@test
def kubectl_version(ctx):
    out = ctx.k.run("version", "--short").stdout
    check("Client Version: v1.20." in out, "client is not kubectl 1.20: %r" % out)
    check("Server Version: v1.27" in out, "server version missing: %r" % out)


@test
def kubectl_get_table(ctx):
    out = ctx.k.run("get", "namespaces").stdout
    check(out.splitlines()[0].split()[:2] == ["NAME", "STATUS"], "table header: %r" % out)
    check("default" in out and "Active" in out, "namespace rows: %r" % out)
    out = ctx.k.run("get", "pods", "-n", "kube-system").stdout + \
        ctx.k.run("get", "pods", "-n", "kube-system").stderr
    check("No resources found" in out, "empty list message: %r" % out)


@test
def kubectl_create_f_and_already_exists(ctx):
    m = manifest("cm1.yaml", """apiVersion: v1
kind: ConfigMap
metadata:
  name: cm1
  namespace: fid
  labels: {app: one, tier: web}
data:
  k: v
""")
    out = ctx.k.run("create", "-f", m).stdout
    check("configmap/cm1 created" in out, "create -f: %r" % out)
    p = ctx.k.run("create", "-f", m, ok=False)
    check("AlreadyExists" in p.stderr and 'configmaps "cm1" already exists' in p.stderr,
          "AlreadyExists: %r" % p.stderr)


@test
def kubectl_get_json_yaml(ctx):
    o = ctx.k.json("get", "cm", "cm1", "-n", "fid")
    check(o["kind"] == "ConfigMap" and o["apiVersion"] == "v1", "kind/apiVersion: %r" % o)
    md = o["metadata"]
    check(md.get("uid") and md.get("creationTimestamp") and md.get("resourceVersion"),
          "server-set metadata: %r" % md)
    y = ctx.k.run("get", "cm", "cm1", "-n", "fid", "-o", "yaml").stdout
    check("kind: ConfigMap" in y and "k: v" in y, "yaml: %r" % y)
    lst = ctx.k.json("get", "cm", "-n", "fid")
    check(lst["kind"] == "List" and len(lst["items"]) == 2, "list: %r" % lst)


@test
def kubectl_selectors_all_namespaces_chunks(ctx):
    for i in range(5):
        ctx.k.run("create", "configmap", "sel-%d" % i, "-n", "fid", "--from-literal=i=%d" % i)
        ctx.k.run("label", "configmap", "sel-%d" % i, "-n", "fid", "grp=%s" % ("a" if i < 3 else "b"),
                  "idx=%d" % i)
    names = lambda out: sorted(l.split()[0] for l in out.splitlines()[1:])
    check(names(ctx.k.run("get", "cm", "-n", "fid", "-l", "grp=a").stdout) ==
          ["sel-0", "sel-1", "sel-2"], "-l grp=a")
    check(names(ctx.k.run("get", "cm", "-n", "fid", "-l", "grp!=a,idx").stdout) ==
          ["sel-3", "sel-4"], "-l grp!=a,idx")
    check(names(ctx.k.run("get", "cm", "-n", "fid", "-l", "idx in (1,4)").stdout) ==
          ["sel-1", "sel-4"], "-l in")
    check(names(ctx.k.run("get", "cm", "-n", "fid", "-l", "idx notin (1,4),grp").stdout) ==
          ["sel-0", "sel-2", "sel-3"], "-l notin")
    check("cm1" in names(ctx.k.run("get", "cm", "-n", "fid", "-l", "!grp").stdout), "-l !grp")
    out = ctx.k.run("get", "cm", "-A").stdout
    check(out.splitlines()[0].startswith("NAMESPACE") and "kube-root-ca.crt" in out
          and "sel-4" in out, "-A: %r" % out)
    chunked = names(ctx.k.run("get", "cm", "-n", "fid", "--chunk-size=2").stdout)
    check(chunked == names(ctx.k.run("get", "cm", "-n", "fid").stdout) and len(chunked) == 7,
          "--chunk-size=2 gave %r" % chunked)


@test
def kubectl_apply_create_update_unchanged(ctx):
    text = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: fid
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 80}]
      - name: side
        image: busybox:1
"""
    m = manifest("deploy.yaml", text)
    check("deployment.apps/web created" in ctx.k.run("apply", "-f", m).stdout, "apply create")
    gen1 = ctx.k.json("get", "deploy", "web", "-n", "fid")["metadata"]["generation"]
    m = manifest("deploy.yaml", text.replace("replicas: 1", "replicas: 3")
                 .replace("      - name: side\n        image: busybox:1\n", ""))
    check("deployment.apps/web configured" in ctx.k.run("apply", "-f", m).stdout,
          "apply update")
    d = ctx.k.json("get", "deploy", "web", "-n", "fid")
    check(d["spec"]["replicas"] == 3, "replicas after apply: %r" % d["spec"])
    cs = d["spec"]["template"]["spec"]["containers"]
    check([c["name"] for c in cs] == ["web"], "containers after apply (SMP delete): %r" % cs)
    check(d["metadata"]["generation"] == gen1 + 1, "generation bump")
    check("kubectl.kubernetes.io/last-applied-configuration" in d["metadata"]["annotations"],
          "last-applied annotation")
    check("deployment.apps/web unchanged" in ctx.k.run("apply", "-f", m).stdout,
          "apply unchanged")


@test
def kubectl_patch_merge_json_label(ctx):
    ctx.k.run("patch", "cm", "cm1", "-n", "fid", "--type", "merge", "-p",
              '{"data":{"k":"v2","n":"1"}}')
    ctx.k.run("patch", "cm", "cm1", "-n", "fid", "--type", "json", "-p",
              '[{"op":"remove","path":"/data/n"},{"op":"add","path":"/data/j","value":"x"}]')
    ctx.k.run("patch", "cm", "cm1", "-n", "fid", "-p", '{"data":{"s":"smp"}}')
    ctx.k.run("label", "cm", "cm1", "-n", "fid", "extra=yes")
    ctx.k.run("label", "cm", "cm1", "-n", "fid", "tier-")
    o = ctx.k.json("get", "cm", "cm1", "-n", "fid")
    check(o["data"] == {"k": "v2", "j": "x", "s": "smp"}, "data after patches: %r" % o["data"])
    check(o["metadata"]["labels"] == {"app": "one", "extra": "yes"}, "labels: %r"
          % o["metadata"]["labels"])
    p = ctx.k.run("patch", "cm", "cm1", "-n", "fid", "--type", "json", "-p",
                  '[{"op":"remove","path":"/data/none"}]', ok=False)
    check("invalid" in p.stderr.lower(), "bad json patch: %r" % p.stderr)


@test
def kubectl_delete_and_delete_f(ctx):
    out = ctx.k.run("delete", "cm", "sel-0", "-n", "fid").stdout
    check('configmap "sel-0" deleted' in out, "delete: %r" % out)
    p = ctx.k.run("get", "cm", "sel-0", "-n", "fid", ok=False)
    check("NotFound" in p.stderr and 'configmaps "sel-0" not found' in p.stderr,
          "NotFound: %r" % p.stderr)
    out = ctx.k.run("delete", "-f", os.path.join(WORK, "cm1.yaml")).stdout
    check('configmap "cm1" deleted' in out, "delete -f: %r" % out)
    p = ctx.k.run("delete", "cm", "nope", "-n", "fid", ok=False)
    check("NotFound" in p.stderr, "delete missing: %r" % p.stderr)


@test
def kubectl_invalid_and_missing_namespace(ctx):
    m = manifest("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, "
                 "namespace: fid}\n")
    p = ctx.k.run("create", "-f", m, ok=False)
    check("is invalid" in p.stderr and "RFC 1123" in p.stderr, "Invalid: %r" % p.stderr)
    m = manifest("nons.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, "
                 "namespace: missing-ns}\n")
    p = ctx.k.run("create", "-f", m, ok=False)
    check('namespaces "missing-ns" not found' in p.stderr, "namespace missing: %r" % p.stderr)


CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.fid.lifeboat.io
spec:
  group: fid.lifeboat.io
  scope: Namespaced
  names: {plural: things, singular: thing, kind: Thing, shortNames: [thg]}
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"""


@test
def kubectl_crd_and_cr(ctx):
    m = manifest("crd.yaml", CRD)
    check("created" in ctx.k.run("apply", "-f", m).stdout, "apply CRD")
    ctx.k.run("wait", "--for", "condition=established", "--timeout=60s",
              "crd/things.fid.lifeboat.io")
    crd = ctx.k.json("get", "crd", "things.fid.lifeboat.io")
    check(crd["status"]["storedVersions"] == ["v1"], "storedVersions: %r" % crd["status"])
    cr = manifest("cr.yaml", """apiVersion: fid.lifeboat.io/v1
kind: Thing
metadata: {name: t1, namespace: fid}
spec: {size: 1}
status: {ignored: true}
""")
    check("thing.fid.lifeboat.io/t1 created" in ctx.k.run("apply", "-f", cr).stdout,
          "apply CR")
    o = ctx.k.json("get", "thg", "t1", "-n", "fid")
    check(o["spec"] == {"size": 1} and "status" not in o, "CR by short name: %r" % o)
    ctx.k.run("patch", "thing", "t1", "-n", "fid", "--type", "merge", "-p",
              '{"spec":{"size":2}}')
    ctx.k.run("patch", "things.fid.lifeboat.io", "t1", "-n", "fid", "--type", "json", "-p",
              '[{"op":"add","path":"/spec/color","value":"red"}]')
    o = ctx.k.json("get", "things.v1beta1.fid.lifeboat.io", "t1", "-n", "fid")
    check(o["apiVersion"] == "fid.lifeboat.io/v1beta1", "served under v1beta1: %r"
          % o["apiVersion"])
    check(o["spec"] == {"size": 2, "color": "red"}, "CR after patches: %r" % o["spec"])
    out = ctx.k.run("get", "thg", "-n", "fid").stdout
    check("t1" in out, "CR table: %r" % out)
    check('thing.fid.lifeboat.io "t1" deleted' in ctx.k.run("delete", "thg", "t1", "-n",
                                                           "fid").stdout, "delete CR")


@test
def kubectl_crd_delete_drops_crs(ctx):
    ctx.k.run("apply", "-f", os.path.join(WORK, "cr.yaml"))
    ctx.k.run("delete", "crd", "things.fid.lifeboat.io")
    code, _ = raw(ctx.env, "GET", "/apis/fid.lifeboat.io/v1/namespaces/fid/things")
    check(code == 404, "resource still served after CRD delete: %d" % code)
    ctx.k.run("apply", "-f", os.path.join(WORK, "crd.yaml"))
    code, lst = raw(ctx.env, "GET", "/apis/fid.lifeboat.io/v1/namespaces/fid/things")
    check(code == 200 and lst["items"] == [] and lst["kind"] == "ThingList",
          "CRs survived CRD delete: %r" % lst)


@test
def kubectl_nodeport_collision(ctx):
    svc = """apiVersion: v1
kind: Service
metadata: {name: %s, namespace: fid}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
"""
    ctx.k.run("create", "-f", manifest("s1.yaml", svc % "s1"))
    p = ctx.k.run("create", "-f", manifest("s2.yaml", svc % "s2"), ok=False)
    check("Invalid" in p.stderr and "provided port is already allocated" in p.stderr,
          "nodePort collision: %r" % p.stderr)
    s = ctx.k.json("get", "svc", "s1", "-n", "fid")
    check(s["spec"]["clusterIP"].startswith("10.96."), "clusterIP allocated: %r" % s["spec"])
    ip = s["spec"]["clusterIP"]
    m = manifest("s3.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s3, namespace: "
                 "fid}\nspec:\n  clusterIP: %s\n  ports: [{port: 80}]\n" % ip)
    p = ctx.k.run("create", "-f", m, ok=False)
    check("provided IP is already allocated" in p.stderr, "clusterIP taken: %r" % p.stderr)


@test
def kubectl_wrong_token(ctx):
    kc = open(ctx.env["K8S_SIM_KUBECONFIG"]).read().replace(ctx.env["K8S_SIM_TOKEN"], "wrong")
    k = Kubectl(ctx.k.path, manifest("bad-kubeconfig", kc))
    p = k.run("get", "ns", ok=False)
    check("Unauthorized" in p.stderr, "wrong token: %r" % p.stderr)
    code, st = raw(ctx.env, "GET", "/api/v1/namespaces", token="wrong")
    check(code == 401 and st.get("kind") == "Status" and st.get("reason") == "Unauthorized",
          "401 Status: %r" % (st,))


@test
def kubectl_client_certificate_context(ctx):
    out = ctx.k.run("--context", "k8s-sim-cert", "get", "ns", "default").stdout
    check("default" in out, "client certificate auth: %r" % out)


@test
def kubectl_retries_429_retry_after(ctx):
    code, _ = raw(ctx.env, "POST", "/sim/v1/faults",
                  {"pathPrefix": "/api/v1/namespaces/fid/secrets", "code": 429, "count": 2,
                   "retryAfter": 1})
    check(code == 200, "fault injection endpoint")
    p = ctx.k.run("get", "secrets", "-n", "fid", "-v=6", ok=None)
    check(p.returncode == 0 and p.stderr.count(" 429 Too Many Requests") == 2,
          "client-go retried the 429s: rc=%d %s" % (p.returncode, p.stderr[-800:]))
    code, faults = raw(ctx.env, "GET", "/sim/v1/faults")
    check(all(f["count"] == 0 for f in faults), "faults consumed: %r" % faults)
    raw(ctx.env, "DELETE", "/sim/v1/faults")


# ---------------------------------------------------------------- python client ---
@test
def python_dynamic_crud_conflict(ctx):
    from kubernetes.dynamic.exceptions import ConflictError, NotFoundError
    cm = ctx.dyn.resources.get(api_version="v1", kind="ConfigMap")
    o = cm.create(namespace="fid", body={"metadata": {"generateName": "gen-"},
                                         "data": {"a": "1"}})
    name = o.metadata.name
    check(name.startswith("gen-") and len(name) == 9, "generateName: %r" % name)
    stale = o.to_dict()
    o2 = cm.patch(namespace="fid", name=name, body={"data": {"a": "2"}},
                  content_type="application/merge-patch+json")
    check(int(o2.metadata.resourceVersion) > int(o.metadata.resourceVersion), "rv bump")
    try:
        cm.replace(namespace="fid", body=stale)
        raise Fail("stale resourceVersion accepted")
    except ConflictError as e:
        st = json.loads(e.body)
        check(st["reason"] == "Conflict" and st["code"] == 409, "Conflict Status: %r" % st)
    code, st = raw(ctx.env, "POST", "/api/v1/namespaces/fid/configmaps",
                   {"metadata": {"name": "with-rv", "resourceVersion": "12"}})
    check(code == 500 and "resourceVersion should not be set" in st["message"],
          "create with resourceVersion: %d %r" % (code, st))
    cm.delete(namespace="fid", name=name)
    try:
        cm.get(namespace="fid", name=name)
        raise Fail("deleted object still there")
    except NotFoundError:
        pass


@test
def python_pagination(ctx):
    cm = ctx.dyn.resources.get(api_version="v1", kind="ConfigMap")
    ctx.k.run("create", "namespace", "pages")
    for i in range(23):
        cm.create(namespace="pages", body={"metadata": {"name": "p-%02d" % i}})
    seen, token, pages = [], None, 0
    while True:
        r = cm.get(namespace="pages", limit=10, _continue=token)
        pages += 1
        seen += [i.metadata.name for i in r.items]
        token = r.metadata["continue"]
        if pages == 1:
            check(r.metadata.remainingItemCount == 14, "remainingItemCount %r"
                  % r.metadata.remainingItemCount)
            check(r.kind == "ConfigMapList" and r.metadata.resourceVersion, "list meta")
        if not token:
            break
    check(pages == 3 and len(seen) == 24 and len(set(seen)) == 24,
          "pages=%d items=%d" % (pages, len(seen)))
    r = cm.get(namespace="pages", field_selector="metadata.name=p-07")
    check([i.metadata.name for i in r.items] == ["p-07"], "fieldSelector metadata.name")
    r = cm.get(field_selector="metadata.namespace=pages", limit=500)
    check(len(r.items) == 24, "fieldSelector metadata.namespace across namespaces")


@test
def python_watch(ctx):
    cm = ctx.dyn.resources.get(api_version="v1", kind="ConfigMap")
    ctx.k.run("create", "namespace", "watched")
    rv = cm.get(namespace="watched").metadata.resourceVersion
    events = []

    def writer():
        time.sleep(0.5)
        cm.create(namespace="watched", body={"metadata": {"name": "w1"}})
        cm.patch(namespace="watched", name="w1", body={"data": {"x": "y"}},
                 content_type="application/merge-patch+json")
        cm.delete(namespace="watched", name="w1")
    th = threading.Thread(target=writer)
    th.start()
    for ev in ctx.dyn.watch(cm, namespace="watched", resource_version=rv, timeout=30):
        if ev["object"].metadata.name == "w1":
            events.append(ev["type"])
        if ev["type"] == "DELETED":
            break
    th.join()
    check(events == ["ADDED", "MODIFIED", "DELETED"], "watch events: %r" % events)


@test
def python_status_subresource(ctx):
    g = ctx.dyn.resources.get(api_version="example.lifeboat.io/v1", kind="Gadget")
    o = g.create(namespace="fid", body={"metadata": {"name": "g1"}, "spec": {"a": 1},
                                        "status": {"phase": "Fake"}})
    check(o.to_dict().get("status") is None, "status ignored on create")
    g.status.patch(namespace="fid", name="g1", body={"status": {"phase": "Ready"},
                                                     "spec": {"a": 99}},
                   content_type="application/merge-patch+json")
    o = g.get(namespace="fid", name="g1")
    check(o.status.phase == "Ready" and o.spec.a == 1, "status patch: %r" % o.to_dict())
    g.patch(namespace="fid", name="g1", body={"status": {"phase": "X"}, "spec": {"a": 2}},
            content_type="application/merge-patch+json")
    o = g.get(namespace="fid", name="g1")
    check(o.status.phase == "Ready" and o.spec.a == 2 and o.metadata.generation == 2,
          "main endpoint keeps status: %r" % o.to_dict())
    d = o.to_dict()
    d["status"] = {"phase": "Done"}
    g.status.replace(namespace="fid", body=d)
    check(g.get(namespace="fid", name="g1").status.phase == "Done", "PUT /status")
    v1b = ctx.dyn.resources.get(api_version="example.lifeboat.io/v1beta1", kind="Gadget")
    o = v1b.get(namespace="fid", name="g1")
    check(o.apiVersion == "example.lifeboat.io/v1beta1", "same object under v1beta1")


@test
def served_version_profiles(ctx):
    b = sim_up("--profile", "new")
    try:
        _, ga = raw(ctx.env, "GET", "/apis/autoscaling")
        _, gb = raw(b, "GET", "/apis/autoscaling")
        check([v["version"] for v in ga["versions"]] == ["v2", "v1"]
              and ga["preferredVersion"]["version"] == "v2", "default profile: %r" % ga)
        check([v["version"] for v in gb["versions"]] == ["v2"], "new profile: %r" % gb)
        _, ea = raw(ctx.env, "GET", "/apis/example.lifeboat.io")
        _, eb = raw(b, "GET", "/apis/example.lifeboat.io")
        check(sorted(v["version"] for v in ea["versions"]) == ["v1", "v1beta1"], "example A")
        check([v["version"] for v in eb["versions"]] == ["v1"], "example B: %r" % eb)
        code, _ = raw(b, "GET", "/apis/example.lifeboat.io/v1beta1")
        check(code == 404, "v1beta1 not served by B")
    finally:
        sim_down(b)
    c = sim_up("--", "--serve", "autoscaling=v1")
    try:
        _, gc = raw(c, "GET", "/apis/autoscaling", tls=False)
        check([v["version"] for v in gc["versions"]] == ["v1"], "--serve: %r" % gc)
    finally:
        sim_down(c)


@test
def namespace_delete_cascades_and_quota(ctx):
    ctx.k.run("create", "namespace", "doomed")
    ctx.k.run("create", "configmap", "c", "-n", "doomed")
    ctx.k.run("delete", "namespace", "doomed")
    code, _ = raw(ctx.env, "GET", "/api/v1/namespaces/doomed/configmaps/c")
    check(code == 404, "configmap survived its namespace")
    p = ctx.k.run("delete", "namespace", "default", ok=False)
    check("may not be deleted" in p.stderr, "default namespace protected: %r" % p.stderr)
    ctx.k.run("create", "namespace", "quota")
    ctx.k.run("create", "quota", "q", "-n", "quota", "--hard=count/configmaps=2")
    ctx.k.run("create", "configmap", "c1", "-n", "quota")      # + kube-root-ca.crt = 2
    p = ctx.k.run("create", "configmap", "c2", "-n", "quota", ok=False)
    check("Forbidden" in p.stderr and "exceeded quota" in p.stderr, "quota: %r" % p.stderr)


@test
def volumes_and_snapshots(ctx):
    env = ctx.env
    kubelet = env["K8S_SIM_KUBELET_DIR"]
    ctx.k.run("create", "namespace", "vol")
    ctx.k.run("apply", "-f", manifest("storage.yaml", """apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: sim-csi}
provisioner: csi.lifeboat.io
reclaimPolicy: Delete
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: sim-snap}
driver: csi.lifeboat.io
deletionPolicy: Delete
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: vol}
spec:
  storageClassName: sim-csi
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: vol}
spec:
  containers: [{name: c, image: busybox}]
  volumes:
  - {name: d, persistentVolumeClaim: {claimName: data}}
  - {name: scratch, emptyDir: {}}
"""))
    pvc = ctx.k.json("get", "pvc", "data", "-n", "vol")
    check(pvc["status"]["phase"] == "Bound" and pvc["spec"]["volumeName"], "PVC bound: %r"
          % pvc.get("status"))
    pv = pvc["spec"]["volumeName"]
    pod = ctx.k.json("get", "pod", "writer", "-n", "vol")
    check(pod["status"]["phase"] == "Running" and pod["spec"]["nodeName"], "pod running")
    vols = os.path.join(kubelet, "pods", pod["metadata"]["uid"], "volumes")
    mount = os.path.join(vols, "kubernetes.io~csi", pv, "mount")
    check(os.path.isdir(mount), "kubelet CSI mount dir %s" % mount)
    check(os.path.isdir(os.path.join(vols, "kubernetes.io~empty-dir", "scratch")), "emptyDir")
    os.makedirs(os.path.join(mount, "sub"))
    files = {"a.txt": b"alpha\n", "sub/b.bin": bytes(range(256)) * 40}
    for n, b in files.items():
        with open(os.path.join(mount, n), "wb") as f:
            f.write(b)
    p = ctx.k.run("patch", "pvc", "data", "-n", "vol", "--type", "merge", "-p",
                  '{"spec":{"accessModes":["ReadWriteMany"]}}', ok=False)
    check('PersistentVolumeClaim "data" is invalid' in p.stderr and "immutable" in p.stderr,
          "PVC spec immutable: %r" % p.stderr)
    ctx.k.run("apply", "-f", manifest("snap.yaml", """apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap1, namespace: vol}
spec:
  volumeSnapshotClassName: sim-snap
  source: {persistentVolumeClaimName: data}
"""))
    vs = ctx.k.json("get", "volumesnapshot", "snap1", "-n", "vol")
    check(vs["status"]["readyToUse"] is True and vs["status"]["boundVolumeSnapshotContentName"],
          "snapshot ready: %r" % vs.get("status"))
    vsc = ctx.k.json("get", "volumesnapshotcontent", vs["status"]["boundVolumeSnapshotContentName"])
    check(vsc["status"]["readyToUse"] and vsc["status"]["snapshotHandle"], "content")
    with open(os.path.join(mount, "a.txt"), "wb") as f:
        f.write(b"changed after the snapshot\n")
    ctx.k.run("apply", "-f", manifest("restore.yaml", """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: restored, namespace: vol}
spec:
  storageClassName: sim-csi
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap1}
---
apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: vol}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: restored}}]
"""))
    r = ctx.k.json("get", "pvc", "restored", "-n", "vol")
    check(r["status"]["phase"] == "Bound", "restored PVC bound")
    pod2 = ctx.k.json("get", "pod", "reader", "-n", "vol")
    mount2 = os.path.join(kubelet, "pods", pod2["metadata"]["uid"], "volumes",
                          "kubernetes.io~csi", r["spec"]["volumeName"], "mount")
    for n, b in files.items():
        with open(os.path.join(mount2, n), "rb") as f:
            check(f.read() == b, "restored file %s differs" % n)
    ctx.k.run("delete", "pod", "reader", "-n", "vol")
    check(not os.path.exists(os.path.join(kubelet, "pods", pod2["metadata"]["uid"])),
          "pod dir removed on delete")
    ctx.k.run("delete", "volumesnapshot", "snap1", "-n", "vol")
    code, _ = raw(env, "GET", "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/"
                  + vs["status"]["boundVolumeSnapshotContentName"])
    check(code == 404, "content deleted with its snapshot (deletionPolicy Delete)")


@test
def static_hostpath_and_local_pvs(ctx):
    hp = os.path.join(WORK, "hostpath-vol")
    lp = os.path.join(WORK, "local-vol")
    for d in (hp, lp):
        os.makedirs(d)
        with open(os.path.join(d, "x"), "w") as f:
            f.write(d)
    ctx.k.run("create", "namespace", "static")
    ctx.k.run("apply", "-f", manifest("static.yaml", """apiVersion: v1
kind: PersistentVolume
metadata: {name: hp-pv}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: %s}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: local-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: local
  persistentVolumeReclaimPolicy: Retain
  local: {path: %s}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [sim-node-1]}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: hp, namespace: static}
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: lo, namespace: static}
spec:
  storageClassName: local
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: user, namespace: static}
spec:
  containers: [{name: c, image: busybox}]
  volumes:
  - {name: a, persistentVolumeClaim: {claimName: hp}}
  - {name: b, persistentVolumeClaim: {claimName: lo}}
""" % (hp, lp)))
    for pvc, pv in (("hp", "hp-pv"), ("lo", "local-pv")):
        o = ctx.k.json("get", "pvc", pvc, "-n", "static")
        check(o["status"]["phase"] == "Bound" and o["spec"]["volumeName"] == pv,
              "static PV %s bound: %r" % (pv, o.get("status")))
        check(ctx.k.json("get", "pv", pv)["spec"]["claimRef"]["name"] == pvc, "claimRef")
    uid = ctx.k.json("get", "pod", "user", "-n", "static")["metadata"]["uid"]
    vols = os.path.join(ctx.env["K8S_SIM_KUBELET_DIR"], "pods", uid, "volumes")
    for link, want in ((os.path.join(vols, "kubernetes.io~host-path", "hp-pv", "x"), hp),
                       (os.path.join(vols, "kubernetes.io~local-volume", "local-pv", "x"), lp)):
        with open(link) as f:
            check(f.read() == want, "kubelet link %s" % link)
    ctx.k.run("delete", "pvc", "hp", "-n", "static")
    check(ctx.k.json("get", "pv", "hp-pv")["status"]["phase"] == "Released",
          "Retain policy releases the PV")


@test
def preprovisioned_snapshot_restore(ctx):
    """The Velero CSI restore path: a static VolumeSnapshotContent naming an existing
    snapshotHandle, a VolumeSnapshot bound to it, a PVC restored from it."""
    env = ctx.env
    ctx.k.run("create", "namespace", "vel")
    ctx.k.run("apply", "-f", manifest("vel1.yaml", """apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: sim-retain}
driver: csi.lifeboat.io
deletionPolicy: Retain
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: src, namespace: vel}
spec:
  storageClassName: sim-csi
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""))
    pvc = ctx.k.json("get", "pvc", "src", "-n", "vel")
    pv = ctx.k.json("get", "pv", pvc["spec"]["volumeName"])
    path = pv["metadata"]["annotations"]["sim.lifeboat.io/path"]
    with open(os.path.join(path, "f.txt"), "w") as f:
        f.write("kept\n")
    ctx.k.run("apply", "-f", manifest("vel2.yaml", """apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s, namespace: vel}
spec:
  volumeSnapshotClassName: sim-retain
  source: {persistentVolumeClaimName: src}
"""))
    vs = ctx.k.json("get", "vs", "s", "-n", "vel")
    content = vs["status"]["boundVolumeSnapshotContentName"]
    handle = ctx.k.json("get", "vsc", content)["status"]["snapshotHandle"]
    ctx.k.run("delete", "namespace", "vel")
    ctx.k.run("delete", "vsc", content)
    check(os.path.isdir(os.path.join(env["K8S_SIM_STORAGE"], "snapshots", handle)),
          "Retain kept the snapshot data")
    ctx.k.run("create", "namespace", "vel")
    ctx.k.run("apply", "-f", manifest("vel3.yaml", """apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotContent
metadata: {name: restored-content}
spec:
  deletionPolicy: Retain
  driver: csi.lifeboat.io
  source: {snapshotHandle: %s}
  volumeSnapshotClassName: sim-retain
  volumeSnapshotRef: {name: s, namespace: vel}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s, namespace: vel}
spec:
  volumeSnapshotClassName: sim-retain
  source: {volumeSnapshotContentName: restored-content}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: src, namespace: vel}
spec:
  storageClassName: sim-csi
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: s}
""" % handle))
    vs = ctx.k.json("get", "vs", "s", "-n", "vel")
    check(vs["status"]["readyToUse"] is True, "pre-provisioned snapshot ready: %r" % vs)
    pvc = ctx.k.json("get", "pvc", "src", "-n", "vel")
    check(pvc["status"]["phase"] == "Bound", "restored PVC bound")
    pv = ctx.k.json("get", "pv", pvc["spec"]["volumeName"])
    with open(os.path.join(pv["metadata"]["annotations"]["sim.lifeboat.io/path"],
                           "f.txt")) as f:
        check(f.read() == "kept\n", "restored data")


@test
def finalizers_and_deletecollection(ctx):
    cm = ctx.dyn.resources.get(api_version="v1", kind="ConfigMap")
    ctx.k.run("create", "namespace", "coll")
    cm.create(namespace="coll", body={"metadata": {"name": "held", "finalizers": ["x/y"]}})
    cm.delete(namespace="coll", name="held")
    o = cm.get(namespace="coll", name="held")
    check(o.metadata.deletionTimestamp, "finalizer holds the object")
    cm.patch(namespace="coll", name="held", body={"metadata": {"finalizers": None}},
             content_type="application/merge-patch+json")
    code, _ = raw(ctx.env, "GET", "/api/v1/namespaces/coll/configmaps/held")
    check(code == 404, "object gone once finalizers are removed")
    for i in range(4):
        cm.create(namespace="coll", body={"metadata": {"name": "d%d" % i,
                                                       "labels": {"odd": str(i % 2)}}})
    cm.delete(namespace="coll", label_selector="odd=1")
    left = sorted(i.metadata.name for i in cm.get(namespace="coll", label_selector="odd").items)
    check(left == ["d0", "d2"], "deletecollection by label: %r" % left)


@test
def sample_app_loads(ctx):
    env = sim_up("--tls")
    try:
        out = subprocess.run([os.path.join(REPO, "tests", "k8s-sim", "load-sample-app.sh"),
                              env["K8S_SIM_KUBECONFIG"]], capture_output=True, text=True,
                             env=dict(os.environ, KUBECTL=ctx.k.path))
        check(out.returncode == 0, "load-sample-app.sh: %s" % out.stderr)
        vol = out.stdout.strip().splitlines()[-1]
        check(os.path.getsize(os.path.join(vol, "images", "blob.bin")) == 1 << 20, "data")
        k = Kubectl(ctx.k.path, env["K8S_SIM_KUBECONFIG"])
        w = k.json("get", "wd", "demo-widget", "-n", "demo")
        check(w["status"]["phase"] == "Ready", "widget status: %r" % w.get("status"))
        pod = k.json("get", "pod", "demo-data", "-n", "demo")
        pvc = k.json("get", "pvc", "demo-data", "-n", "demo")
        mount = os.path.join(env["K8S_SIM_KUBELET_DIR"], "pods", pod["metadata"]["uid"],
                             "volumes", "kubernetes.io~csi", pvc["spec"]["volumeName"], "mount")
        check(os.path.isfile(os.path.join(mount, "orders", "2026-11.csv")),
              "data visible under the kubelet dir")
        svc = k.json("get", "svc", "demo-web", "-n", "demo")
        check(svc["spec"]["ports"][0]["nodePort"] == 30080, "nodePort")
    finally:
        sim_down(env)


@test
def state_dir_restart(ctx):
    state = os.path.join(WORK, "state")
    a = sim_up("--state-dir", state)
    code, _ = raw(a, "POST", "/api/v1/namespaces", {"metadata": {"name": "kept"}}, tls=False)
    code2, _ = raw(a, "POST", "/api/v1/namespaces/kept/configmaps",
                   {"metadata": {"name": "c"}, "data": {"x": "1"}}, tls=False)
    check(code == 201 and code2 == 201, "create in state sim")
    sim_down(a)
    b = sim_up("--state-dir", state)
    try:
        code, o = raw(b, "GET", "/api/v1/namespaces/kept/configmaps/c", tls=False)
        check(code == 200 and o["data"] == {"x": "1"}, "object after restart: %r" % (o,))
    finally:
        sim_down(b)


@test
def large_list_pages(ctx):
    n = int(os.environ.get("K8S_FIDELITY_LARGE", "20000"))
    s = sim_up("--", "--seed", "configmaps/big=%d" % n)
    try:
        token, total, pages = "", 0, 0
        while True:
            q = "/api/v1/namespaces/big/configmaps?limit=500" + (
                "&continue=" + token if token else "")
            code, r = raw(s, "GET", q, tls=False)
            check(code == 200, "page %d: %d" % (pages, code))
            total += len(r["items"])
            pages += 1
            token = r["metadata"].get("continue", "")
            if not token:
                break
        check(total == n + 1, "listed %d of %d" % (total, n + 1))   # + kube-root-ca.crt
        code, r = raw(s, "GET", "/api/v1/namespaces/big/configmaps?labelSelector=mod10%3D3"
                      "&limit=0", tls=False)
        check(len(r["items"]) == n // 10, "label-selected %d" % len(r["items"]))
    finally:
        sim_down(s)


# ---------------------------------------------------------------- gaps ported from kubesim
DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: %(name)s, namespace: %(ns)s, labels: {app: %(name)s}}
spec:
  replicas: 2
  selector: {matchLabels: {app: %(name)s}}
  template:
    metadata: {labels: {app: %(name)s}}
    spec: {containers: [{name: c, image: "nginx:1.25"}]}
"""


def apps_api(ctx):
    from kubernetes import client
    return client.AppsV1Api(ctx.dyn.client)


@test
def kubectl_scale_and_scale_subresource(ctx):
    ctx.k.run("create", "namespace", "scale")
    ctx.k.run("apply", "-f", manifest("scale.yaml", DEPLOY % {"name": "web", "ns": "scale"}))
    out = ctx.k.run("scale", "deployment", "web", "-n", "scale", "--replicas=5").stdout
    check("deployment.apps/web scaled" in out, "kubectl scale: %r" % out)
    d = ctx.k.json("get", "deploy", "web", "-n", "scale")
    check(d["spec"]["replicas"] == 5 and d["metadata"]["generation"] == 2,
          "replicas/generation after scale: %r" % d)
    sc = apps_api(ctx).read_namespaced_deployment_scale("web", "scale")
    check(sc.spec.replicas == 5 and sc.status.selector == "app=web",
          "read_namespaced_deployment_scale: %r" % sc)
    apps_api(ctx).patch_namespaced_deployment_scale("web", "scale",
                                                    {"spec": {"replicas": 3}})
    check(ctx.k.run("get", "deploy", "web", "-n", "scale", "-o",
                    "jsonpath={.spec.replicas}").stdout == "3", "patch scale")
    p = ctx.k.run("scale", "deployment", "web", "-n", "scale", "--replicas=2",
                  "--current-replicas=4", ok=False)
    check("Expected replicas to be 4, was 3" in p.stderr,
          "--current-replicas precondition: %r" % p.stderr)
    ctx.k.run("apply", "-f", manifest("rs.yaml", DEPLOY.replace("Deployment", "ReplicaSet")
                                      % {"name": "rs", "ns": "scale"}))
    ctx.k.run("scale", "rs", "rs", "-n", "scale", "--replicas=0")
    check(ctx.k.json("get", "rs", "rs", "-n", "scale")["spec"]["replicas"] == 0, "rs scale")
    code, st = raw(ctx.env, "PUT", "/apis/apps/v1/namespaces/scale/deployments/web/scale",
                   {"kind": "Scale", "apiVersion": "autoscaling/v1",
                    "metadata": {"name": "web"}, "spec": {"replicas": -1}})
    check(code == 422 and st["reason"] == "Invalid", "negative replicas: %d %r" % (code, st))
    code, _ = raw(ctx.env, "GET", "/api/v1/namespaces/scale/configmaps/x/scale")
    check(code == 404, "no /scale on configmaps")


@test
def kubectl_auth_can_i(ctx):
    out = ctx.k.run("auth", "can-i", "create", "pods").stdout.strip()
    check(out == "yes", "auth can-i: %r" % out)
    out = ctx.k.run("auth", "can-i", "delete", "deployments", "-n", "fid").stdout.strip()
    check(out == "yes", "auth can-i -n: %r" % out)
    out = ctx.k.run("auth", "can-i", "--list").stdout
    check("*.*" in out and "[*]" in out, "auth can-i --list: %r" % out)
    from kubernetes import client
    r = client.AuthorizationV1Api(ctx.dyn.client).create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"verb": "get", "resource": "secrets",
                                         "namespace": "fid"}}})
    check(r.status.allowed is True, "SelfSubjectAccessReview: %r" % r)


def header(out):
    return out.splitlines()[0].split()


@test
def kubectl_get_columns(ctx):
    ctx.k.run("create", "namespace", "cols")
    ctx.k.run("apply", "-f", manifest("cols.yaml", DEPLOY % {"name": "web", "ns": "cols"}))
    out = ctx.k.run("get", "deploy", "-n", "cols").stdout
    check(header(out) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
          "deployment columns: %r" % out)
    check(out.splitlines()[1].split()[:4] == ["web", "0/2", "0", "0"], "deploy row: %r" % out)
    out = ctx.k.run("get", "deploy", "-n", "cols", "-o", "wide").stdout
    check(header(out)[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"] and "app=web" in out,
          "-o wide: %r" % out)
    ctx.k.run("create", "secret", "generic", "s", "-n", "cols", "--from-literal=a=1",
              "--from-literal=b=2")
    out = ctx.k.run("get", "secrets", "-n", "cols").stdout
    check(header(out) == ["NAME", "TYPE", "DATA", "AGE"] and
          out.splitlines()[1].split()[:3] == ["s", "Opaque", "2"], "secret columns: %r" % out)
    ctx.k.run("create", "configmap", "c", "-n", "cols", "--from-literal=a=1")
    out = ctx.k.run("get", "cm", "c", "-n", "cols").stdout
    check(header(out) == ["NAME", "DATA", "AGE"] and out.splitlines()[1].split()[:2] ==
          ["c", "1"], "configmap columns: %r" % out)
    out = ctx.k.run("get", "svc", "kubernetes", "-n", "default").stdout
    check(header(out) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"] and
          out.splitlines()[1].split()[:5] == ["kubernetes", "ClusterIP", "10.96.0.1",
                                              "<none>", "443/TCP"], "service columns: %r" % out)
    ctx.k.run("create", "service", "loadbalancer", "lb", "-n", "cols", "--tcp=80:8080")
    out = ctx.k.run("get", "svc", "lb", "-n", "cols").stdout
    check("<pending>" in out.splitlines()[1], "LoadBalancer EXTERNAL-IP: %r" % out)
    out = ctx.k.run("get", "sc").stdout
    check(header(out)[:5] == ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE",
                              "ALLOWVOLUMEEXPANSION"] and "standard (default)" in out,
          "storageclass columns: %r" % out)
    ctx.k.run("apply", "-f", manifest("ships.yaml", """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ships.fid.lifeboat.io}
spec:
  group: fid.lifeboat.io
  scope: Namespaced
  names: {plural: ships, singular: ship, kind: Ship}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    additionalPrinterColumns:
    - {name: Crew, type: integer, jsonPath: .spec.crew}
    - {name: Port, type: string, jsonPath: .spec.home.port}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
"""))
    ctx.k.run("wait", "--for", "condition=established", "crd/ships.fid.lifeboat.io")
    ctx.k.run("apply", "-f", manifest("ship.yaml", """apiVersion: fid.lifeboat.io/v1
kind: Ship
metadata: {name: ark, namespace: cols}
spec: {crew: 8, home: {port: Hull}}
"""))
    out = ctx.k.run("get", "ships", "-n", "cols").stdout
    check(header(out) == ["NAME", "CREW", "PORT", "AGE"] and
          out.splitlines()[1].split()[:3] == ["ark", "8", "Hull"], "CR printer columns: %r"
          % out)


@test
def kubectl_get_watch_prints_header_once(ctx):
    ctx.k.run("create", "namespace", "wt")
    ctx.k.run("create", "configmap", "first", "-n", "wt")
    p = subprocess.Popen([ctx.k.path, "--kubeconfig", ctx.k.kubeconfig, "--cache-dir",
                          ctx.k.cache, "get", "cm", "-n", "wt", "-w"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    guard = threading.Timer(60, p.kill)     # only a safety net against a hang
    guard.start()
    try:
        lines = [p.stdout.readline()]       # the list's header
        while "first" not in lines[-1]:
            lines.append(p.stdout.readline())
        for n in ("second", "third"):
            ctx.k.run("create", "configmap", n, "-n", "wt", "--from-literal=a=1")
        while "third" not in lines[-1] and lines[-1]:
            lines.append(p.stdout.readline())
    finally:
        guard.cancel()
        p.kill()
        p.wait()
    text = "".join(lines)
    check(text.count("NAME") == 1, "header repeated: %r" % text)
    rows = {l.split()[0]: l.split()[1:] for l in lines[1:] if l.strip()}
    check(rows.get("second", [None])[0] == "1" and "third" in rows, "watch rows: %r" % text)


@test
def immutable_fields_refused(ctx):
    ctx.k.run("create", "namespace", "imm")
    ctx.k.run("apply", "-f", manifest("frozen.yaml", """apiVersion: v1
kind: ConfigMap
metadata: {name: frozen, namespace: imm}
immutable: true
data: {k: v}
---
apiVersion: v1
kind: Secret
metadata: {name: frozen, namespace: imm}
immutable: true
stringData: {k: v}
"""))
    p = ctx.k.run("patch", "cm", "frozen", "-n", "imm", "-p", '{"data":{"k":"w"}}', ok=False)
    check('ConfigMap "frozen" is invalid' in p.stderr and
          "field is immutable when `immutable` is set" in p.stderr, "configmap: %r" % p.stderr)
    ctx.k.run("label", "cm", "frozen", "-n", "imm", "x=y")     # metadata stays mutable
    p = ctx.k.run("patch", "secret", "frozen", "-n", "imm", "-p", '{"stringData":{"k":"w"}}',
                  ok=False)
    check('Secret "frozen" is invalid' in p.stderr and "immutable" in p.stderr,
          "secret: %r" % p.stderr)
    ctx.k.run("apply", "-f", manifest("sel.yaml", DEPLOY % {"name": "d", "ns": "imm"}))
    p = ctx.k.run("patch", "deploy", "d", "-n", "imm", "-p",
                  '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":'
                  '{"labels":{"app":"x"}}}}}', ok=False)
    check('Deployment "d" is invalid: spec.selector: Invalid value' in p.stderr and
          "field is immutable" in p.stderr, "deployment selector: %r" % p.stderr)
    p = ctx.k.run("patch", "sc", "standard", "-p", '{"parameters":{"x":"y"}}', ok=False)
    check("updates to parameters are forbidden" in p.stderr, "sc parameters: %r" % p.stderr)
    p = ctx.k.run("patch", "sc", "standard", "-p", '{"provisioner":"other.csi"}', ok=False)
    check("updates to provisioner are forbidden" in p.stderr, "sc provisioner: %r" % p.stderr)


@test
def finalizer_added_while_deleting_forbidden(ctx):
    from kubernetes.client.rest import ApiException
    cm = ctx.dyn.resources.get(api_version="v1", kind="ConfigMap")
    cm.create(namespace="fid", body={"metadata": {"name": "fin", "finalizers": ["x.io/a"]}})
    cm.delete(namespace="fid", name="fin")
    try:
        cm.patch(namespace="fid", name="fin", content_type="application/merge-patch+json",
                 body={"metadata": {"finalizers": ["x.io/a", "x.io/b"]}})
        raise Fail("new finalizer accepted on a deleting object")
    except ApiException as e:
        st = json.loads(e.body)
        check(e.status == 422 and st["reason"] == "Invalid", "Status: %r" % st)
        check("no new finalizers can be added if the object is being deleted" in st["message"]
              and 'x.io/b' in st["message"], "message: %r" % st["message"])
    cm.patch(namespace="fid", name="fin", content_type="application/merge-patch+json",
             body={"metadata": {"finalizers": []}})
    code, _ = raw(ctx.env, "GET", "/api/v1/namespaces/fid/configmaps/fin")
    check(code == 404, "gone once its finalizers are removed")


def owned_rs(name, ns, owner_uid, owner="web"):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": owner},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": owner, "uid": owner_uid,
                                              "controller": True,
                                              "blockOwnerDeletion": True}]},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": owner}},
                     "template": {"metadata": {"labels": {"app": owner}},
                                  "spec": {"containers": [{"name": "c", "image": "x"}]}}}}


@test
def garbage_collection_owner_references(ctx):
    ctx.k.run("create", "namespace", "gc")
    rs = ctx.dyn.resources.get(api_version="apps/v1", kind="ReplicaSet")
    dep = ctx.dyn.resources.get(api_version="apps/v1", kind="Deployment")
    # an orphaned ReplicaSet (its Deployment's uid is gone) is collected
    rs.create(namespace="gc", body=owned_rs("stray", "gc", "0b4c1a6e-dead-4bee-8f00-000000000001"))
    code, _ = raw(ctx.env, "GET", "/apis/apps/v1/namespaces/gc/replicasets/stray")
    check(code == 404, "orphaned ReplicaSet not collected: %d" % code)
    # background (kubectl's default): dependents go with the owner
    for name in ("web", "keep", "fg"):
        ctx.k.run("apply", "-f", manifest("gc-%s.yaml" % name,
                                          DEPLOY % {"name": name, "ns": "gc"}))
        uid = ctx.k.json("get", "deploy", name, "-n", "gc")["metadata"]["uid"]
        rs.create(namespace="gc", body=owned_rs(name + "-1", "gc", uid, name))
    check(len(ctx.k.json("get", "rs", "-n", "gc")["items"]) == 3, "owned ReplicaSets kept")
    ctx.k.run("delete", "deploy", "web", "-n", "gc")
    code, _ = raw(ctx.env, "GET", "/apis/apps/v1/namespaces/gc/replicasets/web-1")
    check(code == 404, "dependent survived its owner")
    # orphan: the dependent stays, without its ownerReference
    ctx.k.run("delete", "deploy", "keep", "-n", "gc", "--cascade=orphan")
    o = ctx.k.json("get", "rs", "keep-1", "-n", "gc")
    check("ownerReferences" not in o["metadata"], "orphaned dependent: %r" % o["metadata"])
    # foreground through the python client
    dep.delete(namespace="gc", name="fg", body={"propagationPolicy": "Foreground"})
    code, _ = raw(ctx.env, "GET", "/apis/apps/v1/namespaces/gc/replicasets/fg-1")
    check(code == 404, "foreground deletion left the dependent")


@test
def field_selector_unsupported_400(ctx):
    p = ctx.k.run("get", "cm", "-n", "fid", "--field-selector", "data.k=v", ok=False)
    check("BadRequest" in p.stderr and '"data.k" is not a known field selector' in p.stderr,
          "configmap: %r" % p.stderr)
    p = ctx.k.run("get", "pods", "-A", "--field-selector", "spec.bogus=x", ok=False)
    check("field label not supported: spec.bogus" in p.stderr, "pods: %r" % p.stderr)
    ctx.k.run("get", "pods", "-A", "--field-selector", "status.phase=Running,spec.nodeName"
              "=sim-node-1")
    out = ctx.k.run("get", "secrets", "-n", "fid", "--field-selector",
                    "type=kubernetes.io/tls").stdout + "."
    from kubernetes.client.rest import ApiException
    from kubernetes.dynamic.exceptions import BadRequestError
    cm = ctx.dyn.resources.get(api_version="v1", kind="ConfigMap")
    try:
        cm.get(namespace="fid", field_selector="data.k=v")
        raise Fail("unsupported field selector accepted")
    except (BadRequestError, ApiException) as e:
        check(e.status == 400, "status %r" % e.status)
    thing = ctx.dyn.resources.get(api_version="example.lifeboat.io/v1", kind="Gadget")
    try:
        thing.get(namespace="fid", field_selector="spec.a=1")
        raise Fail("unsupported CR field selector accepted")
    except (BadRequestError, ApiException) as e:
        check(e.status == 400 and b"field label not supported: spec.a" in e.body,
              "CR field selector: %r" % e.body)


@test
def watch_selector_leave_is_deleted(ctx):
    cm = ctx.dyn.resources.get(api_version="v1", kind="ConfigMap")
    ctx.k.run("create", "namespace", "wsel")
    rv = cm.get(namespace="wsel").metadata.resourceVersion
    cm.create(namespace="wsel", body={"metadata": {"name": "m", "labels": {"watch": "me"}}})
    cm.patch(namespace="wsel", name="m", body={"data": {"a": "1"}},
             content_type="application/merge-patch+json")
    cm.patch(namespace="wsel", name="m", body={"metadata": {"labels": {"watch": "no"}}},
             content_type="application/merge-patch+json")
    cm.create(namespace="wsel", body={"metadata": {"name": "n", "labels": {"watch": "no"}}})
    cm.patch(namespace="wsel", name="n", body={"metadata": {"labels": {"watch": "me"}}},
             content_type="application/merge-patch+json")
    cm.delete(namespace="wsel", name="n")
    events = [(ev["type"], ev["object"].metadata.name) for ev in
              ctx.dyn.watch(cm, namespace="wsel", label_selector="watch=me",
                            resource_version=rv, timeout=1)]
    check(events == [("ADDED", "m"), ("MODIFIED", "m"), ("DELETED", "m"), ("ADDED", "n"),
                     ("DELETED", "n")], "events: %r" % events)


@test
def default_storage_class(ctx):
    sc = ctx.k.json("get", "sc", "standard")
    check(sc["provisioner"] == "csi.lifeboat.io" and sc["metadata"]["annotations"][
        "storageclass.kubernetes.io/is-default-class"] == "true", "default class: %r" % sc)
    ctx.k.run("create", "namespace", "dsc")
    ctx.k.run("apply", "-f", manifest("dsc.yaml", """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: plain, namespace: dsc}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""))
    pvc = ctx.k.json("get", "pvc", "plain", "-n", "dsc")
    check(pvc["spec"].get("storageClassName") == "standard" and
          pvc["status"]["phase"] == "Bound", "PVC without class: %r" % pvc)
    b = sim_up("--", "--no-default-storage-class")
    try:
        _, lst = raw(b, "GET", "/apis/storage.k8s.io/v1/storageclasses", tls=False)
        check(lst["items"] == [], "--no-default-storage-class: %r" % lst["items"])
    finally:
        sim_down(b)


@test
def kubesim_ported_semantics(ctx):
    """Checks of the removed kubesim suite that k8s-sim had no equivalent for."""
    env = ctx.env
    ctx.k.run("create", "namespace", "ks")
    base = "/api/v1/namespaces/ks"
    code, o = raw(env, "POST", base + "/secrets", {"metadata": {"name": "s"},
                                                   "stringData": {"user": "admin"}})
    check(code == 201 and o["data"] == {"user": "YWRtaW4="} and o["type"] == "Opaque"
          and "stringData" not in o, "secret stringData: %d %r" % (code, o))
    code, o = raw(env, "POST", base + "/secrets", {"metadata": {"name": "t"},
                                                   "data": {"x": "not base64!"}})
    check(code == 400, "invalid base64 data: %d %r" % (code, o))
    out = ctx.k.run("get", "secret", "s", "-n", "ks", "-o", "jsonpath={.data.user}").stdout
    check(out == "YWRtaW4=", "jsonpath: %r" % out)
    code, o = raw(env, "POST", base + "/configmaps", {"metadata": {"name": "a"},
                                                      "data": {"k": "v"}})
    code, o2 = raw(env, "PUT", base + "/configmaps/a", o)
    check(code == 200 and o2["metadata"]["resourceVersion"] == o["metadata"]["resourceVersion"],
          "no-op update keeps resourceVersion")
    code, st = raw(env, "PATCH", base + "/configmaps/a",
                   [{"op": "test", "path": "/data/k", "value": "nope"}],
                   ctype="application/json-patch+json")
    check(code == 422 and st["reason"] == "Invalid", "json patch test: %d %r" % (code, st))
    code, st = raw(env, "GET", "/api/v1/configmaps?limit=2&continue=garbage")
    check(code == 400, "bad continue token: %d" % code)
    ctx.k.run("run", "box", "-n", "ks", "--image=busybox:1", "--restart=Never")
    ctx.k.run("wait", "-n", "ks", "--for=condition=Ready", "pod/box", "--timeout=30s")
    out = ctx.k.run("get", "pods", "-n", "ks").stdout
    check(out.splitlines()[1].split()[:4] == ["box", "1/1", "Running", "0"], "pod: %r" % out)
    out = ctx.k.run("api-resources").stdout
    for r in ("persistentvolumeclaims", "volumesnapshots", "deployments",
              "selfsubjectaccessreviews"):
        check(r in out, "api-resources lacks %s" % r)
    vers = ctx.k.run("api-versions").stdout.split()
    for v in ("v1", "apps/v1", "authorization.k8s.io/v1", "snapshot.storage.k8s.io/v1"):
        check(v in vers, "api-versions lacks %s" % v)
    doc = json.loads(ctx.k.run("get", "--raw", "/apis/snapshot.storage.k8s.io").stdout)
    check(doc["preferredVersion"]["version"] == "v1", "--raw")
    ctx.k.run("label", "cm", "a", "-n", "ks", "tier=front")
    p = ctx.k.run("label", "cm", "a", "-n", "ks", "tier=back", ok=False)
    check("already has a value (front)" in p.stderr, "label conflict: %r" % p.stderr)
    for i in range(3):
        ctx.k.run("create", "configmap", "c%d" % i, "-n", "ks")
    out = ctx.k.run("delete", "configmaps", "--all", "-n", "ks").stdout
    check('configmap "c1" deleted' in out, "delete --all: %r" % out)
    p = ctx.k.run("--context", "k8s-sim", "--server", env["K8S_SIM_URL"],
                  "--certificate-authority", "/etc/ssl/certs/ca-certificates.crt",
                  "get", "ns", ok=False)
    check("x509" in p.stderr, "untrusted server certificate: %r" % p.stderr)


class Ctx:
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubectl")
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    kubectl = args.kubectl
    if not kubectl:
        kubectl = subprocess.run([os.path.join(SERVERS, "install-k8s-clients.sh")],
                                 check=True, capture_output=True, text=True
                                 ).stdout.strip().splitlines()[-1]
    from kubernetes import config, dynamic
    ctx = Ctx()
    ctx.env = sim_up("--tls")
    ctx.k = Kubectl(kubectl, ctx.env["K8S_SIM_KUBECONFIG"])
    ctx.k.run("create", "namespace", "fid")      # most checks work in namespace fid
    ctx.dyn = dynamic.DynamicClient(
        config.new_client_from_config(config_file=ctx.env["K8S_SIM_KUBECONFIG"]),
        cache_file=os.path.join(WORK, "discovery.json"))
    for t in TESTS:
        if args.k not in t.__name__:
            continue
        try:
            t(ctx)
            PASSED.append(t.__name__)
            print("ok   %s" % t.__name__, flush=True)
        except Exception as e:
            FAILED.append(t.__name__)
            print("FAIL %s: %s" % (t.__name__, e), flush=True)
            if not isinstance(e, Fail):
                traceback.print_exc()
    print("%d passed, %d failed" % (len(PASSED), len(FAILED)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
