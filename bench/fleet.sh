#!/usr/bin/env bash
# `make fleet-test`: five gateway replicas behind haproxy, with real Redis in each
# topology an operator runs (a single node, Sentinel, Cluster), under checked load.
#
# One upstream (bench/fleet.py upstream: every valid GTIN is a product whose title
# changes on demand) and one haproxy (round robin, GET /readyz health checks, from
# bench/lib.sh) serve the whole run; per topology, its Redis and five fresh replicas.
# wrk keeps paced load on haproxy through every check (bench/lua/fleet.lua: cold items,
# so every request asks Redis; every answer checked: status, "errors", a title).
# Per topology, one FIGURE line per check:
#   invalidation  20 products changed upstream, POST /admin/invalidate to replica 1:
#                 every replica, asked directly, serves the new titles within 1 s;
#   rate-limit    a client at 3x its --rate-limit through haproxy is held to rate x time
#                 + burst (+-10 %), one at half its limit is never refused;
#   failover      the Redis master is SIGKILLed (single node: restarted empty on its
#                 port; Sentinel: a replica is promoted; Cluster: the replica of the
#                 master holding slot 0 is promoted): 0 failed requests, and every
#                 replica writes to the new master within 10 s of its election;
#                 20 products invalidated while the master is down are served new by
#                 all five within 10 s of the election (only with a binary that keeps
#                 them for Redis's return: cache.unsentInvalidations in /readyz, else
#                 SKIPPED), and 20 more invalidated after it within 1 s;
#   rollout       the five replaced one by one (bench/lib.sh roll_replica): 0 failed.
# Exit status 1 when any check fails. Sentinel and Cluster need a binary with
# --cache-redis-sentinels / --cache-redis-cluster; without them those topologies say
# SKIPPED. Loopback only, bounded in time, everything started is stopped at exit.
#
# Knobs: FLEET_PROFILE (debug | release, default debug: CI has just built it),
# FLEET_BIN (a binary to test instead of building), FLEET_TOPOLOGIES (default
# "single sentinel cluster"), FLEET_PORT_BASE (default 17300; ports BASE..BASE+45 and
# the cluster's bus ports BASE+10040..BASE+10045), FLEET_RATE (units/s, default 50),
# FLEET_RATE_BUDGET_MS (--rate-limit-redis-budget-ms, default 250: long enough that a
# busy machine does not make the limiter decide locally during the rate check, short
# enough to bound the wait on a Cluster master that died: a request waits up to that
# budget until the node is known down, which is the failover's p99).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# Sentinel is redis-server too; redis-cli comes from redis-tools (ensure_tools knows).
ensure_tools wrk haproxy jq curl redis-server redis-cli python3

BASE=${FLEET_PORT_BASE:-17300}
TOPOLOGIES=${FLEET_TOPOLOGIES:-single sentinel cluster}
RATE=${FLEET_RATE:-50}
BURST=$RATE # a second's worth
RATE_S=6    # how long the rate check drives its two clients
LB_PORT=$BASE
STATS_PORT=$((BASE + 9))
UP_PORT=$((BASE + 10))
REDIS_BASE=$((BASE + 20))    # single node; Sentinel's master and its two replicas
SENTINEL_BASE=$((BASE + 30)) # three sentinels
CLUSTER_BASE=$((BASE + 40))  # six cluster nodes
REPLICA_PORTS=()
for n in 1 2 3 4 5; do REPLICA_PORTS+=($((BASE + n))); done
LB=http://127.0.0.1:$LB_PORT
STATS=http://127.0.0.1:$STATS_PORT/stats\;csv
DRAIN_MS=1500
SHUTDOWN_MS=5000
WORK=$(mktemp -d /tmp/catalog-fleet.XXXXXX)
T0=$(date +%s%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}'; }
now() { date +%s.%N; }
# kill_now PID: SIGKILL, reaped quietly (no "Killed" line from the shell).
kill_now() {
  kill -KILL "$1" || return 0
  { wait "$1"; } 2>/dev/null || true
}

