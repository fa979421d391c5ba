"""kubectl 1.20 (Debian's kubernetes-client) against the simulator: the client is the judge.
KUBECTL names the binary; the simulator comes from KUBESIM_* (see run.sh)."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

from simclient import Sim

KUBECTL = os.environ.get("KUBECTL", "kubectl")
SIM = None
CACHE = None


def setUpModule():
    global SIM, CACHE
    SIM = Sim()
    CACHE = tempfile.mkdtemp(prefix="kubectl-cache-")
    out = subprocess.run([KUBECTL, "version", "--client", "-o", "json"], capture_output=True,
                         text=True, check=True).stdout
    minor = json.loads(out)["clientVersion"]["minor"]
    if minor != "20":
        raise unittest.SkipTest("KUBECTL is kubectl 1.%s, the suite judges with 1.20" % minor)


def tearDownModule():
    shutil.rmtree(CACHE, ignore_errors=True)


def kubectl(*args, stdin=None, check=True, context=None, cache=None, timeout=60, env=None):
    cmd = [KUBECTL, "--kubeconfig", SIM.env["KUBESIM_KUBECONFIG"],
           "--cache-dir", cache or CACHE]
    if context:
        cmd += ["--context", context]
    cmd += list(args)
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout,
                       env=env)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(args), p.returncode, p.stdout,
                                                        p.stderr))
    return p


def k_json(*args, **kw):
    return json.loads(kubectl(*(args + ("-o", "json")), **kw).stdout)


class KubectlCase(unittest.TestCase):
    def setUp(self):
        self.ns = "kc-%s" % uuid.uuid4().hex[:6]
        kubectl("create", "namespace", self.ns)

    def k(self, *args, **kw):
        return kubectl("-n", self.ns, *args, **kw)


class Basics(KubectlCase):
    def test_version_reports_client_and_server(self):
        out = kubectl("version").stdout
        self.assertIn('Client Version: version.Info{Major:"1", Minor:"20"', out)
        self.assertIn('Server Version: version.Info{Major:"1", Minor:"22"', out)

    def test_api_resources_and_versions(self):
        out = kubectl("api-resources").stdout
        for line in ("persistentvolumeclaims", "volumesnapshots", "customresourcedefinitions",
                     "deployments"):
            self.assertIn(line, out)
        vers = kubectl("api-versions").stdout.split()
        for v in ("v1", "apps/v1", "batch/v1", "batch/v1beta1",
                  "snapshot.storage.k8s.io/v1", "snapshot.storage.k8s.io/v1beta1"):
            self.assertIn(v, vers)

    def test_get_table_json_yaml_and_all_namespaces(self):
        out = kubectl("get", "namespaces").stdout
        self.assertRegex(out, r"NAME\s+STATUS\s+AGE")
        self.assertRegex(out, r"\n%s\s+Active\s+\d+s" % self.ns)
        ns = k_json("get", "namespace", self.ns)
        self.assertEqual(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], self.ns)
        y = kubectl("get", "namespace", self.ns, "-o", "yaml").stdout
        self.assertIn("kind: Namespace", y)
        out = kubectl("get", "services", "-A").stdout
        self.assertRegex(out, r"default\s+kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+"
                              r"443/TCP")
        self.assertIn("kubernetes", kubectl("get", "svc", "-n", "default",
                                            "-o", "name").stdout)

    def test_create_errors_as_the_server_words_them(self):
        self.k("create", "configmap", "c1", "--from-literal=a=b")
        p = self.k("create", "configmap", "c1", "--from-literal=a=b", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('Error from server (AlreadyExists): configmaps "c1" already exists',
                      p.stderr)
        p = self.k("get", "configmap", "nope", check=False)
        self.assertIn('Error from server (NotFound): configmaps "nope" not found', p.stderr)
        bad = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": {"name": "Bad_Name"}})
        p = self.k("create", "-f", "-", stdin=bad, check=False)
        self.assertIn('The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: '
                      '"Bad_Name"', p.stderr)
        p = kubectl("-n", "missing-" + self.ns, "create", "configmap", "x", check=False)
        self.assertIn('namespaces "missing-%s" not found' % self.ns, p.stderr)

    def test_create_from_file_and_generate_name(self):
        m = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"generateName": "gen-"}, "data": {"a": "1"}})
        out = self.k("create", "-f", "-", stdin=m).stdout
        self.assertRegex(out, r"configmap/gen-[a-z0-9]{5} created")

    def test_secrets_and_jsonpath(self):
        self.k("create", "secret", "generic", "s", "--from-literal=password=hunter2")
        out = self.k("get", "secret", "s", "-o", "jsonpath={.data.password}").stdout
        self.assertEqual(out, "aHVudGVyMg==")
        out = self.k("get", "secrets").stdout
        self.assertRegex(out, r"s\s+Opaque\s+1")

    def test_auth_can_i(self):
        self.assertEqual(kubectl("auth", "can-i", "create", "pods").stdout.strip(), "yes")

    def test_raw(self):
        doc = json.loads(kubectl("get", "--raw", "/apis/snapshot.storage.k8s.io").stdout)
        self.assertEqual(doc["preferredVersion"]["version"], "v1")


MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: %(replicas)d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:%(tag)s
        ports: [{containerPort: 80}]
        env:
%(env)s
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80}]
"""


