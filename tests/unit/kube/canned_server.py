#!/usr/bin/python3
"""Canned HTTP answers for the kube client's unit tests.

usage: canned_server.py ROUTES.json LOG.jsonl
Prints the port on stdout (first line), then serves on 127.0.0.1 until killed.
ROUTES is a JSON list of {"method": "GET", "path": "/version?x=y" (exact, with query) or
"prefix": "/api", "responses": [{"status": 200, "headers": {...}, "body": <json or str>}]}.
Responses are used in order; the last one repeats. Every request is logged as one JSON line
{method, path, authorization, content_type, body}.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

routes = json.load(open(sys.argv[1]))
log = open(sys.argv[2], "a", buffering=1)
counters = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        log.write(json.dumps({"method": self.command, "path": self.path,
                              "authorization": self.headers.get("Authorization", ""),
                              "content_type": self.headers.get("Content-Type", ""),
                              "body": body}) + "\n")
        for i, r in enumerate(routes):
            if r.get("method", self.command) != self.command:
                continue
            if "path" in r and r["path"] != self.path:
                continue
            if "prefix" in r and not self.path.startswith(r["prefix"]):
                continue
            k = counters.get(i, 0)
            counters[i] = k + 1
            resp = r["responses"][min(k, len(r["responses"]) - 1)]
            break
        else:
            resp = {"status": 404, "body": {"kind": "Status", "apiVersion": "v1",
                                            "status": "Failure", "reason": "NotFound",
                                            "message": "no canned answer for " + self.path,
                                            "code": 404}}
        b = resp.get("body", "")
        if not isinstance(b, str):
            b = json.dumps(b)
        if resp.get("stream"):
            # watch: each element of body (a list) is one line, then close
            self.send_response(resp.get("status", 200))
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            for ev in resp["body"]:
                self.wfile.write((json.dumps(ev) + "\n").encode())
                self.wfile.flush()
            self.close_connection = True
            return
        data = b.encode()
        self.send_response(resp.get("status", 200))
        self.send_header("Content-Type", "application/json")
        for k, v in resp.get("headers", {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
