#!/usr/bin/env bash
# The server binary serving HTTPS itself, as a deployment without a proxy
# does (HTTP/2 by ALPN, Secure __Host- cookies, HSTS), from a self-signed
# certificate made for this run in its data directory.
set -euo pipefail
: "${USNH_DATA_DIR:?}" "${SERVER_BIN:?}"
mkdir -p "$USNH_DATA_DIR"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$USNH_DATA_DIR/key.pem" -out "$USNH_DATA_DIR/cert.pem" 2>/dev/null
export USNH_TLS_CERT_FILE="$USNH_DATA_DIR/cert.pem" USNH_TLS_KEY_FILE="$USNH_DATA_DIR/key.pem"
exec "$SERVER_BIN"
