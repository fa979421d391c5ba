"""The simulator's own semantics, checked on the wire: the behaviours that make restores fail in
real clusters, status subresources, selectors, pagination, watch, volumes and snapshots,
persistence, authentication and injected faults."""
import json
import os
import tempfile
import unittest
import uuid

from simclient import Sim, start_sim, stop_sim, wait_for

SIM = None


def setUpModule():
    global SIM
    SIM = Sim()


def _ns(prefix):
    name = "%s-%s" % (prefix, uuid.uuid4().hex[:6])
    SIM.ensure_ns(name)
    return name


def cm(name, **extra):
    o = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
         "data": {"k": "v"}}
    o.update(extra)
    return o


def deployment(name, replicas=1):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "busybox:1"}]}}},
            "status": {"replicas": 7, "readyReplicas": 7}}


class Errors(unittest.TestCase):
    def test_namespaced_object_needs_its_namespace(self):
        r = SIM.post("/api/v1/namespaces/no-such-ns/configmaps", cm("a"))
        self.assertEqual(r.code, 404)
        self.assertEqual(r.json["reason"], "NotFound")
        self.assertEqual(r.json["message"], 'namespaces "no-such-ns" not found')
        self.assertEqual(r.json["details"], {"name": "no-such-ns", "kind": "namespaces"})

    def test_already_exists_and_not_found(self):
        ns = _ns("err")
        self.assertEqual(SIM.post("/api/v1/namespaces/%s/configmaps" % ns, cm("a")).code, 201)
        r = SIM.post("/api/v1/namespaces/%s/configmaps" % ns, cm("a"))
        self.assertEqual((r.code, r.json["reason"]), (409, "AlreadyExists"))
        self.assertEqual(r.json["message"], 'configmaps "a" already exists')
        self.assertEqual(r.json["details"]["kind"], "configmaps")
        r = SIM.get("/apis/apps/v1/namespaces/%s/deployments/nope" % ns)
        self.assertEqual((r.code, r.json["reason"]), (404, "NotFound"))
        self.assertEqual(r.json["message"], 'deployments.apps "nope" not found')
        self.assertEqual(r.json["details"], {"name": "nope", "group": "apps",
                                             "kind": "deployments"})

    def test_invalid_name_is_422_with_causes(self):
        ns = _ns("err")
        r = SIM.post("/api/v1/namespaces/%s/configmaps" % ns, cm("Bad_Name"))
        self.assertEqual((r.code, r.json["reason"]), (422, "Invalid"))
        self.assertTrue(r.json["message"].startswith('ConfigMap "Bad_Name" is invalid: '
                                                     'metadata.name: Invalid value: "Bad_Name"'))
        self.assertEqual(r.json["details"]["causes"][0]["field"], "metadata.name")
        r = SIM.post("/api/v1/namespaces/%s/configmaps" % ns,
                     {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})
        self.assertEqual(r.code, 422)
        self.assertIn("name or generateName is required", r.json["message"])

    def test_conflict_on_stale_resource_version(self):
        ns = _ns("err")
        o = SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, cm("a"))
        o["data"] = {"k": "2"}
        p = "/api/v1/namespaces/%s/configmaps/a" % ns
        self.assertEqual(SIM.put(p, o).code, 200)
        o["data"] = {"k": "3"}
        r = SIM.put(p, o)
        self.assertEqual((r.code, r.json["reason"]), (409, "Conflict"))
        self.assertIn("the object has been modified", r.json["message"])
        del o["metadata"]["resourceVersion"]  # unconditional update is allowed
        self.assertEqual(SIM.put(p, o).code, 200)

    def test_put_of_missing_object_is_404_and_rv_on_create_is_refused(self):
        ns = _ns("err")
        self.assertEqual(SIM.put("/api/v1/namespaces/%s/configmaps/x" % ns, cm("x")).code, 404)
        body = cm("y")
        body["metadata"]["resourceVersion"] = "5"
        r = SIM.post("/api/v1/namespaces/%s/configmaps" % ns, body)
        self.assertEqual(r.code, 500)
        self.assertIn("resourceVersion should not be set", r.json["message"])

    def test_namespace_mismatch_and_bad_media_type(self):
        ns = _ns("err")
        body = cm("a")
        body["metadata"]["namespace"] = "other"
        r = SIM.post("/api/v1/namespaces/%s/configmaps" % ns, body)
        self.assertEqual((r.code, r.json["reason"]), (400, "BadRequest"))
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, cm("b"))
        r = SIM.patch("/api/v1/namespaces/%s/configmaps/b" % ns, {}, ctype="text/plain")
        self.assertEqual((r.code, r.json["reason"]), (415, "UnsupportedMediaType"))

    def test_generate_name(self):
        ns = _ns("gen")
        o = SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns,
                   {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"generateName": "job-"}})
        self.assertRegex(o["metadata"]["name"], r"^job-[a-z0-9]{5}$")

    def test_unknown_paths(self):
        self.assertEqual(SIM.get("/api/v1/nosuchthings").code, 404)
        self.assertEqual(SIM.get("/apis/nosuch.group/v1").code, 404)