def manifest(replicas=2, tag="1.21", env=(("A", "1"), ("B", "2"))):
    e = "\n".join("        - {name: %s, value: \"%s\"}" % kv for kv in env) or "        []"
    return MANIFEST % {"replicas": replicas, "tag": tag, "env": e}


class Apply(KubectlCase):
    def test_apply_create_unchanged_configure(self):
        out = self.k("apply", "-f", "-", stdin=manifest()).stdout
        self.assertIn("deployment.apps/web created", out)
        self.assertIn("service/web created", out)
        out = self.k("apply", "-f", "-", stdin=manifest()).stdout
        self.assertIn("deployment.apps/web unchanged", out)
        self.assertIn("service/web unchanged", out)
        # A strategic merge patch: env entry B removed by name, A changed, C added.
        out = self.k("apply", "-f", "-", stdin=manifest(3, "1.22", (("A", "9"),
                                                                    ("C", "3")))).stdout
        self.assertIn("deployment.apps/web configured", out)
        d = k_json("-n", self.ns, "get", "deployment", "web")
        c = d["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(d["spec"]["replicas"], 3)
        self.assertEqual(c["image"], "nginx:1.22")
        self.assertEqual(c["env"], [{"name": "A", "value": "9"}, {"name": "C", "value": "3"}])
        self.assertEqual(d["metadata"]["generation"], 2)
        self.assertIn("kubectl.kubernetes.io/last-applied-configuration",
                      d["metadata"]["annotations"])
        svc = k_json("-n", self.ns, "get", "service", "web")
        self.assertTrue(30000 <= svc["spec"]["ports"][0]["nodePort"] <= 32767)
        out = self.k("get", "deploy,svc").stdout
        self.assertRegex(out, r"deployment.apps/web\s+0/3")
        self.assertRegex(out, r"service/web\s+NodePort\s+10\.")

    def test_replace_and_conflict(self):
        self.k("create", "configmap", "c", "--from-literal=a=1")
        cm = k_json("-n", self.ns, "get", "configmap", "c")
        cm["data"]["a"] = "2"
        self.k("replace", "-f", "-", stdin=json.dumps(cm))
        cm["data"]["a"] = "3"
        p = self.k("replace", "-f", "-", stdin=json.dumps(cm), check=False)
        self.assertIn("Error from server (Conflict)", p.stderr)
        self.assertIn("the object has been modified", p.stderr)

    def test_patch_label_annotate_scale(self):
        self.k("apply", "-f", "-", stdin=manifest())
        self.k("patch", "deployment", "web", "-p", '{"spec":{"replicas":5}}')
        self.k("patch", "deployment", "web", "--type=merge", "-p",
               '{"metadata":{"annotations":{"x":"y"}}}')
        self.k("patch", "deployment", "web", "--type=json", "-p",
               '[{"op":"replace","path":"/spec/template/spec/containers/0/image",'
               '"value":"nginx:2"}]')
        d = k_json("-n", self.ns, "get", "deployment", "web")
        self.assertEqual(d["spec"]["replicas"], 5)
        self.assertEqual(d["metadata"]["annotations"]["x"], "y")
        self.assertEqual(d["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:2")
        self.k("label", "deployment", "web", "tier=front")
        p = self.k("label", "deployment", "web", "tier=back", check=False)
        self.assertIn("already has a value (front)", p.stderr)
        self.k("label", "deployment", "web", "tier=back", "--overwrite")
        out = self.k("get", "deployments", "-l", "tier=back", "--show-labels").stdout
        self.assertIn("tier=back", out)
        self.assertNotIn("web", self.k("get", "deployments", "-l", "tier=front").stdout)
        self.k("annotate", "deployment", "web", "note=hello")
        self.k("scale", "deployment", "web", "--replicas=1")
        self.assertEqual(self.k("get", "deployment", "web", "-o",
                                "jsonpath={.spec.replicas}").stdout, "1")

    def test_delete_by_name_file_and_all(self):
        self.k("apply", "-f", "-", stdin=manifest())
        out = self.k("delete", "-f", "-", stdin=manifest()).stdout
        self.assertIn('deployment.apps "web" deleted', out)
        self.assertIn('service "web" deleted', out)
        for i in range(3):
            self.k("create", "configmap", "c%d" % i)
        self.k("delete", "configmap", "c0")
        out = self.k("delete", "configmaps", "--all").stdout
        self.assertIn('configmap "c1" deleted', out)
        self.assertEqual(self.k("get", "configmaps", "-o", "name").stdout.strip(), "")

    def test_delete_namespace_waits_for_contents(self):
        self.k("apply", "-f", "-", stdin=manifest())
        out = kubectl("delete", "namespace", self.ns, timeout=60).stdout
        self.assertIn('namespace "%s" deleted' % self.ns, out)
        p = kubectl("get", "namespace", self.ns, check=False)
        self.assertIn("NotFound", p.stderr)

    def test_pagination_with_chunk_size(self):
        for i in range(5):
            self.k("create", "configmap", "p%d" % i)
        p = self.k("get", "configmaps", "--chunk-size=2", "-v=6")
        names = re.findall(r"^(p\d)\s", p.stdout, re.M)
        self.assertEqual(names, ["p0", "p1", "p2", "p3", "p4"])
        self.assertGreaterEqual(p.stderr.count("continue="), 2)
        self.assertIn("limit=2", p.stderr)

    def test_pod_runs_and_wait_sees_it_ready(self):
        self.k("run", "box", "--image=busybox:1", "--restart=Never")
        self.k("wait", "--for=condition=Ready", "pod/box", "--timeout=30s")
        out = self.k("get", "pods").stdout
        self.assertRegex(out, r"box\s+1/1\s+Running\s+0")


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: %(plural)s.fidelity.example.com}
spec:
  group: fidelity.example.com
  scope: Namespaced
  names: {plural: %(plural)s, singular: %(singular)s, kind: %(kind)s, shortNames: [%(short)s]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
  - name: v1beta1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    subresources: {status: {}}
"""


class CustomResources(KubectlCase):
    def test_crd_lifecycle(self):
        tag = uuid.uuid4().hex[:5]
        names = {"plural": "widgets" + tag, "singular": "widget" + tag,
                 "kind": "Widget" + tag.upper().replace("0", "Z"), "short": "wd" + tag}
        names["kind"] = "W" + "".join(c for c in names["kind"] if c.isalpha()).lower()
        cache = tempfile.mkdtemp(prefix="kubectl-crd-")
        try:
            kubectl("apply", "-f", "-", stdin=CRD % names, cache=cache)
            kubectl("wait", "--for", "condition=established",
                    "crd/%s.fidelity.example.com" % names["plural"], cache=cache)
            cr = ("apiVersion: fidelity.example.com/v1\nkind: %s\nmetadata: {name: w1}\n"
                  "spec: {size: 3}\nstatus: {phase: Ready}\n" % names["kind"])
            out = self.k("apply", "-f", "-", stdin=cr, cache=cache).stdout
            self.assertIn("created", out)
            out = self.k("get", names["short"], cache=cache).stdout
            self.assertRegex(out, r"NAME\s+SIZE\s*\nw1\s+3")
            o = k_json("-n", self.ns, "get", "%s.v1beta1.fidelity.example.com" %
                       names["plural"], "w1", cache=cache)
            self.assertEqual(o["apiVersion"], "fidelity.example.com/v1beta1")
            self.assertNotIn("status", o)  # status is a subresource: ignored on create
            out = self.k("apply", "-f", "-", stdin=cr.replace("size: 3", "size: 4"),
                         cache=cache).stdout
            self.assertIn("configured", out)
            self.k("patch", names["short"], "w1", "--type=merge", "-p",
                   '{"spec":{"size":5}}', cache=cache)
            o = k_json("-n", self.ns, "get", names["short"], "w1", cache=cache)
            self.assertEqual((o["spec"]["size"], o["metadata"]["generation"]), (5, 3))
            self.k("delete", names["short"], "w1", cache=cache)
            self.k("apply", "-f", "-", stdin=cr, cache=cache)
            kubectl("delete", "crd", "%s.fidelity.example.com" % names["plural"], cache=cache)
            fresh = tempfile.mkdtemp(prefix="kubectl-crd2-")
            p = self.k("get", names["plural"], cache=fresh, check=False)
            shutil.rmtree(fresh, ignore_errors=True)
            self.assertIn("the server doesn't have a resource type", p.stderr)
        finally:
            shutil.rmtree(cache, ignore_errors=True)

    def test_snapshot_crds_are_served(self):
        out = kubectl("get", "volumesnapshotclasses").stdout
        self.assertRegex(out, r"csi-hostpath-snapclass\s+hostpath.csi.k8s.io\s+Delete")
        out = kubectl("get", "crd").stdout
        self.assertIn("volumesnapshots.snapshot.storage.k8s.io", out)


class Watch(KubectlCase):
    def test_watch_events(self):
        cmd = [KUBECTL, "--kubeconfig", SIM.env["KUBESIM_KUBECONFIG"], "--cache-dir", CACHE,
               "-n", self.ns, "get", "configmaps", "--watch-only", "--output-watch-events",
               "-o", "json", "--request-timeout=20s"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        buf = []
        t = threading.Thread(target=lambda: buf.append(proc.stdout.read()), daemon=True)
        t.start()
        try:
            time.sleep(1.0)
            self.k("create", "configmap", "w", "--from-literal=a=1")
            self.k("patch", "configmap", "w", "-p", '{"data":{"a":"2"}}')
            self.k("delete", "configmap", "w")
            time.sleep(1.0)
        finally:
            proc.terminate()
            proc.wait(10)
            t.join(5)
        text = "".join(buf)
        types = re.findall(r'"type":\s*"(\w+)"', text)
        self.assertEqual(types[-3:], ["ADDED", "MODIFIED", "DELETED"], text)

    def test_get_watch_table(self):
        cmd = [KUBECTL, "--kubeconfig", SIM.env["KUBESIM_KUBECONFIG"], "--cache-dir", CACHE,
               "-n", self.ns, "get", "configmaps", "-w", "--request-timeout=20s"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        buf = []
        t = threading.Thread(target=lambda: buf.append(proc.stdout.read()), daemon=True)
        t.start()
        try:
            time.sleep(1.0)
            self.k("create", "configmap", "tw", "--from-literal=a=1")
            time.sleep(1.0)
        finally:
            proc.terminate()
            proc.wait(10)
            t.join(5)
        self.assertRegex("".join(buf), r"tw\s+1\s+\d+s")


class Auth(unittest.TestCase):
    def test_tls_with_token(self):
        self.assertIn("default", kubectl("get", "ns", "default").stdout)

    def test_wrong_token_is_refused(self):
        p = subprocess.run([KUBECTL, "--kubeconfig", "/dev/null", "--cache-dir", CACHE,
                            "--server", SIM.url, "--certificate-authority", SIM.ca,
                            "--token", "not-the-token", "get", "ns"],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("error: You must be logged in to the server (Unauthorized)", p.stderr)

    def test_untrusted_server_certificate_is_refused(self):
        p = subprocess.run([KUBECTL, "--kubeconfig", "/dev/null", "--cache-dir", CACHE,
                            "--server", SIM.url, "--token", SIM.token, "get", "ns"],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("x509", p.stderr)

    def test_client_certificate_context(self):
        self.assertIn("default", kubectl("get", "ns", "default",
                                         context="kube-sim-cert").stdout)

    def test_plain_http_context(self):
        self.assertIn("default", kubectl("get", "ns", "default",
                                         context="kube-sim-http").stdout)


if __name__ == "__main__":
    unittest.main()
