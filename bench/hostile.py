#!/usr/bin/python3
"""Hostile-traffic benchmark (issue 10): what each attack costs the server.

For every attack a fresh example server is started on loopback (pinned to
CPU 0 when there are two CPUs; the attacker and the client run on CPU 1).
While the attack runs, a well-behaved client in a process of its own calls
`tools/call` in a loop on a keep-alive connection of its session, and a
monitor samples the server's open descriptors and resident memory from
/proc every 50 ms. The report gives, per attack: what was sent and what the
server answered, descriptors and RSS before / at the peak / 2 s after, the
client's p50 / p99 latency and failed calls during the attack against a
quiet baseline, whether a fresh connection is served afterwards, and whether
the server survived.

Every attack is bounded in count and time and runs on 127.0.0.1 (the Origin
attack binds 0.0.0.0, as the issue describes, but connects to 127.0.0.1 only).
A refusal, a reset or a crash of the server is an outcome to report, never a
failure of the run. Run it with `bench/run.sh --hostile` (release build) or
directly: `bench/hostile.py --build-dir build`.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import resource
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

MCP_HEADERS = {"Content-Type": "application/json",
               "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-06-18"}

MB = 1024 * 1024


def initialize_message(rid=1, capabilities=None, client_name="hostile-bench"):
    return {"jsonrpc": "2.0", "id": rid, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": capabilities or {},
                       "clientInfo": {"name": client_name, "version": "0"}}}


def raw_post(path, body, headers=None, host="127.0.0.1"):
    """An HTTP/1.1 POST as bytes (Content-Length from BODY)."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_response(sock, limit=64 * MB):
    """Reads one HTTP response from SOCK: (status, headers dict, body bytes).
    Knows Content-Length and 'Connection: close' answers, which is all the
    server sends to these requests."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "-1"))
    while (length < 0 or len(body) < length) and len(body) < limit:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def connect(port, timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def pin(cpu):
    if cpu is not None:
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass


# --------------------------------------------------------------------------
# The well-behaved client (a process of its own: `hostile.py --client PORT`)

def client_main(port, tool, arguments, interval):
    """Initializes a session, then calls TOOL on one keep-alive connection,
    one call every INTERVAL seconds, until standard input ends; prints the
    latencies (s) as JSON. A call's latency counts from when it was due, not
    from when it could be sent, so that a server that stalls the client is
    not excused by the calls the client could not make (coordinated
    omission): at the end, the call in flight and every call due since count
    with the time they have waited so far."""
    state = {"latencies": [], "errors": 0, "due": None, "next": None, "stop": False}
    lock = threading.Lock()

    def run():
        conn = None
        session = None
        rid = 0
        while not state["stop"]:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                if session is None:
                    conn.request("POST", "/mcp", body=json.dumps(initialize_message(client_name="good")),
                                 headers=MCP_HEADERS)
                    response = conn.getresponse()
                    response.read()
                    session = response.getheader("Mcp-Session-Id")
                    if response.status != 200 or session is None:
                        raise ConnectionError(f"initialize: HTTP {response.status}")
                    conn.request("POST", "/mcp", body=json.dumps({"jsonrpc": "2.0",
                                                                  "method": "notifications/initialized"}),
                                 headers={**MCP_HEADERS, "Mcp-Session-Id": session})
                    conn.getresponse().read()
                    if state["next"] is None:
                        print("ready", flush=True)
                        state["next"] = time.monotonic()
                with lock:
                    state["due"] = state["next"]
                    state["next"] += interval
                wait = state["due"] - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                rid += 1
                body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                                   "params": {"name": tool, "arguments": arguments}})
                conn.request("POST", "/mcp", body=body, headers={**MCP_HEADERS, "Mcp-Session-Id": session})
                response = conn.getresponse()
                answer = response.read()
                with lock:
                    if response.status == 200 and b'"result"' in answer:
                        state["latencies"].append(time.monotonic() - state["due"])
                    else:
                        state["errors"] += 1
                    state["due"] = None
            except (OSError, http.client.HTTPException, ValueError):
                with lock:
                    state["due"] = None
                    state["errors"] += 1
                if conn is not None:
                    conn.close()
                conn = None
                session = None
                time.sleep(0.05)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    sys.stdin.read()
    with lock:
        state["stop"] = True
        now = time.monotonic()
        waiting = []
        if state["due"] is not None and state["due"] <= now:
            waiting.append(now - state["due"])
        due = state["next"]
        while due is not None and due <= now:
            waiting.append(now - due)
            due += interval
        print(json.dumps({"latencies": state["latencies"] + waiting, "errors": state["errors"],
                          "waiting": len(waiting), "inflight": max(waiting, default=None)}), flush=True)
    os._exit(0)


class GoodClient:
    def __init__(self, port, tool, arguments, interval, cpu):
        command = [sys.executable, os.path.abspath(__file__), "--client", str(port),
                   "--client-tool", tool, "--client-arguments", json.dumps(arguments),
                   "--client-interval", str(interval)]
        if cpu is not None:
            command += ["--client-cpu", str(cpu)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def wait_ready(self, timeout=30):
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return bool(ready) and self.process.stdout.readline().strip() == "ready"

    def stop(self):
        """Ends the client; its results (it exits right after printing them)."""
        self.process.stdin.close()
        out = self.process.stdout.read()
        self.process.wait()
        try:
            return json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"latencies": [], "errors": -1, "waiting": 0, "inflight": None}


# --------------------------------------------------------------------------
# The server and what it uses

class Server:
    def __init__(self, build_dir, program, args=(), nofile=None, cpu=None):
        self.log = tempfile.TemporaryFile()
        path = os.path.join(build_dir, "examples", "c", program)

        def setup():
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
            pin(cpu)

        self.process = subprocess.Popen([path, "--port", "0", *args], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self.log, preexec_fn=setup)
        self.port = None
        deadline = time.monotonic() + 30
        while self.port is None and time.monotonic() < deadline and self.process.poll() is None:
            time.sleep(0.02)
            for line in self.stderr().splitlines():
                if line.startswith("listening on http://"):
                    self.port = int(line.rsplit(":", 1)[1].split("/")[0])
                    break
        if self.port is None:
            raise RuntimeError(f"{program} did not start:\n{self.stderr()}")

    @property
    def pid(self):
        return self.process.pid

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def alive(self):
        return self.process.poll() is None

    def exit_description(self):
        code = self.process.poll()
        if code is None:
            return "running"
        return f"killed by signal {-code}" if code < 0 else f"exited with {code}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Monitor:
    """Samples the server's descriptors and RSS every 50 ms; keeps the peaks."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_fds = fd_count(pid) or 0
        self.peak_rss = rss_mb(pid) or 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            fds, rss = fd_count(self.pid), rss_mb(self.pid)
            if fds is None or rss is None:
                break
            self.peak_fds = max(self.peak_fds, fds)
            self.peak_rss = max(self.peak_rss, rss)
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join(5)


