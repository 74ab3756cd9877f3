#!/usr/bin/env bash
# What Redis costs on the request path, A/B: requests/s, gateway CPU per request,
# Redis CPU per request and p99 of one or more builds, each in each configuration:
#
#   plain       defaults (no Redis)
#   tier        --cache-redis-url (the shared product cache tier)
#   rate-local  --rate-limit far above the load (1e6/s, burst 1e6), local buckets
#   rate-redis  the same rate limit shared through Redis (--rate-limit-redis-url)
#   production  make bench-load's production settings: the tier, --max-cost 200, the
#               rate limit shared through the tier's Redis, one API key (sent by the
#               Lua scripts), trusted documents in `enforce` (bench/lua/operations.lua's
#               operations; vs_aliases, whose text changes, sent with the bypass header)
#
# usage: bench/redis_ab.sh BIN [BIN...]
# e.g. an A/B of two builds on production hot, as make bench-load loads it:
#   RA_SCENARIOS=vs_hot RA_CONFIGS="plain production" RA_THREADS=2 RA_CONNS=32 \
#   RA_ROUNDS=3 bench/redis_ab.sh OLD_BIN NEW_BIN
# knobs: RA_SCENARIOS ("cold basket"; any bench/lua script, e.g. vs_aliases),
#        RA_CONFIGS ("plain tier rate-local rate-redis"), RA_DURATION (5 s),
#        RA_WARMUP (2 s), RA_ROUNDS (1), RA_THREADS (1), RA_CONNS (16),
#        RA_PERF (a directory: `perf record -g` of each measured run goes there),
#        RA_PERF_G (perf's stack option instead of -g, e.g. "--call-graph dwarf,16384")
#
# Runs are interleaved (round → scenario → config → build), so a burst of load from
# other work on the machine hits the builds alike. Every run: a fresh gateway in
# front of a demo catalog at 0 ms, Redis emptied (FLUSHALL: the scripts' keys repeat
# between gateways, and a key left in Redis by an earlier run would be a hit), warm-up,
# then wrk with the scenario's Lua script (every response checked). Loopback only;
# every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

[ $# -ge 1 ] || die "usage: bench/redis_ab.sh BIN [BIN...]"
SCENARIOS=${RA_SCENARIOS:-cold basket}
CONFIGS=${RA_CONFIGS:-plain tier rate-local rate-redis}
DURATION=${RA_DURATION:-5}
WARMUP=${RA_WARMUP:-2}
ROUNDS=${RA_ROUNDS:-1}
THREADS=${RA_THREADS:-1}
CONNS=${RA_CONNS:-16}
PERF=${RA_PERF:-}
# How perf walks the stacks (a dist build has no frame pointers: "--call-graph dwarf,16384").
PERF_G=${RA_PERF_G:--g}
WORK=$(mktemp -d /tmp/catalog-redis-ab.XXXXXX)
GW_PORT=19580
UP_PORT=19590
REDIS_PORT=19679
GW=http://127.0.0.1:$GW_PORT
REDIS_URL=redis://127.0.0.1:$REDIS_PORT

ensure_tools wrk curl redis-server redis-cli jq python3
start "demo catalog" "$WORK/demo.log" "$1" demo-catalog --listen "127.0.0.1:$UP_PORT"
wait_http "http://127.0.0.1:$UP_PORT/products/09520000000004"
start redis "$WORK/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no
redis_pid=$LAST_PID
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
trusted_manifest "$WORK/trusted-documents.json"
API_KEY=$(random_secret)
BYPASS_SECRET=$(random_secret)
api_keys_file "$WORK/api-keys.json" "$API_KEY" bench-till
export BENCH_WRK_THREADS=$THREADS

flags() {
  case $1 in
    plain) ;;
    tier) echo --cache-redis-url "$REDIS_URL" ;;
    rate-local) echo --rate-limit 1000000 --rate-limit-burst 1000000 ;;
    rate-redis) echo --rate-limit 1000000 --rate-limit-burst 1000000 --rate-limit-redis-url "$REDIS_URL" ;;
    production)
      echo --cache-redis-url "$REDIS_URL" --max-cost 200 --rate-limit 100000000 \
        --rate-limit-burst 100000000 --api-keys "$WORK/api-keys.json" \
        --trusted-documents "$WORK/trusted-documents.json" --trusted-documents-mode enforce
      ;;
    *) die "unknown config $1" ;;
  esac
}

