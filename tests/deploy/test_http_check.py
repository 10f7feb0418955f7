#!/usr/bin/python3
"""deploy/container/casewatch-http-check (the feed's container health check)
against a local HTTP server on loopback: 200 -> 0, 503 -> 1, nothing
listening -> 1, a server that never answers -> 1 within its 5 s limit.

usage: test_http_check.py SOURCE_DIR"""
import http.server
import os
import socket
import subprocess
import sys
import threading
import time

CHECK = os.path.join(sys.argv[1], "deploy/container/casewatch-http-check")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = {"/healthz": 200, "/readyz": 503}.get(self.path, 404)
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"ok\n" if code == 200 else b"no\n")

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(1)
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
closed_port = closed.getsockname()[1]
closed.close()


def check(path, p):
    t = time.time()
    r = subprocess.run([CHECK, path, str(p), "127.0.0.1"], capture_output=True, text=True,
                       timeout=20)
    return r.returncode, (r.stdout + r.stderr).strip(), time.time() - t


cases = [("/healthz", port, 0), ("/readyz", port, 1), ("/nothing", port, 1),
         ("/healthz", closed_port, 1), ("/healthz", silent.getsockname()[1], 1)]
failed = 0
for path, p, want in cases:
    rc, out, dt = check(path, p)
    good = rc == want and dt < 8
    failed += not good
    print(f"{'ok' if good else 'FAIL'}: {path} on port {p}: exit {rc} (want {want}) "
          f"in {dt:.1f}s {out!r}")
srv.shutdown()
print(f"{len(cases) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
