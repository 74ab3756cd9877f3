#!/usr/bin/env bash
# Instructions per request, counted exactly by valgrind's callgrind: immune to what
# else runs on the machine, so two builds can be compared on a busy one.
#
# usage: bench/callgrind.sh [BIN]   (default target/release/catalog-gateway)
# knobs: CG_SCENARIOS ("hot cold_vars basket nplus1"; also basket30, pos and their _vars forms), CG_REQUESTS (200),
#        CG_WARMUP (20), CG_OUT (directory for the callgrind files, default a temp dir),
#        CG_ARGS (more gateway flags, e.g. "--document-cache-size 0": no compiled plans)
#
# For each scenario: a demo catalog (not measured) and the gateway under callgrind
# with instrumentation off; CG_WARMUP requests, instrumentation on, CG_REQUESTS requests sent
# one after another by bench/cpu_requests.py (a fixed sequence, every answer checked),
# dump. Prints "scenario instructions/request" and keeps the dump for
# `callgrind_annotate`. Loopback only; every process started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

BIN=${1:-target/release/catalog-gateway}
SCENARIOS=${CG_SCENARIOS:-hot cold_vars basket nplus1}
REQUESTS=${CG_REQUESTS:-200}
WARMUP=${CG_WARMUP:-20}
OUT=${CG_OUT:-$(mktemp -d /tmp/catalog-callgrind.XXXXXX)}
mkdir -p "$OUT"
GW_PORT=19380
UP_PORT=19390
GW=http://127.0.0.1:$GW_PORT

ensure_tools valgrind curl python3
start "demo catalog" "$OUT/demo.log" "$BIN" demo-catalog --listen "127.0.0.1:$UP_PORT"
wait_http "http://127.0.0.1:$UP_PORT/products/09520000000004"

for sc in $SCENARIOS; do
  file=$OUT/callgrind.$sc.out
  # CG_ARGS is split into words on purpose (several flags).
  # shellcheck disable=SC2086
  start "gateway under callgrind ($sc)" "$OUT/gw-$sc.log" \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$file" \
    "$BIN" --listen "127.0.0.1:$GW_PORT" --upstream-url "http://127.0.0.1:$UP_PORT" \
    --rcn-region GB --drain-delay-ms 0 --shutdown-timeout-ms 2000 --log-format json \
    ${CG_ARGS:-}
  pid=$LAST_PID
  wait_http "$GW/readyz" 60
  python3 bench/cpu_requests.py "$GW" "$sc" "$WARMUP" 1000000
  callgrind_control -i on "$pid" >/dev/null
  python3 bench/cpu_requests.py "$GW" "$sc" "$REQUESTS" 2000000
  callgrind_control -i off "$pid" >/dev/null
  stop "$pid" 60
  total=$(awk '/^totals:/ {print $2; exit}' "$file")
  printf '%s %s\n' "$sc" "$((total / REQUESTS))"
done
log "callgrind files in $OUT (callgrind_annotate --inclusive=yes FILE)"
