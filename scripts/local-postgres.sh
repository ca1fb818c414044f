#!/usr/bin/env bash
# Starts the machine's PostgreSQL (installed but stopped on our machines)
# and gives the current user a superuser role for test databases.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null; then
  echo "[postgres] installing PostgreSQL"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
fi
cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  as_root pg_createcluster 15 main
  cluster="15 main"
fi
# shellcheck disable=SC2086
as_root pg_ctlcluster $cluster start 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h /var/run/postgresql && break
  sleep 1
done
pg_isready -h /var/run/postgresql
me=$(id -un)
if ! as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$me'\"" | grep -q 1; then
  as_root su postgres -c "createuser -s $me"
fi
