#!/usr/bin/env bash
# Runs a command against a freshly started gateway (embedded demo catalog, random
# loopback port), then stops the gateway. `{url}` in the command's arguments is
# replaced by the gateway's base URL (http://127.0.0.1:PORT).
# Usage: scripts/with-gateway.sh [--gateway-flag ...] -- command args...
# WITH_DIALECT=openfoodfacts|commercetools|akeneo: the upstream is the demo catalog
# speaking that API (`demo-catalog --dialect`, its own loopback port, credentials
# made up for the run), fronted through the preset of the same name.
set -euo pipefail
cd "$(dirname "$0")/.."

flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 [gateway flags] -- command args..." >&2; exit 2; }

cargo build --locked --quiet --bin catalog-gateway
log=$(mktemp)
ready=$(mktemp -u)
upstream_pid=""
if [ -n "${WITH_DIALECT:-}" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dialect_flags=(--dialect "$WITH_DIALECT")
  project=""
  case $WITH_DIALECT in
    commercetools)
      export CATALOG_UPSTREAM_CLIENT_ID=with-gateway CATALOG_UPSTREAM_CLIENT_SECRET=with-gateway-secret
      dialect_flags+=(--client-id with-gateway --client-secret with-gateway-secret)
      project=/demo-project ;;
    akeneo)
      export CATALOG_UPSTREAM_TOKEN=with-gateway-token
      dialect_flags+=(--bearer-token with-gateway-token) ;;
  esac
  target/debug/catalog-gateway demo-catalog --listen "127.0.0.1:$port" "${dialect_flags[@]}" >/dev/null 2>&1 &
  upstream_pid=$!
  flags+=(--upstream-preset "$WITH_DIALECT" --upstream-url "http://127.0.0.1:$port$project")
fi
target/debug/catalog-gateway --listen 127.0.0.1:0 --log-format json --ready-file "$ready" ${flags[@]+"${flags[@]}"} >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" $upstream_pid 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log" "$ready"' EXIT

address=""
for _ in $(seq 1 200); do
  # --ready-file: the bound address, written whole (a temporary file renamed).
  [ -s "$ready" ] && { address=$(cat "$ready"); break; }
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "the gateway exited" >&2; exit 1; }
  sleep 0.05
done
[ -n "$address" ] || { cat "$log" >&2; echo "the gateway did not start" >&2; exit 1; }
url="http://$address"

args=()
for arg in "$@"; do args+=("${arg//\{url\}/$url}"); done
timeout 300 "${args[@]}"
