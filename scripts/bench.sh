#!/usr/bin/env bash
# Builds the release site (optimised WASM), runs every benchmark, prints
# their tables and puts them at the top of BENCHMARKS.md with the machine
# and the date (earlier results stay below for comparison).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:?set by the Makefile}"

scripts/release.sh
# Measure the production server, whose views are type-erased as
# cargo-leptos builds them: `cargo bench` relinks target/release/server
# without that, and its pages render about a fifth faster than ours do.
mkdir -p "$CARGO_TARGET_DIR/bench"
cp -f "$CARGO_TARGET_DIR/release/server" "$CARGO_TARGET_DIR/bench/server"
export BENCH_SERVER_BIN="$CARGO_TARGET_DIR/bench/server"
out=$(mktemp)
for bench in sign_in live_delivery throughput; do
  echo "### $bench" | tee -a "$out"
  cargo bench -q -p server --bench "$bench" 2>/dev/null | tee -a "$out"
  echo | tee -a "$out"
done

cores=$(nproc)
memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
section=$(mktemp)
{
  echo "## $(date -u +%Y-%m-%d) — make bench"
  echo
  echo "Machine: $cores cores ($cpu), $memory memory, $(. /etc/os-release && echo "$PRETTY_NAME"), $(rustc --version | cut -d' ' -f1-2)."
  echo
  grep -E '^(###|\||$|\()' "$out" | sed 's/^### \(.*\)/**\1**/' | cat -s
} > "$section"
# Newest first: after the introduction (everything before the first "## ").
awk -v section="$section" '
  !done && /^## / { while ((getline line < section) > 0) print line; print ""; done = 1 }
  { print }
' BENCHMARKS.md > BENCHMARKS.md.new && mv BENCHMARKS.md.new BENCHMARKS.md
echo "Results added to BENCHMARKS.md"
