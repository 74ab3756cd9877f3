#!/usr/bin/env bash
# `make canary-test` (CI): `make canary` promotes a good build and rolls back a bad one.
#
# Both runs use this tree's build as the stable version. The good canary is the same
# build. The bad canary is the same binary started by a wrapper that points it at a
# second demo catalog answering every 20th call with a 500 (`demo-catalog
# --fail-every 20`): a build whose catalog client fails 5 % of its calls, as a broken
# client or a wrong upstream setting would. Short analysis windows (3 x 4 s).
# CANARY_PROFILE=debug (CI) reuses `make test`'s build.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap bench_cleanup EXIT

PROFILE=${CANARY_PROFILE:-release}
FLAGS=()
[ "$PROFILE" = release ] && FLAGS=(--release)
cargo build "${FLAGS[@]}" --locked --quiet --bin catalog-gateway
WORK=$(mktemp -d /tmp/catalog-canary-test.XXXXXX)
BIN=$WORK/catalog-gateway
cp "target/$PROFILE/catalog-gateway" "$BIN"

start "failing demo catalog" "$WORK/failing-demo.log" "$BIN" demo-catalog --listen 127.0.0.1:18291 --fail-every 20
# shellcheck disable=SC2016 # the wrapper's own $1 and args, written as they are
{
  echo '#!/usr/bin/env bash'
  echo '# The canary under test: the same build, its upstream failing 5 % of calls.'
  echo 'args=()'
  echo 'while [ $# -gt 0 ]; do'
  echo '  if [ "$1" = --upstream-url ]; then args+=(--upstream-url http://127.0.0.1:18291); shift 2; continue; fi'
  echo '  args+=("$1"); shift'
  echo 'done'
  echo "exec \"$BIN\" \"\${args[@]}\""
} >"$WORK/bad-canary"
chmod +x "$WORK/bad-canary"

export CANARY_INTERVALS=3 CANARY_INTERVAL_S=4
rc=0
CANARY_BIN=$BIN STABLE_BIN=$BIN bash bench/canary.sh || rc=$?
[ "$rc" -eq 0 ] || die "a good build was not promoted (exit $rc)"
log "good build promoted"
rc=0
CANARY_BIN=$WORK/bad-canary STABLE_BIN=$BIN bash bench/canary.sh || rc=$?
[ "$rc" -eq 3 ] || die "a build failing 5 % of its upstream calls was not rolled back (exit $rc)"
log "bad build rolled back"
echo "canary test: PASS"
