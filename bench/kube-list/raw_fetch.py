#!/usr/bin/python3
"""The same pages as kube_list_bench, fetched by a minimal client: http.client with one
keep-alive connection and json.loads per page. usage: raw_fetch.py URL NAMESPACE PAGE_SIZE"""
import http.client
import json
import sys
import time
import urllib.parse

url, ns, page = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlsplit(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
n = pages = 0
cont = ""
t0 = time.perf_counter()
while True:
    q = "limit=%d" % page + ("&continue=" + urllib.parse.quote(cont) if cont else "")
    conn.request("GET", "/api/v1/namespaces/%s/configmaps?%s" % (ns, q))
    body = json.loads(conn.getresponse().read())
    n += len(body["items"])
    pages += 1
    cont = body["metadata"].get("continue") or ""
    if not cont:
        break
dt = time.perf_counter() - t0
print(json.dumps({"items": n, "pages": pages, "seconds": round(dt, 3),
                  "objects_per_s": round(n / dt)}))
