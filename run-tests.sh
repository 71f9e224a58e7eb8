#!/usr/bin/env bash
# Runs every test: sets up (./setup.sh --no-run), runs the meson test suite,
# then the same suite again built with AddressSanitizer and
# UndefinedBehaviorSanitizer. Ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

./setup.sh --no-run || { echo "0 passed, 1 failed"; exit 1; }

status=0
meson test -C build --print-errorlogs --num-processes 2 || status=1

if [ "${SKIP_SANITIZERS:-0}" != 1 ]; then
  if [ ! -f build-asan/build.ninja ]; then
    CC=clang meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
      -Dintrospection=disabled -Dvapi=disabled >/dev/null || status=1
  fi
  meson compile -C build-asan >/dev/null || status=1
  # G_SLICE=always-malloc: GLib's slice allocator would hide leaked GObjects,
  # JSON trees and hash tables from LeakSanitizer. fast_unwind_on_malloc=0:
  # GLib has no frame pointers; full stacks let tests/lsan.supp match.
  G_SLICE=always-malloc ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
    meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 4 \
      --suite c --suite integration || asan_status=1
  # LeakSanitizer's own leak check sometimes crashes at a process's exit
  # ("LeakSanitizer has encountered a fatal error", its stop-the-world
  # tracer faulting while GLib's worker threads end): that is no finding
  # about our code. Such tests, and only those, run once more; a real leak
  # report ("detected memory leaks") is never retried.
  crashed=$(/usr/bin/python3 - build-asan/meson-logs/testlog.json <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        t = json.loads(line)
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        if t["result"] not in ("OK", "EXPECTEDFAIL", "SKIP") and \
           "LeakSanitizer has encountered a fatal error" in out and "detected memory leaks" not in out:
            print(t["name"].split(" / ")[-1])
PY
)
  if [ "${asan_status:-0}" -ne 0 ] && [ -n "$crashed" ]; then
    echo "Rerunning after a LeakSanitizer crash: $crashed"
    G_SLICE=always-malloc ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
      meson test -C build-asan --print-errorlogs --num-processes 1 --timeout-multiplier 4 \
        --logbase asan-retry $crashed
    retry_log=retry:build-asan/meson-logs/asan-retry.json
  elif [ "${asan_status:-0}" -ne 0 ]; then
    status=1
  fi
fi

tests/summarize-results.py build/meson-logs/testlog.json \
  $( [ "${SKIP_SANITIZERS:-0}" != 1 ] && echo build-asan/meson-logs/testlog.json ${retry_log:-} )
rc=$?
[ $status -ne 0 ] && [ $rc -eq 0 ] && rc=1
exit $rc
