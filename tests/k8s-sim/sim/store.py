"""In-memory object store: objects indexed per resource and (namespace, name),
a global resourceVersion counter, an event log for watches, and an optional
JSON state file. Stored objects are never mutated in place: writers replace them."""
import bisect
import json
import os
import threading
import time

EVENT_LOG_MAX = 100000


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.rv = 1000
        self.objs = {}            # (group, plural) -> {(ns, name): obj}
        self._sorted = {}         # (group, plural) -> sorted list of (ns, name)
        self.events = []          # (rv, key, type, obj, previous obj or None)
        self.dependents = {}      # owner uid -> {(key, ns, name)} (ownerReferences index)
        self.events_base_rv = self.rv
        self.dirty = False

    def next_rv(self):
        self.rv += 1
        return self.rv

    def table(self, key):
        t = self.objs.get(key)
        if t is None:
            t = self.objs[key] = {}
        return t

    def get(self, key, ns, name):
        return self.objs.get(key, {}).get((ns or "", name))

    def put(self, key, obj, evtype):
        """Store obj (assigning a new resourceVersion) and record a watch event."""
        with self.lock:
            rv = self.next_rv()
            md = dict(obj.get("metadata") or {})
            md["resourceVersion"] = str(rv)
            obj = dict(obj)
            obj["metadata"] = md
            k = (md.get("namespace") or "", md["name"])
            t = self.table(key)
            prev = t.get(k)
            if prev is None:
                self._sorted.pop(key, None)
            t[k] = obj
            self._index_owners(key, k, prev, obj)
            self._event(rv, key, evtype, obj, prev)
            return obj

    def remove(self, key, ns, name):
        with self.lock:
            t = self.objs.get(key, {})
            old = t.pop((ns or "", name), None)
            if old is None:
                return None
            self._sorted.pop(key, None)
            rv = self.next_rv()
            md = dict(old["metadata"])
            md["resourceVersion"] = str(rv)
            gone = dict(old)
            gone["metadata"] = md
            self._index_owners(key, (ns or "", name), old, None)
            self._event(rv, key, "DELETED", gone, old)
            return gone

    def _index_owners(self, key, k, prev, new):
        a = [r.get("uid") for r in ((prev or {}).get("metadata") or {}).get("ownerReferences")
             or [] if isinstance(r, dict)]
        b = [r.get("uid") for r in ((new or {}).get("metadata") or {}).get("ownerReferences")
             or [] if isinstance(r, dict)]
        if not a and not b:
            return
        ent = (key, k[0], k[1])
        for uid in a:
            s = self.dependents.get(uid)
            if s is not None:
                s.discard(ent)
                if not s:
                    del self.dependents[uid]
        for uid in b:
            if uid:
                self.dependents.setdefault(uid, set()).add(ent)

    def drop_resource(self, key):
        with self.lock:
            t = self.objs.get(key, {})
            for (ns, name) in list(t):
                self.remove(key, ns, name)
            self.objs.pop(key, None)
            self._sorted.pop(key, None)

    def _event(self, rv, key, evtype, obj, prev=None):
        self.events.append((rv, key, evtype, obj, prev))
        if len(self.events) > EVENT_LOG_MAX:
            cut = len(self.events) - EVENT_LOG_MAX // 2
            self.events_base_rv = self.events[cut - 1][0]
            del self.events[:cut]
        self.dirty = True
        self.cond.notify_all()

    def sorted_keys(self, key):
        s = self._sorted.get(key)
        if s is None:
            s = self._sorted[key] = sorted(self.objs.get(key, {}))
        return s

    def scan(self, key, ns=None, after=None):
        """Yield objects of a resource in (namespace, name) order, optionally within one
        namespace and strictly after the key `after`."""
        keys = self.sorted_keys(key)
        t = self.objs.get(key, {})
        if ns is not None:
            lo = bisect.bisect_left(keys, (ns, ""))
            hi = bisect.bisect_left(keys, (ns + "\x00", ""))
        else:
            lo, hi = 0, len(keys)
        if after is not None:
            lo = max(lo, bisect.bisect_right(keys, tuple(after)))
        return keys, lo, hi, t

    def events_since(self, rv):
        """Index into self.events of the first event with rv > given; None if too old."""
        if rv < self.events_base_rv:
            return None
        lo, hi = 0, len(self.events)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.events[mid][0] <= rv:
                lo = mid + 1
            else:
                hi = mid
        return lo

    # persistence
    def save(self, path):
        with self.lock:
            data = {"rv": self.rv,
                    "objects": {"%s/%s" % k: list(t.values()) for k, t in self.objs.items()}}
            self.dirty = False
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, separators=(",", ":"))
        os.replace(tmp, path)

    def load(self, path):
        with open(path) as f:
            data = json.load(f)
        with self.lock:
            self.rv = int(data["rv"])
            self.events_base_rv = self.rv
            for k, items in data["objects"].items():
                g, p = k.rsplit("/", 1)
                t = self.table((g, p))
                for o in items:
                    md = o["metadata"]
                    k = (md.get("namespace") or "", md["name"])
                    t[k] = o
                    self._index_owners((g, p), k, None, o)
            self._sorted.clear()


def start_saver(store, path, interval=1.0):
    def loop():
        while True:
            time.sleep(interval)
            if store.dirty:
                try:
                    store.save(path)
                except OSError:
                    pass
    th = threading.Thread(target=loop, daemon=True)
    th.start()
    return th
