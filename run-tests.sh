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
      --suite c --suite integration || status=1
fi

tests/summarize-results.py build/meson-logs/testlog.json \
  $( [ "${SKIP_SANITIZERS:-0}" != 1 ] && echo build-asan/meson-logs/testlog.json )
rc=$?
[ $status -ne 0 ] && [ $rc -eq 0 ] && rc=1
exit $rc
