# Helpers shared by bench/run.sh and bench/rollout.sh (sourced, not run).
# Every process started here is recorded in BENCH_PIDS and stopped by bench_cleanup.

BENCH_PIDS=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# Installs what is missing (as root, e.g. in CI); otherwise says what to install.
ensure_tools() {
  local missing=() tool pkg
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing tools: ${missing[*]} (apt-get install -y ${missing[*]})"
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  pkg=("${missing[@]}")
  apt-get install -y -qq --no-install-recommends "${pkg[@]}" >/dev/null
}

# start NAME LOGFILE CMD...: starts CMD in the background; sets LAST_PID.
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
# ensure_tailcall: fetches Tailcall (npm package @tailcallhq/core-linux-x64-gnu, a
# native binary) with `npm pack` into a cache outside git, once; sets TAILCALL_BIN.
# 1.0.0 is the last version whose binary runs on this machine's glibc.
TAILCALL_VERSION=${TAILCALL_VERSION:-1.0.0}
TAILCALL_CACHE=${TAILCALL_CACHE:-target/bench-cache/tailcall-$TAILCALL_VERSION}
ensure_tailcall() {
  TAILCALL_BIN=$TAILCALL_CACHE/package/bin/tailcall
  if [ ! -x "$TAILCALL_BIN" ]; then
    ensure_tools npm tar
    mkdir -p "$TAILCALL_CACHE"
    log "fetching Tailcall $TAILCALL_VERSION (npm pack @tailcallhq/core-linux-x64-gnu) into $TAILCALL_CACHE"
    (cd "$TAILCALL_CACHE" && npm pack --silent "@tailcallhq/core-linux-x64-gnu@$TAILCALL_VERSION" >/dev/null &&
      tar xzf "tailcallhq-core-linux-x64-gnu-$TAILCALL_VERSION.tgz") || die "could not fetch Tailcall"
  fi
  "$TAILCALL_BIN" --version >/dev/null 2>&1 || die "$TAILCALL_BIN does not run here"
}

# tailcall_config TEMPLATE OUT PORT UPSTREAM_URL PRODUCT_CACHE: renders a Tailcall config.
tailcall_config() {
  sed -e "s/@@PORT@@/$3/" -e "s#@@UPSTREAM@@#$4#g" -e "s/@@PRODUCT_CACHE@@/$5/" "$1" >"$2"
}

# vm_rss_kb PID: resident set size now (VmRSS) in kB.
vm_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# built_from: the commit the binary is built from, and whether the tree differed from
# it (the results files aside); read when building, so edits made while a run goes on
# are not blamed on it.
built_from() {
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- . ':(exclude)bench/results' 2>/dev/null || echo ' (+ uncommitted changes)')"
}
