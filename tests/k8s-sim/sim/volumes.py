"""Volumes backed by local directories, a kubelet directory, and the CSI snapshot
controller.

Layout (all paths absolute):
  <storage-root>/csi/<volumeHandle>/        data of a volume provisioned by csi.lifeboat.io
  <storage-root>/snapshots/<snapshotHandle>/ a snapshot's copy of a volume's files
  <kubelet-dir>/pods/<pod-uid>/volumes/kubernetes.io~csi/<pv-name>/mount
        -> symlink to the volume's data directory (CSI PVs)
  <kubelet-dir>/pods/<pod-uid>/volumes/kubernetes.io~local-volume/<pv-name>
        -> symlink to spec.local.path (local PVs)
  <kubelet-dir>/pods/<pod-uid>/volumes/kubernetes.io~host-path/<pv-name>
        -> symlink to spec.hostPath.path (hostPath PVs; real kubelet uses the host path
           directly, the link is a convenience)
  <kubelet-dir>/pods/<pod-uid>/volumes/kubernetes.io~empty-dir/<volume-name>/   real dir
  <kubelet-dir>/pods/<pod-uid>/volumes/kubernetes.io~configmap/<volume-name>/   files
  <kubelet-dir>/pods/<pod-uid>/volumes/kubernetes.io~secret/<volume-name>/      files
"""
import base64
import copy
import datetime
import os
import re
import shutil
import time
import uuid

DRIVER = "csi.lifeboat.io"
PATH_ANNOTATION = "sim.lifeboat.io/path"

VOLUME_KEYS = {("", "pods"), ("", "persistentvolumeclaims"), ("", "persistentvolumes"),
               ("storage.k8s.io", "storageclasses"),
               ("snapshot.storage.k8s.io", "volumesnapshots"),
               ("snapshot.storage.k8s.io", "volumesnapshotcontents"),
               ("snapshot.storage.k8s.io", "volumesnapshotclasses")}