for port in "$LB_PORT" "$STATS_PORT" "$UP_PORT" "${REPLICA_PORTS[@]}" \
  $(seq "$REDIS_BASE" $((REDIS_BASE + 2))) $(seq "$SENTINEL_BASE" $((SENTINEL_BASE + 2))) \
  $(seq "$CLUSTER_BASE" $((CLUSTER_BASE + 5))) $(seq $((CLUSTER_BASE + 10000)) $((CLUSTER_BASE + 10005))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use (FLEET_PORT_BASE=$BASE; set another base)"
  fi
done

# ---- the binary -------------------------------------------------------------------------
PROFILE=${FLEET_PROFILE:-debug}
if [ -n "${FLEET_BIN:-}" ]; then
  SOURCE_BIN=$FLEET_BIN
else
  case $PROFILE in
    release) BUILD_FLAGS=(--release) ;;
    debug) BUILD_FLAGS=() ;;
    *) die "FLEET_PROFILE is release or debug" ;;
  esac
  log "building the $PROFILE binary"
  cargo build "${BUILD_FLAGS[@]}" --locked --quiet --bin catalog-gateway
  SOURCE_BIN=target/$PROFILE/catalog-gateway
fi
# A copy: a build during the run does not change the replicas' binary.
mkdir -p "$WORK/bin"
cp "$SOURCE_BIN" "$WORK/bin/catalog-gateway"
BIN=$WORK/bin/catalog-gateway
HELP=$("$BIN" --help)
has_flag() { grep -q -- "$1 " <<<"$HELP"; }
T0=$(date +%s%N) # the test's time from here: the build is not part of it

# ---- what every topology shares ---------------------------------------------------------
ADMIN_TOKEN=$(random_secret)
LOAD_KEY=$(random_secret)
GREEDY_KEY=$(random_secret)
MODEST_KEY=$(random_secret)
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
# The load's own key has limits far above what it sends: only the two rate-check
# clients are held to --rate-limit.
jq -n --arg l "$(sha "$LOAD_KEY")" --arg g "$(sha "$GREEDY_KEY")" --arg m "$(sha "$MODEST_KEY")" \
  '{keys: [{sha256: $l, client: "load", rateLimit: 1000000, burst: 1000000},
           {sha256: $g, client: "greedy"}, {sha256: $m, client: "modest"}]}' >"$WORK/api-keys.json"

start "fleet upstream" "$WORK/upstream.log" python3 bench/fleet.py upstream --port "$UP_PORT"
wait_http "http://127.0.0.1:$UP_PORT/" 10
haproxy_fleet_config "$WORK/haproxy.cfg" "$LB_PORT" "$STATS_PORT" "${REPLICA_PORTS[@]}"
start haproxy "$WORK/haproxy.log" haproxy -db -f "$WORK/haproxy.cfg"

FIGURES=()
FAILED=0
# figure PASS|FAIL|SKIPPED TEXT: one line of the summary (printed now and at the end).
figure() {
  local line="[$TOPO] $1 $2"
  [ "$1" = FAIL ] && FAILED=1
  FIGURES+=("$line")
  echo "$line"
}
# check CMD...: runs a bench/fleet.py check; its FIGURE line becomes a figure.
check() {
  local out rc=0
  out=$("$@") || rc=$?
  check_figure "$3" "$rc" "$out"
}
# check_figure CHECK EXIT_STATUS OUTPUT: the FIGURE line of a check's OUTPUT.
check_figure() {
  local out verdict
  out=$(grep '^FIGURE ' <<<"$3" | head -1)
  [ -n "$out" ] || out="FIGURE $1 FAIL: no figure (exit $2)"
  if [ "$2" -eq 0 ]; then verdict=PASS; else verdict=FAIL; fi
  figure "$verdict" "$(awk '{print $2}' <<<"$out"): ${out#*: }"
}