def fresh_health(port, timeout=5):
    """Whether a new connection gets 200 from /health within TIMEOUT s."""
    try:
        with connect(port, timeout) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return read_response(sock)[0] == 200
    except (OSError, ValueError, IndexError):
        return False


def open_session(port, capabilities=None):
    """A new session's id (None when refused) and what the server answered:
    'HTTP 200, a session', or the status and the error's message."""
    with connect(port, 30) as sock:
        sock.sendall(raw_post("/mcp", json.dumps(initialize_message(capabilities=capabilities)).encode(),
                              {**MCP_HEADERS, "Connection": "close"}))
        status, headers, body = read_response(sock)
        session = headers.get("mcp-session-id")
        return session, f"HTTP {status}, " + ("a session" if session else describe_answer(body))


# --------------------------------------------------------------------------
# Attacks: each gets the server and the options, returns (sent, outcome).

def run_pool(jobs, count, threads=16, deadline=None):
    """Runs JOBS(i) for i in range(COUNT) on THREADS threads, until DEADLINE
    (monotonic); returns the list of results (exceptions as their class name)."""
    results = []
    lock = threading.Lock()
    counter = iter(range(count))

    def worker():
        while deadline is None or time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                result = jobs(i)
            except (OSError, ValueError, IndexError) as e:
                result = type(e).__name__
            with lock:
                results.append(result)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


