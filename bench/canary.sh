#!/usr/bin/env bash
# `make canary`: the release loop on this machine, judged by Prometheus.
#
# Five replicas of the stable build (127.0.0.1:18281-18285, one shared demo catalog on
# :18290) behind haproxy (:18280, health checks on /readyz), a real Prometheus scraping
# all five every second (each target labelled `track`: stable or canary), and wrk
# keeping checked load on haproxy throughout. Replica r1 is replaced by the canary
# (drained first, as an orchestrator does); Prometheus then compares the canary's
# failure ratio and p99 with the stable replicas' over CANARY_INTERVALS analysis
# intervals of CANARY_INTERVAL_S seconds (the PromQL is printed with the figures).
# Every interval passes: the other four are rolled one at a time (promoted, exit 0).
# One fails: the canary is drained out of rotation and r1 runs the stable build
# again (rolled back, exit 3). Any other exit code is an error of the run itself.
#
#   make canary CANARY_BIN=path [STABLE_BIN=path]
#
# CANARY_BIN and STABLE_BIN are any executables that take the gateway's flags
# (defaults: the working tree's build, and the build of the last tag or HEAD~1).
# A failure is what the deploy/observability rules call one: a 5xx, or an upstream or
# overload error in an answer. The canary fails an interval when its ratio is more
# than CANARY_MAX_ERROR_DELTA above the stable replicas' (default 0.01) or its p99
# more than CANARY_MAX_P99_RATIO times theirs (default 1.5, plus 5 ms for the
# histogram's resolution), or when it served nothing.
#
# Checked under load either way: no request lost (0 socket errors, 0 non-2xx); the
# only GraphQL errors clients saw came from the canary, whose share of the traffic is
# printed (at most its fifth, give or take the balancer).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

INTERVALS=${CANARY_INTERVALS:-3}
INTERVAL_S=${CANARY_INTERVAL_S:-5}
MAX_ERROR_DELTA=${CANARY_MAX_ERROR_DELTA:-0.01}
MAX_P99_RATIO=${CANARY_MAX_P99_RATIO:-1.5}
CONNS=${CANARY_CONNECTIONS:-16}
STEADY=${CANARY_STEADY_S:-3}
DRAIN_MS=1500
SHUTDOWN_MS=5000
WORK=$(mktemp -d /tmp/catalog-canary.XXXXXX)
LB=http://127.0.0.1:18280
STATS=http://127.0.0.1:18289/stats\;csv
UPSTREAM=${CANARY_UPSTREAM:-http://127.0.0.1:18290}
HOT='{ product(gtin: "036000291452") { gtin title } }'

ensure_tools wrk haproxy jq curl prometheus
# Debian's package starts a system-wide Prometheus on :9090; this run uses its own.
if [ "$(id -u)" = 0 ]; then
  (systemctl stop prometheus || service prometheus stop) >/dev/null 2>&1 || true
fi

# ---- the two builds ---------------------------------------------------------------------
PROFILE=${CANARY_PROFILE:-release}
case $PROFILE in
  release) BUILD_FLAGS=(--release) ;;
  debug) BUILD_FLAGS=() ;;
  *) die "CANARY_PROFILE is release or debug" ;;
esac
if [ -z "${CANARY_BIN:-}" ]; then
  log "building the working tree ($PROFILE): the canary"
  cargo build "${BUILD_FLAGS[@]}" --locked --quiet --bin catalog-gateway
  CANARY_BIN=target/$PROFILE/catalog-gateway
fi
if [ -z "${STABLE_BIN:-}" ]; then
  ref=$(git describe --tags --abbrev=0 2>/dev/null || echo HEAD~1)
  log "building $ref ($PROFILE): the stable version"
  git worktree add --detach -f "$WORK/stable-src" "$ref" >/dev/null 2>&1 || die "cannot check out $ref"
  (cd "$WORK/stable-src" && CARGO_TARGET_DIR="$PWD/../../$(basename "$PWD")-target" \
    cargo build "${BUILD_FLAGS[@]}" --locked --quiet --bin catalog-gateway) || die "cannot build $ref"
  STABLE_BIN=$WORK/stable-src-target/$PROFILE/catalog-gateway
  git worktree remove --force "$WORK/stable-src" >/dev/null 2>&1 || true
fi
[ -x "$CANARY_BIN" ] || die "CANARY_BIN=$CANARY_BIN is not an executable"
[ -x "$STABLE_BIN" ] || die "STABLE_BIN=$STABLE_BIN is not an executable"
CANARY_BIN=$(realpath "$CANARY_BIN")
STABLE_BIN=$(realpath "$STABLE_BIN")
log "stable: $STABLE_BIN; canary: $CANARY_BIN"

# ---- the fleet ------------------------------------------------------------------------
if [ -z "${CANARY_UPSTREAM:-}" ]; then
  start "demo catalog" "$WORK/demo.log" "$STABLE_BIN" demo-catalog --listen 127.0.0.1:18290
  wait_http "$UPSTREAM/products/09520000000004"
fi

