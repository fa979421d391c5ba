"""Debian's python3-kubernetes (typed and dynamic clients) against the simulator. Runs under
the Python that has the package (run.sh uses /usr/bin/python3)."""
import unittest
import uuid

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import exceptions as dynexc

from simclient import Sim, wait_for

SIM = None
API = None
DYN = None


def setUpModule():
    global SIM, API, DYN
    SIM = Sim()
    API = config.new_client_from_config(config_file=SIM.env["KUBESIM_KUBECONFIG"],
                                        context="kube-sim")
    DYN = dynamic.DynamicClient(API)


def _ns():
    name = "py-%s" % uuid.uuid4().hex[:6]
    client.CoreV1Api(API).create_namespace(client.V1Namespace(
        metadata=client.V1ObjectMeta(name=name)))
    return name


class Typed(unittest.TestCase):
    def test_version(self):
        v = client.VersionApi(API).get_code()
        self.assertEqual((v.major, v.minor), ("1", "22"))

    def test_core_crud_and_errors(self):
        v1 = client.CoreV1Api(API)
        ns = _ns()
        cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c", labels={"a": "1"}),
                                data={"k": "v"})
        made = v1.create_namespaced_config_map(ns, cm)
        self.assertTrue(made.metadata.uid)
        with self.assertRaises(ApiException) as e:
            v1.create_namespaced_config_map(ns, cm)
        self.assertEqual((e.exception.status, e.exception.reason), (409, "Conflict"))
        self.assertIn('"reason":"AlreadyExists"', e.exception.body)
        with self.assertRaises(ApiException) as e:
            v1.read_namespaced_config_map("nope", ns)
        self.assertEqual(e.exception.status, 404)
        got = v1.read_namespaced_config_map("c", ns)
        got.data["k"] = "w"
        v1.replace_namespaced_config_map("c", ns, got)
        got.data["k"] = "x"
        with self.assertRaises(ApiException) as e:
            v1.replace_namespaced_config_map("c", ns, got)  # stale resourceVersion
        self.assertEqual(e.exception.status, 409)
        v1.patch_namespaced_config_map("c", ns, {"data": {"k": "p"}})
        self.assertEqual(v1.read_namespaced_config_map("c", ns).data, {"k": "p"})
        v1.delete_namespaced_config_map("c", ns)
        with self.assertRaises(ApiException) as e:
            v1.create_namespaced_config_map("missing-" + ns, cm)
        self.assertEqual(e.exception.status, 404)

    def test_list_pagination_and_selectors(self):
        v1 = client.CoreV1Api(API)
        ns = _ns()
        for i in range(5):
            v1.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(
                name="c%d" % i, labels={"even": str(i % 2 == 0).lower()})))
        names, cont = [], None
        while True:
            page = v1.list_namespaced_config_map(ns, limit=2, _continue=cont,
                                                 label_selector="even")
            names += [i.metadata.name for i in page.items]
            cont = page.metadata._continue
            if not cont:
                break
        self.assertEqual(names, ["c0", "c1", "c2", "c3", "c4"])
        evens = v1.list_namespaced_config_map(ns, label_selector="even=true")
        self.assertEqual([i.metadata.name for i in evens.items], ["c0", "c2", "c4"])
        one = v1.list_config_map_for_all_namespaces(field_selector="metadata.name=c3,"
                                                    "metadata.namespace=" + ns)
        self.assertEqual([i.metadata.name for i in one.items], ["c3"])

    def test_watch_stream(self):
        v1 = client.CoreV1Api(API)
        ns = _ns()
        rv = v1.list_namespaced_config_map(ns).metadata.resource_version
        v1.create_namespaced_config_map(ns, client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="w"), data={"a": "1"}))
        v1.patch_namespaced_config_map("w", ns, {"data": {"a": "2"}})
        v1.delete_namespaced_config_map("w", ns)
        seen = []
        w = watch.Watch()
        for ev in w.stream(v1.list_namespaced_config_map, ns, resource_version=rv,
                           timeout_seconds=2):
            if ev["object"].metadata.name == "w":
                seen.append((ev["type"], (ev["object"].data or {}).get("a")))
            if len(seen) == 3:
                w.stop()
        self.assertEqual(seen, [("ADDED", "1"), ("MODIFIED", "2"), ("DELETED", "2")])

    def test_apps_and_status(self):
        apps = client.AppsV1Api(API)
        ns = _ns()
        dep = client.V1Deployment(
            metadata=client.V1ObjectMeta(name="d"),
            spec=client.V1DeploymentSpec(
                replicas=2, selector=client.V1LabelSelector(match_labels={"a": "b"}),
                template=client.V1PodTemplateSpec(
                    metadata=client.V1ObjectMeta(labels={"a": "b"}),
                    spec=client.V1PodSpec(containers=[client.V1Container(
                        name="c", image="busybox:1")]))))
        made = apps.create_namespaced_deployment(ns, dep)
        self.assertEqual(made.metadata.generation, 1)
        apps.patch_namespaced_deployment_status("d", ns, {"status": {"readyReplicas": 2,
                                                                     "replicas": 2}})
        got = apps.read_namespaced_deployment("d", ns)
        self.assertEqual(got.status.ready_replicas, 2)
        scale = apps.read_namespaced_deployment_scale("d", ns)
        self.assertEqual(scale.spec.replicas, 2)
        apps.patch_namespaced_deployment_scale("d", ns, {"spec": {"replicas": 4}})
        self.assertEqual(apps.read_namespaced_deployment("d", ns).spec.replicas, 4)

    def test_wrong_token_is_refused(self):
        cfg = client.Configuration()
        cfg.host = SIM.url
        cfg.ssl_ca_cert = SIM.ca
        cfg.api_key = {"authorization": "Bearer wrong"}
        with client.ApiClient(cfg) as bad:
            with self.assertRaises(ApiException) as e:
                client.CoreV1Api(bad).list_namespace()
        self.assertEqual(e.exception.status, 401)


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "gizmos.py.example.com"},
    "spec": {"group": "py.example.com", "scope": "Namespaced",
             "names": {"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo"},
             "versions": [
                 {"name": "v1beta1", "served": True, "storage": False,
                  "schema": {"openAPIV3Schema": {"type": "object",
                                                 "x-kubernetes-preserve-unknown-fields": True}},
                  "subresources": {"status": {}}},
                 {"name": "v1", "served": True, "storage": True,
                  "schema": {"openAPIV3Schema": {"type": "object",
                                                 "x-kubernetes-preserve-unknown-fields": True}},
                  "subresources": {"status": {}}}]}}


