#!/usr/bin/python3
"""Throughput and p99 through nginx with 1, 2 and 3 replicas (issue 15).

Rows (wrk -t1 -c32, keep-alive, JSON-RPC `tools/call add`):
- stateless servers straight (no nginx), then behind
  deploy/nginx/north-mcp-round-robin.conf with 1, 2, 3 replicas;
- stateful servers (in-process sessions) straight, then behind
  deploy/nginx/north-mcp-sticky.conf with 1, 2, 3 replicas; wrk spreads
  its requests over SESSIONS sessions created through nginx beforehand;
- with --state-store URI (a store the servers share, e.g.
  redis://127.0.0.1:6379; `--state-store auto` starts a redis-server here),
  stateful servers with that store behind the round-robin configuration
  with 1, 2, 3 replicas, and one replica straight. Only when the server
  binary accepts --state-store.

nginx, the replicas and redis-server run pinned to --server-cpus, wrk to
--client-cpu; everything on loopback ports chosen at run time, stopped by
PID (tests/deploy/deployfix.py). Writes bench/results/replicas.md (or --out).

    bench/run.sh --replicas [--duration 5] [--runs 1] [--state-store auto]
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "deploy"))
import deployfix  # noqa: E402
from deployfix import McpSession, Nginx, Redis, Replicas  # noqa: E402
from bench import parse_wrk  # noqa: E402

BODY = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                   "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}, separators=(",", ":"))


class Bench:
    def __init__(self, o):
        self.o = o
        self.work = tempfile.mkdtemp(prefix="north-replicas-bench-")
        self.body_file = os.path.join(self.work, "body.json")
        with open(self.body_file, "w") as f:
            f.write(BODY)
        self.server = os.path.abspath(os.path.join(o.build_dir, "examples", "c", "server-with-auth"))
        self.pin = ["taskset", "-c", o.server_cpus]
        self.rows = []

    def wrk(self, url, seconds, sessions=None):
        argv = ["taskset", "-c", self.o.client_cpu, "wrk", "-t1", f"-c{self.o.connections}",
                f"-d{seconds}s", "--latency", "--timeout", "5s"]
        env = dict(os.environ, BENCH_BODY_FILE=self.body_file)
        if sessions is None:
            argv += ["-s", os.path.join(HERE, "wrk-post.lua"),
                     "-H", "Accept: application/json, text/event-stream",
                     "-H", "MCP-Protocol-Version: 2025-06-18"]
        else:
            path = os.path.join(self.work, "sessions.txt")
            with open(path, "w") as f:
                f.write("\n".join(sessions) + "\n")
            env["BENCH_SESSIONS_FILE"] = path
            argv += ["-s", os.path.join(HERE, "wrk-sessions.lua")]
        out = subprocess.run(argv + [url], env=env, capture_output=True, text=True,
                             timeout=seconds + 60).stdout
        r = parse_wrk(out)
        r["errors"] = r["non2xx"] + r["sockerr"]
        return r

    def measure(self, label, url, sessions=None, note=""):
        # Correctness first: the answer through this path is right.
        check = McpSession(url) if sessions is None else None
        if check is not None:
            text = check.result("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}})
            assert text["content"][0]["text"] == "5", text
        self.wrk(url, self.o.warmup, sessions)
        runs = [self.wrk(url, self.o.duration, sessions) for _ in range(self.o.runs)]
        row = {"label": label, "note": note,
               "rps": statistics.median(r["rps"] for r in runs),
               "p50": statistics.median(r["p50"] or 0 for r in runs),
               "p99": statistics.median(r["p99"] or 0 for r in runs),
               "errors": sum(r["errors"] for r in runs)}
        self.rows.append(row)
        print(f"{label}: {row['rps']:,.0f} req/s, p50 {row['p50']:.2f} ms, p99 {row['p99']:.2f} ms, "
              f"{row['errors']} errors", file=sys.stderr, flush=True)

    def sessions_through(self, url, count):
        ids = []
        for _ in range(count):
            s = McpSession(url)
            assert s.session_id, "no session id"
            assert s.result("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}})["content"][0]["text"] == "5"
            ids.append(s.session_id)
        return ids

    def replicas(self, count, *args):
        return Replicas(count, "--transport", "streamable-http", *args, program=self.server,
                        stderr_dir=self.work, prefix=self.pin)

    def nginx(self, site, ports):
        return Nginx(site, ports, self.work, prefix=self.pin)

    def run(self):
        o = self.o
        # Stateless.
        with self.replicas(1, "--stateless") as r:
            self.measure("stateless, 1 replica, no nginx", r[0].url + "/mcp")
        for n in (1, 2, 3):
            with self.replicas(n, "--stateless") as r, self.nginx("north-mcp-round-robin.conf", r.ports) as ng:
                self.measure(f"stateless, {n} replica{'s' if n > 1 else ''}, nginx round robin",
                             ng.url + "/mcp")
        # Stateful, in-process sessions.
        with self.replicas(1, "--stateful") as r:
            url = r[0].url + "/mcp"
            self.measure("stateful, 1 replica, no nginx", url, self.sessions_through(url, o.sessions))
        for n in (1, 2, 3):
            with self.replicas(n, "--stateful") as r, self.nginx("north-mcp-sticky.conf", r.ports) as ng:
                url = ng.url + "/mcp"
                self.measure(f"stateful, {n} replica{'s' if n > 1 else ''}, nginx sticky", url,
                             self.sessions_through(url, o.sessions))
        # Stateful with a shared store.
        if o.state_store:
            self.run_store()

    def store_supported(self):
        out = subprocess.run([self.server, "--help-all"], capture_output=True, text=True).stdout
        out += subprocess.run([self.server, "--help"], capture_output=True, text=True).stdout
        return "--state-store" in out

    def run_store(self):
        o = self.o
        if not self.store_supported():
            self.store_note = (f"`--state-store {o.state_store}` was asked for, but this build's servers "
                               "do not accept `--state-store`: no shared-store rows.")
            print(self.store_note, file=sys.stderr)
            return
        redis = None
        uri = o.state_store
        if uri == "auto":
            redis = Redis(self.work)
            uri = redis.uri
        try:
            with self.replicas(1, "--stateful", "--state-store", uri) as r:
                url = r[0].url + "/mcp"
                self.measure("stateful + store, 1 replica, no nginx", url, self.sessions_through(url, o.sessions))
            for n in (1, 2, 3):
                with self.replicas(n, "--stateful", "--state-store", uri) as r, \
                     self.nginx("north-mcp-round-robin.conf", r.ports) as ng:
                    url = ng.url + "/mcp"
                    self.measure(f"stateful + store, {n} replica{'s' if n > 1 else ''}, nginx round robin",
                                 url, self.sessions_through(url, o.sessions))
        finally:
            if redis is not None:
                redis.stop()

    def report(self):
        o = self.o
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        nginx_version = subprocess.run([deployfix.NGINX, "-v"], capture_output=True, text=True).stderr.strip()
        load = os.getloadavg()[0]
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        L = ["# Replicas behind nginx (issue 15)", "",
             f"{now} · commit `{commit}` · {os.cpu_count()} CPUs · load average {load:.1f} at the end · "
             f"{nginx_version.replace('nginx version: ', '')}.",
             f"`bench/run.sh --replicas --duration {o.duration} --runs {o.runs}"
             + (f" --state-store {o.state_store}" if o.state_store else "") + "`: "
             f"`wrk -t1 -c{o.connections}` on CPU {o.client_cpu}, nginx (1 worker) and every replica "
             f"on CPUs {o.server_cpus}; keep-alive from wrk to nginx and from nginx to the replicas; "
             f"JSON-RPC `tools/call add` (server-with-auth, no auth). Medians of {o.runs} run(s) of "
             f"{o.duration} s after {o.warmup} s of warm-up. Stateful rows spread the requests over "
             f"{o.sessions} sessions created through the same path.", "",
             "| configuration | req/s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|"]
        for r in self.rows:
            L.append(f"| {r['label']} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} |")
        if getattr(self, "store_note", None):
            L += ["", self.store_note]
        elif not o.state_store:
            L += ["", "No shared-store rows: run with `--state-store URI` (or `auto`, which starts a "
                  "redis-server) once the servers accept `--state-store`."]
        text = "\n".join(L) + "\n"
        return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--sessions", type=int, default=48)
    ap.add_argument("--server-cpus", default="0,1")
    ap.add_argument("--client-cpu", default="1")
    ap.add_argument("--state-store", default=None,
                    help="URI of a shared store (redis://HOST:PORT[/DB]) or 'auto' (a redis-server started here)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "replicas.md"))
    o = ap.parse_args()
    b = Bench(o)
    b.run()
    text = b.report()
    print(text)
    with open(o.out, "w") as f:
        f.write(text)
        f.write(NOTES)


NOTES = """
## Reading the rows

- The machine has 2 CPUs, shared by nginx, every replica and wrk: more
  replicas add processes, not CPU. What the rows show on it is the cost of
  the proxy hop and of routing, not scaling; on a machine with a core per
  replica the round-robin rows are where throughput grows.
- Sticky rows: `initialize` goes round robin, later requests are hashed by
  `Mcp-Session-Id`, and when the hash's first choice is not the replica
  that holds the session it answers 404 and nginx tries the next one
  (deploy/nginx/north-mcp-sticky.conf). With n replicas about (n − 1)/n of
  the sessions pay one or more extra hops on every request: the price of
  sticky routing without server-assigned routes in open-source nginx.
"""


if __name__ == "__main__":
    main()
