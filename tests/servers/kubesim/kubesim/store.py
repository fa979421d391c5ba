"""The object store: objects by type, one resourceVersion counter, an event log for watches,
and an optional journal on disk so the simulator can stop and start with its objects."""
import bisect
import json
import os
import threading

EVENT_LOG_MAX = 200000
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Entry:
    __slots__ = ("obj", "cache")

    def __init__(self, obj):
        self.obj = obj
        self.cache = {}

    def json(self, api_version):
        b = self.cache.get(api_version)
        if b is None:
            o = self.obj
            if o.get("apiVersion") != api_version:
                o = dict(o)
                o["apiVersion"] = api_version
            b = _dumps(o).encode()
            self.cache[api_version] = b
        return b


class Event:
    __slots__ = ("rv", "gr", "type", "obj", "old")

    def __init__(self, rv, gr, etype, obj, old):
        self.rv = rv
        self.gr = gr
        self.type = etype
        self.obj = obj
        self.old = old


def obj_key(obj):
    md = obj["metadata"]
    return (md.get("namespace") or "", md["name"])


class Store:
    def __init__(self, state_dir=None):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.rv = 0
        self.tables = {}  # (group, plural) -> {(ns, name): Entry}
        self._sorted = {}  # (group, plural) -> sorted list of keys, or missing when stale
        self.events = []
        self.events_base = 1  # rv of events[0]
        self.listeners = []
        self.by_uid = {}  # uid -> (gr, key)
        self.owners = {}  # owner uid -> set((gr, key))
        self.state_dir = state_dir
        self._journal = None
        self.closed = False
        if state_dir:
            os.makedirs(state_dir, exist_ok=True)
            self._load()
            self._compact()

    # ---- reading ----
    def table(self, gr):
        return self.tables.get(gr) or {}

    def get(self, gr, ns, name):
        e = self.table(gr).get((ns or "", name))
        return e.obj if e else None

    def entry(self, gr, ns, name):
        return self.table(gr).get((ns or "", name))

    def sorted_keys(self, gr):
        keys = self._sorted.get(gr)
        if keys is None:
            keys = sorted(self.table(gr))
            self._sorted[gr] = keys
        return keys

    def iter_entries(self, gr, ns=None, after=None):
        """Entries in key order (namespace, name); only namespace ns when given; only keys
        strictly after `after` when given."""
        keys = self.sorted_keys(gr)
        tbl = self.table(gr)
        if after is not None:
            i = bisect.bisect_right(keys, after)
        elif ns is not None:
            i = bisect.bisect_left(keys, (ns, ""))
        else:
            i = 0
        n = len(keys)
        while i < n:
            k = keys[i]
            if ns is not None and k[0] != ns:
                if k[0] > ns:
                    break
                i += 1
                continue
            e = tbl.get(k)
            if e is not None:
                yield k, e
            i += 1

    def count_after(self, gr, ns, key):
        keys = self.sorted_keys(gr)
        i = bisect.bisect_right(keys, key)
        j = bisect.bisect_left(keys, (ns + "\x00", "")) if ns is not None else len(keys)
        return max(0, j - i)

    def count(self, gr=None):
        if gr is not None:
            return len(self.table(gr))
        return sum(len(t) for t in self.tables.values())

    def find_uid(self, uid):
        return self.by_uid.get(uid)

    def dependents(self, uid):
        return list(self.owners.get(uid, ()))

    # ---- writing (callers hold self.lock) ----
    def _index(self, gr, key, obj, add):
        md = obj.get("metadata") or {}
        uid = md.get("uid")
        if uid:
            if add:
                self.by_uid[uid] = (gr, key)
            elif self.by_uid.get(uid) == (gr, key):
                del self.by_uid[uid]
        for ref in md.get("ownerReferences") or []:
            ou = ref.get("uid")
            if not ou:
                continue
            s = self.owners.get(ou)
            if add:
                if s is None:
                    s = self.owners[ou] = set()
                s.add((gr, key))
            elif s is not None:
                s.discard((gr, key))
                if not s:
                    del self.owners[ou]

    def next_rv(self):
        self.rv += 1
        return self.rv

    def put(self, gr, obj, journal=True):
        """Store obj (a fresh dict the store now owns) with a new resourceVersion. Returns the
        stored object."""
        with self.lock:
            key = obj_key(obj)
            tbl = self.tables.setdefault(gr, {})
            old = tbl.get(key)
            rv = self.next_rv()
            obj["metadata"]["resourceVersion"] = str(rv)
            if old is not None:
                self._index(gr, key, old.obj, False)
            else:
                self._sorted.pop(gr, None)
            tbl[key] = Entry(obj)
            self._index(gr, key, obj, True)
            self._emit(Event(rv, gr, "MODIFIED" if old else "ADDED", obj,
                             old.obj if old else None))
            if journal:
                self._write({"op": "put", "g": gr[0], "r": gr[1], "o": obj})
            return obj

    def delete(self, gr, ns, name, journal=True):
        with self.lock:
            key = (ns or "", name)
            tbl = self.tables.get(gr) or {}
            old = tbl.pop(key, None)
            if old is None:
                return None
            self._sorted.pop(gr, None)
            self._index(gr, key, old.obj, False)
            rv = self.next_rv()
            gone = dict(old.obj)
            gone["metadata"] = dict(gone["metadata"])
            gone["metadata"]["resourceVersion"] = str(rv)
            self._emit(Event(rv, gr, "DELETED", gone, old.obj))
            if journal:
                self._write({"op": "del", "g": gr[0], "r": gr[1], "ns": key[0], "n": name})
            return gone

    def drop_type(self, gr):
        """Remove every object of a type (a CRD went away), with DELETED events."""
        with self.lock:
            for (ns, name) in list(self.table(gr)):
                self.delete(gr, ns, name)

    def _emit(self, ev):
        if not self.events:
            self.events_base = ev.rv
        self.events.append(ev)
        if len(self.events) > 2 * EVENT_LOG_MAX:
            cut = len(self.events) - EVENT_LOG_MAX
            del self.events[:cut]
            self.events_base = self.events[0].rv
        for fn in self.listeners:
            fn(ev)
        self.cond.notify_all()

    def events_since(self, rv):
        """Events with resourceVersion > rv. Returns None when rv is older than the log."""
        if rv >= self.rv:
            return []
        if not self.events or rv + 1 < self.events_base:
            return None
        i = rv + 1 - self.events_base
        return self.events[i:]

    def oldest_rv(self):
        return self.events_base - 1 if self.events else self.rv

    # ---- persistence ----
    def _paths(self):
        return (os.path.join(self.state_dir, "objects.jsonl"),
                os.path.join(self.state_dir, "journal.jsonl"))

    def _load(self):
        snap, jpath = self._paths()
        maxrv = 0
        for path in (snap, jpath):
            if not os.path.exists(path):
                continue
            with open(path, encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        break  # a torn last line from a crash
                    if "rv" in rec and "op" not in rec:
                        maxrv = max(maxrv, rec["rv"])
                        continue
                    gr = (rec["g"], rec["r"])
                    if rec["op"] == "put":
                        o = rec["o"]
                        key = obj_key(o)
                        tbl = self.tables.setdefault(gr, {})
                        if key in tbl:
                            self._index(gr, key, tbl[key].obj, False)
                        tbl[key] = Entry(o)
                        self._index(gr, key, o, True)
                        maxrv = max(maxrv, int(o["metadata"].get("resourceVersion") or 0))
                    elif rec["op"] == "del":
                        old = self.tables.get(gr, {}).pop((rec["ns"], rec["n"]), None)
                        if old is not None:
                            self._index(gr, (rec["ns"], rec["n"]), old.obj, False)
                        maxrv = max(maxrv, rec.get("rv", 0))
        self.rv = maxrv
        self._sorted.clear()

    def _compact(self):
        snap, jpath = self._paths()
        tmp = snap + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps({"rv": self.rv}) + "\n")
            for gr, tbl in self.tables.items():
                for e in tbl.values():
                    f.write(_dumps({"op": "put", "g": gr[0], "r": gr[1], "o": e.obj}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, snap)
        if self._journal:
            self._journal.close()
        self._journal = open(jpath, "w", encoding="utf-8")

    def _write(self, rec):
        if self._journal is None:
            return
        if rec["op"] == "del":
            rec["rv"] = self.rv
        self._journal.write(_dumps(rec) + "\n")
        self._journal.flush()

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
            if self.state_dir:
                self._compact()
                self._journal.close()
                self._journal = None
            self.cond.notify_all()
