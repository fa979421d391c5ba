"""Kubernetes Status errors, shaped as kube-apiserver sends them."""


class ApiError(Exception):
    """An error that becomes a meta/v1 Status response."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        st = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            st["details"] = self.details
        return st


def _details(rt, name, **extra):
    d = {}
    if name:
        d["name"] = name
    if rt is not None:
        if rt.group:
            d["group"] = rt.group
        d["kind"] = rt.plural
    d.update(extra)
    return d


def qualified(rt):
    return rt.plural + ("." + rt.group if rt.group else "")


def not_found(rt, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (qualified(rt), name), _details(rt, name))


def namespace_not_found(ns):
    return ApiError(404, "NotFound", 'namespaces "%s" not found' % ns,
                    {"name": ns, "kind": "namespaces"})


def already_exists(rt, name):
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (qualified(rt), name),
                    _details(rt, name))


def conflict(rt, name, why="the object has been modified; please apply your changes to the "
             "latest version and try again"):
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": %s'
                    % (qualified(rt), name, why), _details(rt, name))


def invalid(rt, name, causes):
    """causes: list of (reason, field, message) where message is the full field error."""
    kind = rt.kind if rt is not None else ""
    msgs = [c[2] for c in causes]
    if len(msgs) == 1:
        joined = msgs[0]
    else:
        joined = "[" + ", ".join(msgs) + "]"
    d = {"name": name or "", "kind": kind,
         "causes": [{"reason": r, "message": _strip_field(f, m), "field": f}
                    for (r, f, m) in causes]}
    if rt is not None and rt.group:
        d["group"] = rt.group
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (kind, name or "", joined), d)


def _strip_field(field, msg):
    """Causes carry the field separately; their message is the part after "field: "."""
    pre = field + ": "
    return msg[len(pre):] if field and msg.startswith(pre) else msg


def field_invalid(field, value, detail):
    return ("FieldValueInvalid", field, '%s: Invalid value: %s: %s' % (field, _quote(value), detail))


def field_required(field, detail):
    return ("FieldValueRequired", field, "%s: Required value: %s" % (field, detail) if detail
            else "%s: Required value" % field)


def field_forbidden(field, detail):
    return ("FieldValueForbidden", field, "%s: Forbidden: %s" % (field, detail))


def field_duplicate(field, value):
    return ("FieldValueDuplicate", field, "%s: Duplicate value: %s" % (field, _quote(value)))


def _quote(v):
    if isinstance(v, str):
        return '"%s"' % v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (dict, list)):
        import json
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def forbidden(message, rt=None, name=None):
    return ApiError(403, "Forbidden", message, _details(rt, name) if rt is not None else None)


def method_not_allowed(rt=None):
    return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                    "requested resource", _details(rt, None) if rt is not None else None)


def unsupported_media(ctype, accepted):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types "
                    "include: " + ", ".join(accepted))


def gone(message):
    return ApiError(410, "Expired", message)


def internal(message):
    return ApiError(500, "InternalError", "Internal error occurred: " + message,
                    {"causes": [{"message": message}]})


def path_not_found():
    return ApiError(404, "NotFound", "the server could not find the requested resource",
                    {})


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")
