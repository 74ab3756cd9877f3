#!/usr/bin/env bash
# `make capacity`: re-runs what docs/capacity.md is computed from, and its plot.
#
# 1. examples/cache_zipf.rs: the real ProductCache under Zipf popularity over 16 million
#    items (s 0.8-1.1, --cache-max-mb 16-512, 3 replicas, 2,000 requests/s of 30 items)
#    -> target/capacity/zipf.csv (one to two minutes of one core per s; run niced);
# 2. examples/redis_footprint.rs against a redis-server started here on a free loopback
#    port (nothing persisted, stopped on exit) -> target/capacity/redis.csv;
# 3. scripts/capacity-plot.py (matplotlib from PyPI, in a venv under target/)
#    -> docs/capacity-hit-ratio.png.
#
# Knobs: CAPACITY_ZIPF_ARGS (extra flags for cache_zipf, e.g. "--s 0.9 --mb 64"),
#        CAPACITY_REDIS_ARGS (extra flags for redis_footprint), CAPACITY_NICE (10).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

OUT=target/capacity
NICE=(nice -n "${CAPACITY_NICE:-10}")
mkdir -p "$OUT"
ensure_tools redis-server redis-cli

log "building the examples (release)"
"${NICE[@]}" cargo build --release --locked --quiet --example cache_zipf --example redis_footprint

log "cache_zipf ${CAPACITY_ZIPF_ARGS:-}"
# shellcheck disable=SC2086 # the knob is a list of flags
"${NICE[@]}" target/release/examples/cache_zipf --out "$OUT/zipf.csv" ${CAPACITY_ZIPF_ARGS:-}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start redis-server "$OUT/redis-server.log" redis-server --port "$port" --bind 127.0.0.1 \
  --save '' --appendonly no
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
log "redis_footprint on $(redis-server --version | cut -d' ' -f1-3)"
# shellcheck disable=SC2086
"${NICE[@]}" target/release/examples/redis_footprint --redis-url "redis://127.0.0.1:$port" \
  ${CAPACITY_REDIS_ARGS:-} | tee "$OUT/redis.csv"

venv=target/capacity-venv
if ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  log "installing matplotlib into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet matplotlib
fi
"$venv/bin/python" scripts/capacity-plot.py "$OUT/zipf.csv" docs/capacity-hit-ratio.png
log "wrote $OUT/zipf.csv, $OUT/redis.csv and docs/capacity-hit-ratio.png"
