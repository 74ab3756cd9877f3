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

cat >"$WORK/haproxy.cfg" <<EOF
global
    maxconn 2048

defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    # A request whose connection to a replica fails, or that the replica closes
    # without an answer (a keep-alive connection closed as the request was sent),
    # is sent again, to another replica. Re-sending a POST is not safe in general;
    # here it is: the schema has no mutations, so every GraphQL operation is a
    # read-only query and running it twice changes nothing.
    retries 2
    option redispatch
    retry-on conn-failure empty-response

frontend gateway
    bind 127.0.0.1:18080
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    default-server check inter 200 fastinter 200 downinter 200 fall 1 rise 2
    server r1 127.0.0.1:18081
    server r2 127.0.0.1:18082
    server r3 127.0.0.1:18083
    server r4 127.0.0.1:18084
    server r5 127.0.0.1:18085

listen stats
    bind 127.0.0.1:18089
    stats enable
    stats uri /stats
EOF
haproxy -c -q -f "$WORK/haproxy.cfg" || die "haproxy config invalid"
start haproxy "$WORK/haproxy.log" haproxy -db -f "$WORK/haproxy.cfg"
HAPROXY_PID=$LAST_PID

# lb_status N: haproxy's view of replica N (UP, DOWN, "UP 1/2", ...).
lb_status() { curl -s --max-time 1 "$STATS" | awk -F, -v s="r$1" '$1 == "replicas" && $2 == s {print $18}'; }
# wait_lb N STATUS [TIMEOUT_S]
wait_lb() {
  local i
  for ((i = 0; i < ${3:-10} * 50; i++)); do
    [ "$(lb_status "$1")" = "$2" ] && return 0
    sleep 0.02
  done
  die "haproxy never marked r$1 $2 (now: $(lb_status "$1"))"
}
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

# replace N: one replica, old -> new, the way an orchestrator does it.
replace() {
  local n=$1 t=$(date +%s%N) old=${PID[$1]} rc
  log "r$n: SIGTERM (pid $old)"
  kill -TERM "$old"
  wait_lb "$n" DOWN 5
  local down=$(date +%s%N)
  local i
  for ((i = 0; i < (DRAIN_MS + SHUTDOWN_MS) / 20 + 100; i++)); do
    kill -0 "$old" 2>/dev/null || break
    sleep 0.02
  done
  kill -0 "$old" 2>/dev/null && die "r$n did not exit within drain + shutdown timeout"
  rc=0
  wait "$old" || rc=$?
  [ "$rc" -eq 0 ] || die "r$n exited with $rc"
  local exited=$(date +%s%N)
  start_replica "$n" new
  wait_http "http://127.0.0.1:1808$n/readyz" 10
  local ready=$(date +%s%N)
  wait_lb "$n" UP 5
  local up=$(date +%s%N)
  log "r$n replaced: DOWN in LB after $(((down - t) / 1000000)) ms, exited after $(((exited - t) / 1000000)) ms, new ready after $(((ready - exited) / 1000000)) ms, UP in LB after $(((up - t) / 1000000)) ms total"
}

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