class Dynamic(unittest.TestCase):
    def test_discovery_and_preferred_versions(self):
        cron = DYN.resources.get(group="batch", kind="CronJob", api_version="v1")
        self.assertTrue(cron.namespaced)
        self.assertEqual(DYN.resources.get(api_version="batch/v1beta1",
                                           kind="CronJob").group_version, "batch/v1beta1")
        vs = DYN.resources.get(api_version="snapshot.storage.k8s.io/v1",
                               kind="VolumeSnapshot")
        self.assertEqual(vs.name, "volumesnapshots")
        pvc = DYN.resources.get(api_version="v1", kind="PersistentVolumeClaim")
        self.assertIn("status", pvc.subresources)

    def test_crud_and_errors(self):
        ns = _ns()
        cms = DYN.resources.get(api_version="v1", kind="ConfigMap")
        cms.create(namespace=ns, body={"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": "a"}, "data": {"x": "1"}})
        with self.assertRaises(dynexc.ConflictError):
            cms.create(namespace=ns, body={"apiVersion": "v1", "kind": "ConfigMap",
                                           "metadata": {"name": "a"}})
        with self.assertRaises(dynexc.NotFoundError):
            cms.get(namespace=ns, name="b")
        with self.assertRaises(dynexc.UnprocessibleEntityError):
            cms.create(namespace=ns, body={"apiVersion": "v1", "kind": "ConfigMap",
                                           "metadata": {"name": "UPPER"}})
        cms.patch(namespace=ns, name="a", body=[{"op": "add", "path": "/data/y",
                                                 "value": "2"}],
                  content_type="application/json-patch+json")
        cms.patch(namespace=ns, name="a", body={"data": {"x": None}},
                  content_type="application/merge-patch+json")
        self.assertEqual(dict(cms.get(namespace=ns, name="a").data), {"y": "2"})
        lst = cms.get(namespace=ns, limit=1)
        self.assertEqual(len(lst.items), 1)
        self.assertTrue(lst.metadata["continue"])
        cms.delete(namespace=ns, name="a")
        with self.assertRaises(dynexc.NotFoundError):
            cms.get(namespace=ns, name="a")

    def test_custom_resources_status_and_versions(self):
        ext = client.ApiextensionsV1Api(API)
        try:
            ext.delete_custom_resource_definition(CRD["metadata"]["name"])
        except ApiException:
            pass
        crd = ext.create_custom_resource_definition(CRD)
        self.assertEqual(crd.status.stored_versions, ["v1"])
        DYN.resources.invalidate_cache()
        gizmos = DYN.resources.get(api_version="py.example.com/v1", kind="Gizmo")
        ns = _ns()
        g = gizmos.create(namespace=ns, body={"apiVersion": "py.example.com/v1",
                                              "kind": "Gizmo", "metadata": {"name": "g"},
                                              "spec": {"n": 1}, "status": {"ok": True}})
        self.assertIsNone(g.status)
        body = g.to_dict()
        body["status"] = {"ok": True}
        gizmos.status.replace(namespace=ns, body=body)
        beta = DYN.resources.get(api_version="py.example.com/v1beta1", kind="Gizmo")
        got = beta.get(namespace=ns, name="g")
        self.assertEqual((got.apiVersion, got.status.ok, got.spec.n),
                         ("py.example.com/v1beta1", True, 1))
        co = client.CustomObjectsApi(API)
        co.patch_namespaced_custom_object("py.example.com", "v1", ns, "gizmos", "g",
                                          {"spec": {"n": 2}})
        o = co.get_namespaced_custom_object("py.example.com", "v1", ns, "gizmos", "g")
        self.assertEqual((o["spec"]["n"], o["metadata"]["generation"]), (2, 2))
        ext.delete_custom_resource_definition(CRD["metadata"]["name"])
        with self.assertRaises(ApiException) as e:
            co.get_namespaced_custom_object("py.example.com", "v1", ns, "gizmos", "g")
        self.assertEqual(e.exception.status, 404)

    def test_dynamic_watch(self):
        ns = _ns()
        cms = DYN.resources.get(api_version="v1", kind="ConfigMap")
        rv = cms.get(namespace=ns).metadata.resourceVersion
        cms.create(namespace=ns, body={"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": "dw"}})
        types = []
        for ev in cms.watch(namespace=ns, resource_version=rv, timeout=2):
            if ev["object"].metadata.name == "dw":
                types.append(ev["type"])
                break
        self.assertEqual(types, ["ADDED"])

    def test_volume_claim_binds(self):
        ns = _ns()
        pvcs = DYN.resources.get(api_version="v1", kind="PersistentVolumeClaim")
        pvcs.create(namespace=ns, body={
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "d"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}})
        wait_for(lambda: pvcs.get(namespace=ns, name="d").status.phase == "Bound",
                 what="claim bound")


if __name__ == "__main__":
    unittest.main()