def summarize(results):
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    return ", ".join(f"{v:,} × {k}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def attack_quiet(server, opts):
    time.sleep(opts.baseline)
    return "nothing", "—"


def attack_keepalive_flood(server, opts):
    n = opts.flood

    def one(i):
        with connect(server.port) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return f"HTTP {read_response(sock)[0]}"

    results = run_pool(one, n, deadline=time.monotonic() + 60)
    return (f"{n:,} keep-alive connections, one GET /health each, closed by the client",
            summarize(results))


def attack_fd_exhaustion(server, opts):
    n = opts.fd_limit + 200
    held = []
    failed = 0
    for _ in range(n):
        try:
            sock = connect(server.port, 5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            held.append(sock)
        except OSError:
            failed += 1
    time.sleep(3)
    during = fresh_health(server.port, 3)
    for sock in held:
        sock.close()
    time.sleep(2)
    after = fresh_health(server.port, 5)
    return (f"{n} connections held open (server RLIMIT_NOFILE {opts.fd_limit}), then closed",
            f"{len(held)} connected, {failed} failed; fresh client while held: "
            f"{'served' if during else 'not served'}; after release: {'served' if after else 'NOT served'}")


def attack_slow_reader(server, opts):
    session, _ = open_session(server.port)
    name = "A" * (opts.slow_answer_mb * MB)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": name, "arguments": {}}}).encode()
    request = raw_post("/mcp", body, {**MCP_HEADERS, "Mcp-Session-Id": session or ""})
    socks = []
    errors = 0
    for _ in range(opts.slow_readers):
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(30)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(request)
            socks.append(sock)
        except OSError:
            errors += 1
    time.sleep(opts.hold)
    closed = 0
    for sock in socks:
        # A server that gave up on the reader has closed its end by now.
        try:
            sock.setblocking(False)
            while True:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    closed += 1
                    break
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        sock.close()
    return (f"{opts.slow_readers} connections each asking for a ~{opts.slow_answer_mb} MB SSE answer "
            f"(unknown tool name echoed), never reading; held {opts.hold} s",
            f"{len(socks)} sent, {errors} failed; {closed} closed by the server")


def colliding_keys(count):
    """COUNT distinct member names with one g_str_hash value: strings of
    "Ez"/"FY" blocks (both hash alike under h * 33 + c)."""
    bits = max(1, (count - 1).bit_length())
    return ["".join("FY" if (i >> b) & 1 else "Ez" for b in range(bits)) for i in range(count)]


def describe_answer(answer):
    """'result', or the error's message (shortened), of a JSON-RPC answer
    that may come as SSE."""
    text = answer.decode("utf-8", "replace")
    if text.startswith("event:") or text.startswith("data:"):
        text = "".join(line[5:] for line in text.splitlines() if line.startswith("data:"))
    try:
        message = json.loads(text)
    except ValueError:
        return f"{len(answer)} bytes"
    if isinstance(message, dict) and "error" in message:
        error = message["error"].get("message", "?")
        return "error: " + (error if len(error) <= 60 else error[:57] + "...")
    return "result" if isinstance(message, dict) and "result" in message else "answer"


def timed_post(port, body, timeout, headers=None):
    """POSTs BODY to /mcp on a fresh connection; (outcome, seconds)."""
    start = time.monotonic()
    try:
        with connect(port, timeout) as sock:
            sock.sendall(raw_post("/mcp", body, {**MCP_HEADERS, **(headers or {})}))
            status, _, answer = read_response(sock)
            return f"HTTP {status} ({describe_answer(answer)})", time.monotonic() - start
    except socket.timeout:
        return f"no answer within {timeout} s", time.monotonic() - start
    except OSError as e:
        return f"{type(e).__name__}", time.monotonic() - start


def attack_colliding_keys(server, opts):
    session, _ = open_session(server.port)
    keys = colliding_keys(opts.collisions)
    members = ",".join(f'"{k}":0' for k in keys)
    body = ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{'
            + members + ',"a":1,"b":2}}}').encode()
    outcome, seconds = timed_post(server.port, body, opts.attack_timeout, {"Mcp-Session-Id": session or ""})
    return (f"one {len(body) / MB:.1f} MB body, {len(keys):,} colliding member names",
            f"{outcome} after {seconds:.1f} s")


def attack_deep_nesting(server, opts):
    session, _ = open_session(server.port)
    depth = opts.depth
    body = ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":'
            + "[" * depth + "]" * depth + ',"b":2}}}').encode()
    outcome, seconds = timed_post(server.port, body, opts.attack_timeout, {"Mcp-Session-Id": session or ""})
    return (f"arrays nested {depth:,} deep ({len(body) / 1024:.0f} KiB)",
            f"{outcome} after {seconds:.1f} s")


def attack_session_flood(server, opts):
    def one(i):
        return open_session(server.port)[1]

    results = run_pool(one, opts.sessions, threads=8, deadline=time.monotonic() + opts.attack_timeout)
    return f"{opts.sessions:,} initialize requests (one session each)", summarize(results)


def attack_big_capabilities(server, opts):
    capabilities = {"experimental": {"x": {"blob": "A" * int(opts.capabilities_mb * MB)}}}

    def one(i):
        return open_session(server.port, capabilities)[1]

    results = run_pool(one, opts.big_sessions, threads=4, deadline=time.monotonic() + opts.attack_timeout)
    return (f"{opts.big_sessions} initialize requests with {opts.capabilities_mb} MB of capabilities each",
            summarize(results))


def stream_body(port, path, total_mb, timeout):
    """POSTs TOTAL_MB to PATH in 1 MB chunks, stopping when the server
    answers or cuts the connection; (MB sent, outcome)."""
    chunk = b"x" * MB
    sent = 0
    start = time.monotonic()
    try:
        sock = connect(port, 30)
    except OSError as e:
        return 0, f"connect: {type(e).__name__}"
    with sock:
        try:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                         f"Content-Length: {total_mb * MB}\r\n\r\n".encode())
            while sent < total_mb and time.monotonic() - start < timeout:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(chunk)
                sent += 1
        except OSError as e:
            cut = type(e).__name__
        else:
            cut = None
        # The server may have answered before it cut the connection.
        try:
            sock.settimeout(10)
            status, _, _ = read_response(sock)
            return sent, f"HTTP {status}" + (f" ({cut} while sending)" if cut else "")
        except socket.timeout:
            return sent, cut or "no answer"
        except (OSError, ValueError, IndexError) as e:
            return sent, cut or type(e).__name__


