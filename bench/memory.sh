#!/usr/bin/env bash
# `make bench-memory`: the gateway's memory under cold load with large products.
#
# A demo catalog serving every product at ~16 KB (`demo-catalog --large-products`),
# the gateway in front of it at its default settings (caches bounded in bytes), then
# BENCH_MEMORY_DURATION s (60) of a cold workload (a product never asked before in
# every request: every answer is a new cache entry) for each of
# BENCH_MEMORY_SCENARIOS ("cold"; also "basket": bench/lua/vs_<name>.lua), a fresh gateway each.
# VmRSS is sampled every second, the caches' bytes and entries (/readyz) every 5 s.
# Goal: peak RSS (VmHWM) under 256 MB, and flat once the caches are full (the
# highest RSS of the second half within 10 % of the RSS at half time).
#
# Everything on 127.0.0.1, bounded in time, every process stopped on exit.
# Results: Markdown on stdout and in bench/results/memory.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

DURATION=${BENCH_MEMORY_DURATION:-60}
SCENARIOS=${BENCH_MEMORY_SCENARIOS:-cold}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
LIMIT_MB=${BENCH_MEMORY_LIMIT_MB:-256}
OUT=${BENCH_MEMORY_OUT:-bench/results/memory.md}
UP_PORT=19094
GW_PORT=19085
GW=http://127.0.0.1:$GW_PORT
WORK=$(mktemp -d /tmp/catalog-memory.XXXXXX)

ensure_tools wrk jq curl
select_profile
BIN=target/$PROFILE_DIR/catalog-gateway
log "building (${PROFILE_FLAG[*]})"
BUILT_FROM=$(built_from)
cargo build "${PROFILE_FLAG[@]}" --locked --quiet --bin catalog-gateway

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
start "demo catalog (large products)" "$WORK/demo.log" \
  "$BIN" demo-catalog --listen "127.0.0.1:$UP_PORT" --large-products
wait_http "http://127.0.0.1:$UP_PORT/products/09520000000004"
PRODUCT_BYTES=$(curl -s "http://127.0.0.1:$UP_PORT/products/09520000000004" | wc -c)
log "one product is $PRODUCT_BYTES bytes on the wire"

mb() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }
SECTIONS=()
FAILED=0
for sc in $SCENARIOS; do
  start gateway "$WORK/gw-$sc.log" "$BIN" --listen "127.0.0.1:$GW_PORT" \
    --upstream-url "http://127.0.0.1:$UP_PORT" --drain-delay-ms 0 --shutdown-timeout-ms 2000 --log-format json
  pid=$LAST_PID
  wait_http "$GW/readyz"
  rss0=$(vm_rss_kb "$pid")
  log "memory: $sc for ${DURATION}s (RSS at start $(mb "$rss0") MB)"
  timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 2s --latency \
    -s "bench/lua/vs_$sc.lua" "$GW" -- 1 >"$WORK/wrk-$sc.txt" 2>&1 &
  wrk_pid=$!
  BENCH_PIDS+=("$wrk_pid")
  samples=()
  rows=()
  for ((t = 1; t <= DURATION; t++)); do
    sleep 1
    rss=$(vm_rss_kb "$pid")
    samples+=("$rss")
    if ((t % 5 == 0)); then
      detail=$(curl -s --max-time 2 "$GW/readyz" | jq -c '.detail')
      rows+=("| $t | $(mb "$rss") | $(jq -r '.cache.bytes / 1048576 * 10 | floor / 10' <<<"$detail") | $(jq -r '.cache.entries' <<<"$detail") | $(jq -r '.responseCache.bytes / 1048576 * 10 | floor / 10' <<<"$detail") | $(jq -r '.responseCache.entries' <<<"$detail") |")
    fi
  done
  wait "$wrk_pid" || true
  hwm=$(vm_hwm_kb "$pid")
  stop "$pid"
  line=$(grep '^RESULT ' "$WORK/wrk-$sc.txt" || true)
  [ -n "$line" ] || { cat "$WORK/wrk-$sc.txt" >&2; die "no RESULT for $sc"; }
  eval "$(tr ' ' '\n' <<<"${line#RESULT }" | sed 's/^/R_/')"
  half=${samples[$((DURATION / 2 - 1))]}
  late_max=0
  for ((i = DURATION / 2; i < DURATION; i++)); do
    ((samples[i] > late_max)) && late_max=${samples[i]}
  done
  growth=$(awk -v a="$late_max" -v b="$half" 'BEGIN {printf "%.1f", (a - b) * 100 / b}')
  errors=$((R_socket_errors + R_non2xx + R_gql_errors))
  verdict=met
  if [ "$hwm" -ge $((LIMIT_MB * 1024)) ] || awk -v g="$growth" 'BEGIN {exit !(g > 10)}' || [ "$errors" -gt 0 ]; then
    verdict="**not met**"
    FAILED=1
  fi
  log "$sc: VmHWM $(mb "$hwm") MB, RSS at $((DURATION / 2)) s $(mb "$half") MB, highest after $(mb "$late_max") MB (+$growth %), $(printf '%.0f' "$R_rps") req/s, errors $errors: $verdict"
  SECTIONS+=("### $sc ($(printf '%.0f' "$R_rps") req/s, $R_requests requests, errors socket / non-2xx / GraphQL $R_socket_errors / $R_non2xx / $R_gql_errors)")
  SECTIONS+=("")
  SECTIONS+=("Peak RSS (VmHWM) **$(mb "$hwm") MB** (goal < $LIMIT_MB MB); RSS at start $(mb "$rss0") MB, at $((DURATION / 2)) s $(mb "$half") MB, highest of the second half $(mb "$late_max") MB (**+$growth %**, goal ≤ 10 %): **$verdict**.")
  SECTIONS+=("")
  SECTIONS+=("| s | RSS MB | product cache MB | products | response cache MB | responses |")
  SECTIONS+=("|---:|---:|---:|---:|---:|---:|")
  SECTIONS+=("${rows[@]}")
  SECTIONS+=("")
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "# Memory under cold load with large products"
  echo
  echo "- when: $(date -u '+%Y-%m-%d %H:%M UTC'), $BUILT_FROM; build ${PROFILE_FLAG[*]}"
  echo "- machine: $(nproc) CPUs; load average before $LOAD_BEFORE, after $LOAD_AFTER"
  echo "- upstream: \`catalog-gateway demo-catalog --large-products\` ($PRODUCT_BYTES bytes per product on the wire)"
  echo "- gateway: default settings (\`--upstream-url\` only; request logs on, JSON to a file), a fresh process per workload"
  echo "- load: wrk -t$THREADS -c$CONNS for $DURATION s, bench/lua/vs_<workload>.lua (every key new), RSS sampled every 1 s, /readyz every 5 s"
  echo
  printf '%s\n' "${SECTIONS[@]}"
} | tee "$OUT"
log "written to $OUT (logs in $WORK)"
[ "$FAILED" -eq 0 ] || die "a memory goal was not met (see above)"
