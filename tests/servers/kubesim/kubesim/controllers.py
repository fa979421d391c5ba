"""The controllers a restore meets in a real cluster, reduced to what a single-node simulator
needs: namespace lifecycle, garbage collection, the PV binder and a CSI provisioner backed by
local directories, a snapshot controller, and a kubelet that lays out pod volumes on disk."""
import json
import os
import queue
import shutil
import threading
import time
import uuid

from .api import NAMESPACES, deep, now_rfc3339
from .quantity import parse_quantity

PODS = ("", "pods")
PVCS = ("", "persistentvolumeclaims")
PVS = ("", "persistentvolumes")
SCS = ("storage.k8s.io", "storageclasses")
SNAP_GROUP = "snapshot.storage.k8s.io"
VS = (SNAP_GROUP, "volumesnapshots")
VSC = (SNAP_GROUP, "volumesnapshotcontents")
VSCLASS = (SNAP_GROUP, "volumesnapshotclasses")
SAS = ("", "serviceaccounts")
CMS = ("", "configmaps")

PVC_PROTECTION = "kubernetes.io/pvc-protection"
PV_PROTECTION = "kubernetes.io/pv-protection"
VS_BOUND = "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"
VSC_BOUND = "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection"

_WATCHED = {PODS, PVCS, PVS, SCS, VS, VSC, VSCLASS, NAMESPACES}


def _safe_join(root, path):
    """A host path inside the simulated node's root: '/data/x' -> root/data/x."""
    parts = [p for p in (path or "").split("/") if p not in ("", ".", "..")]
    return os.path.join(root, *parts)


def _dir_size(path):
    total = 0
    for dp, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dp, f)).st_size
            except OSError:
                pass
    return total


def _copy_tree(src, dst):
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    if os.path.isdir(src):
        shutil.copytree(src, dst, symlinks=True)
    else:
        os.makedirs(dst, exist_ok=True)