declare -A PID
REDIS_FLAGS=()
start_replica() { # N VARIANT
  start "$TOPO replica $1 ($2)" "$WORK/$TOPO-replica-$1-$2.log" \
    env CATALOG_ADMIN_TOKEN="$ADMIN_TOKEN" "$BIN" --listen "127.0.0.1:$((BASE + $1))" \
    --upstream-url "http://127.0.0.1:$UP_PORT" --drain-delay-ms "$DRAIN_MS" \
    --shutdown-timeout-ms "$SHUTDOWN_MS" --log-format json --api-keys "$WORK/api-keys.json" \
    --rate-limit "$RATE" --rate-limit-burst "$BURST" --rate-limit-redis-budget-ms "${FLEET_RATE_BUDGET_MS:-250}" \
    "${REDIS_FLAGS[@]}"
  PID[$1]=$LAST_PID
}

# load_start SLOT: wrk on haproxy until load_stop (SLOT: keys no other load run asks).
LOAD_SLOT=0
load_start() {
  LOAD_OUT=$WORK/$TOPO-load-$LOAD_SLOT.txt
  BENCH_WRK_THREADS=2 BENCH_LUA_HEADERS="x-api-key: $LOAD_KEY" BENCH_FLEET_DELAY_MS=20 \
    timeout 200 wrk -t2 -c4 -d180s --timeout 5s --latency -s bench/lua/fleet.lua "$LB" -- 1 "$LOAD_SLOT" 12 \
    >"$LOAD_OUT" 2>&1 &
  LOAD_PID=$!
  BENCH_PIDS+=("$LOAD_PID")
  LOAD_SLOT=$((LOAD_SLOT + 1))
}
# load_stop CHECK WHAT: stops wrk; its figure (CHECK) fails on any failed request.
load_stop() {
  local failed verdict=PASS
  kill -INT "$LOAD_PID"
  wait "$LOAD_PID" || true
  parse_result "$LOAD_OUT"
  failed=$((R_socket_errors + R_non2xx + R_gql_errors))
  { [ "$failed" -eq 0 ] && [ "$R_checked" -gt 0 ]; } || verdict=FAIL
  figure "$verdict" "$1: $2; load through haproxy: $R_requests requests in ${R_duration_s} s ($(printf %.0f "$R_rps")/s), p99 $(ms "$R_p99_us") ms, failed $failed (socket $R_socket_errors, non-2xx $R_non2xx, GraphQL or no title $R_gql_errors)${SAMPLE:+; first bad: $SAMPLE}"
}

# ---- one topology -----------------------------------------------------------------------
# start_redis_topology: this topology's Redis; sets REDIS_FLAGS (empty: skipped).
start_redis_topology() {
  local dir=$WORK/$TOPO-redis list=() port
  mkdir -p "$dir"
  REDIS_PID_OF=()
  REDIS_FLAGS=()
  case $TOPO in
    single)
      redis_node "$dir" "$REDIS_BASE"
      REDIS_PID_OF[$REDIS_BASE]=$LAST_PID
      REDIS_FLAGS=(--cache-redis-url "redis://127.0.0.1:$REDIS_BASE")
      ;;
    sentinel)
      if ! has_flag --cache-redis-sentinels; then
        figure SKIPPED "sentinel: the binary has no --cache-redis-sentinels"
        return 0
      fi
      redis_sentinel_topology "$dir" "$REDIS_BASE" "$SENTINEL_BASE" fleet
      for port in "${SENTINEL_PORTS[@]}"; do list+=("127.0.0.1:$port"); done
      REDIS_FLAGS=(--cache-redis-sentinels "$(IFS=,; echo "${list[*]}")" --cache-redis-sentinel-master fleet)
      if has_flag --rate-limit-redis-sentinels; then
        REDIS_FLAGS+=(--rate-limit-redis-sentinels "$(IFS=,; echo "${list[*]}")" --rate-limit-redis-sentinel-master fleet)
      fi
      ;;
    cluster)
      if ! has_flag --cache-redis-cluster; then
        figure SKIPPED "cluster: the binary has no --cache-redis-cluster"
        return 0
      fi
      redis_cluster_topology "$dir" "$CLUSTER_BASE"
      for port in "${CLUSTER_PORTS[@]}"; do list+=("redis://127.0.0.1:$port"); done
      REDIS_FLAGS=(--cache-redis-cluster "$(IFS=,; echo "${list[*]}")")
      if has_flag --rate-limit-redis-cluster; then
        REDIS_FLAGS+=(--rate-limit-redis-cluster "$(IFS=,; echo "${list[*]}")")
      fi
      ;;
    *) die "FLEET_TOPOLOGIES: $TOPO is not single, sentinel or cluster" ;;
  esac
}

