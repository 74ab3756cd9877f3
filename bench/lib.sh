# shellcheck shell=bash
# Helpers shared by the bench/*.sh scripts (sourced, not run).
# Every process started here is recorded in BENCH_PIDS and stopped by bench_cleanup.

BENCH_PIDS=()
WRK_PIN=() # see run_wrk

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# ensure_tools TOOL...: installs what is missing (as root, e.g. in CI; redis-cli comes
# from redis-tools); otherwise says what to install.
ensure_tools() {
  local missing=() tool pkg=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 && continue
    missing+=("$tool")
    # A tool's Debian package, where its name is not the tool's.
    case $tool in
      redis-cli) pkg+=(redis-tools) ;;
      *) pkg+=("$tool") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing tools: ${missing[*]} (apt-get install -y ${pkg[*]})"
  fi
  log "installing ${pkg[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkg[@]}" >/dev/null
}

# start NAME LOGFILE CMD...: starts CMD in the background; sets LAST_PID.
# pinned CPU COMMAND...: COMMAND (a program, or a shell function that execs one) bound to
# CPU, so that its runtime sizes its thread pool to that one CPU; for `start`.
pinned() {
  local cpu=$1
  shift
  taskset -p -c "$cpu" "$BASHPID" >/dev/null
  if declare -F "$1" >/dev/null; then "$@"; else exec "$@"; fi
}

start() {
  local name=$1 logfile=$2
  shift 2
  "$@" >"$logfile" 2>&1 &
  LAST_PID=$!
  BENCH_PIDS+=("$LAST_PID")
  log "started $name (pid $LAST_PID)"
}

# stop PID [TIMEOUT_S]: SIGTERM, wait up to TIMEOUT_S (default 10), then SIGKILL.
stop() {
  local pid=$1 limit=${2:-10} i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < limit * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
  local pid i alive
  for pid in "${BENCH_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  # Up to 8 s for draining replicas (drain delay + in-flight), then SIGKILL.
  for ((i = 0; i < 160; i++)); do
    alive=0
    for pid in "${BENCH_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.05
  done
  for pid in "${BENCH_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    { wait "$pid"; } 2>/dev/null || true
  done
  BENCH_PIDS=()
  return 0
}

# wait_http URL [TIMEOUT_S]: until URL answers 200.
wait_http() {
  local url=$1 limit=${2:-30} i
  for ((i = 0; i < limit * 50; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url")" = 200 ] && return 0
    sleep 0.02
  done
  die "$url not ready after ${limit}s"
}

# http_code URL: the status code (000 when nothing answers).
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true; }

# readyz_counters BASE_URL: "CALLS MISSES HITS" from /readyz detail.
readyz_counters() {
  curl -s --max-time 2 "$1/readyz" |
    jq -r '"\(.detail.upstream.calls) \(.detail.cache.misses) \(.detail.cache.hits)"'
}

# vm_hwm_kb PID: peak resident set size (VmHWM) in kB.
vm_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# cpu_ticks PID: user + system CPU time in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# graphql BASE_URL QUERY: POSTs one query, prints the body.
graphql() {
  curl -s --max-time 5 "$1/graphql" -H 'content-type: application/json' \
    -d "$(jq -cn --arg q "$2" '{query: $q}')"
}

# machine_facts: sets CPU_MODEL, NPROC, LOAD_BEFORE and OTHERS (what else takes > 5 %
# CPU), and logs them.
machine_facts() {
  CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  NPROC=$(nproc)
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  OTHERS=$(ps -eo pcpu=,comm= --sort=-pcpu | awk '$1 > 5 {printf "%s%s (%s%%)", sep, $2, $1; sep=", "}')
  log "machine: $NPROC x $CPU_MODEL; load $LOAD_BEFORE; busy: ${OTHERS:-nothing}"
}

# ---- build profile ------------------------------------------------------------------
# The profile benchmarks build with: `dist` (what the image ships) when Cargo.toml
# defines it, else `release`. Sets PROFILE_FLAG (cargo flag) and PROFILE_DIR
# (target/<dir>).
select_profile() {
  # BENCH_PROFILE=release: the quick no-LTO build, for a look while iterating (the
  # recorded figures use dist, what ships).
  if [ "${BENCH_PROFILE:-}" = release ]; then
    PROFILE_FLAG=(--release)
    PROFILE_DIR=release
  elif grep -q '^\[profile\.dist\]' Cargo.toml; then
    PROFILE_FLAG=(--profile dist)
    PROFILE_DIR=dist
  else
    PROFILE_FLAG=(--release)
    PROFILE_DIR=release
  fi
}

