#!/usr/bin/env bash
# Installs what the build and the tests need, only when it is missing.
#   scripts/setup.sh build   wasm32 target, cargo-leptos, wasm-bindgen CLI
#   scripts/setup.sh test    the above, plus end2end npm packages, Chromium,
#                            Firefox ESR, openssl and a running local PostgreSQL
#   scripts/setup.sh bench   the build tools, plus wasm-opt and zopfli for
#                            release builds, and PostgreSQL
#   scripts/setup.sh release the build tools, wasm-opt and zopfli
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
# Must equal the wasm-bindgen crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if ! cargo-leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
}

ensure_wasm_bindgen() {
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
    # --locked fails for this version; the CLI must match the crate exactly.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

ensure_npm_packages() {
  local stamp=end2end/node_modules/.lock-sha
  local want
  want=$(sha256sum end2end/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing end2end npm packages from package-lock.json"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    echo "$want" > "$stamp"
  fi
}

ensure_chromium() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$path" ]; then
    say "installing Debian's Chromium for the browser tests"
    apt_install chromium
  fi
}

# One journey runs in Firefox too (end2end/tests/firefox.spec.ts).
ensure_firefox() {
  local path="${FIREFOX_PATH:-/usr/bin/firefox-esr}"
  if [ ! -x "$path" ]; then
    say "installing Debian's Firefox ESR for the browser tests"
    apt_install firefox-esr
  fi
}

# The HTTPS browser test makes its own self-signed certificate.
ensure_openssl() {
  if ! command -v openssl >/dev/null; then
    say "installing openssl (the HTTPS browser test's certificate)"
    apt_install openssl
  fi
}

# Release builds optimise the WASM with wasm-opt; Debian's binaryen is too
# old for cargo-leptos, the npm package binaryen@132 is not.
TOOLS_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/usnumhub-tools"
ensure_wasm_opt() {
  if ! command -v wasm-opt >/dev/null && [ ! -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]; then
    say "installing wasm-opt (npm binaryen@132) into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund binaryen@132
  fi
}

# The release build recompresses its gzip copies with zopfli when present.
ensure_zopfli() {
  if ! command -v zopfli >/dev/null; then
    say "installing zopfli (best gzip copies of the release files)"
    apt_install zopfli
  fi
}

# The tests and benches run on PostgreSQL too: the local server (installed
# and started when missing) unless TEST_DATABASE_URL names another one, or
# TEST_REQUIRE_POSTGRES=0 says to skip it.
ensure_postgres() {
  if [ -z "${TEST_DATABASE_URL:-}" ] && [ "${TEST_REQUIRE_POSTGRES:-1}" != 0 ]; then
    scripts/local-postgres.sh
  fi
}

case "${1:-build}" in
  build) ensure_wasm_target; ensure_cargo_leptos; ensure_wasm_bindgen ;;
  release) ensure_wasm_target; ensure_cargo_leptos; ensure_wasm_bindgen; ensure_wasm_opt; ensure_zopfli ;;
  bench) ensure_wasm_target; ensure_cargo_leptos; ensure_wasm_bindgen; ensure_wasm_opt; ensure_zopfli; ensure_postgres ;;
  test) ensure_wasm_target; ensure_cargo_leptos; ensure_wasm_bindgen; ensure_npm_packages; ensure_chromium; ensure_firefox; ensure_openssl; ensure_postgres ;;
  *) echo "usage: $0 build|test|bench|release" >&2; exit 2 ;;
esac