_Q = {"": 1, "k": 1000, "M": 1000 ** 2, "G": 1000 ** 3, "T": 1000 ** 4,
      "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4}


def parse_quantity(q):
    m = re.fullmatch(r"\s*([0-9.]+)\s*([kMGT]i?|Ki)?\s*", str(q or "0"))
    if not m:
        return 0
    return int(float(m.group(1)) * _Q.get(m.group(2) or "", 1))


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dir_size(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


class Volumes:
    def __init__(self, storage_root, kubelet_dir):
        self.storage_root = os.path.abspath(storage_root)
        self.kubelet_dir = os.path.abspath(kubelet_dir)
        os.makedirs(os.path.join(self.storage_root, "csi"), exist_ok=True)
        os.makedirs(os.path.join(self.storage_root, "snapshots"), exist_ok=True)
        os.makedirs(os.path.join(self.kubelet_dir, "pods"), exist_ok=True)
        self.cluster = None
        self._busy = False

    def attach(self, cluster):
        self.cluster = cluster

    # lookups
    def _res(self, group, plural):
        return self.cluster.reg.get(group, plural)

    def _objs(self, group, plural):
        return self.cluster.store.objs.get((group, plural), {})

    def pv_path(self, pv):
        spec = pv.get("spec") or {}
        if spec.get("csi") and spec["csi"].get("driver") == DRIVER:
            return os.path.join(self.storage_root, "csi", spec["csi"]["volumeHandle"])
        if spec.get("hostPath"):
            return spec["hostPath"].get("path")
        if spec.get("local"):
            return spec["local"].get("path")
        return None

    # hooks
    def after_write(self, res, old, new):
        if self._busy or res.key not in VOLUME_KEYS:
            return
        self._busy = True
        try:
            self.sync()
        finally:
            self._busy = False

    def after_delete(self, res, old):
        key = res.key
        if key == ("", "pods"):
            d = os.path.join(self.kubelet_dir, "pods", old["metadata"]["uid"])
            shutil.rmtree(d, ignore_errors=True)
        elif key == ("", "persistentvolumeclaims"):
            self._release(old)
        elif key == ("", "persistentvolumes"):
            spec = old.get("spec") or {}
            if spec.get("csi", {}).get("driver") == DRIVER and \
                    spec.get("persistentVolumeReclaimPolicy", "Delete") == "Delete":
                shutil.rmtree(self.pv_path(old), ignore_errors=True)
        elif key == ("snapshot.storage.k8s.io", "volumesnapshots"):
            cname = (old.get("status") or {}).get("boundVolumeSnapshotContentName")
            c = self.cluster.store.get(("snapshot.storage.k8s.io", "volumesnapshotcontents"),
                                       "", cname) if cname else None
            if c is not None and (c.get("spec") or {}).get("deletionPolicy") == "Delete":
                self.cluster._delete_now(self._res("snapshot.storage.k8s.io",
                                                   "volumesnapshotcontents"), None, cname)
        elif key == ("snapshot.storage.k8s.io", "volumesnapshotcontents"):
            if (old.get("spec") or {}).get("deletionPolicy") == "Delete":
                h = self._snap_handle(old)
                if h:
                    shutil.rmtree(os.path.join(self.storage_root, "snapshots", h),
                                  ignore_errors=True)
        if not self._busy and key in VOLUME_KEYS:
            self._busy = True
            try:
                self.sync()
            finally:
                self._busy = False

    # controllers, run to a fixed point after every write
    def sync(self):
        for _ in range(5):
            changed = False
            for vsc in list(self._objs("snapshot.storage.k8s.io", "volumesnapshotcontents")
                            .values()):
                changed |= self._sync_content(vsc)
            for vs in list(self._objs("snapshot.storage.k8s.io", "volumesnapshots").values()):
                changed |= self._sync_snapshot(vs)
            for pvc in list(self._objs("", "persistentvolumeclaims").values()):
                if (pvc.get("status") or {}).get("phase") != "Bound":
                    changed |= self._bind(pvc)
            for pod in list(self._objs("", "pods").values()):
                changed |= self._sync_pod(pod)
            if not changed:
                break

    def _release(self, pvc):
        vname = (pvc.get("spec") or {}).get("volumeName")
        pv = self.cluster.store.get(("", "persistentvolumes"), "", vname) if vname else None
        if pv is None:
            return
        policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy", "Delete")
        pvres = self._res("", "persistentvolumes")
        if policy == "Delete":
            self.cluster._delete_now(pvres, None, vname)
        else:
            new = copy.deepcopy(pv)
            new["status"] = {"phase": "Released"}
            self.cluster._set(pvres, new)

    def _bind(self, pvc):
        c = self.cluster
        spec = pvc.get("spec") or {}
        ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
        pvres = self._res("", "persistentvolumes")
        pv = None
        if spec.get("volumeName"):
            pv = c.store.get(("", "persistentvolumes"), "", spec["volumeName"])
            if pv is None:
                return False
            ref = (pv.get("spec") or {}).get("claimRef")
            if ref and (ref.get("namespace"), ref.get("name")) != (ns, name):
                return False
            if ref and ref.get("uid") and ref["uid"] != pvc["metadata"]["uid"]:
                return False
        else:
            want = parse_quantity(((spec.get("resources") or {}).get("requests") or {})
                                  .get("storage"))
            cls = spec.get("storageClassName") or ""
            for cand in self._objs("", "persistentvolumes").values():
                cs = cand.get("spec") or {}
                ref = cs.get("claimRef")
                if (cand.get("status") or {}).get("phase") != "Available":
                    continue
                if ref and (ref.get("namespace"), ref.get("name")) != (ns, name):
                    continue
                if (cs.get("storageClassName") or "") != cls:
                    continue
                if parse_quantity((cs.get("capacity") or {}).get("storage")) < want:
                    continue
                pv = cand
                break
            if pv is None:
                pv = self._provision(pvc)
                if pv is None:
                    return False
        # bind both sides
        newpv = copy.deepcopy(pv)
        newpv["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": ns,
                                     "name": name, "uid": pvc["metadata"]["uid"],
                                     "apiVersion": "v1",
                                     "resourceVersion": pvc["metadata"]["resourceVersion"]}
        newpv["status"] = {"phase": "Bound"}
        c._set(pvres, newpv)
        newpvc = copy.deepcopy(pvc)
        newpvc["spec"]["volumeName"] = pv["metadata"]["name"]
        ann = newpvc["metadata"].setdefault("annotations", {})
        ann["pv.kubernetes.io/bind-completed"] = "yes"
        if not spec.get("volumeName"):
            ann["pv.kubernetes.io/bound-by-controller"] = "yes"
        newpvc["status"] = {"phase": "Bound",
                            "accessModes": pv["spec"].get("accessModes") or ["ReadWriteOnce"],
                            "capacity": dict(pv["spec"].get("capacity") or {})}
        c._set(self._res("", "persistentvolumeclaims"), newpvc)
        return True

    def _provision(self, pvc):
        c = self.cluster
        spec = pvc.get("spec") or {}
        cls = spec.get("storageClassName")
        sc = c.store.get(("storage.k8s.io", "storageclasses"), "", cls) if cls else None
        if sc is None or sc.get("provisioner") != DRIVER:
            return None
        src = spec.get("dataSourceRef") or spec.get("dataSource")
        snapdir = None
        if src:
            if src.get("kind") != "VolumeSnapshot":
                return None
            vs = c.store.get(("snapshot.storage.k8s.io", "volumesnapshots"),
                             pvc["metadata"]["namespace"], src.get("name"))
            if vs is None or not (vs.get("status") or {}).get("readyToUse"):
                return None
            vsc = c.store.get(("snapshot.storage.k8s.io", "volumesnapshotcontents"), "",
                              vs["status"].get("boundVolumeSnapshotContentName"))
            h = self._snap_handle(vsc) if vsc else None
            if not h:
                return None
            snapdir = os.path.join(self.storage_root, "snapshots", h)
            if not os.path.isdir(snapdir):
                return None
        handle = str(uuid.uuid4())
        path = os.path.join(self.storage_root, "csi", handle)
        if snapdir:
            shutil.copytree(snapdir, path, symlinks=True)
        else:
            os.makedirs(path, exist_ok=True)
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        pvname = "pvc-" + pvc["metadata"]["uid"]
        pv = {"apiVersion": "v1", "kind": "PersistentVolume",
              "metadata": {"name": pvname,
                           "annotations": {"pv.kubernetes.io/provisioned-by": DRIVER,
                                           PATH_ANNOTATION: path},
                           "finalizers": []},
              "spec": {"accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                       "capacity": {"storage": size},
                       "csi": {"driver": DRIVER, "volumeHandle": handle, "fsType": "ext4"},
                       "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
                       "storageClassName": cls,
                       "volumeMode": spec.get("volumeMode") or "Filesystem"}}
        pv["metadata"].pop("finalizers")
        return c.create(self._res("", "persistentvolumes"), None, pv)

    def _snap_handle(self, vsc):
        return ((vsc.get("status") or {}).get("snapshotHandle") or
                ((vsc.get("spec") or {}).get("source") or {}).get("snapshotHandle"))

    def _sync_content(self, vsc):
        st = vsc.get("status") or {}
        if st.get("readyToUse"):
            return False
        h = ((vsc.get("spec") or {}).get("source") or {}).get("snapshotHandle")
        if not h:
            return False
        d = os.path.join(self.storage_root, "snapshots", h)
        if not os.path.isdir(d):
            if st.get("error"):
                return False
            new = copy.deepcopy(vsc)
            new["status"] = {"readyToUse": False, "snapshotHandle": h,
                             "error": {"message": "snapshot %s not found on driver %s"
                                       % (h, DRIVER), "time": _now()}}
            self.cluster._set(self._res("snapshot.storage.k8s.io", "volumesnapshotcontents"),
                              new)
            return True
        new = copy.deepcopy(vsc)
        new["status"] = {"readyToUse": True, "snapshotHandle": h, "driver": DRIVER,
                         "restoreSize": _dir_size(d), "creationTime": int(time.time() * 1e9)}
        self.cluster._set(self._res("snapshot.storage.k8s.io", "volumesnapshotcontents"), new)
        return True

    def _sync_snapshot(self, vs):
        c = self.cluster
        st = vs.get("status") or {}
        if st.get("readyToUse"):
            return False
        spec = vs.get("spec") or {}
        src = spec.get("source") or {}
        ns, name = vs["metadata"]["namespace"], vs["metadata"]["name"]
        vscres = self._res("snapshot.storage.k8s.io", "volumesnapshotcontents")
        if src.get("volumeSnapshotContentName"):
            vsc = c.store.get(vscres.key, "", src["volumeSnapshotContentName"])
            if vsc is None or not (vsc.get("status") or {}).get("readyToUse"):
                return False
            size = vsc["status"].get("restoreSize", 0)
        elif src.get("persistentVolumeClaimName"):
            pvc = c.store.get(("", "persistentvolumeclaims"), ns, src["persistentVolumeClaimName"])
            if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
                return False
            pv = c.store.get(("", "persistentvolumes"), "", pvc["spec"]["volumeName"])
            path = self.pv_path(pv) if pv else None
            if not path or not os.path.isdir(path):
                return False
            clsname = spec.get("volumeSnapshotClassName") or c._default_class(
                ("snapshot.storage.k8s.io", "volumesnapshotclasses"),
                "snapshot.storage.kubernetes.io/is-default-class")
            cls = c.store.get(("snapshot.storage.k8s.io", "volumesnapshotclasses"), "",
                              clsname) if clsname else None
            h = "snapshot-" + str(uuid.uuid4())
            d = os.path.join(self.storage_root, "snapshots", h)
            shutil.copytree(path, d, symlinks=True)
            cname = "snapcontent-" + vs["metadata"]["uid"]
            content = {"apiVersion": "snapshot.storage.k8s.io/v1",
                       "kind": "VolumeSnapshotContent",
                       "metadata": {"name": cname},
                       "spec": {"deletionPolicy": (cls or {}).get("deletionPolicy", "Delete"),
                                "driver": DRIVER,
                                "source": {"volumeHandle": (pv["spec"].get("csi") or {})
                                           .get("volumeHandle", pv["metadata"]["name"])},
                                "volumeSnapshotRef": {
                                    "apiVersion": "snapshot.storage.k8s.io/v1",
                                    "kind": "VolumeSnapshot", "name": name, "namespace": ns,
                                    "uid": vs["metadata"]["uid"],
                                    "resourceVersion": vs["metadata"]["resourceVersion"]}}}
            if clsname:
                content["spec"]["volumeSnapshotClassName"] = clsname
            if c.store.get(vscres.key, "", cname) is None:
                c.create(vscres, None, content, internal=True)
            vsc = c.store.get(vscres.key, "", cname)
            new = copy.deepcopy(vsc)
            size = _dir_size(d)
            new["status"] = {"readyToUse": True, "snapshotHandle": h, "driver": DRIVER,
                             "restoreSize": size, "creationTime": int(time.time() * 1e9)}
            c._set(vscres, new)
            size = pvc["status"].get("capacity", {}).get("storage") or size
        else:
            return False
        new = copy.deepcopy(vs)
        new["status"] = {"boundVolumeSnapshotContentName":
                         src.get("volumeSnapshotContentName") or
                         "snapcontent-" + vs["metadata"]["uid"],
                         "creationTime": _now(), "readyToUse": True,
                         "restoreSize": size if isinstance(size, str) else str(size)}
        c._set(self._res("snapshot.storage.k8s.io", "volumesnapshots"), new)
        return True

    def _sync_pod(self, pod):
        """Make the pod's volumes appear under the kubelet dir. Returns False: it never
        changes API objects."""
        c = self.cluster
        uid = pod["metadata"]["uid"]
        ns = pod["metadata"]["namespace"]
        base = os.path.join(self.kubelet_dir, "pods", uid, "volumes")
        for vol in (pod.get("spec") or {}).get("volumes") or []:
            vname = vol.get("name")
            if not vname:
                continue
            if "persistentVolumeClaim" in vol:
                pvc = c.store.get(("", "persistentvolumeclaims"), ns,
                                  vol["persistentVolumeClaim"].get("claimName"))
                if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
                    continue
                pv = c.store.get(("", "persistentvolumes"), "", pvc["spec"]["volumeName"])
                if pv is None:
                    continue
                path = self.pv_path(pv)
                pvs = pv.get("spec") or {}
                pvname = pv["metadata"]["name"]
                if pvs.get("csi"):
                    link = os.path.join(base, "kubernetes.io~csi", pvname, "mount")
                elif pvs.get("local"):
                    link = os.path.join(base, "kubernetes.io~local-volume", pvname)
                elif pvs.get("hostPath"):
                    link = os.path.join(base, "kubernetes.io~host-path", pvname)
                else:
                    continue
                if path and not os.path.islink(link):
                    os.makedirs(os.path.dirname(link), exist_ok=True)
                    os.symlink(path, link)
            elif "emptyDir" in vol:
                os.makedirs(os.path.join(base, "kubernetes.io~empty-dir", vname), exist_ok=True)
            elif "configMap" in vol or "secret" in vol:
                is_cm = "configMap" in vol
                d = os.path.join(base, "kubernetes.io~configmap" if is_cm
                                 else "kubernetes.io~secret", vname)
                if os.path.isdir(d):
                    continue
                ref = vol["configMap"].get("name") if is_cm else vol["secret"].get("secretName")
                src = c.store.get(("", "configmaps" if is_cm else "secrets"), ns, ref)
                os.makedirs(d, exist_ok=True)
                for k, v in ((src or {}).get("data") or {}).items():
                    data = v.encode() if is_cm else base64.b64decode(v)
                    with open(os.path.join(d, k), "wb") as f:
                        f.write(data)
        return False