# ---- Tailcall (the peer of the side-by-side runs) -------------------------------------
# The side by side runs every version of TAILCALL_VERSIONS: by default 1.0.0 (the last
# whose binary runs on Debian bookworm's glibc 2.36; TAILCALL_VERSION, the old knob,
# still names it) and 1.6.14, the latest release, which needs glibc 2.39.
# ensure_tailcall VERSION: fetches Tailcall VERSION (npm package
# @tailcallhq/core-linux-x64-gnu, a native binary) with `npm pack` into a cache
# outside git, once; when the binary does not run on this machine's C library, runs
# it through Debian trixie's (ensure_trixie_libc), nothing installed system-wide.
# Afterwards `tailcall_exec VERSION ARGS...` replaces the shell with that Tailcall
# (for `start`, whose background subshell then is Tailcall itself; elsewhere run it in
# a subshell).
TAILCALL_VERSION=${TAILCALL_VERSION:-1.0.0}
TAILCALL_VERSIONS=${TAILCALL_VERSIONS:-$TAILCALL_VERSION 1.6.14}
BENCH_CACHE=${BENCH_CACHE:-target/bench-cache}
declare -A TAILCALL_BIN_OF=() TAILCALL_LIBC_OF=()
# tailcall_dir VERSION: where its npm package is unpacked (TAILCALL_CACHE, the old
# knob, for TAILCALL_VERSION).
tailcall_dir() {
  if [ "$1" = "$TAILCALL_VERSION" ] && [ -n "${TAILCALL_CACHE:-}" ]; then
    echo "$TAILCALL_CACHE"
  else
    echo "$BENCH_CACHE/tailcall-$1"
  fi
}
ensure_tailcall() {
  local version=$1 dir bin libc
  dir=$(tailcall_dir "$version")
  bin=$dir/package/bin/tailcall
  if [ ! -x "$bin" ]; then
    ensure_tools npm tar
    mkdir -p "$dir"
    log "fetching Tailcall $version (npm pack @tailcallhq/core-linux-x64-gnu) into $dir"
    (cd "$dir" && npm pack --silent "@tailcallhq/core-linux-x64-gnu@$version" >/dev/null &&
      tar xzf "tailcallhq-core-linux-x64-gnu-$version.tgz") || die "could not fetch Tailcall $version"
  fi
  TAILCALL_BIN_OF[$version]=$bin
  TAILCALL_LIBC_OF[$version]=
  if ! "$bin" --version >/dev/null 2>&1; then
    ensure_trixie_libc
    TAILCALL_LIBC_OF[$version]=$TRIXIE_LIBC
  fi
  (tailcall_exec "$version" --version >/dev/null 2>&1) ||
    die "Tailcall $version does not run here ($( (tailcall_exec "$version" --version 2>&1) | head -c 300))"
  log "Tailcall $version: $bin${TAILCALL_LIBC_OF[$version]:+, through the C library in ${TAILCALL_LIBC_OF[$version]}}"
}
tailcall_exec() {
  local version=$1 libc
  shift
  libc=${TAILCALL_LIBC_OF[$version]}
  if [ -n "$libc" ]; then
    exec "$libc/ld-linux-x86-64.so.2" --library-path "$libc" "${TAILCALL_BIN_OF[$version]}" "$@"
  fi
  exec "${TAILCALL_BIN_OF[$version]}" "$@"
}
# tailcall_runs VERSION: how Tailcall VERSION is started, for the report.
tailcall_runs() {
  if [ -n "${TAILCALL_LIBC_OF[$1]}" ]; then
    echo "${TAILCALL_LIBC_OF[$1]}/ld-linux-x86-64.so.2 --library-path ${TAILCALL_LIBC_OF[$1]} ${TAILCALL_BIN_OF[$1]} start CONFIG"
  else
    echo "${TAILCALL_BIN_OF[$1]} start CONFIG"
  fi
}

