#!/usr/bin/env bash
# Refreshes the barcode reader that /scan falls back to (browsers without a native
# BarcodeDetector: Firefox, Safari on iOS, desktop Linux and Windows Chrome) from npm:
#   barcode-detector (BarcodeDetector ponyfill, MIT) and zxing-wasm (ZXing-C++ as
#   WebAssembly, MIT), pinned in assets/scan/vendor/package.json + package-lock.json.
# Writes, under assets/scan/vendor/:
#   barcode-detector.js.gz  dist/iife/ponyfill.js (registers window.BarcodeDetectionAPI)
#   zxing_reader.wasm.gz    the reader-only wasm (the writer is not needed)
#   LICENSES.txt            both packages' licences and versions
# zopfli --i15: reproducible bytes (no name, no time), committed with this script; the
# binary embeds the .gz and serves them with Content-Encoding: gzip (src/http/apps/scan.rs).
# To move to a newer version: edit package.json, run `make vendor-scan UPDATE=1`
# (re-resolves the lock), review the diff, run `make test-browser`.
set -euo pipefail
command -v zopfli >/dev/null || { echo "vendor-scan: install zopfli (apt-get install zopfli)" >&2; exit 1; }
cd "$(dirname "$0")/.."
vendor=assets/scan/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$vendor/package.json" "$work/"
[ -f "$vendor/package-lock.json" ] && cp "$vendor/package-lock.json" "$work/"
if [ "${UPDATE:-0}" = 1 ] || [ ! -f "$work/package-lock.json" ]; then
  (cd "$work" && npm install --no-audit --no-fund --silent)
  cp "$work/package-lock.json" "$vendor/package-lock.json"
else
  (cd "$work" && npm ci --no-audit --no-fund --silent)
fi

modules=$work/node_modules
js=$modules/barcode-detector/dist/iife/ponyfill.js
wasm=$modules/zxing-wasm/dist/reader/zxing_reader.wasm

# The ponyfill checks nothing about the wasm it loads: check it is the one it was built
# with (zxing-wasm publishes the hash in the JS as ZXING_WASM_SHA256).
expected=$(grep -o 'ZXING_WASM_SHA256=[a-z]*' "$js" | head -1 | sed 's/.*=//')
hash_var=$expected
[ -n "$hash_var" ] && expected=$(grep -o "var $hash_var=\`[0-9a-f]\{64\}\`" "$js" | grep -o '[0-9a-f]\{64\}' || true)
actual=$(sha256sum "$wasm" | cut -d' ' -f1)
if [ -n "$expected" ] && [ "$expected" != "$actual" ]; then
  echo "vendor-scan: zxing_reader.wasm is $actual, the JS expects $expected" >&2
  exit 1
fi

zopfli --i15 -c "$js" >"$vendor/barcode-detector.js.gz"
zopfli --i15 -c "$wasm" >"$vendor/zxing_reader.wasm.gz"

version() { node -p "require('$modules/$1/package.json').version"; }
{
  echo "Files under assets/scan/vendor/, built by scripts/vendor-scan.sh from npm."
  echo "barcode-detector.js.gz: barcode-detector $(version barcode-detector) (dist/iife/ponyfill.js)"
  echo "zxing_reader.wasm.gz:   zxing-wasm $(version zxing-wasm) (dist/reader/zxing_reader.wasm, sha256 $actual)"
  echo
  echo "==== barcode-detector $(version barcode-detector) ===="
  cat "$modules/barcode-detector/LICENSE"
  echo
  echo "==== zxing-wasm $(version zxing-wasm) ===="
  cat "$modules/zxing-wasm/LICENSE"
  echo
  echo "zxing-wasm compiles ZXing-C++ (https://github.com/zxing-cpp/zxing-cpp), Apache License 2.0."
} >"$vendor/LICENSES.txt"
ls -l "$vendor"
