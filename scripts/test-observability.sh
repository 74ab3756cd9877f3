#!/usr/bin/env bash
# make test-observability: deploy/observability's rules checked and unit-tested by
# promtool, then the dashboard's queries and the rules run by a real Prometheus
# scraping a gateway under load (tests/observability/live_check.py). Installs
# Debian's prometheus (promtool with it) when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # The package starts a system-wide Prometheus; the test runs its own.
    (systemctl stop prometheus || service prometheus stop || pkill -x prometheus) >/dev/null 2>&1 || true
  else
    echo "make test-observability needs prometheus and promtool: apt-get install prometheus" >&2
    exit 1
  fi
fi

promtool check rules deploy/observability/recording.yaml deploy/observability/alerts.yaml
(cd deploy/observability && promtool test rules alerts.test.yaml)
# The Argo canary analysis's queries parse too (its args filled in): each becomes a
# recording rule of a scratch file promtool checks.
analysis=$(mktemp --suffix=.yaml)
python3 - deploy/argo/analysis-template.yaml "$analysis" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
queries = re.findall(r"query: \|\n((?:\s{12}.*\n?)+)", text)
assert queries, "no query in the analysis template"
rules = [{"record": f"analysis:query{i}", "expr": re.sub(r"\{\{args\.[a-z-]+\}\}", "x", q)}
         for i, q in enumerate(queries)]
json.dump({"groups": [{"name": "argo-analysis", "rules": rules}]}, open(sys.argv[2], "w"))
PY
promtool check rules "$analysis"
rm -f "$analysis"
# A rate limit the load's greedy client exceeds, so refusals have a series too.
scripts/with-gateway.sh --rate-limit 20 --rate-limit-burst 20 --client-id-header x-client-id \
  -- python3 tests/observability/live_check.py '{url}'
