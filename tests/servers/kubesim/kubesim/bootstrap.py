"""The objects a fresh single-node cluster has before anyone touches it."""
from .controllers import SNAP_GROUP

_SNAP_SCHEMA = {"openAPIV3Schema": {"type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True}}


def _snap_crd(plural, kind, scope, short, columns):
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "%s.%s" % (plural, SNAP_GROUP),
                     "annotations": {"api-approved.kubernetes.io":
                                     "https://github.com/kubernetes-csi/external-snapshotter/"
                                     "pull/665"}},
        "spec": {
            "group": SNAP_GROUP,
            "names": {"kind": kind, "listKind": kind + "List", "plural": plural,
                      "singular": kind.lower(), "shortNames": short},
            "scope": scope,
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": _SNAP_SCHEMA,
                 "subresources": {"status": {}} if plural != "volumesnapshotclasses" else {},
                 "additionalPrinterColumns": columns},
                {"name": "v1beta1", "served": True, "storage": False, "schema": _SNAP_SCHEMA,
                 "deprecated": True,
                 "deprecationWarning": "snapshot.storage.k8s.io/v1beta1 %s is deprecated; use "
                                       "snapshot.storage.k8s.io/v1 %s" % (kind, kind),
                 "subresources": {"status": {}} if plural != "volumesnapshotclasses" else {},
                 "additionalPrinterColumns": columns},
            ],
        },
    }


def _c(name, path, typ="string"):
    return {"name": name, "jsonPath": path, "type": typ}


SNAPSHOT_CRDS = [
    _snap_crd("volumesnapshotclasses", "VolumeSnapshotClass", "Cluster", ["vsclass",
                                                                          "vsclasses"],
              [_c("Driver", ".driver"), _c("DeletionPolicy", ".deletionPolicy"),
               _c("Age", ".metadata.creationTimestamp", "date")]),
    _snap_crd("volumesnapshotcontents", "VolumeSnapshotContent", "Cluster", ["vsc", "vscs"],
              [_c("ReadyToUse", ".status.readyToUse", "boolean"),
               _c("RestoreSize", ".status.restoreSize", "integer"),
               _c("DeletionPolicy", ".spec.deletionPolicy"), _c("Driver", ".spec.driver"),
               _c("VolumeSnapshotClass", ".spec.volumeSnapshotClassName"),
               _c("VolumeSnapshot", ".spec.volumeSnapshotRef.name"),
               _c("Age", ".metadata.creationTimestamp", "date")]),
    _snap_crd("volumesnapshots", "VolumeSnapshot", "Namespaced", ["vs"],
              [_c("ReadyToUse", ".status.readyToUse", "boolean"),
               _c("SourcePVC", ".spec.source.persistentVolumeClaimName"),
               _c("SourceSnapshotContent", ".spec.source.volumeSnapshotContentName"),
               _c("RestoreSize", ".status.restoreSize"),
               _c("SnapshotClass", ".spec.volumeSnapshotClassName"),
               _c("SnapshotContent", ".status.boundVolumeSnapshotContentName"),
               _c("CreationTime", ".status.creationTime", "date"),
               _c("Age", ".metadata.creationTimestamp", "date")]),
]


def bootstrap(api, driver, node_name, kube_version):
    """Create the default objects when the store is empty."""
    R = api.registry.types
    S = api.store
    if S.count() > 0:
        return False
    with api.lock:
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            api.create_internal(("", "namespaces"), {"metadata": {"name": ns}})
        for crd in SNAPSHOT_CRDS:
            api.create_internal(("apiextensions.k8s.io", "customresourcedefinitions"), crd)
        api.create_internal(("", "services"), {
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "type": "ClusterIP",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                "targetPort": 6443}]}})
        api.create_internal(("", "nodes"), {
            "metadata": {"name": node_name, "labels": {
                "kubernetes.io/hostname": node_name, "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/control-plane": "",
                "topology.hostpath.csi/node": node_name}},
            "spec": {"podCIDR": "10.244.0.0/24"},
        })
        node = S.get(("", "nodes"), "", node_name)
        node = dict(node)
        node["status"] = {
            "addresses": [{"type": "InternalIP", "address": "10.0.0.10"},
                          {"type": "Hostname", "address": node_name}],
            "allocatable": {"cpu": "2", "memory": "24Gi", "pods": "110",
                            "ephemeral-storage": "100Gi"},
            "capacity": {"cpu": "2", "memory": "24Gi", "pods": "110",
                         "ephemeral-storage": "100Gi"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                            "message": "kubelet is posting ready status"}],
            "nodeInfo": {"kubeletVersion": kube_version, "kubeProxyVersion": kube_version,
                         "operatingSystem": "linux", "architecture": "amd64",
                         "containerRuntimeVersion": "containerd://1.6.0",
                         "osImage": "Lifeboat simulated node", "kernelVersion": "",
                         "machineID": "", "systemUUID": "", "bootID": ""},
        }
        S.put(("", "nodes"), node)
        api.create_internal(("storage.k8s.io", "csidrivers"), {
            "metadata": {"name": driver},
            "spec": {"attachRequired": False, "podInfoOnMount": True,
                     "volumeLifecycleModes": ["Persistent", "Ephemeral"],
                     "fsGroupPolicy": "File"}})
        api.create_internal(("storage.k8s.io", "storageclasses"), {
            "metadata": {"name": "standard", "annotations": {
                "storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": driver, "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate", "allowVolumeExpansion": True})
        api.create_internal((SNAP_GROUP, "volumesnapshotclasses"), {
            "apiVersion": SNAP_GROUP + "/v1", "kind": "VolumeSnapshotClass",
            "metadata": {"name": "csi-hostpath-snapclass", "annotations": {
                "snapshot.storage.kubernetes.io/is-default-class": "true"}},
            "driver": driver, "deletionPolicy": "Delete"})
        api.create_internal(("rbac.authorization.k8s.io", "clusterroles"), {
            "metadata": {"name": "cluster-admin", "labels": {
                "kubernetes.io/bootstrapping": "rbac-defaults"}},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                      {"nonResourceURLs": ["*"], "verbs": ["*"]}]})
        api.create_internal(("scheduling.k8s.io", "priorityclasses"), {
            "metadata": {"name": "system-cluster-critical"}, "value": 2000000000,
            "description": "Used for system critical pods that must run in the cluster, but "
                           "can be moved to another node if necessary."})
    return True
