#!/usr/bin/env bash
# Gateway CPU time per request under wrk load, for one or more builds side by side:
# what bench/callgrind.sh cannot see (several threads, caches, the allocator under
# contention). CPU time per request moves less with other load on the machine than
# requests/s does; the load average is printed next to every figure all the same.
#
# usage: bench/cpu_load.sh BIN [BIN...]
# knobs: CL_SCENARIOS ("hot cold_vars basket nplus1"), CL_DURATION (5 s), CL_WARMUP (2 s),
#        CL_ROUNDS (1: runs of every BIN in turn, so a burst of load hits them alike),
#        CL_GATEWAY_FLAGS (more gateway flags, e.g. "--cache-redis-url redis://127.0.0.1:6399")
#
# Per BIN and scenario: a fresh gateway (--upstream-url a demo catalog at 0 ms, run
# by the first BIN), warm-up, then wrk -t2 -c32 with the scenario's Lua script
# (bench/lua/, every response checked). Prints one line per run. Loopback only;
# every process started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

[ $# -ge 1 ] || die "usage: bench/cpu_load.sh BIN [BIN...]"
SCENARIOS=${CL_SCENARIOS:-hot cold_vars basket nplus1}
DURATION=${CL_DURATION:-5}
WARMUP=${CL_WARMUP:-2}
ROUNDS=${CL_ROUNDS:-1}
WORK=$(mktemp -d /tmp/catalog-cpu-load.XXXXXX)
GW_PORT=19480
UP_PORT=19490
GW=http://127.0.0.1:$GW_PORT

ensure_tools wrk curl
start "demo catalog" "$WORK/demo.log" "$1" demo-catalog --listen "127.0.0.1:$UP_PORT"
wait_http "http://127.0.0.1:$UP_PORT/products/09520000000004"

printf '%-28s %-10s %9s %9s %8s %8s  %s\n' build scenario req/s "CPU µs/req" "p99 ms" errors "load average"
for round in $(seq "$ROUNDS"); do
  for sc in $SCENARIOS; do
    for bin in "$@"; do
      # shellcheck disable=SC2086 # CL_GATEWAY_FLAGS is a list of flags
      start gateway "$WORK/gw.log" "$bin" --listen "127.0.0.1:$GW_PORT" \
        --upstream-url "http://127.0.0.1:$UP_PORT" --rcn-region GB \
        --drain-delay-ms 0 --shutdown-timeout-ms 2000 --log-format json ${CL_GATEWAY_FLAGS:-}
      pid=$LAST_PID
      wait_http "$GW/readyz"
      timeout $((WARMUP + 30)) wrk -t2 -c32 -d"${WARMUP}s" --timeout 2s -s "bench/lua/$sc.lua" "$GW" -- 0 >/dev/null 2>&1 || true
      t0=$(cpu_ticks "$pid")
      timeout $((DURATION + 30)) wrk -t2 -c32 -d"${DURATION}s" --timeout 2s --latency \
        -s "bench/lua/$sc.lua" "$GW" -- 1 >"$WORK/wrk.txt" 2>&1 || true
      t1=$(cpu_ticks "$pid")
      load=$(cut -d' ' -f1 /proc/loadavg)
      stop "$pid"
      line=$(grep '^RESULT ' "$WORK/wrk.txt") || { cat "$WORK/wrk.txt" >&2; die "no RESULT"; }
      eval "$(tr ' ' '\n' <<<"${line#RESULT }" | sed 's/^/R_/')"
      errors=$((R_socket_errors + R_non2xx + R_gql_errors))
      cpu=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$R_requests" 'BEGIN {printf "%.0f", t * 1e6 / hz / n}')
      printf '%-28s %-10s %9.0f %9s %8.2f %8d  %s\n' "$(basename "$bin")" "$sc" "$R_rps" "$cpu" \
        "$(awk -v us="$R_p99_us" 'BEGIN {print us / 1000}')" "$errors" "$load"
    done
  done
done
