"""metav1.Status errors, as kube-apiserver writes them."""


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self):
        st = {"kind": "Status", "apiVersion": "v1", "metadata": {},
              "status": "Failure", "message": self.message,
              "reason": self.reason, "code": self.code}
        if self.details is not None:
            st["details"] = self.details
        return st


def _details(res, name, extra=None):
    d = {}
    if name:
        d["name"] = name
    if res.group:
        d["group"] = res.group
    d["kind"] = res.plural
    if extra:
        d.update(extra)
    return d


def not_found(res, name):
    qual = res.plural + ("." + res.group if res.group else "")
    return ApiError(404, "NotFound", '%s "%s" not found' % (qual, name),
                    _details(res, name))


def namespace_not_found(ns):
    return ApiError(404, "NotFound", 'namespaces "%s" not found' % ns,
                    {"name": ns, "kind": "namespaces"})


def already_exists(res, name):
    qual = res.plural + ("." + res.group if res.group else "")
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (qual, name),
                    _details(res, name))


def conflict(res, name):
    qual = res.plural + ("." + res.group if res.group else "")
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": the object has been '
                    'modified; please apply your changes to the latest version and '
                    'try again' % (qual, name), _details(res, name))


def invalid(res, name, causes):
    """causes: list of (field, reason, message-tail) e.g.
    ("metadata.name", "FieldValueInvalid", 'Invalid value: "X": ...')."""
    msgs = ["%s: %s" % (f, m) for f, _r, m in causes]
    if len(msgs) == 1:
        text = msgs[0]
    else:
        text = "[" + ", ".join(msgs) + "]"
    kind_name = res.kind + ("." + res.group if res.group else "")   # a GroupKind
    d = _details(res, name)
    d["kind"] = res.kind
    d["causes"] = [{"reason": r, "message": m, "field": f} for f, r, m in causes]
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (kind_name, name, text), d)


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def forbidden(res, name, why):
    qual = res.plural + ("." + res.group if res.group else "")
    return ApiError(403, "Forbidden", '%s "%s" is forbidden: %s' % (qual, name, why),
                    _details(res, name))


def method_not_allowed(message="the server does not allow this method on the requested resource"):
    return ApiError(405, "MethodNotAllowed", message)


def unsupported_media(ctype):
    return ApiError(415, "UnsupportedMediaType",
                    'the body of the request was in an unknown format - accepted media '
                    'types include: application/json-patch+json, application/merge-patch+json, '
                    'application/strategic-merge-patch+json' if ctype is None else
                    'the body of the request was in an unknown format: %s' % ctype)


def path_not_found():
    return ApiError(404, "NotFound", "the server could not find the requested resource",
                    {})


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")