# ensure_trixie_libc: Debian trixie's C library (libc6: glibc 2.41, with its loader;
# libgcc-s1) unpacked in TRIXIE_ROOT, once: `apt-get download` through a private apt
# configuration (its own sources list, package lists and cache, under the same
# folder; the machine's apt state is not touched) and `dpkg-deb -x`. Sets
# TRIXIE_LIBC, the folder holding ld-linux-x86-64.so.2 and the libraries.
TRIXIE_ROOT=${TRIXIE_ROOT:-$BENCH_CACHE/trixie-libc}
TRIXIE_MIRROR=${TRIXIE_MIRROR:-http://deb.debian.org/debian}
TRIXIE_PACKAGES=(libc6 libgcc-s1)
ensure_trixie_libc() {
  TRIXIE_LIBC=$TRIXIE_ROOT/root/usr/lib/x86_64-linux-gnu
  [ -x "$TRIXIE_LIBC/ld-linux-x86-64.so.2" ] && [ -e "$TRIXIE_LIBC/libgcc_s.so.1" ] && return 0
  ensure_tools apt-get dpkg-deb
  local apt dir
  dir=$(realpath -m "$TRIXIE_ROOT")
  mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $TRIXIE_MIRROR trixie main" >"$dir/apt/sources.list"
  apt=(-o "Dir::Etc::sourcelist=$dir/apt/sources.list" -o Dir::Etc::sourceparts=-
    -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache"
    -o APT::Architecture=amd64 -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
    -o APT::Sandbox::User=root)
  log "fetching Debian trixie's ${TRIXIE_PACKAGES[*]} (apt-get download, private apt configuration) into $TRIXIE_ROOT"
  apt-get "${apt[@]}" -qq update || die "apt-get update of trixie's package lists failed"
  (cd "$dir/debs" && apt-get "${apt[@]}" -qq download "${TRIXIE_PACKAGES[@]}") ||
    die "apt-get download ${TRIXIE_PACKAGES[*]} (trixie) failed"
  rm -rf "$dir/root"
  local deb
  for deb in "$dir"/debs/*.deb; do
    dpkg-deb -x "$deb" "$dir/root" || die "dpkg-deb -x $deb failed"
  done
  [ -x "$TRIXIE_LIBC/ld-linux-x86-64.so.2" ] || die "no loader in $TRIXIE_LIBC after unpacking trixie's libc6"
}

# tailcall_config TEMPLATE OUT PORT UPSTREAM_URL PRODUCT_CACHE: renders a Tailcall config.
tailcall_config() {
  sed -e "s/@@PORT@@/$3/" -e "s#@@UPSTREAM@@#$4#g" -e "s/@@PRODUCT_CACHE@@/$5/" "$1" >"$2"
}

# ---- production settings (the side by side's "production" configuration) ---------------
# free_port: a TCP port of 127.0.0.1 that nothing listens on now (the kernel's pick).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_redis DIR: a private redis-server on a free 127.0.0.1 port, nothing persisted
# (DIR is its working folder), stopped with everything else at exit; sets REDIS_PORT,
# REDIS_PID, REDIS_URL and REDIS_CMD (how it was started, for the report).
start_redis() {
  local i
  REDIS_PORT=$(free_port)
  REDIS_CMD=(redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --dir "$1")
  start "redis-server :$REDIS_PORT" "$1/redis.log" "${REDIS_CMD[@]}"
  REDIS_PID=$LAST_PID
  REDIS_URL=redis://127.0.0.1:$REDIS_PORT
  for ((i = 0; i < 250; i++)); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.02
  done
  tail -5 "$1/redis.log" >&2
  die "redis-server did not start on port $REDIS_PORT"
}

# redis_reset: an empty Redis with its counters at zero (before each production run).
redis_reset() {
  if ! redis-cli -p "$REDIS_PORT" flushall >/dev/null || ! redis-cli -p "$REDIS_PORT" config resetstat >/dev/null; then
    die "redis-cli on port $REDIS_PORT failed"
  fi
}

# redis_stat FIELD: a field of Redis's INFO (e.g. total_commands_processed).
redis_stat() {
  # awk reads to the end: a reader that stops early would fail the pipe (SIGPIPE).
  redis-cli -p "$REDIS_PORT" info all | tr -d '\r' | awk -F: -v f="$1" '$1 == f {print $2}'
}

# redis_keys: how many keys Redis holds.
redis_keys() { redis-cli -p "$REDIS_PORT" dbsize; }

# trusted_manifest OUT: the trusted-documents manifest of the workloads' operations
# (bench/lua/operations.lua, printed by bench/lua/manifest.lua through wrk's Lua), in
# Apollo's persisted-query manifest format, each operation's id the SHA-256 of its text.
trusted_manifest() {
  wrk -s bench/lua/manifest.lua http://127.0.0.1:9/ | python3 -c '
import hashlib, json, sys
ops = [json.loads(line) for line in sys.stdin if line.strip()]
assert ops, "bench/lua/manifest.lua printed no operation"
json.dump({"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
    {"id": hashlib.sha256(op["body"].encode()).hexdigest(), "name": op["name"], "type": "query",
     "body": op["body"]} for op in ops]}, sys.stdout, indent=1)
' >"$1" || die "could not write the trusted-documents manifest"
}

# random_secret: 32 random hex digits.
random_secret() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# api_keys_file OUT KEY CLIENT: an API keys file with one key (its SHA-256 only).
api_keys_file() {
  jq -n --arg h "$(printf %s "$2" | sha256sum | cut -d' ' -f1)" --arg c "$3" \
    '{keys: [{sha256: $h, client: $c}]}' >"$1"
}

# knobs_command SCRIPT: the command line that ran SCRIPT, with the knobs set in the
# environment (BENCH_*, TAILCALL_*, TRIXIE_*), for the results file.
knobs_command() {
  local var out=""
  while IFS= read -r var; do
    out+="${var%%=*}=$(printf '%q' "${var#*=}") "
  done < <(env | grep -E '^(BENCH|TAILCALL|TRIXIE)_[A-Z0-9_]*=' | sort)
  echo "${out}bash $1"
}

# vm_rss_kb PID: resident set size now (VmRSS) in kB.
vm_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# built_from: the commit the binary is built from, and whether the tree differed from
# it (the results files aside); read when building, so edits made while a run goes on
# are not blamed on it.
built_from() {
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- . ':(exclude)bench/results' 2>/dev/null || echo ' (+ uncommitted changes)')"
}

# ---- wrk runs and their figures (run.sh, mapped.sh) ------------------------------------
# run_wrk SCRIPT URL PHASE SECONDS OUTFILE [SLOT SLOTS [TITLES]]: wrk -t$THREADS -c$CONNS
# (2 and 32 when unset) with bench/lua/SCRIPT.lua, stopped by `timeout` if it hangs.
# TITLES: the "title" members every answer must hold (bench/lua/common.lua).
# LUA_HEADERS: headers every request sends ("name: value" lines; common.lua).
# WRK_PIN (an array, empty by default) prefixes wrk's command, e.g. (taskset -c 1).
run_wrk() {
  BENCH_WRK_THREADS="${THREADS:-2}" BENCH_LUA_HEADERS="${LUA_HEADERS:-}" \
    "${WRK_PIN[@]}" timeout $(($4 + 30)) wrk -t"${THREADS:-2}" -c"${CONNS:-32}" -d"$4s" --timeout 2s --latency \
    -s "bench/lua/$1.lua" "$2" -- "$3" "${6:-0}" "${7:-1}" ${8:+"$8"} >"$5" 2>&1 || true
}

# parse_result FILE: sets R_requests R_rps R_p50_us ... from the RESULT line, and SAMPLE
# (the first bad response, if any).
parse_result() {
  local line
  line=$(grep '^RESULT ' "$1" || true)
  [ -n "$line" ] || { cat "$1" >&2; die "no RESULT in $1"; }
  R_requests=0 R_duration_s=0 R_rps=0 R_p50_us=0 R_p90_us=0 R_p99_us=0 R_max_us=0
  R_socket_errors=0 R_non2xx=0 R_gql_errors=0 R_checked=0 R_reused=0
  eval "$(tr ' ' '\n' <<<"${line#RESULT }" | sed 's/^/R_/')"
  SAMPLE=$(sed -n 's/^SAMPLE //p' "$1" | head -c 300)
}

ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }
met() { if awk "BEGIN {exit !($1)}"; then echo met; else echo "**not met**"; fi; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN {if (b == 0) print "–"; else printf f, a / b}'; }
# per_request TICKS REQUESTS: CPU clock ticks as µs per request.
per_request() { div "$(($1 * 1000000 / $(getconf CLK_TCK)))" "$2" "%.1f"; }
# median FORMAT NUMBER...: the middle one (the mean of the two middle ones for an even
# count), printed with FORMAT.
median() {
  local f=$1
  shift
  printf '%s\n' "$@" | sort -g |
    awk -v f="$f" '{v[NR] = $1} END {printf f, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
# range NUMBER...: "lowest–highest" with two decimals.
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 {a = $1} {b = $1} END {printf "%.2f–%.2f", a, b}'; }

# ---- mapped sources (issue 23) -----------------------------------------------------------
# The gateway through the upstream presets `openfoodfacts` and `commercetools`, each
# against the demo catalog speaking that API (`demo-catalog --dialect`, 0 ms), next to
# the native contract (catalog-api, the default; read without the mapping language).
# For every round, workload and source in turn (interleaved, so a burst of other load
# hits all three alike): a fresh gateway (the flags of run.sh's scenarios), a warm-up,
# then a measured wrk run of bench/lua/WORKLOAD.lua with every response checked (status,
# "errors", the titles each answer must hold). Each run walks its own key slot, so no
# run asks a key another run asked. Goal: gateway CPU per request through a preset at
# most 1.15x the native contract's, with zero errors.
#
# The caller sets BIN, WORK, WARMUP, MAPPED_WORKLOADS, MAPPED_DURATION, MAPPED_ROUNDS;
# mapped_bench measures, mapped_report prints the Markdown; MAPPED_FAILED=1 on errors.
MAPPED_SOURCES=(native openfoodfacts commercetools)
declare -A MAPPED_LABEL=([native]="native (catalog-api)" [openfoodfacts]="openfoodfacts preset" [commercetools]="commercetools preset")
declare -A MAPPED_UP_PORT=([native]=19191 [openfoodfacts]=19192 [commercetools]=19193)
declare -A MAPPED_UP_PID=()
MAPPED_GW_PORT=19180
# The demo commercetools' OAuth client (loopback mock, not a secret).
MAPPED_CLIENT=(--client-id bench-gateway --client-secret bench-mock-secret)
MAPPED_CLIENT_ENV=(CATALOG_UPSTREAM_CLIENT_ID=bench-gateway CATALOG_UPSTREAM_CLIENT_SECRET=bench-mock-secret)
declare -A MAPPED_FRESH=([cold]=1 [basket]=32)  # fresh distinct keys per request
declare -A MAPPED_TITLES=([cold]=1 [basket]=40) # titles each answer must hold
declare -A M_RPS M_P50 M_P99 M_CPU M_UP_CPU M_CPR M_KPC M_RSS M_ERR M_NERRORS
MAPPED_ROWS=()
MAPPED_FAILED=0
MAPPED_GOAL_RATIO=1.15

# wait_answer URL [TIMEOUT_S]: until anything answers HTTP at URL (any status).
wait_answer() {
  local i
  for ((i = 0; i < ${2:-30} * 50; i++)); do
    [ "$(http_code "$1")" != 000 ] && return 0
    sleep 0.02
  done
  die "nothing answers at $1 after ${2:-30}s"
}

mapped_start_upstreams() {
  local src port dialect
  for src in "${MAPPED_SOURCES[@]}"; do
    port=${MAPPED_UP_PORT[$src]}
    case $src in
      native) dialect=() ;;
      commercetools) dialect=(--dialect commercetools "${MAPPED_CLIENT[@]}") ;;
      *) dialect=(--dialect "$src") ;;
    esac
    start "demo catalog ($src)" "$WORK/mapped-upstream-$src.log" \
      "$BIN" demo-catalog --listen "127.0.0.1:$port" "${dialect[@]}"
    MAPPED_UP_PID[$src]=$LAST_PID
    wait_answer "http://127.0.0.1:$port/"
  done
}

# mapped_gateway SOURCE LOGFILE: a fresh gateway in front of SOURCE's demo catalog,
# ready; sets GW_PID. A gateway that exits (a preset that does not load) fails the run.
mapped_gateway() {
  local up=http://127.0.0.1:${MAPPED_UP_PORT[$1]} url=http://127.0.0.1:$MAPPED_GW_PORT envs=() args i
  case $1 in
    native) args=(--upstream-url "$up") ;;
    commercetools) args=(--upstream-preset commercetools --upstream-url "$up/demo-project")
      envs=("${MAPPED_CLIENT_ENV[@]}") ;;
    *) args=(--upstream-preset "$1" --upstream-url "$up") ;;
  esac
  start "gateway ($1)" "$2" env "${envs[@]}" "$BIN" --listen "127.0.0.1:$MAPPED_GW_PORT" "${args[@]}" \
    --rcn-region GB --drain-delay-ms 0 --shutdown-timeout-ms 2000 --log-format json
  GW_PID=$LAST_PID
  for ((i = 0; i < 1500; i++)); do
    [ "$(http_code "$url/readyz")" = 200 ] && return 0
    kill -0 "$GW_PID" 2>/dev/null || { tail -5 "$2" >&2; die "the gateway ($1) exited (log $2)"; }
    sleep 0.02
  done
  tail -5 "$2" >&2
  die "the gateway ($1) not ready after 30 s (log $2)"
}

# mapped_run ROUND WORKLOAD SOURCE SLOT SLOTS: one measured run; fills M_*[ROUND/WORKLOAD/SOURCE].
mapped_run() {
  local wl=$2 src=$3 key=$1/$2/$3 name=$WORK/mapped-$1-$2-$3 url=http://127.0.0.1:$MAPPED_GW_PORT
  local up_pid=${MAPPED_UP_PID[$3]} c0 c1 t0 t1 u0 u1 hwm errors
  log "mapped sources, round $1: $wl through ${MAPPED_LABEL[$src]}"
  mapped_gateway "$src" "$name.log"
  run_wrk "$wl" "$url" 0 "$WARMUP" "$name-warmup.txt" "$4" "$5" "${MAPPED_TITLES[$wl]}"
  sleep 0.3
  read -r c0 _ _ < <(readyz_counters "$url")
  t0=$(cpu_ticks "$GW_PID")
  u0=$(cpu_ticks "$up_pid")
  run_wrk "$wl" "$url" 1 "$MAPPED_DURATION" "$name.txt" "$4" "$5" "${MAPPED_TITLES[$wl]}"
  t1=$(cpu_ticks "$GW_PID")
  u1=$(cpu_ticks "$up_pid")
  sleep 0.3
  read -r c1 _ _ < <(readyz_counters "$url")
  hwm=$(vm_hwm_kb "$GW_PID")
  stop "$GW_PID"
  parse_result "$name.txt"
  errors=$((R_socket_errors + R_non2xx + R_gql_errors + R_reused))
  [ "$R_checked" -gt 0 ] || errors=$((errors + 1))
  if [ "$errors" -gt 0 ]; then
    MAPPED_FAILED=1
    log "$wl through $src: errors (socket $R_socket_errors, non-2xx $R_non2xx, GraphQL/missing titles $R_gql_errors, keys reused $R_reused, checked $R_checked): $SAMPLE (gateway log $name.log, wrk $name.txt)"
  fi
  M_NERRORS[$key]=$errors
  M_ERR[$key]="$R_socket_errors / $R_non2xx / $R_gql_errors / $R_reused"
  M_RPS[$key]=$(printf '%.0f' "$R_rps")
  M_P50[$key]=$(ms "$R_p50_us")
  M_P99[$key]=$(ms "$R_p99_us")
  M_CPU[$key]=$(per_request "$((t1 - t0))" "$R_requests")
  M_UP_CPU[$key]=$(per_request "$((u1 - u0))" "$R_requests")
  M_CPR[$key]=$(div "$((c1 - c0))" "$R_requests" "%.3f")
  M_KPC[$key]=$(div "$((R_requests * MAPPED_FRESH[$wl]))" "$((c1 - c0))" "%.1f")
  M_RSS[$key]=$(div "$hwm" 1024 "%.1f")
  log "$wl through $src: ${M_RPS[$key]} req/s, p99 ${M_P99[$key]} ms, gateway CPU ${M_CPU[$key]} µs/req, upstream calls/req ${M_CPR[$key]}, keys/call ${M_KPC[$key]}, errors ${M_ERR[$key]}"
}

# mapped_goal KEY: the goal cell of a mapped run against the native run of its round.
mapped_goal() {
  local native=${1%/*}/native
  if [ "${M_NERRORS[$1]}" -gt 0 ] || [ "${M_NERRORS[$native]}" -gt 0 ]; then
    echo "**not met** (errors)"
  else
    met "${M_CPU[$1]} <= $MAPPED_GOAL_RATIO * ${M_CPU[$native]}"
  fi
}

mapped_bench() {
  local wl src round slot=0 slots key ratio goal
  for wl in $MAPPED_WORKLOADS; do
    [ -n "${MAPPED_FRESH[$wl]:-}" ] || die "BENCH_MAPPED_WORKLOADS: $wl is not one of ${!MAPPED_FRESH[*]}"
  done
  slots=$((MAPPED_ROUNDS * $(wc -w <<<"$MAPPED_WORKLOADS") * ${#MAPPED_SOURCES[@]}))
  MAPPED_LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  mapped_start_upstreams
  for round in $(seq "$MAPPED_ROUNDS"); do
    for wl in $MAPPED_WORKLOADS; do
      for src in "${MAPPED_SOURCES[@]}"; do
        mapped_run "$round" "$wl" "$src" "$slot" "$slots"
        slot=$((slot + 1))
      done
      for src in "${MAPPED_SOURCES[@]}"; do
        key=$round/$wl/$src
        ratio="1.00 (base)" goal="–"
        if [ "$src" != native ]; then
          ratio="**$(div "${M_CPU[$key]}" "${M_CPU[$round/$wl/native]}" "%.2f")×**"
          goal=$(mapped_goal "$key")
        fi
        MAPPED_ROWS+=("| $round | $wl | ${MAPPED_LABEL[$src]} | ${M_RPS[$key]} | ${M_P50[$key]} | ${M_P99[$key]} | ${M_CPU[$key]} | $ratio | ${M_CPR[$key]} | ${M_KPC[$key]} | ${M_UP_CPU[$key]} | ${M_RSS[$key]} | ${M_ERR[$key]} | $goal |")
      done
    done
  done
  for src in "${MAPPED_SOURCES[@]}"; do stop "${MAPPED_UP_PID[$src]}"; done
  MAPPED_LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
}

# mapped_summary WORKLOAD SOURCE: a row over every round (medians; the goal on the
# median ratio, and zero errors in every run).
mapped_summary() {
  local wl=$1 src=$2 round key ratios=() cpus=() natives=() rps=() p99=() cprs=() errors=0 ratio goal
  for round in $(seq "$MAPPED_ROUNDS"); do
    key=$round/$wl/$src
    ratios+=("$(div "${M_CPU[$key]}" "${M_CPU[$round/$wl/native]}" "%.6f")")
    cpus+=("${M_CPU[$key]}")
    natives+=("${M_CPU[$round/$wl/native]}")
    rps+=("${M_RPS[$key]}")
    p99+=("${M_P99[$key]}")
    cprs+=("${M_CPR[$key]}")
    errors=$((errors + M_NERRORS[$key] + M_NERRORS[$round/$wl/native]))
  done
  ratio=$(median %.4f "${ratios[@]}")
  goal=$(met "$ratio <= $MAPPED_GOAL_RATIO")
  [ "$errors" -eq 0 ] || goal="**not met** (errors)"
  echo "| $wl | ${MAPPED_LABEL[$src]} | $(median %.0f "${rps[@]}") | $(median %.2f "${p99[@]}") | $(median %.1f "${cpus[@]}") | $(median %.1f "${natives[@]}") | **$(printf '%.2f' "$ratio")×** ($(range "${ratios[@]}")) | $(median %.3f "${cprs[@]}") | $errors | $goal |"
}

mapped_report() {
  local wl src
  echo "## Mapped sources (issue 23)"
  echo
  echo "- load: wrk -t${THREADS:-2} -c${CONNS:-32}, ${WARMUP} s warm-up then ${MAPPED_DURATION} s measured per run; $MAPPED_ROUNDS round(s) of every workload through every source in turn (interleaved), a fresh gateway per run, every response checked (status, \"errors\", ${MAPPED_TITLES[cold]} title per cold answer, ${MAPPED_TITLES[basket]} per basket answer), each run on keys no other run asked"
  echo "- sources, each its own demo catalog (0 ms): native = \`demo-catalog\` with \`--upstream-url\` (catalog-api, the default preset); openfoodfacts = \`demo-catalog --dialect openfoodfacts\` with \`--upstream-preset openfoodfacts\`; commercetools = \`demo-catalog --dialect commercetools --client-id … --client-secret …\` with \`--upstream-preset commercetools\` (OAuth2 client credentials from the environment)"
  echo "- gateway: --rcn-region GB --drain-delay-ms 0 --shutdown-timeout-ms 2000 --log-format json (logs to a file); CPU = the gateway's user + system time over the measured run / requests; demo catalog CPU likewise for the upstream process"
  echo "- load average before $MAPPED_LOAD_BEFORE, after $MAPPED_LOAD_AFTER"
  echo
  echo "| round | workload | source | req/s | p50 ms | p99 ms | gateway CPU µs/req | CPU/req vs native | upstream calls/req | keys/call | demo catalog CPU µs/req | peak RSS MB | errors socket / non-2xx / GraphQL / keys reused | goal: ≤ ${MAPPED_GOAL_RATIO}× native CPU/request, zero errors |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
  printf '%s\n' "${MAPPED_ROWS[@]}"
  echo
  echo "Over the $MAPPED_ROUNDS round(s), medians (ratio: the median of each round's ratio, then its range):"
  echo
  echo "| workload | source | req/s | p99 ms | gateway CPU µs/req | native CPU µs/req | CPU/req vs native (range) | upstream calls/req | errors (incl. native's) | goal: ≤ ${MAPPED_GOAL_RATIO}× native CPU/request, zero errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
  for wl in $MAPPED_WORKLOADS; do
    for src in "${MAPPED_SOURCES[@]}"; do
      [ "$src" = native ] || mapped_summary "$wl" "$src"
    done
  done
}

# ---- a fleet behind haproxy (rollout.sh, canary.sh) ------------------------------------
# haproxy_fleet_config OUT LB_PORT STATS_PORT PORT...: haproxy on LB_PORT balancing round
# robin over replicas r1.. on 127.0.0.1:PORT..., health-checking GET /readyz every 200 ms
# (one failure marks a replica DOWN, two successes UP), its stats on STATS_PORT.
haproxy_fleet_config() {
  local out=$1 lb=$2 stats=$3 n=0 port
  shift 3
  {
    cat <<EOF
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
    bind 127.0.0.1:$lb
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    default-server check inter 200 fastinter 200 downinter 200 fall 1 rise 2
EOF
    for port in "$@"; do
      n=$((n + 1))
      echo "    server r$n 127.0.0.1:$port"
    done
    cat <<EOF

listen stats
    bind 127.0.0.1:$stats
    stats enable
    stats uri /stats
EOF
  } >"$out"
  haproxy -c -q -f "$out" || die "haproxy config invalid"
}

# lb_status N: haproxy's view of replica rN (UP, DOWN, "UP 1/2", ...), from $STATS.
lb_status() { curl -s --max-time 1 "$STATS" | awk -F, -v s="r$1" '$1 == "replicas" && $2 == s {print $18}'; }

# wait_lb N STATUS [TIMEOUT_S]: until haproxy reports replica rN as STATUS.
wait_lb() {
  local i
  for ((i = 0; i < ${3:-10} * 50; i++)); do
    [ "$(lb_status "$1")" = "$2" ] && return 0
    sleep 0.02
  done
  die "haproxy never marked r$1 $2 (now: $(lb_status "$1"))"
}

# await_exit N PID: replica rN (PID, a child of this shell), sent SIGTERM, exits
# with status 0 within its drain delay and shutdown timeout (DRAIN_MS, SHUTDOWN_MS).
await_exit() {
  local n=$1 pid=$2 rc=0 i
  for ((i = 0; i < (DRAIN_MS + SHUTDOWN_MS) / 20 + 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  kill -0 "$pid" 2>/dev/null && die "r$n did not exit within drain + shutdown timeout"
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || die "r$n exited with $rc"
}

# roll_replica N VARIANT URL: replaces replica rN the way an orchestrator does it, under
# load: SIGTERM -> haproxy marks it DOWN -> it exits 0 (drain) -> `start_replica N
# VARIANT` (the caller's; it sets PID[N]) -> ready at URL -> haproxy marks it UP. Logs
# the timings. PID is the caller's associative array of replica pids.
roll_replica() {
  local n=$1 t old=${PID[$1]} down exited ready up
  t=$(date +%s%N)
  log "r$n: SIGTERM (pid $old)"
  kill -TERM "$old"
  wait_lb "$n" DOWN 5
  down=$(date +%s%N)
  await_exit "$n" "$old"
  exited=$(date +%s%N)
  start_replica "$n" "$2"
  wait_http "$3/readyz" 10
  ready=$(date +%s%N)
  wait_lb "$n" UP 5
  up=$(date +%s%N)
  log "r$n replaced: DOWN in LB after $(((down - t) / 1000000)) ms, exited after $(((exited - t) / 1000000)) ms, new ready after $(((ready - exited) / 1000000)) ms, UP in LB after $(((up - t) / 1000000)) ms total"
}

# ---- Redis topologies on loopback (fleet.sh) -----------------------------------------
# Every server is started with `start` (stopped at exit), binds 127.0.0.1 only and
# persists nothing; DIR is the working folder of them all.

# redis_node DIR PORT [ARGS...]: a redis-server on 127.0.0.1:PORT answering PING; sets
# LAST_PID. ARGS are added to its command line (e.g. --replicaof, --cluster-enabled).
redis_node() {
  local dir=$1 port=$2 i
  shift 2
  start "redis-server :$port" "$dir/redis-$port.log" redis-server --bind 127.0.0.1 --port "$port" \
    --save "" --appendonly no --dir "$dir" "$@"
  for ((i = 0; i < 250; i++)); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "$LAST_PID" 2>/dev/null || break
    sleep 0.02
  done
  tail -5 "$dir/redis-$port.log" >&2
  die "redis-server did not start on port $port"
}

# redis_sentinel_topology DIR MASTER_PORT SENTINEL_PORT NAME: a master on MASTER_PORT,
# two replicas on the next two ports, three sentinels on SENTINEL_PORT.. (quorum 2,
# down after 1 s) watching it as NAME; until the sentinels see both replicas. Sets
# SENTINEL_PORTS and REDIS_PID_OF (pid by port).
declare -A REDIS_PID_OF=()
redis_sentinel_topology() {
  local dir=$1 master=$2 first=$3 name=$4 port i conf
  redis_node "$dir" "$master"
  REDIS_PID_OF[$master]=$LAST_PID
  for port in $((master + 1)) $((master + 2)); do
    redis_node "$dir" "$port" --replicaof 127.0.0.1 "$master"
    REDIS_PID_OF[$port]=$LAST_PID
  done
  SENTINEL_PORTS=()
  for port in "$first" $((first + 1)) $((first + 2)); do
    conf=$dir/sentinel-$port.conf # a sentinel rewrites its file: one each
    cat >"$conf" <<CONF
bind 127.0.0.1
port $port
dir $dir
sentinel monitor $name 127.0.0.1 $master 2
sentinel down-after-milliseconds $name 1000
sentinel failover-timeout $name 10000
sentinel parallel-syncs $name 1
CONF
    start "redis sentinel :$port" "$dir/sentinel-$port.log" redis-server "$conf" --sentinel
    REDIS_PID_OF[$port]=$LAST_PID
    SENTINEL_PORTS+=("$port")
  done
  for ((i = 0; i < 500; i++)); do
    [ "$(redis-cli -p "$first" sentinel replicas "$name" 2>/dev/null | grep -c '^ip$')" = 2 ] &&
      [ "$(redis-cli -p "$first" sentinel sentinels "$name" 2>/dev/null | grep -c '^ip$')" = 2 ] &&
      { redis_links_up "$master" $((master + 1)) $((master + 2)); return 0; }
    sleep 0.02
  done
  die "the sentinels did not see the two replicas and each other within 10 s"
}

# sentinel_master_port SENTINEL_PORT NAME: the master's port as that sentinel knows it.
sentinel_master_port() { redis-cli -p "$1" sentinel get-master-addr-by-name "$2" 2>/dev/null | sed -n 2p; }

# redis_links_up PORT...: until every replica among PORTs has its link to its master up
# (a replica that never synced refuses to be promoted: its data is too old).
redis_links_up() {
  local i port up
  for ((i = 0; i < 500; i++)); do
    up=0
    for port in "$@"; do
      redis-cli -p "$port" info replication 2>/dev/null | tr -d '\r' |
        grep -q -e '^role:master' -e '^master_link_status:up' && up=$((up + 1))
    done
    [ "$up" -eq $# ] && return 0
    sleep 0.02
  done
  die "a Redis replica's link to its master is not up after 10 s"
}

# redis_cluster_topology DIR FIRST_PORT: six cluster nodes on FIRST_PORT.. (their bus on
# port + 10000), three masters with one replica each, until every node says
# cluster_state:ok and every replica is in sync. Sets CLUSTER_PORTS and REDIS_PID_OF.
redis_cluster_topology() {
  local dir=$1 first=$2 port i ok nodes=()
  CLUSTER_PORTS=()
  for ((port = first; port < first + 6; port++)); do
    redis_node "$dir" "$port" --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
      --cluster-node-timeout 1500
    REDIS_PID_OF[$port]=$LAST_PID
    CLUSTER_PORTS+=("$port")
    nodes+=("127.0.0.1:$port")
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/cluster-create.log" 2>&1 ||
    { tail -5 "$dir/cluster-create.log" >&2; die "redis-cli --cluster create failed"; }
  for ((i = 0; i < 500; i++)); do
    ok=0
    for port in "${CLUSTER_PORTS[@]}"; do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && ok=$((ok + 1))
    done
    [ "$ok" -eq 6 ] && { redis_links_up "${CLUSTER_PORTS[@]}"; return 0; }
    sleep 0.02
  done
  die "the cluster was not ok on every node within 10 s"
}

# cluster_first_master PORT: "MASTER_PORT REPLICA_PORT SLOTS" of the master holding slot
# 0 and its replica, as node PORT sees them (SLOTS: ranges like 0-5460, comma separated).
cluster_first_master() {
  redis-cli -p "$1" cluster nodes | awk '
    {split($2, a, "[:@]"); port[$1] = a[2]}
    $3 ~ /master/ { for (i = 9; i <= NF; i++) if ($i ~ /^0(-|$)/) { m = $1; s = $9; for (j = 10; j <= NF; j++) s = s "," $j } }
    $3 ~ /slave/ { of[$4] = $1 }
    END { if (m != "" && of[m] != "") print port[m], port[of[m]], s }'
}

# redis_role PORT: master or slave (empty when nothing answers).
redis_role() { redis-cli -p "$1" role 2>/dev/null | head -1; }