def body_attack(path):
    def attack(server, opts):
        sent, outcome = stream_body(server.port, path, opts.body_mb, opts.attack_timeout)
        return f"POST {path} with Content-Length {opts.body_mb} MB, streamed", f"{outcome} after {sent} MB sent"
    return attack


def attack_foreign_origin(server, opts):
    evil = {"Origin": "http://evil.example", "Connection": "close"}
    with connect(server.port) as sock:
        sock.sendall(raw_post("/mcp", json.dumps(initialize_message()).encode(), {**MCP_HEADERS, **evil}))
        status, headers, _ = read_response(sock)
    session = headers.get("mcp-session-id")
    outcome = f"initialize: HTTP {status}, {'a session' if session else 'no session'}"
    if session:
        body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                           "params": {"name": "add", "arguments": {"a": 1, "b": 2}}}).encode()
        with connect(server.port) as sock:
            sock.sendall(raw_post("/mcp", body, {**MCP_HEADERS, **evil, "Mcp-Session-Id": session}))
            outcome += f"; tools/call: HTTP {read_response(sock)[0]}"
    return "Origin: http://evil.example to a server bound to 0.0.0.0 (sent to 127.0.0.1)", outcome


ADD = ("add", {"a": 2, "b": 3})
PING = ("ping", {})

