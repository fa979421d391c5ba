#!/usr/bin/python3
"""Fault-injecting HTTP proxy for the S3 plugin tests (stdlib only, 127.0.0.1).

Forwards every request to UPSTREAM unchanged (the Host header too, so SigV4 signatures made
for the proxy's address stay valid) and injects faults by request number n (1-based):
  --slowdown K   every K-th request gets 503 SlowDown (K=1: all of them)
  --reset K      every K-th request: the connection is reset without an answer
  --cut K        every K-th GET answered 200: half the body, then a reset
  --match S      faults only for requests whose path+query contains S (e.g. partNumber)
  --tls-cert C --tls-key K   serve HTTPS (to test caCert / insecureSkipTLSVerify)
Logs one line per request to --log: "n METHOD PATH ACTION".
Usage: faultproxy.py --port P --upstream http://127.0.0.1:7480 [faults] --log FILE
"""
import argparse
import http.client
import socket
import ssl
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

SLOWDOWN = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
            b'<Message>Please reduce your request rate.</Message></Error>')


class State:
    lock = threading.Lock()
    n = 0
    args = None
    log = None


def rst(sock):
    # SO_LINGER 0: close sends a TCP reset instead of a FIN
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    sock.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *a):
        pass

    def record(self, n, action):
        with State.lock:
            State.log.write('%d %s %s %s\n' % (n, self.command, self.path, action))
            State.log.flush()

    def handle_any(self):
        a = State.args
        body = b''
        length = int(self.headers.get('Content-Length') or 0)
        while len(body) < length:
            chunk = self.rfile.read(min(1 << 20, length - len(body)))
            if not chunk:
                break
            body += chunk
        with State.lock:
            State.n += 1
            n = State.n
        eligible = a.match is None or a.match in self.path
        if eligible and a.reset and n % a.reset == 0:
            self.record(n, 'reset')
            self.close_connection = True
            rst(self.connection)
            return
        if eligible and a.slowdown and n % a.slowdown == 0:
            self.record(n, '503-slowdown')
            self.send_response(503)
            self.send_header('Content-Type', 'application/xml')
            self.send_header('Content-Length', str(len(SLOWDOWN)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(SLOWDOWN)
            return
        up = urlsplit(a.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() in ('connection', 'keep-alive', 'proxy-connection'):
                continue
            conn.putheader(k, v)
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        cut = (eligible and a.cut and n % a.cut == 0 and self.command == 'GET'
               and resp.status == 200)
        self.record(n, 'cut' if cut else 'forward %d' % resp.status)
        self.send_response_only(resp.status, resp.reason)
        rlen = None
        for k, v in resp.getheaders():
            if k.lower() in ('connection', 'keep-alive', 'transfer-encoding'):
                continue
            if k.lower() == 'content-length':
                rlen = int(v)
            self.send_header(k, v)
        if rlen is None and self.command != 'HEAD':
            data = resp.read()
            rlen = len(data)
            self.send_header('Content-Length', str(rlen))
            self.end_headers()
            self.wfile.write(data)
            conn.close()
            return
        self.end_headers()
        if self.command == 'HEAD':
            conn.close()
            return
        sent, limit = 0, (rlen // 2 if cut else rlen)
        while sent < limit:
            chunk = resp.read(min(1 << 16, limit - sent))
            if not chunk:
                break
            self.wfile.write(chunk)
            sent += len(chunk)
        conn.close()
        if cut:
            self.wfile.flush()
            self.close_connection = True
            rst(self.connection)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--upstream', required=True)
    p.add_argument('--slowdown', type=int, default=0)
    p.add_argument('--reset', type=int, default=0)
    p.add_argument('--cut', type=int, default=0)
    p.add_argument('--match')
    p.add_argument('--log', default='/dev/stderr')
    p.add_argument('--tls-cert')
    p.add_argument('--tls-key')
    State.args = p.parse_args()
    State.log = open(State.args.log, 'a')
    srv = ThreadingHTTPServer(('127.0.0.1', State.args.port), Handler)
    srv.daemon_threads = True
    if State.args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(State.args.tls_cert, State.args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stderr.write('faultproxy on 127.0.0.1:%d\n' % State.args.port)
    sys.stderr.flush()
    srv.serve_forever()


if __name__ == '__main__':
    main()
