#!/usr/bin/env bash
# `make bench-mapped`: gateway CPU per request through the mapped presets
# (openfoodfacts, commercetools), each against the demo catalog speaking that API,
# next to the native contract: the "Mapped sources" part of `make bench-load` alone
# (mapped_bench in bench/lib.sh says what is measured), with more rounds. Loopback
# only; every run is bounded in time; every process started is stopped on exit.
#
# knobs: BENCH_MAPPED_WORKLOADS ("cold basket"), BENCH_MAPPED_DURATION (6 s measured
#        per run), BENCH_MAPPED_ROUNDS (3), BENCH_WARMUP (2 s), BENCH_CONNECTIONS (32),
#        BENCH_THREADS (2), BENCH_MAPPED_OUT (bench/results/mapped.md),
#        BENCH_BIN=path (measure that binary, e.g. one built from a clean checkout of a
#        commit, instead of building target/<profile>/catalog-gateway from this tree;
#        BENCH_BIN_FROM=text says in the results what it was built from)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

MAPPED_WORKLOADS=${BENCH_MAPPED_WORKLOADS:-cold basket}
MAPPED_DURATION=${BENCH_MAPPED_DURATION:-6}
MAPPED_ROUNDS=${BENCH_MAPPED_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
OUT=${BENCH_MAPPED_OUT:-bench/results/mapped.md}
select_profile
BIN=${BENCH_BIN:-target/$PROFILE_DIR/catalog-gateway}
WORK=$(mktemp -d /tmp/catalog-mapped.XXXXXX)

ensure_tools wrk jq curl
if [ -z "${BENCH_BIN:-}" ]; then
  BUILT_FROM="${PROFILE_FLAG[*]} build of $(built_from)"
  log "building (${PROFILE_FLAG[*]})"
  cargo build "${PROFILE_FLAG[@]}" --locked --quiet --bin catalog-gateway
else
  [ -x "$BIN" ] || die "BENCH_BIN=$BIN: no such executable"
  BUILT_FROM="BENCH_BIN=$BIN (built $(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC')${BENCH_BIN_FROM:+, from $BENCH_BIN_FROM})"
fi
machine_facts

mapped_bench

{
  echo "# Benchmark results: mapped sources"
  echo
  echo "- when: $(date -u '+%Y-%m-%d %H:%M UTC'), $BUILT_FROM"
  echo "- machine: $NPROC CPUs, $CPU_MODEL; load average before $LOAD_BEFORE; busy at start (>5 % CPU): ${OTHERS:-nothing}"
  echo "- command: bash bench/mapped.sh (BENCH_MAPPED_ROUNDS=$MAPPED_ROUNDS BENCH_MAPPED_DURATION=$MAPPED_DURATION BENCH_MAPPED_WORKLOADS=\"$MAPPED_WORKLOADS\" BENCH_WARMUP=$WARMUP)"
  echo
  mapped_report
} | tee "$OUT"
log "written to $OUT (logs in $WORK)"
[ "$MAPPED_FAILED" -eq 0 ] || die "a run had errors (see the table; logs in $WORK)"