# lua_headers CONFIG SCENARIO: the headers the Lua scripts send (BENCH_LUA_HEADERS).
lua_headers() {
  [ "$1" = production ] || return 0
  printf 'x-api-key: %s' "$API_KEY"
  [ "$2" != vs_aliases ] || printf '\nx-trusted-documents-bypass: %s' "$BYPASS_SECRET"
}

printf '%-22s %-10s %-10s %9s %10s %10s %8s %6s  %s\n' build scenario config req/s "CPU µs/req" "Redis µs" "p99 ms" errors "load average"
for round in $(seq "$ROUNDS"); do
  for sc in $SCENARIOS; do
    for config in $CONFIGS; do
      for bin in "$@"; do
        redis-cli -p "$REDIS_PORT" flushall >/dev/null
        # shellcheck disable=SC2046 # the flags are words
        start gateway "$WORK/gw.log" env "CATALOG_TRUSTED_DOCUMENTS_BYPASS_SECRET=$BYPASS_SECRET" \
          "$bin" --listen "127.0.0.1:$GW_PORT" \
          --upstream-url "http://127.0.0.1:$UP_PORT" --rcn-region GB \
          --drain-delay-ms 0 --shutdown-timeout-ms 2000 --log-format json $(flags "$config")
        pid=$LAST_PID
        wait_http "$GW/readyz"
        BENCH_LUA_HEADERS=$(lua_headers "$config" "$sc")
        export BENCH_LUA_HEADERS
        timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 2s \
          -s "bench/lua/$sc.lua" "$GW" -- 0 >/dev/null 2>&1 || true
        if [ -n "$PERF" ]; then
          mkdir -p "$PERF"
          perf record -e cpu-clock $PERF_G -p "$pid" -o "$PERF/$(basename "$bin")-$sc-$config-$round.data" \
            -- sleep "$DURATION" >/dev/null 2>&1 &
          perf_pid=$!
        fi
        t0=$(cpu_ticks "$pid")
        r0=$(cpu_ticks "$redis_pid")
        timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 2s --latency \
          -s "bench/lua/$sc.lua" "$GW" -- 1 >"$WORK/wrk.txt" 2>&1 || true
        t1=$(cpu_ticks "$pid")
        r1=$(cpu_ticks "$redis_pid")
        [ -n "$PERF" ] && wait "$perf_pid" 2>/dev/null
        load=$(cut -d' ' -f1 /proc/loadavg)
        stop "$pid"
        line=$(grep '^RESULT ' "$WORK/wrk.txt") || { cat "$WORK/wrk.txt" >&2; die "no RESULT"; }
        eval "$(tr ' ' '\n' <<<"${line#RESULT }" | sed 's/^/R_/')"
        errors=$((R_socket_errors + R_non2xx + R_gql_errors))
        hz=$(getconf CLK_TCK)
        cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$R_requests" 'BEGIN {printf "%.0f", t * 1e6 / hz / n}')
        rcpu=$(awk -v t=$((r1 - r0)) -v hz="$hz" -v n="$R_requests" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
        printf '%-22s %-10s %-10s %9.0f %10s %10s %8.2f %6d  %s\n' "$(basename "$(dirname "$bin")")/$(basename "$bin")" \
          "$sc" "$config" "$R_rps" "$cpu" "$rcpu" "$(awk -v us="$R_p99_us" 'BEGIN {print us / 1000}')" "$errors" "$load"
      done
    done
  done
done