declare -A PID
declare -A TRACK=([1]=stable [2]=stable [3]=stable [4]=stable [5]=stable)
LOGS=()
start_replica() { # N stable|canary
  local bin=$STABLE_BIN
  [ "$2" = canary ] && bin=$CANARY_BIN
  local logfile
  logfile="$WORK/replica-$1-$2-$(date +%s%N).log"
  start "replica r$1 ($2)" "$logfile" "$bin" \
    --listen "127.0.0.1:1828$1" --upstream-url "$UPSTREAM" \
    --drain-delay-ms "$DRAIN_MS" --shutdown-timeout-ms "$SHUTDOWN_MS" --log-format json
  PID[$1]=$LAST_PID
  LOGS[$1]=$logfile
}
# The Prometheus targets, with each replica's track (file_sd: re-read on change).
write_targets() {
  local n sep="" out="["
  for n in 1 2 3 4 5; do
    out+="$sep{\"targets\": [\"127.0.0.1:1828$n\"], \"labels\": {\"track\": \"${TRACK[$n]}\", \"replica\": \"r$n\"}}"
    sep=", "
  done
  echo "$out]" >"$WORK/targets.json.tmp"
  mv "$WORK/targets.json.tmp" "$WORK/targets.json"
}
for n in 1 2 3 4 5; do start_replica "$n" stable; done
for n in 1 2 3 4 5; do wait_http "http://127.0.0.1:1828$n/readyz"; done

haproxy_fleet_config "$WORK/haproxy.cfg" 18280 18289 18281 18282 18283 18284 18285
start haproxy "$WORK/haproxy.log" haproxy -db -f "$WORK/haproxy.cfg"

for n in 1 2 3 4 5; do wait_lb "$n" UP; done

PROM_PORT=$(free_port)
PROM=http://127.0.0.1:$PROM_PORT
write_targets
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: catalog
    file_sd_configs:
      - files: ["$WORK/targets.json"]
        refresh_interval: 1s
EOF
start prometheus "$WORK/prometheus.log" prometheus --config.file="$WORK/prometheus.yml" \
  --storage.tsdb.path="$WORK/prometheus-data" --web.listen-address="127.0.0.1:$PROM_PORT"
wait_http "$PROM/-/ready" 30
log "5 stable replicas UP behind haproxy, Prometheus on :$PROM_PORT"

[ "$(graphql "$LB" "$HOT" | jq -r .data.product.title)" != null ] || die "the load balancer does not answer"
timeout 300 wrk -t2 -c"$CONNS" -d240s --timeout 5s --latency -s bench/lua/rollout.lua "$LB" -- 1 \
  >"$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
BENCH_PIDS+=("$WRK_PID")
sleep "$STEADY"

# replace N stable|canary: drain replica N out of rotation, start the build in its place.
replace() {
  local n=$1 old=${PID[$1]}
  kill -TERM "$old"
  wait_lb "$n" DOWN 5
  # What it served, now that the balancer sends it nothing more.
  sleep 0.3
  LAST_SERVED=$(served "$n")
  await_exit "$n" "$old"
  TRACK[$n]=$2
  write_targets
  start_replica "$n" "$2"
  wait_http "http://127.0.0.1:1828$n/readyz" 10
  wait_lb "$n" UP 5
  log "r$n now runs the $2 build, UP in haproxy"
}

# /graphql requests r1 served, from its own /metrics.
served() {
  curl -s --max-time 2 "http://127.0.0.1:1828$1/metrics" |
    awk '/^catalog_http_requests_total\{route="\/graphql"/ {sum += $NF} END {printf "%d", sum}'
}

replace 1 canary
CANARY_START=$(date +%s)