# kill_master: SIGKILLs this topology's Redis master; sets KILLED, T_KILL, SLOTS
# (Cluster: the killed master's) and NEXT (Cluster: its replica).
kill_master() {
  SLOTS=
  case $TOPO in
    single) KILLED=$REDIS_BASE ;;
    sentinel) KILLED=$(sentinel_master_port "$SENTINEL_BASE" fleet) ;;
    cluster)
      read -r KILLED NEXT SLOTS < <(cluster_first_master "$CLUSTER_BASE")
      [ -n "$NEXT" ] || die "no master with a replica in CLUSTER NODES"
      ;;
  esac
  kill_now "${REDIS_PID_OF[$KILLED]}"
  T_KILL=$(now)
}

# await_master: until the next master is elected (single node: restarted); sets
# NEW_MASTER, ELECTED (unix time it was seen), ELECTION_S and HOW.
await_master() {
  local i
  case $TOPO in
    single)
      sleep 1 # down for a second, then back empty on its port (what a restart does)
      redis_node "$WORK/$TOPO-redis" "$REDIS_BASE"
      REDIS_PID_OF[$REDIS_BASE]=$LAST_PID
      NEW_MASTER=$REDIS_BASE
      HOW="restarted empty, answering PING"
      ;;
    sentinel)
      for ((i = 0; i < 1500; i++)); do
        NEW_MASTER=$(sentinel_master_port "$SENTINEL_BASE" fleet)
        [ -n "$NEW_MASTER" ] && [ "$NEW_MASTER" != "$KILLED" ] && break
        sleep 0.02
      done
      [ "$NEW_MASTER" != "$KILLED" ] || die "no failover within 30 s of killing :$KILLED"
      HOW="promoted, as sentinel :$SENTINEL_BASE reports (get-master-addr-by-name)"
      ;;
    cluster)
      for ((i = 0; i < 1500; i++)); do
        [ "$(redis_role "$NEXT")" = master ] && break
        sleep 0.02
      done
      [ "$(redis_role "$NEXT")" = master ] || die "replica :$NEXT not promoted within 30 s of killing :$KILLED"
      NEW_MASTER=$NEXT
      HOW="its replica promoted (ROLE), slots $SLOTS"
      ;;
  esac
  ELECTED=$(now)
  ELECTION_S=$(awk -v a="$T_KILL" -v b="$ELECTED" 'BEGIN {printf "%.1f", b - a}')
}

# outage_check_start: when the binary keeps invalidations for a Redis that is down
# (an outbox: cache.unsentInvalidations in /readyz), starts the check that changes
# and invalidates 20 products while the master is down (after DIR/killed) and
# measures from the election (DIR/elected); sets OUTAGE (its folder, empty: skipped).
outage_check_start() {
  local i
  OUTAGE=
  if ! curl -s --max-time 2 "http://127.0.0.1:$((BASE + 1))/readyz" | jq -e '.detail.cache | has("unsentInvalidations")' >/dev/null; then
    figure SKIPPED "invalidation-during-outage: the binary keeps no invalidation for a Redis that is down (no cache.unsentInvalidations in /readyz)"
    return 0
  fi
  OUTAGE=$WORK/$TOPO-outage
  mkdir -p "$OUTAGE"
  python3 bench/fleet.py invalidate --replicas "$(IFS=,; echo "${REPLICA_PORTS[*]}")" \
    --upstream "$UP_PORT" --admin-token "$ADMIN_TOKEN" --api-key "$LOAD_KEY" --first $((t_index * 100 + 25)) \
    --name invalidation-during-outage --outage "$OUTAGE" --limit-ms 10000 --timeout 30 \
    >"$OUTAGE/figure.txt" 2>&1 &
  OUTAGE_PID=$!
  BENCH_PIDS+=("$OUTAGE_PID")
  for ((i = 0; i < 1500; i++)); do
    [ -e "$OUTAGE/warm" ] && return 0
    kill -0 "$OUTAGE_PID" 2>/dev/null || break
    sleep 0.02
  done
  touch "$OUTAGE/killed" # let it end
}

