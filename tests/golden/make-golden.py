#!/usr/bin/python3
"""Lay out a backup by hand, exactly as Velero documents and writes it
(pkg/archive/filesystem.go, pkg/backup/item_backupper.go; velero-and-peers.md §2.1):

  metadata/version                                   "1.1.0\n"
  resources/<gr>/namespaces/<ns>/<name>.json         json.Marshal(obj): one line, no newline
  resources/<gr>/cluster/<name>.json
  resources/<gr>/<ver>-preferredversion/...          duplicate copy in the preferred version
  resources/<gr>/<ver>/...                           other versions (EnableAPIGroupVersions)

Entries are regular files with mode 0755, no directory entries, gzip default level. The
objects are what an API server returns (uid, resourceVersion, managedFields, status ...).

usage: make-golden.py OUTDIR      writes OUTDIR/<name>.tar.gz and OUTDIR/velero-backup.json
"""
import gzip, io, json, os, sys, tarfile, zlib

NAME = "velero-handmade"
NS = "golden"

def meta(name, ns=None, **extra):
    m = {"name": name, "uid": "5c1a2b3c-0000-4000-8000-%012d" % (zlib.crc32(name.encode()) % 10**12),
         "resourceVersion": "4242", "creationTimestamp": "2025-06-01T10:00:00Z",
         "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                            "apiVersion": "v1", "time": "2025-06-01T10:00:00Z"}]}
    if ns:
        m["namespace"] = ns
    m.update(extra)
    return m

items = []  # (gr, version_dir or None for plain+preferred, ns, name, obj)

def add(gr, ver, ns, obj, other_versions=()):
    items.append((gr, ver, ns, obj["metadata"]["name"], obj))
    for v, o in other_versions:
        items.append((gr, "v:" + v, ns, obj["metadata"]["name"], o))

add("namespaces", "v1", None, {"apiVersion": "v1", "kind": "Namespace",
    "metadata": meta(NS, labels={"kubernetes.io/metadata.name": NS, "team": "golden"}),
    "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
add("configmaps", "v1", NS, {"apiVersion": "v1", "kind": "ConfigMap",
    "metadata": meta("golden-config", NS, labels={"app": "golden"}),
    "data": {"motd": "restored from a hand-made Velero backup"}})
add("secrets", "v1", NS, {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
    "metadata": meta("golden-secret", NS, labels={"app": "golden"}),
    "data": {"token": "c2VjcmV0"}})
add("serviceaccounts", "v1", NS, {"apiVersion": "v1", "kind": "ServiceAccount",
    "metadata": meta("golden-sa", NS)})
add("services", "v1", NS, {"apiVersion": "v1", "kind": "Service",
    "metadata": meta("golden-web", NS, labels={"app": "golden"}),
    "spec": {"type": "NodePort", "clusterIP": "10.96.77.7", "clusterIPs": ["10.96.77.7"],
             "selector": {"app": "golden"},
             "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP",
                        "nodePort": 31999}]},
    "status": {"loadBalancer": {}}})
add("deployments.apps", "v1", NS, {"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": meta("golden-web", NS, generation=3, labels={"app": "golden"},
                     annotations={"deployment.kubernetes.io/revision": "1"}),
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "golden"}},
             "template": {"metadata": {"labels": {"app": "golden"}},
                          "spec": {"serviceAccountName": "golden-sa",
                                   "containers": [{"name": "web", "image": "nginx:1.25"}]}}},
    "status": {"replicas": 2, "readyReplicas": 2, "observedGeneration": 3}})
# A pod that has finished: Velero never restores it.
add("pods", "v1", NS, {"apiVersion": "v1", "kind": "Pod",
    "metadata": meta("golden-job-xyz", NS),
    "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "busybox"}]},
    "status": {"phase": "Succeeded"}})
# A custom resource served in two versions (EnableAPIGroupVersions layout).
g1 = {"apiVersion": "example.lifeboat.io/v1", "kind": "Gadget",
      "metadata": meta("golden-gadget", NS), "spec": {"size": "large"},
      "status": {"state": "assembled"}}
g0 = dict(g1, apiVersion="example.lifeboat.io/v1beta1")
add("gadgets.example.lifeboat.io", "v1", NS, g1, other_versions=[("v1beta1", g0)])
# Cluster-scoped noise Velero never restores.
add("nodes", "v1", None, {"apiVersion": "v1", "kind": "Node", "metadata": meta("node-1")})

def entries():
    yield "metadata/version", b"1.1.0\n"
    for gr, ver, ns, name, obj in items:
        data = json.dumps(obj, separators=(",", ":")).encode()
        scope = "namespaces/%s" % ns if ns else "cluster"
        if ver.startswith("v:"):
            yield "resources/%s/%s/%s/%s.json" % (gr, ver[2:], scope, name), data
            continue
        yield "resources/%s/%s/%s.json" % (gr, scope, name), data
        yield "resources/%s/%s-preferredversion/%s/%s.json" % (gr, ver, scope, name), data

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for path, data in entries():
            ti = tarfile.TarInfo(path)
            ti.size, ti.mode, ti.mtime, ti.type = len(data), 0o755, 1748772000, tarfile.REGTYPE
            tf.addfile(ti, io.BytesIO(data))
    with open(os.path.join(out, NAME + ".tar.gz"), "wb") as f:
        f.write(gzip.compress(raw.getvalue(), mtime=0))
    backup = {
        "kind": "Backup", "apiVersion": "velero.io/v1",
        "metadata": {"name": NAME, "namespace": "velero",
                     "uid": "0b7e0b7e-1111-4222-8333-444455556666",
                     "resourceVersion": "123", "generation": 4,
                     "creationTimestamp": "2025-06-01T10:05:00Z",
                     "labels": {"velero.io/storage-location": "default"},
                     "annotations": {"velero.io/resource-timeout": "10m0s",
                                     "velero.io/source-cluster-k8s-gitversion": "v1.30.2",
                                     "velero.io/source-cluster-k8s-major-version": "1",
                                     "velero.io/source-cluster-k8s-minor-version": "30"}},
        "spec": {"metadata": {}, "includedNamespaces": [NS], "ttl": "720h0m0s",
                 "hooks": {}, "storageLocation": "default", "volumeSnapshotLocations": ["default"],
                 "defaultVolumesToFsBackup": False, "csiSnapshotTimeout": "10m0s",
                 "itemOperationTimeout": "4h0m0s"},
        "status": {"version": 1, "formatVersion": "1.1.0",
                   "expiration": "2025-07-01T10:05:00Z", "phase": "Completed",
                   "startTimestamp": "2025-06-01T10:05:00Z",
                   "completionTimestamp": "2025-06-01T10:05:03Z",
                   "progress": {"totalItems": 9, "itemsBackedUp": 9}},
    }
    with open(os.path.join(out, "velero-backup.json"), "w") as f:
        json.dump(backup, f, indent=2)
        f.write("\n")

main()
