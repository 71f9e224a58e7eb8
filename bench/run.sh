#!/usr/bin/env bash
# One command for the north-mcp-glib benchmark (issue 6): builds what it needs
# and runs everything. Options are passed to bench.py (see bench/README.md):
#   bench/run.sh              full run: 3 x 15 s per server, medians
#   bench/run.sh --smoke      short smoke run (3 x 2 s, smaller memory tests)
#   bench/run.sh --soak 300   5-minute soak of our stateless server, RSS every 10 s
#   bench/run.sh --hostile    hostile traffic (hostile.py): fds, RSS, a client's p99 per attack
#   bench/run.sh --replicas   1, 2, 3 replicas behind nginx (replicas.py; --state-store URI|auto)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
build="${BENCH_BUILD_DIR:-$root/build-bench}"

for tool in wrk taskset node npm cc pkg-config meson ninja; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (run ./setup.sh --no-run)" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
  echo "run.sh: needs 2 CPUs (server on CPU 0, wrk on CPU 1)" >&2; exit 1
fi

# Our library and examples: an optimised build of its own, so the developer's
# debug build in build/ is left alone.
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" --buildtype=release -Dtests=false -Ddocs=false \
    -Dintrospection=disabled -Dvapi=disabled -Dfuzzing=false >/dev/null
fi
if ! meson compile -C "$build" >"$build/bench-compile.log" 2>&1; then
  echo "run.sh: building the library failed (see $build/bench-compile.log); continuing without it" >&2
fi

# Replicas behind nginx (replicas.py): the examples, nginx and wrk only.
if [ "${1:-}" = --replicas ]; then
  shift
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "run.sh: nginx is missing (run ./setup.sh --no-run)" >&2; exit 1; }
  exec /usr/bin/python3 "$here/replicas.py" --build-dir "$build" "$@"
fi

# Hostile traffic needs only the examples: no floor, no TypeScript peers.
if [ "${1:-}" = --hostile ]; then
  shift
  exec /usr/bin/python3 "$here/hostile.py" --build-dir "$build" "$@"
fi

# The libsoup floor: one C file, not part of the meson build.
mkdir -p "$build/bench"
if [ ! -x "$build/bench/soup-floor" ] || [ "$here/soup-floor.c" -nt "$build/bench/soup-floor" ]; then
  cc -O2 -Wall -Wextra -o "$build/bench/soup-floor" "$here/soup-floor.c" \
    $(pkg-config --cflags --libs libsoup-3.0)
fi

# The TypeScript peers, pinned by package-lock.json.
if [ ! -d "$here/node_modules/@modelcontextprotocol/sdk" ] || \
   [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The v2 SDK pins zod 4 (the v1 peers above pin zod 3): a folder of its own.
if [ ! -d "$here/ts-v2/node_modules/@modelcontextprotocol/server" ] || \
   [ "$here/ts-v2/package-lock.json" -nt "$here/ts-v2/node_modules/.package-lock.json" ]; then
  (cd "$here/ts-v2" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Enough descriptors for 1,000 SSE streams and 10,000 sessions' worth of sockets.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

exec /usr/bin/python3 "$here/bench.py" --build-dir "$build" --bin-dir "$build/bench" "$@"