class RestoreFailures(unittest.TestCase):
    def svc(self, name, node_port=None, cluster_ip=None):
        s = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
             "spec": {"type": "NodePort", "selector": {"a": "b"}, "ports": [{"port": 80}]}}
        if node_port:
            s["spec"]["ports"][0]["nodePort"] = node_port
        if cluster_ip:
            s["spec"]["clusterIP"] = cluster_ip
        return s

    def test_node_port_already_allocated(self):
        ns = _ns("np")
        a = SIM.ok("POST", "/api/v1/namespaces/%s/services" % ns, self.svc("a"))
        port = a["spec"]["ports"][0]["nodePort"]
        self.assertTrue(30000 <= port <= 32767)
        self.assertTrue(a["spec"]["clusterIP"].startswith("10."))
        r = SIM.post("/api/v1/namespaces/%s/services" % ns, self.svc("b", port))
        self.assertEqual((r.code, r.json["reason"]), (422, "Invalid"))
        self.assertIn("spec.ports[0].nodePort: Invalid value: %d: provided port is already "
                      "allocated" % port, r.json["message"])
        r = SIM.post("/api/v1/namespaces/%s/services" % ns,
                     self.svc("c", cluster_ip=a["spec"]["clusterIP"]))
        self.assertEqual(r.code, 422)
        self.assertIn("provided IP is already allocated", r.json["message"])
        # Deleting the first frees its port, as a restore after cleanup expects.
        SIM.ok("DELETE", "/api/v1/namespaces/%s/services/a" % ns)
        SIM.ok("POST", "/api/v1/namespaces/%s/services" % ns, self.svc("b", port))

    def test_cluster_ip_is_immutable(self):
        ns = _ns("np")
        a = SIM.ok("POST", "/api/v1/namespaces/%s/services" % ns, self.svc("a"))
        a["spec"]["clusterIP"] = "10.96.9.9"
        a["spec"]["clusterIPs"] = ["10.96.9.9"]
        r = SIM.put("/api/v1/namespaces/%s/services/a" % ns, a)
        self.assertEqual(r.code, 422)
        self.assertIn("field is immutable", r.json["message"])

    def test_pvc_spec_is_immutable(self):
        ns = _ns("imm")
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "none-" + ns,
                        "resources": {"requests": {"storage": "1Gi"}}}}
        SIM.ok("POST", "/api/v1/namespaces/%s/persistentvolumeclaims" % ns, pvc)
        r = SIM.patch("/api/v1/namespaces/%s/persistentvolumeclaims/c" % ns,
                      {"spec": {"accessModes": ["ReadWriteMany"]}})
        self.assertEqual((r.code, r.json["reason"]), (422, "Invalid"))
        self.assertIn("spec is immutable after creation", r.json["message"])

    def test_other_immutable_fields(self):
        ns = _ns("imm")
        SIM.ok("POST", "/apis/apps/v1/namespaces/%s/deployments" % ns, deployment("d"))
        r = SIM.patch("/apis/apps/v1/namespaces/%s/deployments/d" % ns,
                      {"spec": {"selector": {"matchLabels": {"app": "x"}},
                                "template": {"metadata": {"labels": {"app": "x"}}}}})
        self.assertEqual(r.code, 422)
        self.assertIn("spec.selector", r.json["message"])
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, cm("frozen", immutable=True))
        r = SIM.patch("/api/v1/namespaces/%s/configmaps/frozen" % ns, {"data": {"k": "w"}})
        self.assertEqual(r.code, 422)
        r = SIM.patch("/apis/storage.k8s.io/v1/storageclasses/standard",
                      {"parameters": {"x": "y"}})
        self.assertEqual(r.code, 422)
        self.assertIn("updates to parameters are forbidden", r.json["message"])

    def test_deleting_a_namespace_deletes_its_objects(self):
        ns = _ns("del")
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, cm("a"))
        SIM.ok("POST", "/apis/apps/v1/namespaces/%s/deployments" % ns, deployment("d"))
        o = SIM.ok("DELETE", "/api/v1/namespaces/%s" % ns, {"propagationPolicy": "Background"})
        self.assertEqual(o["status"]["phase"], "Terminating")
        self.assertIn("deletionTimestamp", o["metadata"])
        wait_for(lambda: SIM.get("/api/v1/namespaces/%s" % ns).code == 404,
                 what="namespace gone")
        self.assertEqual(SIM.get("/api/v1/namespaces/%s/configmaps/a" % ns).code, 404)
        items = SIM.ok("GET", "/apis/apps/v1/deployments")["items"]
        self.assertFalse([d for d in items if d["metadata"]["namespace"] == ns])

    def test_terminating_namespace_refuses_new_content(self):
        ns = _ns("term")
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns,
               cm("held", metadata={"name": "held", "finalizers": ["example.com/hold"]}))
        SIM.ok("DELETE", "/api/v1/namespaces/%s" % ns)
        r = SIM.post("/api/v1/namespaces/%s/configmaps" % ns, cm("new"))
        self.assertEqual((r.code, r.json["reason"]), (403, "Forbidden"))
        self.assertIn("because it is being terminated", r.json["message"])
        # The finalizer holds the namespace until someone removes it.
        held = wait_for(lambda: (SIM.get("/api/v1/namespaces/%s/configmaps/held" % ns).json
                                 or {}).get("metadata", {}).get("deletionTimestamp"))
        self.assertTrue(held)
        self.assertEqual(SIM.get("/api/v1/namespaces/%s" % ns).code, 200)
        SIM.ok("PATCH", "/api/v1/namespaces/%s/configmaps/held" % ns,
               {"metadata": {"finalizers": None}}, ctype="application/merge-patch+json")
        wait_for(lambda: SIM.get("/api/v1/namespaces/%s" % ns).code == 404)


