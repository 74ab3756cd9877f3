#!/usr/bin/env bash
# `make rollout-test`: a zero-downtime rolling deploy under constant load, on loopback.
#
# 5 gateway replicas (127.0.0.1:18081-18085, one shared demo catalog on :18090) behind
# haproxy on :18080, which health-checks GET /readyz every 200 ms. wrk keeps load on
# haproxy for the whole run and checks every response. The roll does what an operator
# does: replace replica 1 with the new build (the canary) and check it directly, then
# replace 2..5 one by one: SIGTERM -> haproxy marks it DOWN and it exits (drain) ->
# start the new build -> ready -> haproxy marks it UP.
# Pass: 0 socket errors, 0 non-2xx, 0 GraphQL errors, every old replica exited 0.
#
# "old" and "new" are copies of the same build (the test is about the mechanics of
# the roll, not a diff between versions); ROLLOUT_NEW_BIN=path uses another binary as
# the new build. ROLLOUT_PROFILE=debug uses the debug build instead of the release
# one (CI: `make test` has just built it, so no second full build is needed).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

CONNS=${ROLLOUT_CONNECTIONS:-16}
STEADY=${ROLLOUT_STEADY_S:-5}     # load before the first and after the last replacement
DRAIN_MS=1500
SHUTDOWN_MS=5000
WORK=$(mktemp -d /tmp/catalog-rollout.XXXXXX)
LB=http://127.0.0.1:18080
STATS=http://127.0.0.1:18089/stats\;csv
UPSTREAM=http://127.0.0.1:18090
T0=$(date +%s%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}'; }

ensure_tools wrk haproxy jq curl

PROFILE=${ROLLOUT_PROFILE:-release}
case $PROFILE in
  release) BUILD_FLAGS=(--release) ;;
  debug) BUILD_FLAGS=() ;;
  *) die "ROLLOUT_PROFILE is release or debug" ;;
esac
log "building the $PROFILE binary once"
cargo build "${BUILD_FLAGS[@]}" --locked --quiet --bin catalog-gateway
mkdir -p "$WORK/old" "$WORK/new"
cp "target/$PROFILE/catalog-gateway" "$WORK/old/catalog-gateway"
cp "${ROLLOUT_NEW_BIN:-target/$PROFILE/catalog-gateway}" "$WORK/new/catalog-gateway"
T0=$(date +%s%N) # the test's time from here: the build is not part of it

start "demo catalog" "$WORK/demo.log" "$WORK/old/catalog-gateway" demo-catalog --listen 127.0.0.1:18090
wait_http "$UPSTREAM/products/09520000000004"

declare -A PID
start_replica() { # N old|new
  start "replica $1 ($2)" "$WORK/replica-$1-$2.log" "$WORK/$2/catalog-gateway" \
    --listen "127.0.0.1:1808$1" --upstream-url "$UPSTREAM" \
    --drain-delay-ms "$DRAIN_MS" --shutdown-timeout-ms "$SHUTDOWN_MS" --log-format json
  PID[$1]=$LAST_PID
}
for n in 1 2 3 4 5; do start_replica "$n" old; done
for n in 1 2 3 4 5; do wait_http "http://127.0.0.1:1808$n/readyz"; done

haproxy_fleet_config "$WORK/haproxy.cfg" 18080 18089 18081 18082 18083 18084 18085
start haproxy "$WORK/haproxy.log" haproxy -db -f "$WORK/haproxy.cfg"
HAPROXY_PID=$LAST_PID

for n in 1 2 3 4 5; do wait_lb "$n" UP; done
log "5 replicas UP behind haproxy ($(elapsed) s)"

HOT='{ product(gtin: "036000291452") { gtin title } }'
[ "$(graphql "$LB" "$HOT" | jq -r .data.product.title)" = "Cloudsoft Facial Tissue, 3-Ply, 120 Sheets" ] ||
  die "the load balancer does not answer the hot query"

# wrk runs until it is interrupted after the roll; -d is only an upper bound.
timeout 300 wrk -t2 -c"$CONNS" -d240s --timeout 5s --latency -s bench/lua/rollout.lua "$LB" -- 1 \
  >"$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
BENCH_PIDS+=("$WRK_PID")
ROLL_START=$(date +%s%N)
sleep "$STEADY"

# replace N: one replica, old -> new, the way an orchestrator does it (bench/lib.sh).
replace() { roll_replica "$1" new "http://127.0.0.1:1808$1"; }

replace 1
# The canary: answers correctly, directly (not through the LB), and is the new build.
canary=$(graphql "http://127.0.0.1:18081" "$HOT")
[ "$(jq -r .data.product.title <<<"$canary")" = "Cloudsoft Facial Tissue, 3-Ply, 120 Sheets" ] ||
  die "canary answered $canary"
[ "$(readlink "/proc/${PID[1]}/exe")" = "$WORK/new/catalog-gateway" ] || die "canary is not the new build"
[ "$(curl -s "http://127.0.0.1:18081/readyz" | jq -r .status)" = ready ] || die "canary not ready"
log "canary r1 OK: new build, answers directly, UP in haproxy"
for n in 2 3 4 5; do replace "$n"; done
ROLL_END=$(date +%s%N)
sleep "$STEADY"
kill -INT "$WRK_PID"
wait "$WRK_PID" || true
for n in 1 2 3 4 5; do
  [ "$(readlink "/proc/${PID[$n]}/exe")" = "$WORK/new/catalog-gateway" ] || die "r$n is not the new build"
done
parse_result() {
  local line
  line=$(grep '^RESULT ' "$1" || true)
  [ -n "$line" ] || { cat "$1" >&2; die "no RESULT from wrk"; }
  eval "$(tr ' ' '\n' <<<"${line#RESULT }" | sed 's/^/R_/')"
}
parse_result "$WORK/wrk.txt"
sed -n 's/^SAMPLE /first bad response: /p' "$WORK/wrk.txt" >&2
ROLL_S=$(awk -v a="$ROLL_START" -v b="$ROLL_END" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
echo
echo "rollout ($PROFILE build): 5 replicas replaced (canary first) in ${ROLL_S} s under constant load (${STEADY} s before and after)"
printf 'requests served %d in %.1f s (%.0f req/s, wrk -c%d); latency p50 %.2f ms, p99 %.2f ms, worst %.2f ms\n' \
  "$R_requests" "$R_duration_s" "$R_rps" "$CONNS" \
  "$(awk -v u="$R_p50_us" 'BEGIN {print u / 1000}')" \
  "$(awk -v u="$R_p99_us" 'BEGIN {print u / 1000}')" \
  "$(awk -v u="$R_max_us" 'BEGIN {print u / 1000}')"
echo "errors: socket $R_socket_errors, non-2xx $R_non2xx, GraphQL $R_gql_errors (responses checked: $R_checked)"
echo "whole test: $(elapsed) s"
if [ "$R_socket_errors" -ne 0 ] || [ "$R_non2xx" -ne 0 ] || [ "$R_gql_errors" -ne 0 ] || [ "$R_checked" -eq 0 ]; then
  die "rollout test: requests failed during the roll (logs in $WORK)"
fi
echo "rollout test: PASS"
stop "$HAPROXY_PID" 5
