#!/usr/bin/env bash
# Writes the .gz next to each large embedded asset that the binary stores compressed
# (GraphiQL's bundles: 1.53 MB raw, 0.63 MB gzip; the release image has a 20 MB budget).
# The raw files stay in git as the reviewable source; a unit test in
# src/http/apps/graphiql.rs fails when a .gz does not decompress to its raw file, so run
# this (`make gzip-assets`) after replacing one. gzip -9 -n: reproducible bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
for file in assets/graphiql/graphiql.min.js assets/graphiql/graphiql.min.css \
            assets/graphiql/react.production.min.js assets/graphiql/react-dom.production.min.js; do
  gzip -9 -n -c "$file" >"$file.gz"
  echo "$file: $(stat -c %s "$file") -> $(stat -c %s "$file.gz") bytes"
done