class StatusAndGeneration(unittest.TestCase):
    def test_builtin_status_subresource(self):
        ns = _ns("st")
        base = "/apis/apps/v1/namespaces/%s/deployments" % ns
        o = SIM.ok("POST", base, deployment("d"))
        self.assertEqual(o["status"], {})  # status ignored on create
        self.assertEqual(o["metadata"]["generation"], 1)
        o["status"] = {"replicas": 3}
        o = SIM.ok("PUT", base + "/d", o)
        self.assertEqual(o["status"], {})  # and on the main endpoint
        self.assertEqual(o["metadata"]["generation"], 1)
        o["status"] = {"replicas": 3}
        o["spec"]["replicas"] = 9
        o = SIM.ok("PUT", base + "/d/status", o)
        self.assertEqual(o["status"], {"replicas": 3})
        self.assertEqual(o["spec"]["replicas"], 1)  # /status changes only status
        o = SIM.ok("PATCH", base + "/d", {"spec": {"replicas": 4}},
                   ctype="application/strategic-merge-patch+json")
        self.assertEqual(o["metadata"]["generation"], 2)
        o = SIM.ok("PATCH", base + "/d", {"metadata": {"labels": {"x": "y"}}},
                   ctype="application/merge-patch+json")
        self.assertEqual(o["metadata"]["generation"], 2)  # metadata does not bump it
        sc = SIM.ok("GET", base + "/d/scale")
        self.assertEqual((sc["kind"], sc["spec"]["replicas"]), ("Scale", 4))

    def test_noop_update_keeps_resource_version(self):
        ns = _ns("st")
        o = SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, cm("a"))
        o2 = SIM.ok("PUT", "/api/v1/namespaces/%s/configmaps/a" % ns, o)
        self.assertEqual(o["metadata"]["resourceVersion"], o2["metadata"]["resourceVersion"])

    def test_finalizers_hold_deletion(self):
        ns = _ns("fin")
        p = "/api/v1/namespaces/%s/configmaps/f" % ns
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns,
               cm("f", metadata={"name": "f", "finalizers": ["example.com/x"]}))
        o = SIM.ok("DELETE", p)
        self.assertIn("deletionTimestamp", o["metadata"])
        self.assertEqual(SIM.get(p).code, 200)
        r = SIM.patch(p, {"metadata": {"finalizers": ["example.com/x", "example.com/y"]}})
        self.assertEqual(r.code, 422)
        SIM.ok("PATCH", p, [{"op": "remove", "path": "/metadata/finalizers"}],
               ctype="application/json-patch+json")
        self.assertEqual(SIM.get(p).code, 404)

    def test_garbage_collection(self):
        ns = _ns("gc")
        owner = SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, cm("owner"))
        ref = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
                "uid": owner["metadata"]["uid"]}]
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns,
               cm("dep", metadata={"name": "dep", "ownerReferences": ref}))
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns,
               cm("dangling", metadata={"name": "dangling", "ownerReferences": [
                   dict(ref[0], uid=str(uuid.uuid4()), name="gone")]}))
        wait_for(lambda: SIM.get("/api/v1/namespaces/%s/configmaps/dangling" % ns).code == 404,
                 what="dangling dependent collected")
        self.assertEqual(SIM.get("/api/v1/namespaces/%s/configmaps/dep" % ns).code, 200)
        SIM.ok("DELETE", "/api/v1/namespaces/%s/configmaps/owner" % ns)
        wait_for(lambda: SIM.get("/api/v1/namespaces/%s/configmaps/dep" % ns).code == 404,
                 what="dependent collected")

    def test_orphan_propagation_keeps_dependents(self):
        ns = _ns("gc")
        owner = SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, cm("owner"))
        ref = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
                "uid": owner["metadata"]["uid"]}]
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns,
               cm("dep", metadata={"name": "dep", "ownerReferences": ref}))
        SIM.ok("DELETE", "/api/v1/namespaces/%s/configmaps/owner" % ns,
               {"propagationPolicy": "Orphan"})
        dep = SIM.ok("GET", "/api/v1/namespaces/%s/configmaps/dep" % ns)
        self.assertNotIn("ownerReferences", dep["metadata"])

    def test_secret_encoding(self):
        ns = _ns("sec")
        o = SIM.ok("POST", "/api/v1/namespaces/%s/secrets" % ns,
                   {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                    "stringData": {"user": "admin"}})
        self.assertEqual(o["data"], {"user": "YWRtaW4="})
        self.assertEqual(o["type"], "Opaque")
        self.assertNotIn("stringData", o)
        r = SIM.post("/api/v1/namespaces/%s/secrets" % ns,
                     {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "t"},
                      "data": {"x": "not base64!"}})
        self.assertEqual(r.code, 400)


