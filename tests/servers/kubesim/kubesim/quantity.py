"""Kubernetes resource quantities ("1Gi", "500M", "1.5") to numbers."""
import re

_SUFFIX = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
           "m": 10**-3}
_RE = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+)?([A-Za-z]*)$")


def parse_quantity(q):
    if q is None:
        return 0
    if isinstance(q, (int, float)):
        return q
    m = _RE.match(str(q).strip())
    if not m:
        raise ValueError("quantities must match the regular expression "
                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    num = float(m.group(1))
    if m.group(2):
        num *= 10 ** int(m.group(2)[1:])
    suf = m.group(3)
    if suf not in _SUFFIX:
        raise ValueError("unable to parse quantity's suffix")
    v = num * _SUFFIX[suf]
    return int(v) if v == int(v) else v
