#!/usr/bin/python3
"""A minimal OTLP/HTTP JSON receiver, for tests and benchmarks.

    otlp-receiver.py [--port N] [--record FILE] [--hang] [--count-only]

Listens on 127.0.0.1 (port 0 picks a free one; the line
``listening on http://127.0.0.1:PORT`` tells which), answers every POST
with 200 ``{}`` and counts the spans of each export; with --record, appends
each decoded export as one JSON line to FILE. With --hang it reads the
request and never answers: a collector that is down in the worst way.
With --count-only it does not decode, only counts ``"spanId"`` in the body:
in benchmarks the receiver shares a CPU with the load generator.
SIGTERM or SIGINT prints ``spans=N exports=M`` and exits.

SPDX-License-Identifier: MIT
"""
import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port=0, hang=False, record=None, count_only=False):
        super().__init__(("127.0.0.1", port), Handler)
        self.hang = hang
        self.count_only = count_only
        self.record = record
        self.lock = threading.Lock()
        self.exports = []         # decoded bodies
        self.requests = []        # (path, headers)
        self.span_count = 0
        self.stop_hanging = threading.Event()

    def spans(self):
        with self.lock:
            return [span for export in self.exports
                    for resource in export.get("resourceSpans", [])
                    for scope in resource.get("scopeSpans", [])
                    for span in scope.get("spans", [])]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        server = self.server
        if server.hang:
            server.stop_hanging.wait(600)
            return
        if server.count_only:
            with server.lock:
                server.span_count += body.count(b'"spanId"')
                server.exports.append(None)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        try:
            export = json.loads(body)
        except ValueError:
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        count = sum(len(scope.get("spans", [])) for resource in export.get("resourceSpans", [])
                    for scope in resource.get("scopeSpans", []))
        with server.lock:
            server.exports.append(export)
            server.requests.append((self.path, dict(self.headers)))
            server.span_count += count
            if server.record:
                with open(server.record, "a") as out:
                    out.write(json.dumps(export) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--record")
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--count-only", action="store_true")
    args = parser.parse_args()
    receiver = Receiver(args.port, args.hang, args.record, args.count_only)
    print(f"listening on http://127.0.0.1:{receiver.server_address[1]}", file=sys.stderr, flush=True)

    def stop(*_):
        print(f"spans={receiver.span_count} exports={len(receiver.exports)}", file=sys.stderr, flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
