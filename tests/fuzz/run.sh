#!/usr/bin/env bash
# make test-fuzz: Schemathesis (GraphQL mode) against a running gateway over its
# introspected schema: FUZZ_EXAMPLES cases per root field (4 fields: some thousands
# in all), bounded by FUZZ_MAX_SECONDS. Fails on a 5xx, a malformed answer, an
# untyped or undocumented error, a server failure in `errors`, or an answer slower
# than 5 s (a hang). Typed per-item errors are expected answers: see
# tests/fuzz/typed_answers.py for why Schemathesis's own `not_a_server_error` is
# replaced. The fuzzer is installed from PyPI into target/fuzz-venv, once.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=target/fuzz-venv
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/fuzz/requirements.txt
fi

examples=${FUZZ_EXAMPLES:-1000}
seconds=${FUZZ_MAX_SECONDS:-90}
export SCHEMATHESIS_HOOKS=typed_answers PYTHONPATH=tests/fuzz
scripts/with-gateway.sh -- "$venv/bin/schemathesis" --config-file tests/fuzz/schemathesis.toml \
  run '{url}/graphql' \
  --max-examples "$examples" --max-time "$seconds" \
  --checks all --exclude-checks not_a_server_error \
  --max-response-time 5 --workers 2