class Patches(unittest.TestCase):
    def test_strategic_merge_lists_and_directives(self):
        ns = _ns("smp")
        base = "/apis/apps/v1/namespaces/%s/deployments/d" % ns
        d = deployment("d")
        d["spec"]["template"]["spec"]["containers"][0]["env"] = [
            {"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
        SIM.ok("POST", "/apis/apps/v1/namespaces/%s/deployments" % ns, d)
        o = SIM.ok("PATCH", base, {"spec": {"template": {"spec": {"containers": [
            {"name": "c", "env": [{"name": "B", "$patch": "delete"},
                                  {"name": "C", "value": "3"}]},
            {"name": "side", "image": "busybox:2"}]}}}},
            ctype="application/strategic-merge-patch+json")
        cs = o["spec"]["template"]["spec"]["containers"]
        self.assertEqual([c["name"] for c in cs], ["c", "side"])
        self.assertEqual(cs[0]["image"], "busybox:1")
        self.assertEqual(cs[0]["env"], [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}])
        o = SIM.ok("PATCH", base, {"metadata": {"labels": {"app": None, "n": "1"}}},
                   ctype="application/strategic-merge-patch+json")
        self.assertEqual(o["metadata"]["labels"], {"n": "1"})

    def test_json_patch_test_failure_is_422(self):
        ns = _ns("jp")
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % ns, cm("a"))
        r = SIM.patch("/api/v1/namespaces/%s/configmaps/a" % ns,
                      [{"op": "test", "path": "/data/k", "value": "nope"}],
                      ctype="application/json-patch+json")
        self.assertEqual(r.code, 422)

    def test_strategic_merge_refused_for_custom_resources(self):
        r = SIM.patch("/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses/"
                      "csi-hostpath-snapclass", {"metadata": {"labels": {"a": "b"}}},
                      ctype="application/strategic-merge-patch+json")
        self.assertEqual(r.code, 415)


class ListsAndWatch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ns = _ns("list")
        for i in range(7):
            SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % cls.ns,
                   cm("cm-%d" % i, metadata={"name": "cm-%d" % i, "labels": {
                       "i": str(i), "parity": "even" if i % 2 == 0 else "odd"}}))

    def names(self, q):
        return [o["metadata"]["name"] for o in SIM.ok(
            "GET", "/api/v1/namespaces/%s/configmaps?%s" % (self.ns, q))["items"]
            if o["metadata"]["name"].startswith("cm-")]

    def test_label_selectors(self):
        self.assertEqual(self.names("labelSelector=parity%3Deven"),
                         ["cm-0", "cm-2", "cm-4", "cm-6"])
        self.assertEqual(self.names("labelSelector=i+in+(1,3),parity!%3Deven"),
                         ["cm-1", "cm-3"])
        self.assertEqual(self.names("labelSelector=i+notin+(0,1,2,3,4),parity"),
                         ["cm-5", "cm-6"])
        self.assertEqual(self.names("labelSelector=!parity"), [])

    def test_field_selectors(self):
        self.assertEqual(self.names("fieldSelector=metadata.name%3Dcm-3"), ["cm-3"])
        self.assertEqual(len(self.names("fieldSelector=metadata.name!%3Dcm-3")), 6)
        items = SIM.ok("GET", "/api/v1/configmaps?fieldSelector=metadata.namespace%3D" +
                       self.ns)["items"]
        self.assertTrue(all(o["metadata"]["namespace"] == self.ns for o in items))
        r = SIM.get("/api/v1/configmaps?fieldSelector=data.k%3Dv")
        self.assertEqual(r.code, 400)
        self.assertIn("field label not supported", r.json["message"])

    def test_pagination(self):
        seen, cont, pages, rv = [], "", 0, None
        while True:
            q = "/api/v1/namespaces/%s/configmaps?limit=3" % self.ns
            if cont:
                q += "&continue=" + cont
            page = SIM.ok("GET", q)
            pages += 1
            rv = rv or page["metadata"]["resourceVersion"]
            self.assertEqual(page["metadata"]["resourceVersion"], rv)
            seen += [o["metadata"]["name"] for o in page["items"]]
            cont = page["metadata"].get("continue")
            if not cont:
                self.assertNotIn("remainingItemCount", page["metadata"])
                break
            self.assertEqual(page["metadata"]["remainingItemCount"],
                             8 - len(seen))  # 7 + kube-root-ca.crt
        self.assertEqual(len(seen), 8)
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(pages, 3)
        self.assertEqual(SIM.get("/api/v1/configmaps?limit=2&continue=garbage").code, 400)

    def test_watch_from_resource_version(self):
        lst = SIM.ok("GET", "/api/v1/namespaces/%s/configmaps" % self.ns)
        rv = lst["metadata"]["resourceVersion"]
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % self.ns, cm("w1"))
        SIM.ok("PATCH", "/api/v1/namespaces/%s/configmaps/w1" % self.ns, {"data": {"k": "2"}})
        SIM.ok("DELETE", "/api/v1/namespaces/%s/configmaps/w1" % self.ns)
        conn, resp = SIM.watch_lines("/api/v1/namespaces/%s/configmaps?watch=1&"
                                     "resourceVersion=%s&timeoutSeconds=1" % (self.ns, rv))
        try:
            self.assertEqual(resp.status, 200)
            evs = [json.loads(line) for line in resp.read().splitlines() if line.strip()]
        finally:
            conn.close()
        self.assertEqual([e["type"] for e in evs], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(evs[1]["object"]["data"], {"k": "2"})
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
        self.assertEqual(rvs, sorted(rvs))

    def test_watch_with_selector_sees_objects_leave(self):
        lst = SIM.ok("GET", "/api/v1/namespaces/%s/configmaps" % self.ns)
        rv = lst["metadata"]["resourceVersion"]
        SIM.ok("POST", "/api/v1/namespaces/%s/configmaps" % self.ns,
               cm("w2", metadata={"name": "w2", "labels": {"watch": "me"}}))
        SIM.ok("PATCH", "/api/v1/namespaces/%s/configmaps/w2" % self.ns,
               {"metadata": {"labels": {"watch": "no"}}})
        conn, resp = SIM.watch_lines("/api/v1/namespaces/%s/configmaps?watch=true&labelSelector="
                                     "watch%%3Dme&resourceVersion=%s&timeoutSeconds=1"
                                     % (self.ns, rv))
        try:
            evs = [json.loads(line) for line in resp.read().splitlines() if line.strip()]
        finally:
            conn.close()
        self.assertEqual([e["type"] for e in evs], ["ADDED", "DELETED"])

    def test_table_for_custom_resource_printer_columns(self):
        t = SIM.ok("GET", "/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses",
                   headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,"
                            "application/json"})
        self.assertEqual(t["kind"], "Table")
        self.assertEqual([c["name"] for c in t["columnDefinitions"]],
                         ["Name", "Driver", "DeletionPolicy", "Age"])
        row = [r for r in t["rows"] if r["cells"][0] == "csi-hostpath-snapclass"][0]
        self.assertEqual(row["cells"][1:3], ["hostpath.csi.k8s.io", "Delete"])
        self.assertEqual(row["object"]["kind"], "PartialObjectMetadata")


