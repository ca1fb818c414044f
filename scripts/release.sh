#!/usr/bin/env bash
# The production build: optimised WASM split into page groups, with brotli
# and gzip copies beside every file for /pkg to serve.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${XDG_CACHE_HOME:-$HOME/.cache}/usnumhub-tools/node_modules/.bin:$PATH"

cargo leptos build --release --split --precompress

# cargo-leptos writes its gzip copies at a middling level (the main WASM
# module 321 KB against 275 KB with gzip -9); browsers that do not take
# brotli get these. Redo them at the best level: zopfli when installed
# (about 5 % smaller again), else gzip -9.
pkg=target/site/pkg
for gz in "$pkg"/*.gz; do
  src=${gz%.gz}
  [ -f "$src" ] || continue
  if command -v zopfli >/dev/null; then
    zopfli -c "$src" > "$gz.tmp"
  else
    gzip -9 -n -c "$src" > "$gz.tmp"
  fi
  mv "$gz.tmp" "$gz"
done
echo "release site in $pkg (gzip copies recompressed with $(command -v zopfli >/dev/null && echo zopfli || echo 'gzip -9'))"

# wasm-split can leave every page group's strings in the main module, which
# every page loads (see SPLIT_SLACK in frontend/src/lib.rs): fail loudly.
if command -v python3 >/dev/null; then
  python3 scripts/wasm_data_check.py "$pkg"
fi
