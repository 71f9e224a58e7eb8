#!/usr/bin/python3
"""The north-mcp-glib benchmark (issue 6). Run it through bench/run.sh.

Every HTTP server is started pinned to CPU 0; wrk (-t1 -c32, HTTP/1.1
keep-alive) runs pinned to CPU 1, and so does this script. For each server:
start it, check its responses for correctness (a sequential pass with varying
arguments, then a concurrent pass with distinct ids on 32 connections), warm
up, time N runs, read the peak RSS (VmHWM), stop it. Medians are reported.

Loopback only; every loop is bounded in count and time.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVER_CPU = "0"
CLIENT_CPU = 1
PROTOCOL_VERSION = "2025-06-18"
SERVER_SECRET = "bench-server-secret"
ACCEPT = "application/json, text/event-stream"
START_TIMEOUT = 20.0
WRAP = []  # a command put before a server under test (valgrind for --profile)


def log(*args):
    print("[bench]", *args, file=sys.stderr, flush=True)


# ----------------------------------------------------------------- helpers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid, key):
    """Value of KEY (e.g. VmHWM, VmRSS) from /proc/PID/status, in KiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def process_tree(pid):
    """PID and all its descendants (worker processes count toward memory)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_status(pid, key):
    """Sum of KEY over PID and its descendants, in KiB."""
    vals = [proc_status(p, key) for p in process_tree(pid)]
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


def call_body(a, b, rid):
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                       "params": {"name": "add", "arguments": {"a": a, "b": b}}},
                      separators=(",", ":"))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def dev_id_token(email):
    """An HS256 JWT with an email claim, as North's dev tooling makes (its
    signature is not checked by a server without trusted issuers)."""
    now = int(time.time())
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"email": email, "sub": "bench-user",
                              "iat": now, "exp": now + 6 * 3600}).encode())
    sig = hmac.new(b"bench-dev-key", f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def bearer_bundle():
    bundle = {"server_secret": SERVER_SECRET,
              "user_id_token": dev_id_token("bench@example.com"),
              "connector_access_tokens": {"google": "bench-token-google"},
              "user_email": "bench@example.com"}
    return base64.b64encode(json.dumps(bundle).encode()).decode()


class Server:
    """A server process pinned to CPU 0, its stderr in a log file."""

    def __init__(self, name, argv, port, workdir, env=None, wait_listen=True):
        self.name = name
        self.port = port
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.log = open(self.log_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        wrap = WRAP if name != "oidc-issuer" else []
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + wrap + argv,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log,
                                     env=full_env, cwd=HERE)
        if wait_listen:
            self._wait()

    def _wait(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: "
                                   f"{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within "
                           f"{START_TIMEOUT}s: {self.tail()}")

    def tail(self, n=1500):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - n))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    @property
    def pid(self):
        return self.proc.pid

    def hwm(self):
        return tree_status(self.pid, "VmHWM")

    def rss(self):
        return tree_status(self.pid, "VmRSS")

    def freeze(self):
        """SIGSTOP the server's process tree while other servers are timed:
        an idle server is not idle for long. The TypeScript servers' V8
        heaps (up to ~1.8 GB after the stateful runs) are collected some
        30-65 s after their load stops, taking a second or more of CPU 0
        from whichever server is then being timed (with 3 x 15 s runs, the
        ours-stateful row)."""
        self._signal_tree(signal.SIGSTOP)

    def thaw(self):
        self._signal_tree(signal.SIGCONT)

    def _signal_tree(self, sig):
        if self.proc.poll() is not None:
            return
        for pid in process_tree(self.pid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def stop(self):
        self.thaw()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


# ------------------------------------------------------------ HTTP client

class Client:
    """A keep-alive HTTP/1.1 client for the correctness passes."""

    def __init__(self, port, headers):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = dict(headers)

    def post(self, body, extra=None):
        h = {"Content-Type": "application/json", "Accept": ACCEPT}
        h.update(self.headers)
        h.update(extra or {})
        self.conn.request("POST", "/mcp", body=body.encode(), headers=h)
        r = self.conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()

    def close(self):
        self.conn.close()


def check_add_response(status, headers, raw, rid, expected, sse_ok=False):
    """None when RAW is a correct JSON answer to tools/call add, else why not."""
    if status != 200:
        return f"HTTP {status}: {raw[:200]!r}"
    ctype = headers.get("content-type", "")
    if ctype.startswith("text/event-stream") and sse_ok:
        # a POST answered with an SSE stream (allowed in stateful mode): the
        # response is the data of the event that carries our id
        msg = None
        for block in raw.decode(errors="replace").split("\n\n"):
            data = "\n".join(line[5:].lstrip() for line in block.split("\n")
                             if line.startswith("data:"))
            try:
                cand = json.loads(data) if data else None
            except ValueError as e:
                return f"bad JSON in SSE data ({e}): {raw[:200]!r}"
            if isinstance(cand, dict) and cand.get("id") == rid:
                msg = cand
        if msg is None:
            return f"no SSE event answers id {rid}: {raw[:300]!r}"
    elif not ctype.startswith("application/json"):
        return f"content-type {ctype!r}: {raw[:200]!r}"
    else:
        try:
            msg = json.loads(raw)
        except ValueError as e:
            return f"bad JSON ({e}): {raw[:200]!r}"
    if msg.get("jsonrpc") != "2.0" or msg.get("id") != rid:
        return f"wrong jsonrpc/id (want id {rid}): {raw[:200]!r}"
    res = msg.get("result")
    if not isinstance(res, dict) or res.get("isError"):
        return f"not a successful result: {raw[:300]!r}"
    content = res.get("content")
    if not (isinstance(content, list) and content and content[0].get("type") == "text"
            and content[0].get("text") == str(expected)):
        return f"wrong content (want text {expected!r}): {raw[:300]!r}"
    return None


# Servers whose POST answers are SSE even in stateless use: the v2 SDK's
# 2025-era fallback answers every request as an event stream.
SSE_ANSWERS = {"ts-v2"}


def correctness(port, headers, fixed, sequential=50, threads=32, per_thread=10, sse_ok=False):
    # stateful servers may answer with SSE
    sse_ok = sse_ok or "Mcp-Session-Id" in headers
    """Sequential pass then concurrent pass. FIXED servers (the floor) always
    answer id 1 / sum 5, so they only get the sequential pass with 2+3."""
    cl = Client(port, headers)
    try:
        for i in range(sequential):
            a, b, rid = (2, 3, 1) if fixed else (i * 7 - 100, i + 1, 1000 + i)
            err = check_add_response(*cl.post(call_body(a, b, rid)), rid, a + b, sse_ok)
            if err:
                return f"sequential request {i}: {err}"
    finally:
        cl.close()
    if fixed:
        return None

    errors = []
    # Connect one by one: a burst of 32 connects overflows SoupServer's listen
    # backlog (10, GSocket's default) and the kernel resets some of them; that
    # is a finding of its own, not a wrong answer.
    clients = []
    for t in range(threads):
        c = Client(port, headers)
        c.conn.connect()
        clients.append(c)

    def worker(t):
        c = clients[t]
        try:
            for j in range(per_thread):
                rid = t * 1000 + j
                a, b = t, j * 3
                err = check_add_response(*c.post(call_body(a, b, rid)), rid, a + b, sse_ok)
                if err:
                    errors.append(f"concurrent request t{t}/{j}: {err}")
                    return
        except Exception as e:  # noqa: BLE001 - reported as a failure
            errors.append(f"concurrent t{t}: {e!r}")
        finally:
            c.close()

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=60)
    return errors[0] if errors else None


def mcp_initialize(cl, client_name="bench"):
    """initialize + notifications/initialized on client CL; returns session id."""
    body = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                       "params": {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                                  "clientInfo": {"name": client_name, "version": "1"}}})
    status, headers, raw = cl.post(body)
    sid = headers.get("mcp-session-id")
    if status != 200 or not sid:
        raise RuntimeError(f"initialize failed: HTTP {status} {raw[:300]!r}")
    if raw.startswith(b"event:") or raw.startswith(b"data:") or raw.startswith(b"id:"):
        pass  # an SSE-framed InitializeResult is fine
    note = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
    st, _, raw2 = cl.post(note, {"Mcp-Session-Id": sid, "MCP-Protocol-Version": PROTOCOL_VERSION})
    if st not in (200, 202):
        raise RuntimeError(f"notifications/initialized: HTTP {st} {raw2[:200]!r}")
    return sid


# ------------------------------------------------------------------- wrk

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(out):
    def lat(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else None
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0,
            "p50": lat(50), "p99": lat(99),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "sockerr": sum(int(x) for x in sock.groups()) if sock else 0}


def wrk(port, headers, body_file, seconds, connections=32):
    argv = ["taskset", "-c", str(CLIENT_CPU), "wrk", "-t1", f"-c{connections}",
            f"-d{seconds}s", "--latency", "--timeout", "5s",
            "-s", os.path.join(HERE, "wrk-post.lua")]
    for k, v in list(headers.items()) + [("Accept", ACCEPT)]:
        argv += ["-H", f"{k}: {v}"]
    argv.append(f"http://127.0.0.1:{port}/mcp")
    env = dict(os.environ, BENCH_BODY_FILE=body_file)
    out = subprocess.run(argv, env=env, capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    return parse_wrk(out), out


# --------------------------------------------------------------- servers

class Bench:
    def __init__(self, opts):
        self.o = opts
        self.work = tempfile.mkdtemp(prefix="north-bench-")
        self.body_file = os.path.join(self.work, "body.json")
        with open(self.body_file, "w") as f:
            f.write(call_body(2, 3, 1))
        self.ours = os.path.join(opts.build_dir, "examples", "c", "server-with-auth")
        self.floor = os.path.join(opts.bin_dir, "soup-floor")
        self.issuer = None
        self.id_token = None

    def ours_argv(self, port, *extra):
        return ([self.ours, "--transport", "streamable-http", "--port", str(port)]
                + list(extra) + self.o.ours_extra_args.split())

    def start_issuer(self):
        if self.issuer:
            return
        port = free_port()
        tok = os.path.join(self.work, "id-token.jwt")
        self.issuer = Server("oidc-issuer", ["node", os.path.join(HERE, "oidc-issuer.mjs"),
                                             "--port", str(port), "--token-out", tok],
                             port, self.work)
        # the issuer is not under test: move it off the server's CPU
        os.sched_setaffinity(self.issuer.pid, {CLIENT_CPU})
        for _ in range(100):
            if os.path.exists(tok) and os.path.getsize(tok) > 0:
                break
            time.sleep(0.05)
        with open(tok) as f:
            self.id_token = f.read().strip()
        self.issuer_url = f"http://127.0.0.1:{port}"

    def issuer_stats(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.issuer.port, timeout=5)
            c.request("GET", "/stats")
            return json.loads(c.getresponse().read())
        except (OSError, ValueError):
            return None

    def http_targets(self):
        """(key, label, start(port) -> Server, headers(server) -> dict, fixed)"""
        node = ["node", os.path.join(HERE, "ts-server.mjs")]
        pv = {"MCP-Protocol-Version": PROTOCOL_VERSION}
        have_ours = os.access(self.ours, os.X_OK)
        t = []
        t.append(("floor", "libsoup 3 floor (fixed body, no MCP)",
                  lambda p: Server("floor", [self.floor, "--port", str(p)], p, self.work),
                  lambda s: {}, True))
        t.append(("node-floor", "node http floor (fixed body, no MCP)",
                  lambda p: Server("node-floor", node + ["--mode", "bare", "--port", str(p)], p, self.work),
                  lambda s: {}, True))
        t.append(("ts-docs", "TypeScript SDK, docs stateless pattern",
                  lambda p: Server("ts-docs", node + ["--mode", "docs", "--port", str(p)], p, self.work),
                  lambda s: dict(pv), False))
        t.append(("ts-pooled", "TypeScript SDK, pooled servers",
                  lambda p: Server("ts-pooled", node + ["--mode", "pooled", "--port", str(p)], p, self.work),
                  lambda s: dict(pv), False))
        t.append(("ts-pooled-http", "TypeScript SDK 1.32, pooled servers on plain node:http",
                  lambda p: Server("ts-pooled-http", node + ["--mode", "pooled-http", "--port", str(p)],
                                   p, self.work),
                  lambda s: dict(pv), False))
        t.append(("ts-v2", "TypeScript SDK v2 (server 2.4.0), createMcpHandler + toNodeHandler on node:http",
                  lambda p: Server("ts-v2", ["node", os.path.join(HERE, "ts-v2", "server.mjs"),
                                             "--port", str(p)], p, self.work),
                  lambda s: dict(pv), False))
        t.append(("ts-stateful", "TypeScript SDK stateful (one session)",
                  lambda p: Server("ts-stateful", node + ["--mode", "stateful", "--port", str(p)],
                                   p, self.work),
                  self._stateful_headers, False))
        if have_ours:
            t.append(("ours", "north-mcp-glib stateless, no auth",
                      lambda p: Server("ours", self.ours_argv(p, "--stateless"), p, self.work),
                      lambda s: dict(pv), False))
            t.append(("ours-bearer", "north-mcp-glib stateless, bearer bundle",
                      lambda p: Server("ours-bearer", self.ours_argv(
                          p, "--stateless", "--server-secret", SERVER_SECRET), p, self.work),
                      lambda s: dict(pv, Authorization="Bearer " + bearer_bundle()), False))
            t.append(("ours-idtoken", "north-mcp-glib stateless, X-North-ID-Token (RS256, trusted issuer)",
                      self._start_ours_idtoken,
                      lambda s: dict(pv, **{"X-North-ID-Token": self.id_token}), False))
            t.append(("ours-stateful", "north-mcp-glib stateful (one session)",
                      lambda p: Server("ours-stateful", self.ours_argv(p, "--stateful"), p, self.work),
                      self._stateful_headers, False))
        else:
            log(f"our server {self.ours} is not built: skipping its rows")
        if self.o.only:
            keep = set(self.o.only.split(","))
            t = [x for x in t if x[0] in keep]
        return t

    def _start_ours_idtoken(self, port):
        self.start_issuer()
        return Server("ours-idtoken", self.ours_argv(
            port, "--stateless", "--trusted-issuer", self.issuer_url), port, self.work)

    def _stateful_headers(self, server):
        cl = Client(server.port, {})
        try:
            sid = mcp_initialize(cl)
        finally:
            cl.close()
        return {"Mcp-Session-Id": sid, "MCP-Protocol-Version": PROTOCOL_VERSION}

    # -------------------------------------------------------- HTTP table

    def run_http(self):
        """All servers run side by side and the timed runs are interleaved
        round by round, so that a change in the machine's load during the
        benchmark hits every server alike. Only the server being checked,
        warmed up or timed runs; the others are frozen (SIGSTOP), so that
        work one of them does later (a garbage collection) is not charged
        to another."""
        rows, live = [], []
        try:
            for key, label, start, headers_of, fixed in self.http_targets():
                port = free_port()
                log(f"{key}: starting on port {port}")
                row = {"key": key, "label": label, "runs": [], "error": None}
                rows.append(row)
                try:
                    srv = start(port)
                except Exception as e:  # noqa: BLE001 - one server failing must not stop the others
                    row["error"] = f"{type(e).__name__}: {e}"
                    log(f"{key}: {row['error']}")
                    continue
                live.append((row, srv, fixed))
                try:
                    row["headers"] = headers_of(srv)
                    err = correctness(port, row["headers"], fixed, sse_ok=key in SSE_ANSWERS)
                except Exception as e:  # noqa: BLE001
                    err = f"{type(e).__name__}: {e}"
                if err:
                    row["error"] = f"correctness check failed: {err}"
                    log(f"{key}: {row['error']}")
                    srv.freeze()
                    continue
                log(f"{key}: correct; warm-up {self.o.warmup}s")
                wrk(port, row["headers"], self.body_file, self.o.warmup)
                srv.freeze()
            timed = [(row, srv) for row, srv, _ in live if not row["error"]]
            for i in range(self.o.runs):
                for row, srv in timed:
                    srv.thaw()
                    res, out = wrk(srv.port, row["headers"], self.body_file, self.o.duration)
                    srv.freeze()
                    log(f"{row['key']}: run {i + 1}/{self.o.runs}: {res['rps']:.0f} req/s, "
                        f"p50 {res['p50']} ms, p99 {res['p99']} ms"
                        + (f", {res['non2xx']} non-2xx" if res['non2xx'] else "")
                        + (f", {res['sockerr']} socket errors" if res['sockerr'] else ""))
                    row["runs"].append(res)
                    if res["rps"] == 0:
                        log(out)
            for _, srv, _ in live:
                srv.thaw()
            for row, srv, fixed in live:
                if row["error"]:
                    continue
                row["hwm"] = srv.hwm()
                if srv.proc.poll() is not None:
                    row["error"] = f"server died: {srv.tail()}"
                    continue
                # the server still answers correctly after the load
                err = correctness(srv.port, row["headers"], fixed, sequential=5, threads=2,
                                  per_thread=3, sse_ok=row["key"] in SSE_ANSWERS)
                if err:
                    row["error"] = f"check after load failed: {err}"
                if row["key"] == "ours-idtoken":
                    row["issuer"] = self.issuer_stats()
        finally:
            for _, srv, _ in live:
                srv.stop()
        for r in rows:
            runs = r["runs"]
            if runs:
                r["rps"] = statistics.median(x["rps"] for x in runs)
                r["best"] = max(x["rps"] for x in runs)
                r["p50"] = statistics.median(x["p50"] or 0 for x in runs)
                r["p99"] = statistics.median(x["p99"] or 0 for x in runs)
                r["bad"] = sum(x["non2xx"] + x["sockerr"] for x in runs)
        return rows

    # ---------------------------------------------------------- stdio

    def stdio_once(self, argv, n):
        proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=open(
                                    os.path.join(self.work, "stdio.log"), "ab"), cwd=HERE)
        try:
            init = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                               "params": {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                                          "clientInfo": {"name": "bench", "version": "1"}}})
            proc.stdin.write(init.encode() + b"\n")
            proc.stdin.flush()
            first = proc.stdout.readline()
            if b'"result"' not in first:
                raise RuntimeError(f"initialize: {first[:300]!r}")
            proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
            proc.stdin.flush()
            payload = b"".join(call_body(i, 1, i + 1).encode() + b"\n" for i in range(n))

            def writer():
                try:
                    proc.stdin.write(payload)
                    proc.stdin.flush()
                except BrokenPipeError:
                    pass

            t0 = time.perf_counter()
            w = threading.Thread(target=writer)
            w.start()
            seen = 0
            deadline = time.monotonic() + 120
            while seen < n and time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                msg = json.loads(line)
                if "id" not in msg:
                    continue  # a notification
                rid = msg["id"]
                exp = str(rid)  # call i carries id i+1 and adds i + 1
                res = msg.get("result") or {}
                if (res.get("isError") or not res.get("content")
                        or res["content"][0].get("text") != exp):
                    raise RuntimeError(f"wrong stdio answer: {line[:300]!r}")
                seen += 1
            elapsed = time.perf_counter() - t0
            w.join(timeout=10)
            if seen < n:
                raise RuntimeError(f"only {seen}/{n} stdio answers")
            return n / elapsed, proc_status(proc.pid, "VmHWM")
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def run_stdio(self):
        rows = []
        targets = [("ts-stdio", "TypeScript SDK stdio",
                    ["node", os.path.join(HERE, "ts-server.mjs"), "--mode", "stdio"])]
        if os.access(self.ours, os.X_OK):
            targets.insert(0, ("ours-stdio", "north-mcp-glib stdio",
                               [self.ours, "--transport", "stdio"]))
        for key, label, argv in targets:
            row = {"key": key, "label": label, "error": None}
            try:
                self.stdio_once(argv, min(self.o.stdio_messages, 1000))  # warm-up + check
                res = [self.stdio_once(argv, self.o.stdio_messages) for _ in range(self.o.runs)]
                row["mps"] = statistics.median(r[0] for r in res)
                row["hwm"] = max(r[1] or 0 for r in res)
                log(f"{key}: {row['mps']:.0f} messages/s")
            except Exception as e:  # noqa: BLE001
                row["error"] = f"{type(e).__name__}: {e}"
                log(f"{key}: {row['error']}")
            rows.append(row)
        return rows

    # ------------------------------------------------ sessions and SSE

    def stateful_targets(self):
        """(key, label, argv(port)) of servers with sessions and GET streams."""
        t = []
        if os.access(self.ours, os.X_OK):
            # room for the bench's own first session on top of --sessions
            # (the default limit is 10,000 live sessions)
            limit = str(max(self.o.sessions, self.o.sse_streams) + 16)
            t.append(("ours", "north-mcp-glib",
                      lambda p: self.ours_argv(p, "--stateful", "--max-sessions", limit)))
        t.append(("ts", "TypeScript SDK (docs' stateful pattern)",
                  lambda p: ["node", os.path.join(HERE, "ts-server.mjs"), "--mode", "stateful",
                             "--port", str(p)]))
        return t

    def run_sessions(self, key, label, argv_of):
        """RSS per idle stateful session."""
        n = self.o.sessions
        port = free_port()
        srv = Server(f"{key}-sessions", argv_of(port), port, self.work)
        out = {"key": key, "label": label, "n": n, "error": None}
        try:
            cl = Client(port, {})
            sid = mcp_initialize(cl)
            err = check_add_response(*cl.post(call_body(1, 2, 7), {
                "Mcp-Session-Id": sid, "MCP-Protocol-Version": PROTOCOL_VERSION}), 7, 3, True)
            if err:
                raise RuntimeError(err)
            time.sleep(0.5)
            base = srv.rss()
            sids = []
            deadline = time.monotonic() + 300
            for i in range(n):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {i} sessions in 300 s")
                sids.append(mcp_initialize(cl, f"bench-{i}"))
            time.sleep(1.0)
            after = srv.rss()
            if len(set(sids)) != n:
                raise RuntimeError("duplicate session ids")
            # spot-check: the first and last sessions still work
            for s in (sids[0], sids[-1]):
                err = check_add_response(*cl.post(call_body(4, 5, 9), {
                    "Mcp-Session-Id": s, "MCP-Protocol-Version": PROTOCOL_VERSION}), 9, 9, True)
                if err:
                    raise RuntimeError(f"session check: {err}")
            cl.close()
            out.update(base=base, after=after, per=(after - base) * 1024 / n)
            log(f"{key} sessions: {n} sessions, RSS {base} -> {after} KiB, "
                f"{out['per']:.0f} B/session")
        except Exception as e:  # noqa: BLE001
            out["error"] = f"{type(e).__name__}: {e}"
            log(f"{key} sessions: {out['error']}")
        finally:
            srv.stop()
        return out

    def run_sse(self, key, label, argv_of):
        """RSS with N open standalone SSE GET streams (one per session)."""
        n = self.o.sse_streams
        port = free_port()
        srv = Server(f"{key}-sse", argv_of(port), port, self.work)
        out = {"key": key, "label": label, "n": n, "error": None}
        socks = []
        try:
            cl = Client(port, {})
            sids = [mcp_initialize(cl, f"sse-{i}") for i in range(n)]
            time.sleep(0.5)
            base = srv.rss()
            for sid in sids:
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall((f"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"Accept: text/event-stream\r\nMcp-Session-Id: {sid}\r\n"
                           f"MCP-Protocol-Version: {PROTOCOL_VERSION}\r\n\r\n").encode())
                socks.append(s)
            for s in socks:
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 8192:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                if not head.startswith(b"HTTP/1.1 200") or b"text/event-stream" not in head.lower():
                    raise RuntimeError(f"GET stream refused: {head[:300]!r}")
            time.sleep(1.0)
            after = srv.rss()
            err = check_add_response(*cl.post(call_body(2, 2, 3), {
                "Mcp-Session-Id": sids[0], "MCP-Protocol-Version": PROTOCOL_VERSION}), 3, 4, True)
            if err:
                raise RuntimeError(f"call with streams open: {err}")
            cl.close()
            out.update(base=base, after=after, per=(after - base) * 1024 / n, hwm=srv.hwm())
            log(f"{key} sse: {n} streams, RSS {base} -> {after} KiB")
        except Exception as e:  # noqa: BLE001
            out["error"] = f"{type(e).__name__}: {e}"
            log(f"{key} sse: {out['error']}")
        finally:
            for s in socks:
                s.close()
            srv.stop()
        return out

    # ------------------------------------------------------------ soak

    def run_soak(self):
        seconds = self.o.soak
        targets = {t[0]: t for t in self.http_targets()}
        key = self.o.soak_target
        if key not in targets:
            raise SystemExit(f"soak target {key!r} not available ({', '.join(targets)})")
        _, label, start, headers_of, fixed = targets[key]
        port = free_port()
        srv = start(port)
        samples = []
        try:
            headers = headers_of(srv)
            err = correctness(port, headers, fixed)
            if err:
                raise SystemExit(f"soak: correctness check failed: {err}")
            argv = ["taskset", "-c", str(CLIENT_CPU), "wrk", "-t1", "-c32", f"-d{seconds}s",
                    "--latency", "--timeout", "5s", "-s", os.path.join(HERE, "wrk-post.lua")]
            for k, v in list(headers.items()) + [("Accept", ACCEPT)]:
                argv += ["-H", f"{k}: {v}"]
            argv.append(f"http://127.0.0.1:{port}/mcp")
            w = subprocess.Popen(argv, env=dict(os.environ, BENCH_BODY_FILE=self.body_file),
                                 stdout=subprocess.PIPE, text=True)
            t0 = time.monotonic()
            while w.poll() is None and time.monotonic() - t0 < seconds + 30:
                time.sleep(min(10, max(0.1, seconds / 30)))
                samples.append((round(time.monotonic() - t0, 1), srv.rss()))
                log(f"soak: t={samples[-1][0]}s RSS {samples[-1][1]} KiB")
            res = parse_wrk(w.communicate(timeout=60)[0])
            err = correctness(port, headers, fixed, sequential=5, threads=2, per_thread=3)
            return {"key": key, "label": label, "seconds": seconds, "samples": samples,
                    "wrk": res, "hwm": srv.hwm(), "error": err}
        finally:
            srv.stop()

    # --------------------------------------------------------- profile

    def run_profile(self, tool=None, key=None):
        """callgrind (instruction counts per request) or perf (sampled) of one
        server; returns (markdown, instructions per request or None)."""
        global WRAP, START_TIMEOUT
        tool = tool or self.o.profile
        key = key or self.o.profile_target
        seconds = self.o.profile_seconds
        ir_per_request = None
        targets = {t[0]: t for t in self.http_targets()}
        if key not in targets:
            raise SystemExit(f"profile target {key!r} not available ({', '.join(targets)})")
        _, label, start, headers_of, fixed = targets[key]
        cg_out = os.path.join(self.work, "callgrind.out")
        if tool == "callgrind":
            WRAP = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg_out}"]
            START_TIMEOUT = 120.0
        port = free_port()
        srv = start(port)
        WRAP = []
        try:
            headers = headers_of(srv)
            err = correctness(port, headers, fixed, sequential=20, threads=4, per_thread=5)
            if err:
                raise SystemExit(f"profile: correctness check failed: {err}")
            # warm-up outside the measurement
            wrk(port, headers, self.body_file, 2, connections=8)
            if tool == "callgrind":
                subprocess.run(["callgrind_control", "--zero", str(srv.pid)], check=True,
                               capture_output=True, timeout=60)
                res, out = wrk(port, headers, self.body_file, seconds, connections=8)
                subprocess.run(["callgrind_control", "--dump", str(srv.pid)], check=True,
                               capture_output=True, timeout=120)
                n = int(re.search(r"(\d+) requests in", out).group(1))
                dumps = sorted(f for f in os.listdir(self.work) if f.startswith("callgrind.out."))
                top = subprocess.run([sys.executable, os.path.join(HERE, "cgtop.py"),
                                      os.path.join(self.work, dumps[-1]), "--requests", str(n),
                                      "--top", "40"], capture_output=True, text=True,
                                     check=True).stdout
                body = (f"valgrind --tool=callgrind, counting from after a 2 s warm-up; "
                        f"`wrk -t1 -c8 -d{seconds}s` ({n:,} requests under valgrind).\n\n{top}")
            else:
                data = os.path.join(self.work, "perf.data")
                w = subprocess.Popen(
                    ["taskset", "-c", str(CLIENT_CPU), "wrk", "-t1", "-c32", f"-d{seconds + 2}s",
                     "-s", os.path.join(HERE, "wrk-post.lua")]
                    + sum((["-H", f"{k}: {v}"] for k, v in list(headers.items()) + [("Accept", ACCEPT)]), [])
                    + [f"http://127.0.0.1:{port}/mcp"],
                    env=dict(os.environ, BENCH_BODY_FILE=self.body_file),
                    stdout=subprocess.PIPE, text=True)
                time.sleep(1)
                subprocess.run(["perf", "record", "-e", "cpu-clock", "-F", "1999", "-g",
                                "-p", str(srv.pid), "-o", data, "--", "sleep", str(seconds)],
                               capture_output=True, timeout=seconds + 60)
                res = parse_wrk(w.communicate(timeout=seconds + 60)[0])
                rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio",
                                      "--sort", "dso,sym", "-g", "none", "--percent-limit", "0.7"],
                                     capture_output=True, text=True, timeout=120).stdout
                lines = [x for x in rep.splitlines() if x.strip() and not x.startswith("#")]
                dso = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio",
                                      "--sort", "dso", "-g", "none"],
                                     capture_output=True, text=True, timeout=120).stdout
                dlines = [x for x in dso.splitlines() if x.strip() and not x.startswith("#")]
                body = (f"perf record -e cpu-clock -g, {seconds} s under `wrk -t1 -c32` "
                        f"({res['rps']:,.0f} req/s while sampling).\n\nSelf time by object:\n\n```\n"
                        + "\n".join(dlines[:15]) + "\n```\n\nSelf time by symbol:\n\n```\n"
                        + "\n".join(lines[:50]) + "\n```\n")
            m = re.search(r"Total instructions: ([\d,]+)", body)
            if tool == "callgrind" and m:
                ir_per_request = int(m.group(1).replace(",", "")) / n
            return (f"# Profile of `{key}` ({label})\n\n{environment(self.o, False)}\n\n{body}",
                    ir_per_request)
        finally:
            srv.stop()

    def cleanup(self):
        if self.issuer:
            self.issuer.stop()
        if not self.o.keep_logs:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            log(f"logs kept in {self.work}")


# ------------------------------------------------------------- reporting

def fmt_kib(kib):
    return f"{kib / 1024:.1f} MB" if kib else "?"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


TARGETS = {  # issue 6: req/s as a fraction of the floor, measured in the same run
    "ours": 0.85, "ours-bearer": 0.80, "ours-idtoken": 0.75,
}


def environment(opts, method=True):
    def cmd(*a):
        try:
            return subprocess.run(a, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            cpu = m.group(1) if m else "?"
    except OSError:
        pass
    sdk = "?"
    try:
        with open(os.path.join(HERE, "node_modules/@modelcontextprotocol/sdk/package.json")) as f:
            sdk = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    commit = cmd("git", "-C", ROOT, "rev-parse", "--short", "HEAD")
    wrk_version = (cmd("wrk", "--version").splitlines() or ["wrk"])[0].split(" Copyright")[0]
    text = (f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC · "
            f"commit `{commit}` · {os.cpu_count()} × {cpu} · Linux {platform.release()} · "
            f"libsoup {cmd('pkg-config', '--modversion', 'libsoup-3.0')} · "
            f"node {cmd('node', '--version')} · @modelcontextprotocol/sdk {sdk} · {wrk_version}")
    load = os.getloadavg()
    text += (f"\n\nLoad average when written: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
             f"(1/5/15 min; {os.cpu_count()} CPUs)"
             + (" — **the machine was busy with other work: absolute numbers are low and "
                "noisy; compare ratios and instruction counts**" if load[1] > 3.0 else "") + ".")
    if method:
        text += (f"\n\nServer on CPU {SERVER_CPU}, `wrk -t1 -c32` on CPU 1, keep-alive, {opts.warmup} s "
                 f"warm-up, {opts.runs} × {opts.duration} s runs, medians; request: stateless "
                 "JSON `tools/call add {a:2,b:3}`.")
    return text


def report(opts, rows, stdio, sessions, sse, instructions=()):
    by = {r["key"]: r for r in rows}
    floor = by.get("floor", {}).get("rps")
    floor99 = by.get("floor", {}).get("p99")
    docs = by.get("ts-docs", {}).get("rps")
    pooled = by.get("ts-pooled", {}).get("rps")
    # the strongest stateless TypeScript row of this run, whichever it is
    strongest = max((r.get("rps") or 0 for r in rows
                     if r["key"].startswith("ts-") and r["key"] != "ts-stateful"), default=0) or None
    L = ["# Benchmark results", "", environment(opts), ""]
    floor_best = by.get("floor", {}).get("best")
    L.append("| server | req/s | p50 ms | p99 ms | peak RSS | × floor | × strongest TS | × TS pooled | × TS docs "
             "| p99 × floor | best run | best × floor's best | target |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        if r.get("error") and not r.get("rps"):
            L.append(f"| {r['label']} | **failed**: {r['error'][:200]} | | | | | | | | | | | |")
            continue
        target = ""
        if r["key"] in TARGETS:
            t = TARGETS[r["key"]]
            ok = floor and r["rps"] >= t * floor and floor99 and r["p99"] <= 1.5 * floor99 \
                and r.get("hwm") and r["hwm"] <= 16 * 1024
            target = f"≥{t}× floor, p99 ≤1.5×, RSS ≤16 MB: {'met' if ok else '**not met**'}"
        bad = f" ({r['bad']} errors)" if r.get("bad") else ""
        L.append(f"| {r['label']} | {r['rps']:,.0f}{bad} | {r['p50']:.2f} | {r['p99']:.2f} | "
                 f"{fmt_kib(r.get('hwm'))} | {ratio(r['rps'], floor)} | {ratio(r['rps'], strongest)} | "
                 f"{ratio(r['rps'], pooled)} | "
                 f"{ratio(r['rps'], docs)} | {ratio(r['p99'], floor99)} | {r['best']:,.0f} | "
                 f"{ratio(r['best'], floor_best)} | {target} |")
    for r in rows:
        if r.get("error") and r.get("rps"):
            L.append(f"\nNote ({r['key']}): {r['error'][:300]}")
        if r.get("issuer") is not None:
            L.append(f"\nIssuer fetches during the `ours-idtoken` run: {r['issuer']} "
                     "(1 each means discovery and JWKS were cached).")
    if stdio:
        L += ["", "## stdio", "",
              f"{opts.stdio_messages} `tools/call add` lines written into the server's stdin, "
              f"{opts.stdio_messages} responses read back (after initialize); median of {opts.runs}.", "",
              "| server | messages/s | peak RSS | × TS |", "|---|---:|---:|---:|"]
        ts = next((s.get("mps") for s in stdio if s["key"] == "ts-stdio"), None)
        for s in stdio:
            if s.get("error"):
                L.append(f"| {s['label']} | **failed**: {s['error'][:200]} | | |")
            else:
                L.append(f"| {s['label']} | {s['mps']:,.0f} | {fmt_kib(s['hwm'])} | {ratio(s['mps'], ts)} |")
    if instructions:
        fl = dict(instructions).get("floor")
        L += ["", "## Instructions per request (callgrind)", "",
              "Stable on a noisy machine, unlike req/s: `valgrind --tool=callgrind`, counted "
              f"after a warm-up over {opts.profile_seconds} s of `wrk -t1 -c8` "
              "(profiles in `results/profile-*-callgrind.md`).", "",
              "| server | instructions/request | × floor |", "|---|---:|---:|"]
        for key, ir in instructions:
            L.append(f"| `{key}` | {ir:,.0f} | {ratio(ir, fl)} |" if ir else f"| `{key}` | failed | |")
    if sessions or sse:
        L += ["", "## Memory of stateful servers", "",
              f"Idle sessions: {opts.sessions:,} sessions opened (initialize + initialized each, "
              "on one keep-alive connection), RSS before and after. "
              f"SSE: {opts.sse_streams:,} sessions, then one standalone GET stream on each, "
              "RSS before and after opening the streams.", "",
              "| server | sessions: RSS before → after | per idle session | "
              "SSE streams: RSS before → after | per stream |",
              "|---|---:|---:|---:|---:|"]
        sse_by = {x["key"]: x for x in (sse or [])}
        for se in sessions or []:
            st = sse_by.get(se["key"], {})
            if se.get("error"):
                a, b = f"**failed**: {se['error'][:200]}", ""
            else:
                ok = (" (target ≤ 8 KiB: " + ("met" if se["per"] <= 8192 else "**not met**") + ")"
                      if se["key"] == "ours" else "")
                a = f"{fmt_kib(se['base'])} → {fmt_kib(se['after'])}"
                b = f"{se['per'] / 1024:.2f} KiB{ok}"
            if not st:
                c, d = "–", ""
            elif st.get("error"):
                c, d = f"**failed**: {st['error'][:200]}", ""
            else:
                c = f"{fmt_kib(st['base'])} → {fmt_kib(st['after'])}"
                d = f"{st['per'] / 1024:.2f} KiB"
            L.append(f"| {se['label']} | {a} | {b} | {c} | {d} |")
    return "\n".join(L) + "\n"


def soak_report(opts, s):
    L = ["# Soak results", "", environment(opts, False), "",
         f"`{s['label']}` under `wrk -t1 -c32` for {s['seconds']} s; RSS sampled every "
         f"{min(10, max(0.1, s['seconds'] / 30)):g} s.", ""]
    L.append("| t (s) | RSS (KiB) |")
    L.append("|---:|---:|")
    for t, rss in s["samples"]:
        L.append(f"| {t:g} | {rss:,} |")
    if s["samples"]:
        first = s["samples"][0][1] or 0
        last = s["samples"][-1][1] or 0
        L.append("")
        mid = s["samples"][len(s["samples"]) // 2][1] or 0
        L.append(f"Growth from the first sample to the last: {(last - first) / 1024:+.2f} MB "
                 f"({first:,} → {last:,} KiB); over the second half: {last - mid:+,} KiB; "
                 f"peak {fmt_kib(s['hwm'])}; "
                 f"{s['wrk']['rps']:,.0f} req/s, p99 {s['wrk']['p99']} ms, "
                 f"{s['wrk']['non2xx'] + s['wrk']['sockerr']} errors.")
    if s.get("error"):
        L.append(f"\nCheck after the soak **failed**: {s['error']}")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=15, help="seconds per timed run (15)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per server (3)")
    ap.add_argument("--warmup", type=int, default=5, help="warm-up seconds (5)")
    ap.add_argument("--smoke", action="store_true",
                    help="short smoke run: 3 × 2 s, 1 s warm-up, smaller memory tests")
    ap.add_argument("--only", default="", help="comma list of HTTP servers: floor,node-floor,ts-docs,"
                    "ts-pooled,ts-pooled-http,ts-v2,ours,ours-bearer,ours-idtoken,ours-stateful")
    ap.add_argument("--no-extras", action="store_true", help="skip stdio, sessions and SSE")
    ap.add_argument("--stdio-messages", type=int, default=20000)
    ap.add_argument("--sessions", type=int, default=10000)
    ap.add_argument("--sse-streams", type=int, default=1000)
    ap.add_argument("--soak", type=int, default=0, metavar="SECONDS",
                    help="only run a soak of this length, sampling RSS every 10 s")
    ap.add_argument("--soak-target", default="ours")
    ap.add_argument("--profile", choices=["callgrind", "perf"], default=None,
                    help="only profile one server (--profile-target, default ours)")
    ap.add_argument("--profile-target", default="ours")
    ap.add_argument("--profile-seconds", type=int, default=10)
    ap.add_argument("--no-callgrind", dest="callgrind", action="store_false",
                    help="skip counting instructions per request (floor and our servers) "
                    "with callgrind; --smoke skips it too")
    ap.add_argument("--server-cpus", default="0",
                    help="CPU list the servers are pinned to (taskset -c), default 0; "
                    "e.g. 0,1 with --ours-extra-args for several workers")
    ap.add_argument("--ours-extra-args", default="", help="extra flags for our server")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "build-bench", "bench"))
    ap.add_argument("--out", default=None, help="results file (default: bench/results/latest.md "
                    "for a full run, partial.md for --smoke/--only/shorter runs, soak.md for --soak)")
    ap.add_argument("--keep-logs", action="store_true")
    o = ap.parse_args()
    o.build_dir, o.bin_dir = os.path.abspath(o.build_dir), os.path.abspath(o.bin_dir)
    if o.smoke:
        o.duration, o.runs, o.warmup = 2, 3, 1
        o.stdio_messages, o.sessions, o.sse_streams = 2000, 1000, 100
        o.callgrind = False
    global SERVER_CPU
    SERVER_CPU = o.server_cpus
    os.sched_setaffinity(0, {CLIENT_CPU})

    b = Bench(o)
    try:
        if o.profile:
            text, _ = b.run_profile()
            out = o.out or os.path.join(HERE, "results", f"profile-{o.profile_target}-{o.profile}.md")
        elif o.soak:
            s = b.run_soak()
            text = soak_report(o, s)
            out = o.out or os.path.join(HERE, "results", "soak.md")
        else:
            rows = b.run_http()
            stdio = sessions = sse = None
            if not o.no_extras:
                stdio = b.run_stdio()
                sessions = [b.run_sessions(*t) for t in b.stateful_targets()]
                sse = [b.run_sse(*t) for t in b.stateful_targets()]
            instructions = []
            if o.callgrind and not o.no_extras and os.access(b.ours, os.X_OK):
                for key in ("floor", "ours", "ours-bearer", "ours-idtoken", "ours-stateful"):
                    try:
                        prof, ir = b.run_profile("callgrind", key)
                        instructions.append((key, ir))
                        with open(os.path.join(HERE, "results", f"profile-{key}-callgrind.md"), "w") as f:
                            f.write(prof)
                    except (SystemExit, Exception) as e:  # noqa: BLE001
                        log(f"callgrind {key}: {e}")
            text = report(o, rows, stdio, sessions, sse, instructions)
            partial = o.smoke or o.only or o.no_extras or o.duration != 15 or o.runs != 3
            out = o.out or os.path.join(HERE, "results", "partial.md" if partial else "latest.md")
    finally:
        b.cleanup()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    print(text)
    log(f"written to {out}")


if __name__ == "__main__":
    main()