class Discovery(unittest.TestCase):
    def test_groups_and_preferred_versions(self):
        groups = {g["name"]: g for g in SIM.ok("GET", "/apis")["groups"]}
        self.assertEqual(groups["batch"]["preferredVersion"]["version"], "v1")
        self.assertEqual([v["version"] for v in groups["autoscaling"]["versions"]],
                         ["v1", "v2beta2", "v2beta1"])
        snap = groups["snapshot.storage.k8s.io"]
        self.assertEqual([v["version"] for v in snap["versions"]], ["v1", "v1beta1"])
        res = SIM.ok("GET", "/api/v1")["resources"]
        names = {r["name"]: r for r in res}
        self.assertIn("pods/status", names)
        self.assertFalse(names["namespaces"]["namespaced"])
        self.assertIn("deletecollection", names["configmaps"]["verbs"])
        self.assertEqual(names["persistentvolumeclaims"]["shortNames"], ["pvc"])
        apps = {r["name"]: r for r in SIM.ok("GET", "/apis/apps/v1")["resources"]}
        self.assertEqual(apps["deployments/scale"]["kind"], "Scale")

    def test_crd_registers_every_served_version(self):
        crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": "gadgets.sem.example.com"},
               "spec": {"group": "sem.example.com", "scope": "Namespaced",
                        "names": {"plural": "gadgets", "kind": "Gadget"},
                        "versions": [
                            {"name": "v1alpha1", "served": True, "storage": False,
                             "schema": {"openAPIV3Schema": {"type": "object"}}},
                            {"name": "v1", "served": True, "storage": True,
                             "schema": {"openAPIV3Schema": {"type": "object"}},
                             "subresources": {"status": {}}},
                            {"name": "v2beta1", "served": True, "storage": False,
                             "schema": {"openAPIV3Schema": {"type": "object"}}}]}}
        o = SIM.ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        conds = {c["type"]: c["status"] for c in o["status"]["conditions"]}
        self.assertEqual(conds, {"NamesAccepted": "True", "Established": "True"})
        self.assertEqual(o["status"]["storedVersions"], ["v1"])
        g = SIM.ok("GET", "/apis/sem.example.com")
        self.assertEqual([v["version"] for v in g["versions"]], ["v1", "v2beta1", "v1alpha1"])
        self.assertEqual(g["preferredVersion"]["version"], "v1")
        ns = _ns("crd")
        cr = SIM.ok("POST", "/apis/sem.example.com/v1alpha1/namespaces/%s/gadgets" % ns,
                    {"apiVersion": "sem.example.com/v1alpha1", "kind": "Gadget",
                     "metadata": {"name": "g"}, "spec": {"a": 1}, "status": {"s": 1}})
        self.assertNotIn("status", cr)  # ignored on create
        v1 = SIM.ok("GET", "/apis/sem.example.com/v1/namespaces/%s/gadgets/g" % ns)
        self.assertEqual((v1["apiVersion"], v1["spec"]), ("sem.example.com/v1", {"a": 1}))
        SIM.ok("PUT", "/apis/sem.example.com/v1/namespaces/%s/gadgets/g/status" % ns,
               dict(v1, status={"s": 2}))
        v2 = SIM.ok("GET", "/apis/sem.example.com/v2beta1/namespaces/%s/gadgets/g" % ns)
        self.assertEqual(v2["status"], {"s": 2})
        bad = SIM.post("/apis/sem.example.com/v1/namespaces/%s/gadgets" % ns,
                       {"apiVersion": "sem.example.com/v2beta1", "kind": "Gadget",
                        "metadata": {"name": "h"}})
        self.assertEqual(bad.code, 400)
        SIM.ok("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
               "gadgets.sem.example.com")
        self.assertEqual(SIM.get("/apis/sem.example.com/v1/namespaces/%s/gadgets" % ns).code,
                         404)
        self.assertNotIn("sem.example.com", [g["name"] for g in SIM.ok("GET", "/apis")["groups"]])

    def test_invalid_crd(self):
        r = SIM.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                     {"apiVersion": "apiextensions.k8s.io/v1",
                      "kind": "CustomResourceDefinition", "metadata": {"name": "x.nodot"},
                      "spec": {"group": "nodot", "scope": "Namespaced",
                               "names": {"plural": "x", "kind": "X"}, "versions": []}})
        self.assertEqual(r.code, 422)

    def test_openapi_v2_protobuf(self):
        r = SIM.get("/openapi/v2", headers={
            "Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
        self.assertEqual(r.code, 200)
        self.assertEqual(r.headers["Content-Type"], "application/octet-stream")
        self.assertTrue(r.raw.startswith(b"\x0a\x032.0"))


class Auth(unittest.TestCase):
    def test_wrong_token_is_401(self):
        r = SIM.get("/api/v1/namespaces", token="wrong")
        self.assertEqual((r.code, r.json["reason"]), (401, "Unauthorized"))

    def test_anonymous_over_tls_is_403_but_may_read_version(self):
        r = SIM.get("/api/v1/namespaces", token=False)
        self.assertEqual(r.code, 403)
        self.assertEqual(SIM.get("/version", token=False).code, 200)

    def test_client_certificate(self):
        r = SIM.get("/api/v1/namespaces/default", token=False,
                    cert=(SIM.env["KUBESIM_CLIENT_CERT"], SIM.env["KUBESIM_CLIENT_KEY"]))
        self.assertEqual(r.code, 200)

    def test_plain_http_listener(self):
        r = SIM.get("/api/v1/namespaces/default", url=SIM.http_url)
        self.assertEqual(r.code, 200)


class SimulatorEndpoints(unittest.TestCase):
    def test_injected_429_with_retry_after(self):
        SIM.ok("POST", "/simulator/faults", {"method": "GET", "pathPrefix": "/api/v1/nodes",
                                            "status": 429, "retryAfter": 1, "count": 2})
        for _ in range(2):
            r = SIM.get("/api/v1/nodes")
            self.assertEqual((r.code, r.json["reason"]), (429, "TooManyRequests"))
            self.assertEqual(r.headers.get("Retry-After"), "1")
        self.assertEqual(SIM.get("/api/v1/nodes").code, 200)

    def test_stats_and_seed(self):
        SIM.ok("POST", "/simulator/stats/reset")
        out = SIM.ok("POST", "/simulator/seed", {"resource": "configmaps",
                                                "namespace": "seed-" + uuid.uuid4().hex[:6],
                                                "count": 50, "template": {"data": {"a": "b"}}})
        self.assertEqual(out["created"], 50)
        s = SIM.ok("GET", "/simulator/stats")
        self.assertGreaterEqual(s["requests"], 1)
        self.assertIn("handlerSeconds", s)
        info = SIM.ok("GET", "/simulator/info")
        self.assertTrue(os.path.isdir(info["layout"]["kubelet"]))


class Volumes(unittest.TestCase):
    def pvc(self, name, sc=None, size="1Gi", source=None, volume_name=None):
        o = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
             "spec": {"accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": size}}}}
        if sc is not None:
            o["spec"]["storageClassName"] = sc
        if source:
            o["spec"]["dataSource"] = source
        if volume_name:
            o["spec"]["volumeName"] = volume_name
        return o

    def pod(self, name, claims=(), extra_volumes=()):
        vols = [{"name": c, "persistentVolumeClaim": {"claimName": c}} for c in claims]
        vols += list(extra_volumes)
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"containers": [{"name": "c", "image": "busybox:1"}],
                         "volumes": vols}}

    def bound(self, ns, name):
        return wait_for(lambda: (SIM.get("/api/v1/namespaces/%s/persistentvolumeclaims/%s"
                                         % (ns, name)).json or {}).get("status", {}).get(
            "phase") == "Bound" and SIM.get("/api/v1/namespaces/%s/persistentvolumeclaims/%s"
                                            % (ns, name)).json, what="PVC %s bound" % name)

    def running(self, ns, name):
        return wait_for(lambda: (lambda p: p if p.get("status", {}).get("phase") == "Running"
                                 else None)(SIM.ok("GET", "/api/v1/namespaces/%s/pods/%s"
                                                   % (ns, name))), what="pod running")

    def test_dynamic_volume_pod_snapshot_and_restore(self):
        ns = _ns("vol")
        SIM.ok("POST", "/api/v1/namespaces/%s/persistentvolumeclaims" % ns, self.pvc("data"))
        pvc = self.bound(ns, "data")
        self.assertEqual(pvc["spec"]["storageClassName"], "standard")  # the default class
        self.assertIn("kubernetes.io/pvc-protection", pvc["metadata"]["finalizers"])
        pv = SIM.ok("GET", "/api/v1/persistentvolumes/" + pvc["spec"]["volumeName"])
        self.assertEqual(pv["spec"]["claimRef"]["uid"], pvc["metadata"]["uid"])
        self.assertEqual(pv["spec"]["csi"]["driver"], "hostpath.csi.k8s.io")
        self.assertEqual(pv["status"]["phase"], "Bound")

        SIM.ok("POST", "/api/v1/namespaces/%s/pods" % ns,
               self.pod("app", ["data"], [{"name": "scratch", "emptyDir": {}}]))
        pod = self.running(ns, "app")
        kubelet = SIM.env["KUBESIM_KUBELET_DIR"]
        mount = os.path.join(kubelet, "pods", pod["metadata"]["uid"], "volumes",
                             "kubernetes.io~csi", pv["metadata"]["name"], "mount")
        self.assertTrue(os.path.isdir(mount), mount)
        self.assertTrue(os.path.isdir(os.path.join(
            kubelet, "pods", pod["metadata"]["uid"], "volumes", "kubernetes.io~empty-dir",
            "scratch")))
        with open(os.path.join(mount, "hello.txt"), "w") as f:
            f.write("from the pod")

        snap = {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                "metadata": {"name": "snap1"},
                "spec": {"source": {"persistentVolumeClaimName": "data"}}}
        SIM.ok("POST", "/apis/snapshot.storage.k8s.io/v1/namespaces/%s/volumesnapshots" % ns,
               snap)
        vs = wait_for(lambda: (lambda o: o if o.get("status", {}).get("readyToUse") else None)(
            SIM.ok("GET", "/apis/snapshot.storage.k8s.io/v1/namespaces/%s/volumesnapshots/snap1"
                   % ns)), what="snapshot ready")
        self.assertEqual(vs["spec"]["volumeSnapshotClassName"], "csi-hostpath-snapclass")
        self.assertEqual(vs["status"]["restoreSize"], "1Gi")
        vsc = SIM.ok("GET", "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/" +
                     vs["status"]["boundVolumeSnapshotContentName"])
        handle = vsc["status"]["snapshotHandle"]
        snapdir = os.path.join(SIM.env["KUBESIM_SNAPSHOT_DIR"], handle)
        with open(os.path.join(snapdir, "hello.txt")) as f:
            self.assertEqual(f.read(), "from the pod")
        with open(os.path.join(mount, "hello.txt"), "w") as f:
            f.write("changed after the snapshot")

        SIM.ok("POST", "/api/v1/namespaces/%s/persistentvolumeclaims" % ns, self.pvc(
            "restored", source={"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot",
                                "name": "snap1"}))
        r = self.bound(ns, "restored")
        SIM.ok("POST", "/api/v1/namespaces/%s/pods" % ns, self.pod("reader", ["restored"]))
        reader = self.running(ns, "reader")
        rmount = os.path.join(kubelet, "pods", reader["metadata"]["uid"], "volumes",
                              "kubernetes.io~csi", r["spec"]["volumeName"], "mount")
        with open(os.path.join(rmount, "hello.txt")) as f:
            self.assertEqual(f.read(), "from the pod")

        # Deleting the snapshot (deletionPolicy Delete) removes its content and data.
        SIM.ok("DELETE", "/apis/snapshot.storage.k8s.io/v1/namespaces/%s/volumesnapshots/snap1"
               % ns)
        wait_for(lambda: SIM.get("/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/" +
                                 vsc["metadata"]["name"]).code == 404, what="content deleted")
        self.assertFalse(os.path.exists(snapdir))

        # PVC protection, then reclaim policy Delete.
        SIM.ok("DELETE", "/api/v1/namespaces/%s/persistentvolumeclaims/data" % ns)
        self.assertEqual(SIM.get("/api/v1/namespaces/%s/persistentvolumeclaims/data"
                                 % ns).code, 200)
        SIM.ok("DELETE", "/api/v1/namespaces/%s/pods/app" % ns)
        self.assertFalse(os.path.exists(os.path.join(kubelet, "pods", pod["metadata"]["uid"])))
        wait_for(lambda: SIM.get("/api/v1/namespaces/%s/persistentvolumeclaims/data"
                                 % ns).code == 404, what="pvc released")
        wait_for(lambda: SIM.get("/api/v1/persistentvolumes/" +
                                 pv["metadata"]["name"]).code == 404, what="pv reclaimed")

    def test_pre_provisioned_snapshot_restore(self):
        """The CSI restore path: a VolumeSnapshotContent naming an existing snapshot handle,
        a VolumeSnapshot bound to it, and a PVC from that snapshot."""
        ns = _ns("pre")
        handle = "imported-" + uuid.uuid4().hex[:8]
        d = os.path.join(SIM.env["KUBESIM_SNAPSHOT_DIR"], handle)
        os.makedirs(os.path.join(d, "sub"))
        with open(os.path.join(d, "sub", "f"), "w") as f:
            f.write("imported")
        SIM.ok("POST", "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents", {
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
            "metadata": {"name": "vsc-" + handle},
            "spec": {"deletionPolicy": "Retain", "driver": "hostpath.csi.k8s.io",
                     "source": {"snapshotHandle": handle},
                     "volumeSnapshotClassName": "csi-hostpath-snapclass",
                     "volumeSnapshotRef": {"name": "imported", "namespace": ns}}})
        SIM.ok("POST", "/apis/snapshot.storage.k8s.io/v1/namespaces/%s/volumesnapshots" % ns, {
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
            "metadata": {"name": "imported"},
            "spec": {"source": {"volumeSnapshotContentName": "vsc-" + handle}}})
        wait_for(lambda: SIM.ok("GET", "/apis/snapshot.storage.k8s.io/v1/namespaces/%s/"
                                "volumesnapshots/imported" % ns).get("status", {}).get(
            "readyToUse"), what="imported snapshot ready")
        SIM.ok("POST", "/api/v1/namespaces/%s/persistentvolumeclaims" % ns, self.pvc(
            "r", source={"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot",
                         "name": "imported"}))
        pvc = self.bound(ns, "r")
        pv = SIM.ok("GET", "/api/v1/persistentvolumes/" + pvc["spec"]["volumeName"])
        backing = os.path.join(SIM.env["KUBESIM_NODE_ROOT"], "var", "lib", "csi-hostpath-data",
                               pv["spec"]["csi"]["volumeHandle"], "sub", "f")
        with open(backing) as f:
            self.assertEqual(f.read(), "imported")
        # Retain: deleting the snapshot objects keeps the snapshot data.
        SIM.ok("DELETE", "/apis/snapshot.storage.k8s.io/v1/namespaces/%s/volumesnapshots/"
               "imported" % ns)
        SIM.ok("DELETE", "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/vsc-" + handle)
        wait_for(lambda: SIM.get("/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/vsc-"
                                 + handle).code == 404)
        self.assertTrue(os.path.isdir(d))

    def test_static_hostpath_and_local_volumes(self):
        ns = _ns("static")
        for kind, src in (("hp", {"hostPath": {"path": "/srv/%s-hp" % ns,
                                               "type": "DirectoryOrCreate"}}),
                          ("local", {"local": {"path": "/mnt/disks/%s" % ns}})):
            pv = {"apiVersion": "v1", "kind": "PersistentVolume",
                  "metadata": {"name": "%s-%s" % (ns, kind)},
                  "spec": dict({"capacity": {"storage": "2Gi"},
                                "accessModes": ["ReadWriteOnce"],
                                "persistentVolumeReclaimPolicy": "Retain",
                                "storageClassName": "manual-" + ns}, **src)}
            SIM.ok("POST", "/api/v1/persistentvolumes", pv)
        os.makedirs(os.path.join(SIM.env["KUBESIM_NODE_ROOT"], "mnt", "disks", ns))
        # Static binding by class and size; pre-binding by volumeName as Velero restores do.
        SIM.ok("POST", "/api/v1/namespaces/%s/persistentvolumeclaims" % ns,
               self.pvc("by-class", sc="manual-" + ns, size="1Gi", volume_name="%s-local" % ns))
        SIM.ok("POST", "/api/v1/namespaces/%s/persistentvolumeclaims" % ns,
               self.pvc("hp", sc="manual-" + ns, size="1Gi"))
        a = self.bound(ns, "by-class")
        b = self.bound(ns, "hp")
        self.assertEqual(a["spec"]["volumeName"], "%s-local" % ns)
        self.assertEqual(b["spec"]["volumeName"], "%s-hp" % ns)
        self.assertEqual(b["status"]["capacity"], {"storage": "2Gi"})
        self.assertTrue(os.path.isdir(os.path.join(SIM.env["KUBESIM_NODE_ROOT"], "srv",
                                                   "%s-hp" % ns)))
        SIM.ok("POST", "/api/v1/namespaces/%s/pods" % ns, self.pod("p", ["by-class", "hp"]))
        pod = self.running(ns, "p")
        vdir = os.path.join(SIM.env["KUBESIM_KUBELET_DIR"], "pods", pod["metadata"]["uid"],
                            "volumes")
        self.assertEqual(os.listdir(vdir), ["kubernetes.io~local-volume"])
        self.assertTrue(os.path.isdir(os.path.join(vdir, "kubernetes.io~local-volume",
                                                   "%s-local" % ns)))
        # Retain: the PV is Released, not deleted, once its claim goes.
        SIM.ok("DELETE", "/api/v1/namespaces/%s/pods/p" % ns)
        SIM.ok("DELETE", "/api/v1/namespaces/%s/persistentvolumeclaims/hp" % ns)
        wait_for(lambda: SIM.ok("GET", "/api/v1/persistentvolumes/%s-hp" % ns)["status"][
            "phase"] == "Released", what="pv released")

    def test_pod_waits_for_its_claim(self):
        ns = _ns("wait")
        SIM.ok("POST", "/api/v1/namespaces/%s/pods" % ns, self.pod("p", ["later"]))
        p = wait_for(lambda: SIM.ok("GET", "/api/v1/namespaces/%s/pods/p" % ns)["status"].get(
            "conditions"), what="unschedulable condition")
        self.assertIn('persistentvolumeclaim "later" not found', p[0]["message"])
        SIM.ok("POST", "/api/v1/namespaces/%s/persistentvolumeclaims" % ns, self.pvc("later"))
        self.running(ns, "p")


