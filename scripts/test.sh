#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests on SQLite and (when
# reachable) PostgreSQL, then the Playwright journeys in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${CARGO_TARGET_DIR:?set by the Makefile}"
# `cargo test` relinks target/debug/server with the test feature set; the
# browser tests use the binary `cargo leptos build` just made.
server_bin="$CARGO_TARGET_DIR/e2e/server"
mkdir -p "$CARGO_TARGET_DIR/e2e"
cp -f "$CARGO_TARGET_DIR/debug/server" "$server_bin"
export SERVER_BIN="$server_bin"
pg_url="${TEST_DATABASE_URL:-postgres:///postgres?host=/var/run/postgresql}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

if DATABASE_URL="$pg_url" USNH_DATA_DIR="$(mktemp -d)" "$server_bin" check >/dev/null 2>&1; then
  echo "PostgreSQL reachable at $pg_url: the suite runs on SQLite and PostgreSQL."
  export TEST_REQUIRE_POSTGRES=1
elif [ "${TEST_REQUIRE_POSTGRES:-1}" != 0 ]; then
  echo "PostgreSQL is required but unreachable at $pg_url (TEST_REQUIRE_POSTGRES=0 skips it)" >&2
  exit 1
else
  printf '\n\033[1;33m%s\n%s\n%s\033[0m\n\n' \
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" \
    "!!! PostgreSQL SKIPPED (TEST_REQUIRE_POSTGRES=0): the tests run on SQLite only" \
    "!!! Unset it, or set TEST_DATABASE_URL, to test PostgreSQL too." >&2
fi

# `make bench` builds the benchmarks in release; one that no longer
# compiles must fail here, not at the next benchmark run.
CARGO_INCREMENTAL=0 cargo check -p server --benches --quiet

# Incremental state is for the edit loop; for a test run it is only disk.
# Four tests at a time: they wait on I/O far more than on the CPU
# (183 integration tests: 160 s one at a time, 62 s four at a time on 2 cores).
CARGO_INCREMENTAL=0 cargo test -p app -p server --no-fail-fast -- --test-threads=4 2>&1 | tee "$log"
rust_passed=$(grep -oE 'test result: .* ([0-9]+) passed' "$log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')

(cd end2end && npx playwright test) 2>&1 | tee "$log"
e2e_passed=$(grep -oE '^ +[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')

echo
echo "rust: $rust_passed passed, end2end: $e2e_passed passed"
echo "$((rust_passed + e2e_passed)) passed, 0 failed"