# name, program, extra server arguments, the client's tool, attack
ATTACKS = [
    ("quiet baseline", "server-with-auth", [], ADD, attack_quiet),
    ("client-closed keep-alive flood", "server-with-auth", [], ADD, attack_keepalive_flood),
    ("fd exhaustion", "server-with-auth", [], ADD, attack_fd_exhaustion),
    ("slow reader", "server-with-auth", [], ADD, attack_slow_reader),
    ("colliding member names", "server-with-auth", [], ADD, attack_colliding_keys),
    ("deep nesting", "server-with-auth", [], ADD, attack_deep_nesting),
    ("session flood", "server-with-auth", [], ADD, attack_session_flood),
    ("oversized capabilities", "server-with-auth", [], ADD, attack_big_capabilities),
    ("large body to /health", "server-with-auth", [], ADD, body_attack("/health")),
    ("large body to a custom route", "server-with-custom-routes", [], PING, body_attack("/ready")),
    ("large body to an unknown path", "server-with-auth", [], ADD, body_attack("/no-such-path")),
    ("foreign Origin, 0.0.0.0 bind", "server-with-auth", ["--host", "0.0.0.0"], ADD, attack_foreign_origin),
]


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_attack(name, program, args, client_tool, attack, opts):
    nofile = opts.fd_limit if attack is attack_fd_exhaustion else None
    server = Server(opts.build_dir, program, ["--transport", "streamable-http", *args],
                    nofile=nofile, cpu=opts.server_cpu)
    row = {"attack": name, "program": program}
    try:
        time.sleep(0.5)
        row["fds_before"], row["rss_before"] = fd_count(server.pid), rss_mb(server.pid)
        client = GoodClient(server.port, client_tool[0], client_tool[1], opts.interval / 1000, opts.client_cpu)
        if not client.wait_ready():
            row["note"] = "the good client could not start"
        monitor = Monitor(server.pid)
        start = time.monotonic()
        try:
            row["sent"], row["outcome"] = attack(server, opts)
        except Exception as e:  # an attack that breaks is a result, not the end of the run
            row["sent"], row["outcome"] = row.get("sent", "?"), f"attack stopped: {type(e).__name__}: {e}"
        remaining = opts.min_phase - (time.monotonic() - start)
        if remaining > 0:
            time.sleep(remaining)
        row["seconds"] = time.monotonic() - start
        stats = client.stop()
        monitor.stop()
        row["peak_fds"], row["peak_rss"] = monitor.peak_fds, monitor.peak_rss
        time.sleep(2)
        row["fds_after"], row["rss_after"] = fd_count(server.pid), rss_mb(server.pid)
        row["calls"] = len(stats["latencies"]) - stats["waiting"]
        row["errors"] = stats["errors"]
        row["inflight"] = stats["inflight"]
        row["p50"] = percentile(stats["latencies"], 0.50)
        row["p99"] = percentile(stats["latencies"], 0.99)
        row["max"] = max(stats["latencies"], default=None)
        row["fresh"] = fresh_health(server.port) if server.alive() else False
        row["alive"] = server.exit_description()
    finally:
        server.stop()
    return row


def ms(value):
    return "—" if value is None else f"{value * 1000:.1f}" if value < 10 else f"{value:.1f} s"


def num(value, fmt="{:,}"):
    return "—" if value is None else fmt.format(value)