run_topology() {
  local n t_index=$1 port rc
  log "---- topology: $TOPO ($(elapsed) s)"
  start_redis_topology
  [ ${#REDIS_FLAGS[@]} -gt 0 ] || return 0
  for n in 1 2 3 4 5; do start_replica "$n" first; done
  for n in 1 2 3 4 5; do wait_http "http://127.0.0.1:$((BASE + n))/readyz"; done
  for n in 1 2 3 4 5; do wait_lb "$n" UP; done
  log "$TOPO: 5 replicas UP behind haproxy ($(elapsed) s)"

  load_start
  check python3 bench/fleet.py invalidate --replicas "$(IFS=,; echo "${REPLICA_PORTS[*]}")" \
    --upstream "$UP_PORT" --admin-token "$ADMIN_TOKEN" --api-key "$LOAD_KEY" --first $((t_index * 100))
  check python3 bench/fleet.py rate --lb "$LB_PORT" --greedy-key "$GREEDY_KEY" --modest-key "$MODEST_KEY" \
    --rate "$RATE" --burst "$BURST" --seconds "$RATE_S"
  load_stop load "during the invalidation and rate checks"

  load_start
  sleep 2
  outage_check_start
  kill_master
  [ -z "$OUTAGE" ] || touch "$OUTAGE/killed"
  await_master
  [ -z "$OUTAGE" ] || echo "$ELECTED" >"$OUTAGE/elected"
  log "$TOPO: master :$KILLED killed; :$NEW_MASTER $HOW $ELECTION_S s later"
  check python3 bench/fleet.py shared-tier --replicas "$(IFS=,; echo "${REPLICA_PORTS[*]}")" \
    --redis-port "$NEW_MASTER" --elected "$ELECTED" --api-key "$LOAD_KEY" --first $((t_index * 100000)) \
    ${SLOTS:+--slots "$SLOTS"}
  if [ -n "$OUTAGE" ]; then
    rc=0
    wait "$OUTAGE_PID" || rc=$?
    check_figure invalidation-during-outage "$rc" "$(cat "$OUTAGE/figure.txt")"
  fi
  # An invalidation right after the failover: the replicas follow invalidations on
  # the new master (their subscription, or stream, came back with the connection).
  check python3 bench/fleet.py invalidate --replicas "$(IFS=,; echo "${REPLICA_PORTS[*]}")" \
    --upstream "$UP_PORT" --admin-token "$ADMIN_TOKEN" --api-key "$LOAD_KEY" --first $((t_index * 100 + 50)) \
    --name invalidation-after-failover
  load_stop failover "master :$KILLED SIGKILLed, :$NEW_MASTER $HOW after $ELECTION_S s"

  load_start
  sleep 1
  for n in 1 2 3 4 5; do roll_replica "$n" rolled "http://127.0.0.1:$((BASE + n))"; done
  sleep 1
  load_stop rollout "5 replicas replaced one by one (SIGTERM, DOWN in haproxy, drained, new one UP)"

  for n in 1 2 3 4 5; do stop "${PID[$n]}"; done
  for port in "${!REDIS_PID_OF[@]}"; do stop "${REDIS_PID_OF[$port]}" 2; done
}

t_index=0
for TOPO in $TOPOLOGIES; do
  run_topology "$t_index"
  t_index=$((t_index + 1))
done

echo
echo "fleet test ($("$BIN" --version 2>/dev/null || echo catalog-gateway), $PROFILE build, 5 replicas behind haproxy, --rate-limit $RATE --rate-limit-burst $BURST), $(elapsed) s:"
printf '%s\n' "${FIGURES[@]}"
if [ "$FAILED" -ne 0 ]; then
  die "fleet test: a check failed (logs in $WORK)"
fi
echo "fleet test: PASS"