class Controllers:
    def __init__(self, api, layout, driver, node_name, ca_pem=None, gc=True):
        self.api = api
        self.store = api.store
        self.layout = layout
        self.driver = driver
        self.node = node_name
        self.ca_pem = ca_pem
        self.gc = gc
        self.q = queue.Queue()
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self._run, name="controllers", daemon=True)
        self.errors = 0
        self.store.listeners.append(self._on_event)
        self._ip = 10

    def start(self):
        self.thread.start()
        self.q.put(None)

    def stop(self):
        self.stop_ev.set()
        self.q.put(None)
        self.thread.join(5)

    def _on_event(self, ev):
        # Called with the store lock held: only queue work here.
        if ev.gr in _WATCHED or ev.type == "DELETED" or \
                (ev.obj.get("metadata") or {}).get("ownerReferences"):
            self.q.put(ev)

    def _run(self):
        last_full = 0.0
        while not self.stop_ev.is_set():
            try:
                first = self.q.get(timeout=1.0)
            except queue.Empty:
                first = None
            batch = [first] if first is not None else []
            while True:
                try:
                    e = self.q.get_nowait()
                except queue.Empty:
                    break
                if e is not None:
                    batch.append(e)
            if self.stop_ev.is_set():
                return
            try:
                with self.store.lock:
                    if self.store.closed:
                        return
                    self._handle_events(batch)
                    full = time.monotonic() - last_full > 2.0
                    if full or any(ev.gr in _WATCHED for ev in batch):
                        self.reconcile()
                        last_full = time.monotonic()
            except Exception:  # noqa: BLE001 - a controller bug must not kill the simulator
                self.errors += 1
                import traceback
                traceback.print_exc()

    # ------------------------------------------------------------ events
    def _handle_events(self, batch):
        for ev in batch:
            md = ev.obj.get("metadata") or {}
            if ev.type == "DELETED":
                if self.gc:
                    self._collect_dependents(md.get("uid"))
                if ev.gr == PODS:
                    self._teardown_pod(ev.obj)
            elif ev.type == "ADDED" and ev.gr == NAMESPACES:
                self._namespace_defaults(ev.obj)
            if ev.type != "DELETED" and self.gc and md.get("ownerReferences"):
                self._check_dangling(ev.gr, ev.obj)

    def _collect_dependents(self, uid):
        if not uid:
            return
        for gr, key in self.store.dependents(uid):
            d = self.store.get(gr, key[0], key[1])
            if d is not None:
                self._check_dangling(gr, d)

    def _check_dangling(self, gr, obj):
        md = obj["metadata"]
        refs = md.get("ownerReferences") or []
        if not refs or md.get("deletionTimestamp"):
            return
        if any(self.store.find_uid(r.get("uid")) for r in refs):
            return
        self.api.delete_internal(gr, md.get("namespace") or "", md["name"])

    def _namespace_defaults(self, ns_obj):
        ns = ns_obj["metadata"]["name"]
        if ns_obj["metadata"].get("deletionTimestamp"):
            return
        if self.store.get(SAS, ns, "default") is None:
            self.api.create_internal(SAS, {"apiVersion": "v1", "kind": "ServiceAccount",
                                           "metadata": {"name": "default", "namespace": ns}})
        if self.ca_pem and self.store.get(CMS, ns, "kube-root-ca.crt") is None:
            self.api.create_internal(CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                           "metadata": {"name": "kube-root-ca.crt",
                                                        "namespace": ns},
                                           "data": {"ca.crt": self.ca_pem}})

    # ------------------------------------------------------------ full pass
    def reconcile(self):
        self._namespaces()
        self._pvs()
        self._pvcs()
        self._snapshots()
        self._pods()

    def _objs(self, gr, ns=None):
        return [e.obj for _, e in self.store.iter_entries(gr, ns)]

    def _put(self, gr, obj):
        return self.api.put_internal(gr, obj)

    def _remove_finalizer(self, gr, obj, fin):
        fins = obj["metadata"].get("finalizers") or []
        if fin not in fins:
            return obj
        n = deep(obj)
        n["metadata"]["finalizers"] = [f for f in fins if f != fin]
        if not n["metadata"]["finalizers"]:
            del n["metadata"]["finalizers"]
        return self._put(gr, n)

    # ------------------------------------------------------------ namespaces
    def _namespaces(self):
        for ns_obj in self._objs(NAMESPACES):
            if not ns_obj["metadata"].get("deletionTimestamp"):
                continue
            ns = ns_obj["metadata"]["name"]
            left = 0
            for rt in list(self.api.registry.types.values()):
                if not rt.namespaced:
                    continue
                for key, e in list(self.store.iter_entries(rt.key, ns)):
                    left += 1
                    self.api.delete_internal(rt.key, ns, key[1])
            # Pods go first; the next pass then releases PVC protection, and so on.
            if left == 0:
                self.store.delete(NAMESPACES, "", ns)
            else:
                self.q.put(None)

    # ------------------------------------------------------------ volumes
    def _pv_backing(self, pv):
        spec = pv.get("spec") or {}
        if spec.get("csi") and spec["csi"].get("driver") == self.driver:
            return os.path.join(self.layout["csi"], spec["csi"]["volumeHandle"])
        if spec.get("hostPath"):
            return _safe_join(self.layout["node"], spec["hostPath"].get("path"))
        if spec.get("local"):
            return _safe_join(self.layout["node"], spec["local"].get("path"))
        return None

    def _pvs(self):
        for pv in self._objs(PVS):
            md, spec = pv["metadata"], pv.get("spec") or {}
            phase = (pv.get("status") or {}).get("phase")
            if md.get("deletionTimestamp"):
                if PV_PROTECTION in (md.get("finalizers") or []) and phase != "Bound":
                    self._remove_finalizer(PVS, pv, PV_PROTECTION)
                continue
            backing = self._pv_backing(pv)
            if backing and (spec.get("csi") or (spec.get("hostPath") or {}).get("type") in (
                    "DirectoryOrCreate",)) and not os.path.isdir(backing):
                os.makedirs(backing, exist_ok=True)
            ref = spec.get("claimRef")
            if not ref:
                if phase != "Available":
                    self._set_phase(PVS, pv, "Available")
                continue
            pvc = self.store.get(PVCS, ref.get("namespace") or "", ref.get("name") or "")
            if pvc is None or (ref.get("uid") and pvc["metadata"]["uid"] != ref["uid"]):
                if ref.get("uid"):
                    self._release(pv)
                elif phase != "Available":
                    self._set_phase(PVS, pv, "Available")
                continue
            if (pvc.get("spec") or {}).get("volumeName") in (None, "", md["name"]):
                if phase != "Bound" or not ref.get("uid") or \
                        (pvc.get("status") or {}).get("phase") != "Bound":
                    self._bind(pv, pvc)

    def _set_phase(self, gr, obj, phase, **extra):
        n = deep(obj)
        st = n.setdefault("status", {})
        st["phase"] = phase
        st.update(extra)
        return self._put(gr, n)

    def _release(self, pv):
        spec = pv.get("spec") or {}
        policy = spec.get("persistentVolumeReclaimPolicy", "Retain")
        if (pv.get("status") or {}).get("phase") != "Released":
            pv = self._set_phase(PVS, pv, "Released")
        if pv is not None and policy == "Delete":
            backing = self._pv_backing(pv)
            if spec.get("csi") and backing and os.path.isdir(backing):
                shutil.rmtree(backing, ignore_errors=True)
            self.api.delete_internal(PVS, "", pv["metadata"]["name"])

    def _bind(self, pv, pvc):
        pvn = deep(pv)
        ref = pvn["spec"].get("claimRef") or {}
        if not ref.get("uid"):
            pvn["spec"]["claimRef"] = {
                "kind": "PersistentVolumeClaim", "apiVersion": "v1",
                "namespace": pvc["metadata"]["namespace"], "name": pvc["metadata"]["name"],
                "uid": pvc["metadata"]["uid"],
                "resourceVersion": pvc["metadata"]["resourceVersion"]}
            if not ref:
                pvn["metadata"].setdefault("annotations", {})[
                    "pv.kubernetes.io/bound-by-controller"] = "yes"
        pvn.setdefault("status", {})["phase"] = "Bound"
        self._put(PVS, pvn)
        c = deep(pvc)
        ann = c["metadata"].setdefault("annotations", {})
        if not c["spec"].get("volumeName"):
            c["spec"]["volumeName"] = pv["metadata"]["name"]
            ann["pv.kubernetes.io/bound-by-controller"] = "yes"
        ann["pv.kubernetes.io/bind-completed"] = "yes"
        c["status"] = {"phase": "Bound", "accessModes": pv["spec"].get("accessModes", []),
                       "capacity": pv["spec"].get("capacity", {})}
        self._put(PVCS, c)

    def _pvcs(self):
        used = self._pvcs_in_use()
        for pvc in self._objs(PVCS):
            md, spec = pvc["metadata"], pvc.get("spec") or {}
            ns = md["namespace"]
            phase = (pvc.get("status") or {}).get("phase")
            if md.get("deletionTimestamp"):
                if (ns, md["name"]) not in used:
                    self._remove_finalizer(PVCS, pvc, PVC_PROTECTION)
                continue
            if phase == "Bound":
                pv = self.store.get(PVS, "", spec.get("volumeName") or "")
                if pv is None:
                    self._set_phase(PVCS, pvc, "Lost")
                continue
            if phase == "Lost":
                continue
            if spec.get("volumeName"):
                pv = self.store.get(PVS, "", spec["volumeName"])
                if pv is not None:
                    ref = pv["spec"].get("claimRef")
                    if not ref or (ref.get("namespace"), ref.get("name")) == (ns, md["name"]) \
                            and ref.get("uid") in (None, "", md["uid"]):
                        self._bind(pv, pvc)
                continue
            pv = self._find_static(pvc)
            if pv is not None:
                self._bind(pv, pvc)
                continue
            sc_name = spec.get("storageClassName")
            sc = self.store.get(SCS, "", sc_name) if sc_name else None
            if sc is None or sc.get("provisioner") != self.driver:
                continue
            if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and \
                    (ns, md["name"]) not in used:
                continue
            self._provision(pvc, sc)

    def _pvcs_in_use(self):
        used = set()
        for pod in self._objs(PODS):
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            for v in (pod.get("spec") or {}).get("volumes") or []:
                c = v.get("persistentVolumeClaim")
                if c and c.get("claimName"):
                    used.add((pod["metadata"]["namespace"], c["claimName"]))
        return used

    def _find_static(self, pvc):
        spec = pvc.get("spec") or {}
        want = parse_quantity(((spec.get("resources") or {}).get("requests") or {}).get(
            "storage", "0"))
        modes = set(spec.get("accessModes") or [])
        sc = spec.get("storageClassName") or ""
        best = None
        for pv in self._objs(PVS):
            ps = pv.get("spec") or {}
            if pv["metadata"].get("deletionTimestamp"):
                continue
            if (pv.get("status") or {}).get("phase") not in (None, "Available", "Pending"):
                continue
            ref = ps.get("claimRef")
            if ref and ((ref.get("namespace"), ref.get("name")) != (
                    pvc["metadata"]["namespace"], pvc["metadata"]["name"])):
                continue
            if (ps.get("storageClassName") or "") != sc:
                continue
            if not modes <= set(ps.get("accessModes") or []):
                continue
            if ps.get("volumeMode", "Filesystem") != spec.get("volumeMode", "Filesystem"):
                continue
            sel = spec.get("selector")
            if sel:
                labels = pv["metadata"].get("labels") or {}
                if any(labels.get(k) != v for k, v in (sel.get("matchLabels") or {}).items()):
                    continue
            try:
                cap = parse_quantity((ps.get("capacity") or {}).get("storage", "0"))
            except ValueError:
                continue
            if cap < want:
                continue
            if ref:
                return pv
            if best is None or cap < best[0]:
                best = (cap, pv)
        return best[1] if best else None

    def _provision(self, pvc, sc):
        spec = pvc.get("spec") or {}
        md = pvc["metadata"]
        src = spec.get("dataSource") or spec.get("dataSourceRef")
        src_dir = None
        if src:
            if src.get("kind") == "VolumeSnapshot" and src.get("apiGroup") == SNAP_GROUP:
                vs = self.store.get(VS, md["namespace"], src.get("name", ""))
                if vs is None or not (vs.get("status") or {}).get("readyToUse"):
                    return  # waits, as the external-provisioner does
                vsc = self.store.get(VSC, "", vs["status"].get(
                    "boundVolumeSnapshotContentName", ""))
                handle = ((vsc or {}).get("status") or {}).get("snapshotHandle")
                if not handle:
                    return
                src_dir = os.path.join(self.layout["snapshots"], handle)
                if not os.path.isdir(src_dir):
                    return
            elif src.get("kind") == "PersistentVolumeClaim" and not src.get("apiGroup"):
                spvc = self.store.get(PVCS, md["namespace"], src.get("name", ""))
                spv = self.store.get(PVS, "", ((spvc or {}).get("spec") or {}).get(
                    "volumeName") or "")
                if spv is None:
                    return
                src_dir = self._pv_backing(spv)
            else:
                return  # populators are not simulated
        handle = str(uuid.uuid4())
        backing = os.path.join(self.layout["csi"], handle)
        if src_dir:
            _copy_tree(src_dir, backing)
        else:
            os.makedirs(backing, exist_ok=True)
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        pv = {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pvc-" + md["uid"],
                         "annotations": {"pv.kubernetes.io/provisioned-by": self.driver},
                         "finalizers": [PV_PROTECTION]},
            "spec": {
                "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                "capacity": {"storage": size},
                "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1",
                             "namespace": md["namespace"], "name": md["name"],
                             "uid": md["uid"], "resourceVersion": md["resourceVersion"]},
                "csi": {"driver": self.driver, "volumeHandle": handle, "fsType": "ext4",
                        "volumeAttributes": {
                            "storage.kubernetes.io/csiProvisionerIdentity":
                                "lifeboat-sim-" + self.driver}},
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "storageClassName": sc["metadata"]["name"],
                "volumeMode": spec.get("volumeMode", "Filesystem"),
                "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "topology.hostpath.csi/node", "operator": "In",
                     "values": [self.node]}]}]}},
            },
        }
        if self.store.get(PVS, "", pv["metadata"]["name"]) is not None:
            return
        c = deep(pvc)
        c["metadata"].setdefault("annotations", {})[
            "volume.beta.kubernetes.io/storage-provisioner"] = self.driver
        c["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] = self.driver
        self._put(PVCS, c)
        pv = self.api.create_internal(PVS, pv)
        self._bind(pv, self.store.get(PVCS, md["namespace"], md["name"]))

    # ------------------------------------------------------------ snapshots
    def _snapshots(self):
        if self.api.registry.types.get(VS) is None or \
                self.api.registry.types.get(VSC) is None:
            return
        for vsc in self._objs(VSC):
            self._reconcile_content(vsc)
        for vs in self._objs(VS):
            self._reconcile_snapshot(vs)

    def _default_class(self, driver):
        for c in self._objs(VSCLASS):
            ann = c["metadata"].get("annotations") or {}
            if c.get("driver") == driver and \
                    ann.get("snapshot.storage.kubernetes.io/is-default-class") == "true":
                return c
        return None

    def _reconcile_content(self, vsc):
        md, spec = vsc["metadata"], vsc.get("spec") or {}
        st = vsc.get("status") or {}
        if spec.get("driver") != self.driver:
            return
        if md.get("deletionTimestamp"):
            if spec.get("deletionPolicy") == "Delete" and st.get("snapshotHandle"):
                shutil.rmtree(os.path.join(self.layout["snapshots"], st["snapshotHandle"]),
                              ignore_errors=True)
            ref = spec.get("volumeSnapshotRef") or {}
            vs = self.store.get(VS, ref.get("namespace") or "", ref.get("name") or "")
            if vs is None or vs["metadata"].get("uid") != ref.get("uid") or \
                    vs["metadata"].get("deletionTimestamp"):
                self._remove_finalizer(VSC, vsc, VSC_BOUND)
            return
        src = spec.get("source") or {}
        if src.get("snapshotHandle") and not st.get("snapshotHandle"):
            path = os.path.join(self.layout["snapshots"], src["snapshotHandle"])
            n = deep(vsc)
            ok = os.path.isdir(path)
            n["status"] = {"snapshotHandle": src["snapshotHandle"], "readyToUse": ok,
                           "creationTime": int(time.time() * 1e9),
                           "restoreSize": _dir_size(path) if ok else 0}
            if not ok:
                n["status"]["error"] = {"message": "snapshot %s not found on the simulated "
                                        "CSI driver" % src["snapshotHandle"],
                                        "time": now_rfc3339()}
            self._put(VSC, n)

    def _reconcile_snapshot(self, vs):
        md, spec = vs["metadata"], vs.get("spec") or {}
        st = vs.get("status") or {}
        ns = md["namespace"]
        if md.get("deletionTimestamp"):
            cname = st.get("boundVolumeSnapshotContentName")
            vsc = self.store.get(VSC, "", cname) if cname else None
            if vsc is not None and (vsc.get("spec") or {}).get("deletionPolicy") == "Delete":
                self.api.delete_internal(VSC, "", cname)
            self._remove_finalizer(VS, vs, VS_BOUND)
            return
        if st.get("readyToUse") and st.get("boundVolumeSnapshotContentName"):
            return
        src = spec.get("source") or {}
        if src.get("volumeSnapshotContentName"):
            vsc = self.store.get(VSC, "", src["volumeSnapshotContentName"])
            if vsc is None:
                return
            ref = (vsc.get("spec") or {}).get("volumeSnapshotRef") or {}
            if (ref.get("namespace"), ref.get("name")) != (ns, md["name"]):
                return self._snap_error(vs, "VolumeSnapshotContent %s is bound to a different "
                                        "snapshot" % src["volumeSnapshotContentName"])
            if not ref.get("uid"):
                n = deep(vsc)
                n["spec"]["volumeSnapshotRef"]["uid"] = md["uid"]
                n["metadata"].setdefault("finalizers", [])
                if VSC_BOUND not in n["metadata"]["finalizers"]:
                    n["metadata"]["finalizers"].append(VSC_BOUND)
                vsc = self._put(VSC, n)
            return self._snap_bound(vs, vsc)
        pvc_name = src.get("persistentVolumeClaimName")
        if not pvc_name:
            return
        cname = "snapcontent-" + md["uid"]
        vsc = self.store.get(VSC, "", cname)
        if vsc is None:
            pvc = self.store.get(PVCS, ns, pvc_name)
            if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
                return self._snap_error(vs, 'failed to get input parameters to create '
                                        'snapshot %s: "the PVC %s is not yet bound to a PV, '
                                        'will not attempt to take a snapshot"'
                                        % (md["name"], pvc_name))
            pv = self.store.get(PVS, "", pvc["spec"].get("volumeName") or "")
            csi = ((pv or {}).get("spec") or {}).get("csi") or {}
            if csi.get("driver") != self.driver:
                return self._snap_error(vs, "cannot find CSI PersistentVolumeSource for volume "
                                        "%s" % pvc["spec"].get("volumeName"))
            cls_name = spec.get("volumeSnapshotClassName")
            cls = self.store.get(VSCLASS, "", cls_name) if cls_name else \
                self._default_class(self.driver)
            if cls is None:
                return self._snap_error(vs, "failed to get snapshot class with error "
                                        "volumesnapshotclass.snapshot.storage.k8s.io \"%s\" "
                                        "not found" % (cls_name or ""))
            if not cls_name:
                n = deep(vs)
                n["spec"]["volumeSnapshotClassName"] = cls["metadata"]["name"]
                vs = self._put(VS, n)
            handle = str(uuid.uuid4())
            src_dir = os.path.join(self.layout["csi"], csi["volumeHandle"])
            dst = os.path.join(self.layout["snapshots"], handle)
            _copy_tree(src_dir, dst)
            vsc = self.api.create_internal(VSC, {
                "apiVersion": SNAP_GROUP + "/v1", "kind": "VolumeSnapshotContent",
                "metadata": {"name": cname, "finalizers": [VSC_BOUND]},
                "spec": {"deletionPolicy": cls.get("deletionPolicy", "Delete"),
                         "driver": self.driver,
                         "source": {"volumeHandle": csi["volumeHandle"]},
                         "volumeSnapshotClassName": cls["metadata"]["name"],
                         "volumeSnapshotRef": {
                             "apiVersion": SNAP_GROUP + "/v1", "kind": "VolumeSnapshot",
                             "name": md["name"], "namespace": ns, "uid": md["uid"],
                             "resourceVersion": vs["metadata"]["resourceVersion"]}}})
            n = deep(vsc)
            n["status"] = {"creationTime": int(time.time() * 1e9), "readyToUse": True,
                           "restoreSize": parse_quantity(
                               (pv["spec"].get("capacity") or {}).get("storage", "0")),
                           "snapshotHandle": handle}
            vsc = self._put(VSC, n)
        self._snap_bound(vs, vsc, pvc_name)

    def _snap_bound(self, vs, vsc, pvc_name=None):
        vst = (vsc.get("status") or {})
        n = deep(vs)
        fins = n["metadata"].setdefault("finalizers", [])
        if VS_BOUND not in fins:
            fins.append(VS_BOUND)
        size = None
        if pvc_name:
            pvc = self.store.get(PVCS, vs["metadata"]["namespace"], pvc_name)
            size = (((pvc or {}).get("status") or {}).get("capacity") or {}).get("storage")
        if size is None:
            size = str(vst.get("restoreSize", 0))
        ct = vst.get("creationTime")
        n["status"] = {"boundVolumeSnapshotContentName": vsc["metadata"]["name"],
                       "readyToUse": bool(vst.get("readyToUse")),
                       "restoreSize": size,
                       "creationTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(
                           ct / 1e9)) if ct else now_rfc3339()}
        if vst.get("error"):
            n["status"]["error"] = vst["error"]
        if n != vs:
            self._put(VS, n)

    def _snap_error(self, vs, msg):
        st = vs.get("status") or {}
        if (st.get("error") or {}).get("message") == msg:
            return
        n = deep(vs)
        n["status"] = {"readyToUse": False, "error": {"message": msg, "time": now_rfc3339()}}
        self._put(VS, n)

    # ------------------------------------------------------------ kubelet
    def _pods(self):
        for pod in self._objs(PODS):
            md, spec = pod["metadata"], pod.get("spec") or {}
            st = pod.get("status") or {}
            if md.get("deletionTimestamp"):
                continue
            if st.get("phase") in ("Running", "Succeeded", "Failed"):
                continue
            if spec.get("nodeName") and spec["nodeName"] != self.node:
                continue
            problem = self._pod_volume_problem(pod)
            if problem:
                if (st.get("conditions") or [{}])[0].get("message") != problem:
                    n = deep(pod)
                    n["status"]["conditions"] = [{
                        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                        "message": "0/1 nodes are available: " + problem,
                        "lastProbeTime": None, "lastTransitionTime": now_rfc3339()}]
                    self._put(PODS, n)
                continue
            self._start_pod(pod)

    def _pod_volume_problem(self, pod):
        ns = pod["metadata"]["namespace"]
        for v in (pod.get("spec") or {}).get("volumes") or []:
            c = v.get("persistentVolumeClaim")
            if not c:
                continue
            pvc = self.store.get(PVCS, ns, c.get("claimName", ""))
            if pvc is None:
                return '1 persistentvolumeclaim "%s" not found.' % c.get("claimName")
            if (pvc.get("status") or {}).get("phase") != "Bound":
                return "1 pod has unbound immediate PersistentVolumeClaims."
        return None

    def pod_dir(self, uid):
        return os.path.join(self.layout["kubelet"], "pods", uid)

    def _start_pod(self, pod):
        md, spec = pod["metadata"], pod.get("spec") or {}
        ns = md["namespace"]
        base = os.path.join(self.pod_dir(md["uid"]), "volumes")
        for v in spec.get("volumes") or []:
            name = v.get("name")
            if v.get("persistentVolumeClaim"):
                pvc = self.store.get(PVCS, ns, v["persistentVolumeClaim"]["claimName"])
                pv = self.store.get(PVS, "", pvc["spec"].get("volumeName") or "")
                if pv is None:
                    continue
                ps = pv.get("spec") or {}
                target = self._pv_backing(pv)
                if target and not os.path.isdir(target):
                    os.makedirs(target, exist_ok=True)
                if ps.get("csi") and ps["csi"].get("driver") == self.driver:
                    d = os.path.join(base, "kubernetes.io~csi", pv["metadata"]["name"])
                    os.makedirs(d, exist_ok=True)
                    with open(os.path.join(d, "vol_data.json"), "w") as f:
                        json.dump({"driverName": self.driver,
                                   "specVolID": pv["metadata"]["name"],
                                   "volumeHandle": ps["csi"]["volumeHandle"],
                                   "attachmentID": "", "volumeLifecycleMode": "Persistent"},
                                  f)
                    _symlink(target, os.path.join(d, "mount"))
                elif ps.get("local"):
                    d = os.path.join(base, "kubernetes.io~local-volume")
                    os.makedirs(d, exist_ok=True)
                    _symlink(target, os.path.join(d, pv["metadata"]["name"]))
                # hostPath PVs are used in place by the kubelet: nothing under the pod.
            elif "emptyDir" in v:
                os.makedirs(os.path.join(base, "kubernetes.io~empty-dir", name), exist_ok=True)
            elif v.get("configMap") or v.get("secret"):
                kind = "configmap" if v.get("configMap") else "secret"
                src = v.get("configMap") or v.get("secret")
                obj = self.store.get(CMS if kind == "configmap" else ("", "secrets"), ns,
                                     src.get("name") or src.get("secretName") or "")
                d = os.path.join(base, "kubernetes.io~" + kind, name)
                os.makedirs(d, exist_ok=True)
                for key, val in ((obj or {}).get("data") or {}).items():
                    if kind == "secret":
                        import base64
                        raw = base64.b64decode(val)
                    else:
                        raw = val.encode()
                    with open(os.path.join(d, os.path.basename(key)), "wb") as f:
                        f.write(raw)
        n = deep(pod)
        n["spec"]["nodeName"] = self.node
        t = now_rfc3339()
        self._ip = self._ip + 1 if self._ip < 250 else 10
        n["status"] = {
            "phase": "Running", "qosClass": (pod.get("status") or {}).get("qosClass",
                                                                         "BestEffort"),
            "hostIP": "10.0.0.10", "podIP": "10.244.0.%d" % self._ip,
            "podIPs": [{"ip": "10.244.0.%d" % self._ip}], "startTime": t,
            "conditions": [{"type": c, "status": "True", "lastProbeTime": None,
                            "lastTransitionTime": t}
                           for c in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "containerStatuses": [{
                "name": c.get("name"), "ready": True, "restartCount": 0, "started": True,
                "image": c.get("image"), "imageID": "", "containerID":
                    "containerd://" + uuid.uuid4().hex + uuid.uuid4().hex,
                "state": {"running": {"startedAt": t}}, "lastState": {}}
                for c in spec.get("containers") or []],
        }
        self._put(PODS, n)

    def _teardown_pod(self, pod):
        uid = (pod.get("metadata") or {}).get("uid")
        if uid:
            shutil.rmtree(self.pod_dir(uid), ignore_errors=True)


def _symlink(target, link):
    try:
        if os.path.islink(link) or os.path.exists(link):
            if os.path.islink(link) and os.readlink(link) == target:
                return
            if os.path.isdir(link) and not os.path.islink(link):
                shutil.rmtree(link)
            else:
                os.unlink(link)
        os.symlink(target, link)
    except OSError:
        pass
