#!/usr/bin/env bash
# Writes the .gz next to each large embedded asset that the binary stores compressed
# (GraphiQL's bundles: 1.53 MB raw, 0.63 MB gzip; the release image has a 20 MB budget).
# The raw files stay in git as the reviewable source; a unit test in
# src/http/apps/graphiql.rs fails when a .gz does not decompress to its raw file, so run
# this (`make gzip-assets`) after replacing one. zopfli --i15: reproducible bytes, 1–5 %
# smaller than gzip -9, which is what the image's budget needs (apt-get install zopfli).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v zopfli >/dev/null || { echo "gzip-assets: install zopfli (apt-get install zopfli)" >&2; exit 1; }
for file in assets/graphiql/graphiql.min.js assets/graphiql/graphiql.min.css \
            assets/graphiql/react.production.min.js assets/graphiql/react-dom.production.min.js; do
  zopfli --i15 -c "$file" >"$file.gz"
  echo "$file: $(stat -c %s "$file") -> $(stat -c %s "$file.gz") bytes"
done