# ---- the analysis ---------------------------------------------------------------------
W="${INTERVAL_S}s"
failures_q() {
  echo "(sum(rate(catalog_http_requests_total{job=\"catalog\",route=\"/graphql\",status=~\"5..\",track=\"$1\"}[$W])) or vector(0))" \
    "+ (sum(rate(catalog_graphql_errors_total{job=\"catalog\",code=~\"UPSTREAM_.*|OVERLOADED\",track=\"$1\"}[$W])) or vector(0))"
}
requests_q() { echo "sum(rate(catalog_http_requests_total{job=\"catalog\",route=\"/graphql\",track=\"$1\"}[$W]))"; }
ratio_q() { echo "($(failures_q "$1")) / $(requests_q "$1")"; }
p99_q() { echo "histogram_quantile(0.99, sum by (le) (rate(catalog_http_request_duration_seconds_bucket{job=\"catalog\",route=\"/graphql\",track=\"$1\"}[$W])))"; }
# promql EXPR: the value of a one-sample instant query ("none" when it has none).
promql() {
  curl -s --max-time 5 --get "$PROM/api/v1/query" --data-urlencode "query=$1" |
    jq -r 'if .status == "success" and (.data.result | length) > 0 then .data.result[0].value[1] else "none" end'
}
log "analysis: $INTERVALS intervals of $INTERVAL_S s; the canary fails one when"
log "  canary $(ratio_q canary)"
log "    > stable's (the same with track=\"stable\") + $MAX_ERROR_DELTA, or"
log "  canary $(p99_q canary)"
log "    > $MAX_P99_RATIO x stable's + 0.005, or it served nothing"
VERDICT=promote
for ((interval = 1; interval <= INTERVALS; interval++)); do
  sleep "$INTERVAL_S"
  c_req=$(promql "$(requests_q canary)")
  c_ratio=$(promql "$(ratio_q canary)")
  s_ratio=$(promql "$(ratio_q stable)")
  c_p99=$(promql "$(p99_q canary)")
  s_p99=$(promql "$(p99_q stable)")
  verdict=$(awk -v cr="$c_req" -v c="$c_ratio" -v s="$s_ratio" -v cp="$c_p99" -v sp="$s_p99" \
    -v d="$MAX_ERROR_DELTA" -v k="$MAX_P99_RATIO" 'BEGIN {
      if (cr == "none" || cr + 0 <= 0 || c == "none" || s == "none" || cp == "none" || sp == "none") { print "fail (no data)"; exit }
      if (c + 0 > s + d) { print "fail (failure ratio)"; exit }
      if (cp + 0 > k * sp + 0.005) { print "fail (p99)"; exit }
      print "pass" }')
  LAST_FIGURES=$(printf 'failure ratio canary %.4f vs stable %.4f; p99 canary %.1f ms vs stable %.1f ms' \
    "$([ "$c_ratio" = none ] && echo 0 || echo "$c_ratio")" "$([ "$s_ratio" = none ] && echo 0 || echo "$s_ratio")" \
    "$(awk -v v="$c_p99" 'BEGIN {print (v == "none" ? 0 : v * 1000)}')" \
    "$(awk -v v="$s_p99" 'BEGIN {print (v == "none" ? 0 : v * 1000)}')")
  log "interval $interval/$INTERVALS: $LAST_FIGURES, canary $(printf '%.0f' "$([ "$c_req" = none ] && echo 0 || echo "$c_req")") req/s: $verdict"
  if [ "$verdict" != pass ]; then
    VERDICT="roll back: $verdict in interval $interval"
    break
  fi
done

VERSION=$(curl -s --max-time 5 --get "$PROM/api/v1/query" --data-urlencode 'query=catalog_build_info{replica="r1",track="canary"}' |
  jq -r '.data.result[0].metric | "version \(.version // "?") git \(.git_sha // "?")"' 2>/dev/null || echo "version ?")
CANARY_LOG=${LOGS[1]}
WARNINGS=$(grep -cE '"level":"(WARN|ERROR)"' "$CANARY_LOG" || true)
CANARY_SERVED=$(served 1)
if [ "$VERDICT" = promote ]; then
  log "promoting: rolling r2..r5 one at a time"
  for n in 2 3 4 5; do replace "$n" canary; done
else
  log "$VERDICT: taking the canary out of rotation, r1 back on the stable build"
  replace 1 stable
  CANARY_SERVED=$LAST_SERVED
fi
ROLL_END=$(date +%s)
sleep "$STEADY"
kill -INT "$WRK_PID"
wait "$WRK_PID" || true

line=$(grep '^RESULT ' "$WORK/wrk.txt" || true)
[ -n "$line" ] || { cat "$WORK/wrk.txt" >&2; die "no RESULT from wrk"; }
eval "$(tr ' ' '\n' <<<"${line#RESULT }" | sed 's/^/R_/')"
sed -n 's/^SAMPLE /first bad response: /p' "$WORK/wrk.txt" >&2
SHARE=$(awk -v c="$CANARY_SERVED" -v t="$R_requests" 'BEGIN {printf "%.3f", (t > 0 ? c / t : 0)}')
echo
echo "canary r1 (127.0.0.1:18281, $VERSION, $CANARY_BIN): served $CANARY_SERVED of $R_requests requests (share $SHARE) in $((ROLL_END - CANARY_START)) s"
echo "canary's warn/error log lines during the window: $WARNINGS ($CANARY_LOG)"
grep -E '"level":"(WARN|ERROR)"' "$CANARY_LOG" | head -3 || true
echo "clients: $R_requests requests, socket errors $R_socket_errors, non-2xx $R_non2xx, GraphQL errors $R_gql_errors (checked: $R_checked)"
if [ "$R_socket_errors" -ne 0 ] || [ "$R_non2xx" -ne 0 ] || [ "$R_checked" -eq 0 ]; then
  die "requests were lost during the release (logs in $WORK)"
fi
if [ "$R_gql_errors" -gt "$CANARY_SERVED" ]; then
  die "clients saw $R_gql_errors GraphQL errors, more than the canary served (logs in $WORK)"
fi
if [ "$VERDICT" = promote ]; then
  echo "canary PROMOTED: every replica runs $CANARY_BIN; last interval: $LAST_FIGURES"
  exit 0
fi
echo "canary ROLLED BACK ($VERDICT): every replica runs $STABLE_BIN; $LAST_FIGURES"
exit 3