class Persistence(unittest.TestCase):
    def test_restart_keeps_objects(self):
        d = tempfile.mkdtemp(prefix="kubesim-persist-")
        env = start_sim(directory=d, persist=True)
        try:
            s = Sim(env)
            s.ensure_ns("keep")
            o = s.ok("POST", "/api/v1/namespaces/keep/configmaps", cm("c"))
            crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                   "metadata": {"name": "things.persist.example.com"},
                   "spec": {"group": "persist.example.com", "scope": "Cluster",
                            "names": {"plural": "things", "kind": "Thing"},
                            "versions": [{"name": "v1", "served": True, "storage": True,
                                          "schema": {"openAPIV3Schema": {"type": "object"}}}]}}
            s.ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
            s.ok("POST", "/apis/persist.example.com/v1/things",
                 {"apiVersion": "persist.example.com/v1", "kind": "Thing",
                  "metadata": {"name": "t"}})
            s.ok("DELETE", "/api/v1/namespaces/default/services/kubernetes")
            rv_before = int(s.ok("GET", "/api/v1/namespaces")["metadata"]["resourceVersion"])
        finally:
            stop_sim(env, keep=True)
        env = start_sim(directory=d, persist=True)
        try:
            s = Sim(env)
            c = s.ok("GET", "/api/v1/namespaces/keep/configmaps/c")
            self.assertEqual(c["metadata"]["uid"], o["metadata"]["uid"])
            self.assertEqual(c["metadata"]["resourceVersion"], o["metadata"]["resourceVersion"])
            self.assertEqual(s.ok("GET", "/apis/persist.example.com/v1/things/t")["kind"],
                             "Thing")
            self.assertEqual(s.get("/api/v1/namespaces/default/services/kubernetes").code, 404)
            n = s.ok("POST", "/api/v1/namespaces/keep/configmaps", cm("d"))
            self.assertGreater(int(n["metadata"]["resourceVersion"]), rv_before)
        finally:
            stop_sim(env)


if __name__ == "__main__":
    unittest.main()
