#!/usr/bin/env python3
"""soak-mix.py: a steady mix of stateful clients against one server, for
memory that grows with uptime (bench/README.md, "Mixed soak").

Starts SERVER (an example built with the library, by default
build-bench/examples/c/server-with-resources) with --stateful, a server
secret and a short --session-timeout, and runs THREADS client loops for
SECONDS. Every round of a loop is a new session of a new identity (a
bearer bundle with its own e-mail): initialize, subscribe to
notes://index, list tools and resources, call add_note (one of a few
titles, so the notebook stays small), cancel a request that is not
running, reconnect a GET stream with the Last-Event-ID of the call's
result, and then end the session with DELETE, or (every other round)
abandon it for the session timeout to reap. Prints the RSS of the server
every SAMPLE seconds and, at the end, a Markdown table.

Usage: soak-mix.py [--server PATH] [--seconds N] [--threads N]
                   [--sample N] [--session-timeout N]
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import b64url, free_port, proc_status  # noqa: E402

SECRET = "soak-server-secret"
ACCEPT = "application/json, text/event-stream"
counter = itertools.count()
stats = {"rounds": 0, "errors": 0}
lock = threading.Lock()


def bundle(email):
    now = int(time.time())
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"email": email, "sub": email, "iat": now, "exp": now + 6 * 3600}).encode())
    sig = hmac.new(b"soak-dev-key", f"{head}.{body}".encode(), hashlib.sha256).digest()
    data = {"server_secret": SECRET, "user_id_token": f"{head}.{body}.{b64url(sig)}",
            "connector_access_tokens": {"google": "soak"}, "user_email": email}
    return base64.b64encode(json.dumps(data).encode()).decode()


def events(body):
    """(id, JSON) of each SSE event of @body, or the one JSON answer."""
    text = body.decode()
    if text.startswith("{"):
        return [(None, json.loads(text))]
    out = []
    for block in text.split("\n\n"):
        eid, data = None, []
        for line in block.split("\n"):
            if line.startswith("id:"):
                eid = line[3:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if "".join(data):  # not a priming event (an id, empty data)
            out.append((eid, json.loads("\n".join(data))))
    return out


class Client:
    def __init__(self, port, email):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Authorization": "Bearer " + bundle(email), "Accept": ACCEPT,
                        "Content-Type": "application/json"}
        self.next_id = 1

    def post(self, method, params=None, notification=False):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if not notification:
            message["id"] = self.next_id
            self.next_id += 1
        self.conn.request("POST", "/mcp", json.dumps(message), self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method}: HTTP {response.status} {body[:200]!r}")
        session = response.getheader("Mcp-Session-Id")
        if session:
            self.headers["Mcp-Session-Id"] = session
            self.headers["MCP-Protocol-Version"] = "2025-11-25"
        return events(body) if body else []

    def get_stream(self, last_event_id):
        """Opens a GET stream (resuming after @last_event_id), reads what
        comes within a moment and drops the connection."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=0.3)
        lines = [f"GET /mcp HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in self.headers.items() if k != "Content-Type"]
        if last_event_id:
            lines.append(f"Last-Event-ID: {last_event_id}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            sock.recv(65536)
        except socket.timeout:
            pass
        sock.close()

    def delete(self):
        self.conn.request("DELETE", "/mcp", None, self.headers)
        self.conn.getresponse().read()


def round_trip(port, abandon):
    n = next(counter)
    client = Client(port, f"soak{n}@example.com")
    client.post("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                               "clientInfo": {"name": "soak", "version": "1"}})
    client.post("notifications/initialized", notification=True)
    client.post("resources/subscribe", {"uri": "notes://index"})
    client.post("tools/list")
    client.post("resources/list")
    result = client.post("tools/call", {"name": "add_note",
                                        "arguments": {"title": f"t{n % 8}", "text": "x" * (n % 200)}})
    client.post("notifications/cancelled", {"requestId": 999999, "reason": "soak"}, notification=True)
    last = next((eid for eid, _ in result if eid), None)
    client.get_stream(last)
    if not abandon:
        client.delete()
    client.conn.close()


def loop(port, deadline):
    abandon = False
    while time.monotonic() < deadline:
        try:
            round_trip(port, abandon)
            with lock:
                stats["rounds"] += 1
        except Exception as error:  # noqa: BLE001 (counted, the soak goes on)
            with lock:
                stats["errors"] += 1
                if stats["errors"] <= 5:
                    print("error:", error, file=sys.stderr)
        abandon = not abandon


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default=os.path.join(root, "build-bench/examples/c/server-with-resources"))
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--sample", type=int, default=10)
    parser.add_argument("--session-timeout", type=int, default=20)
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen([args.server, "--transport", "streamable-http", "--stateful", "--port", str(port),
                               "--server-secret", SECRET, "--session-timeout", str(args.session_timeout),
                               "--no-debug"], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)

    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=loop, args=(port, deadline)) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    samples = []
    start = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(args.sample)
        samples.append((round(time.monotonic() - start), proc_status(server.pid, "VmRSS"), stats["rounds"]))
        print(f"{samples[-1][0]:>5} s  RSS {samples[-1][1]:>8} KiB  rounds {samples[-1][2]}", flush=True)
    for thread in threads:
        thread.join()
    server.terminate()
    server.wait()

    print("\n| t (s) | RSS (KiB) | sessions so far |\n|---:|---:|---:|")
    for t, rss, rounds in samples:
        print(f"| {t} | {rss:,} | {rounds:,} |")
    half = samples[len(samples) // 2][1] if samples else 0
    print(f"\n{stats['rounds']:,} sessions (each of its own identity), {stats['errors']} errors; "
          f"RSS {samples[0][1]:,} → {samples[-1][1]:,} KiB; over the second half {samples[-1][1] - half:+,} KiB.")


if __name__ == "__main__":
    main()
