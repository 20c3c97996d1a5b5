#!/usr/bin/env bash
# Local PostgreSQL for development, tests and benchmarks, without Docker.
#   postgres.sh install   install Debian's postgresql package if no server binaries are found
#   postgres.sh start     init a cluster in the cache (once), start it on 127.0.0.1:$PGPORT, create role and db
#   postgres.sh stop      stop it (fast shutdown)
#   postgres.sh status    exit 0 when it accepts connections
# Environment: SLUICE_CACHE (default ~/.cache/sluice), PGPORT (5432), PG_DATA_DIR.
# The database and role are both "sluice" (password "sluice"): DATABASE_URL=postgres://sluice:sluice@127.0.0.1:5432/sluice
set -euo pipefail
cache=${SLUICE_CACHE:-$HOME/.cache/sluice}
port=${PGPORT:-5432}
# As root the cluster belongs to the postgres user, who cannot enter /root: keep it under /var/lib then.
if [ "$(id -u)" -eq 0 ]; then data=${PG_DATA_DIR:-/var/lib/sluice/postgres}; else data=${PG_DATA_DIR:-$cache/run/postgres}; fi
log() { printf '[postgres.sh] %s\n' "$*" >&2; }

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }; done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

install() {
  if bindir >/dev/null; then return 0; fi
  log "installing Debian's postgresql package"
  if [ "$(id -u)" -ne 0 ]; then log "PostgreSQL is not installed and this user cannot apt-get install it; run as root: apt-get install -y postgresql"; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  # The package starts a system cluster on 5432; Sluice runs its own cluster in the cache instead.
  if command -v pg_ctlcluster >/dev/null; then
    for c in /etc/postgresql/*/main; do [ -d "$c" ] && pg_ctlcluster "$(basename "$(dirname "$c")")" main stop 2>/dev/null || true; done
  fi
}

# PostgreSQL refuses to run as root: as root, run it as the 'postgres' system user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    runuser -u postgres -- "$@"
  else "$@"; fi
}

status() { "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$port"; }

start() {
  install
  local bin; bin=$(bindir)
  if status 2>/dev/null; then log "already accepting connections on 127.0.0.1:$port"; ensure_db; return 0; fi
  mkdir -p "$data"
  if [ "$(id -u)" -eq 0 ]; then as_owner true; chown postgres "$data"; chmod 700 "$data"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising a cluster in $data"
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 15min
max_wal_size = 2GB
CONF
  fi
  log "starting PostgreSQL on 127.0.0.1:$port"
  as_owner "$bin/pg_ctl" -D "$data" -o "-p $port" -l "$data/server.log" -w -t 60 start >/dev/null
  ensure_db
}

ensure_db() {
  local bin; bin=$(bindir)
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qtAc "SELECT 1 FROM pg_roles WHERE rolname='sluice'" | grep -q 1 \
    || "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE ROLE sluice LOGIN PASSWORD 'sluice' CREATEDB"
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='sluice'" | grep -q 1 \
    || "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE sluice OWNER sluice"
  log "PostgreSQL ready: postgres://sluice:sluice@127.0.0.1:$port/sluice"
}

stop() {
  local bin; bin=$(bindir) || return 0
  [ -f "$data/postmaster.pid" ] || { log "not running"; return 0; }
  as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null && log "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
