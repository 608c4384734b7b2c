#!/usr/bin/env python3
"""A misbehaving API server for the integration tests: every request gets the answer of MODE.

Usage: hostile_server.py MODE PORT_FILE. Listens on a free loopback port and writes
"http://127.0.0.1:PORT" to PORT_FILE. Modes:
  deep           200 KB of '[' as a JSON answer
  huge           a JSON answer of 1 GB, generated on the fly (Content-Length sent)
  endless        a chunked JSON answer that never ends
  paging         pages of one contact forever, claiming totalElements 5*10^11 and last:false
  echo-auth      401 whose message repeats the request's Authorization header (a bad proxy)
  echo-key       400 whose message repeats the bare key of the Authorization header, after a
                 terminal escape sequence and a CR
  control        200 with a contact whose name holds terminal escape sequences and a CR, and one
                 whose name is Latin-1 (not UTF-8)
"""
import http.server
import json
import socketserver
import sys

MODE = sys.argv[1]
PORT_FILE = sys.argv[2]

CONTACT = {
    "id": "be9475f4-ef80-442b-8ab9-3ab8b1a2aeb9", "version": 1,
    "roles": {"customer": {"number": 10001}},
    "company": {"name": "Muster GmbH"},
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        try:
            if MODE == "deep":
                self.send_json(200, "[" * 200_000)
            elif MODE == "huge":
                total = 1 << 30
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(total))
                self.end_headers()
                chunk = b" " * (1 << 20)
                for _ in range(total >> 20):
                    self.wfile.write(chunk)
            elif MODE == "endless":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b" " * 65536
                piece = b"%x\r\n%s\r\n" % (len(chunk), chunk)
                while True:
                    self.wfile.write(piece)
            elif MODE == "paging":
                page = {"content": [CONTACT], "totalElements": 500_000_000_000, "totalPages":
                        500_000_000_000, "last": False, "first": False, "size": 1, "number": 0}
                self.send_json(200, json.dumps(page))
            elif MODE == "echo-auth":
                auth = self.headers.get("Authorization", "")
                self.send_json(401, json.dumps({"message": "Unauthorized: " + auth}))
            elif MODE == "echo-key":
                key = self.headers.get("Authorization", "").split(" ")[-1]
                self.send_json(400, json.dumps({"message": "\x1b[2J\rrejected key " + key}))
            elif MODE == "control":
                contact = dict(CONTACT)
                contact["company"] = {"name": "Evil\x1b[2J\x1b]0;owned\x07 Corp\rX"}
                latin1 = dict(CONTACT, id="0b4c1a8e-58a4-4c0e-9d36-3f2b8a1c9e77")
                latin1["company"] = {"name": "LATIN1"}
                page = {"content": [contact, latin1], "totalElements": 2, "totalPages": 1,
                        "last": True, "first": True, "size": 250, "number": 0}
                body = json.dumps(page).encode().replace(b"LATIN1", b"M\xfcller GmbH")
                self.send_json(200, body)
            else:
                self.send_json(500, "{}")
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_DELETE = answer


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


with Server(("127.0.0.1", 0), Handler) as httpd:
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write("http://127.0.0.1:%d\n" % httpd.server_address[1])
    import os
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    httpd.serve_forever()