def table(rows):
    out = ["| attack | sent | server's answer | fds before → peak → after | RSS MB before → peak → after "
           "| good client p50 / p99 / max ms | p99 × baseline | good calls ok / failed | fresh client after | server |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    baseline = next((r.get("p99") for r in rows if r["attack"] == "quiet baseline"), None)
    for r in rows:
        ratio = f"{r['p99'] / baseline:.1f}×" if baseline and r.get("p99") is not None else "—"
        latency = f"{ms(r.get('p50'))} / {ms(r.get('p99'))} / {ms(r.get('max'))}"
        if r.get("inflight") is not None and r["inflight"] >= 1:
            latency += " (still waiting at the end)"
        out.append("| {} | {} | {} | {} → {} → {} | {} → {} → {} | {} | {} | {} / {} | {} | {} |".format(
            r["attack"] + (" (custom-routes)" if r["program"] != "server-with-auth" else ""),
            r.get("sent", "?"), r.get("outcome", "?") + (f" ({r['note']})" if r.get("note") else ""),
            num(r.get("fds_before")), num(r.get("peak_fds")), num(r.get("fds_after")),
            num(r.get("rss_before"), "{:.1f}"), num(r.get("peak_rss"), "{:.1f}"), num(r.get("rss_after"), "{:.1f}"),
            latency, ratio, num(r.get("calls")), num(r.get("errors")),
            "yes" if r.get("fresh") else "**no**", r.get("alive", "?")))
    return "\n".join(out)


def relative(argument):
    """ARGUMENT, relative to the source tree when it is a path inside it."""
    if os.path.isabs(argument) and argument.startswith(ROOT + os.sep):
        return os.path.relpath(argument, ROOT)
    return argument


def git(*args):
    try:
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    parser.add_argument("--output", default=os.path.join(HERE, "results", "hostile.md"),
                        help="the Markdown report ('-': standard output only)")
    parser.add_argument("--only", help="comma-separated words: run the attacks whose name contains one")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and the clients to CPUs")
    parser.add_argument("--baseline", type=float, default=5, help="seconds of the quiet baseline")
    parser.add_argument("--min-phase", type=float, default=3, help="the shortest attack phase, in seconds")
    parser.add_argument("--interval", type=float, default=20, help="ms between the good client's calls")
    parser.add_argument("--attack-timeout", type=float, default=30, help="the longest wait for one attack")
    parser.add_argument("--flood", type=int, default=5000)
    parser.add_argument("--fd-limit", type=int, default=256)
    parser.add_argument("--slow-readers", type=int, default=30)
    parser.add_argument("--slow-answer-mb", type=int, default=3)
    parser.add_argument("--hold", type=float, default=8)
    parser.add_argument("--collisions", type=int, default=65536)
    parser.add_argument("--depth", type=int, default=100000)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--big-sessions", type=int, default=300)
    parser.add_argument("--capabilities-mb", type=float, default=3.5)
    parser.add_argument("--body-mb", type=int, default=500)
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client-tool", default="add", help=argparse.SUPPRESS)
    parser.add_argument("--client-arguments", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--client-cpu", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client-interval", type=float, default=0.005, help=argparse.SUPPRESS)
    opts = parser.parse_args()

    if opts.client is not None:
        pin(opts.client_cpu)
        client_main(opts.client, opts.client_tool, json.loads(opts.client_arguments), opts.client_interval)
        return 0

    two_cpus = not opts.no_pin and len(os.sched_getaffinity(0)) >= 2
    opts.server_cpu, opts.client_cpu = (0, 1) if two_cpus else (None, None)
    pin(opts.client_cpu)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    attacks = ATTACKS
    if opts.only:
        words = [w.strip().lower() for w in opts.only.split(",")]
        attacks = [a for a in ATTACKS if a[0] == "quiet baseline" or any(w in a[0].lower() for w in words)]

    rows = []
    started = time.monotonic()
    for name, program, args, client_tool, attack in attacks:
        print(f"hostile: {name} ...", file=sys.stderr, flush=True)
        try:
            rows.append(run_attack(name, program, args, client_tool, attack, opts))
        except RuntimeError as e:
            rows.append({"attack": name, "program": program, "outcome": str(e).splitlines()[0]})
        r = rows[-1]
        print(f"hostile:   {r.get('outcome')}; fds {r.get('fds_before')} → {r.get('peak_fds')} → {r.get('fds_after')}, "
              f"RSS {num(r.get('rss_before'), '{:.1f}')} → {num(r.get('peak_rss'), '{:.1f}')} MB; "
              f"p99 {ms(r.get('p99'))} ms; server {r.get('alive')}", file=sys.stderr, flush=True)
    total = time.monotonic() - started

    commit = git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    header = [
        "# Hostile traffic (issue 10)",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC · commit `{commit}`{dirty} · "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}) · load average "
        f"{os.getloadavg()[0]:.1f} · build `{os.path.relpath(opts.build_dir, ROOT)}` · run took {total:.0f} s.",
        "`" + " ".join(["bench/hostile.py"] + [relative(a) for a in sys.argv[1:]]) + "`",
        "",
        "Each row: a fresh server (`--transport streamable-http`, stateful, no secret"
        + (", pinned to CPU 0; attacker and client on CPU 1" if two_cpus else "") + "). "
        "fds and RSS: before the attack, the peak sampled every 50 ms during it, and 2 s after it ended. "
        f"Good client: one `tools/call` every {opts.interval:g} ms on one keep-alive connection of its own "
        "session during the attack phase, each call's latency counted from when it was due (calls the "
        "client could not send because the server stalled it count too; at the end, with their wait so "
        "far); durations of 10 s or more are shown in seconds. "
        "Fresh client: a new connection's `GET /health` answered within 5 s after the attack.",
        "",
    ]
    report = "\n".join(header) + "\n" + table(rows) + "\n"
    print(report)
    if opts.output != "-":
        os.makedirs(os.path.dirname(opts.output), exist_ok=True)
        with open(opts.output, "w") as f:
            f.write(report)
        print(f"hostile: wrote {opts.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
