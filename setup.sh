#!/usr/bin/env bash
# Installs every dependency on Debian 12, builds north-mcp-glib into ./build
# and, unless --no-run is given, starts the main example server
# (server-with-auth, Streamable HTTP on http://127.0.0.1:5222/mcp).
set -euo pipefail
cd "$(dirname "$0")"

run_example=1
[ "${1:-}" = "--no-run" ] && run_example=0

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

packages=(
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libjson-glib-dev libsoup-3.0-dev libjwt-dev libssl-dev
  glib-networking
  gobject-introspection libgirepository1.0-dev gir1.2-json-1.0 gir1.2-soup-3.0
  valac gjs python3-gi python3-pytest python3-jsonschema gi-docgen
  python3-pydantic python3-httpx python3-aiohttp
  clang libclang-rt-14-dev wrk
  dbus-daemon
  libhiredis-dev redis-server
  nginx systemd
)
# Node.js may come from elsewhere than Debian (it does on our CI machines,
# with npm included); Debian's own only when there is none.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -f tests/package-lock.json ]; then
  (cd tests && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -f build/build.ninja ]; then
  meson setup build -Ddocs=true
fi
meson compile -C build

if [ "$run_example" = 1 ]; then
  echo "Starting server-with-auth on http://127.0.0.1:5222/mcp (Ctrl-C to stop)" >&2
  exec ./build/examples/c/server-with-auth --transport streamable-http
fi
