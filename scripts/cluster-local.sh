#!/usr/bin/env bash
# A local Citus cluster on this machine: a coordinator and two workers, each a separate
# PostgreSQL 15 instance with its own port and data directory (docs/citus.md).
#   npm run cluster:local                 start (initialise on first use); prints DATABASE_URL
#   npm run cluster:local -- --stop       stop the instances (data kept)
#   npm run cluster:local -- --reset      stop and wipe the data directories
#   npm run cluster:local -- --spare      also start a spare worker (not in the cluster) on the
#                                         next port, for the rebalance test to add
# Needs Citus installed for the local PostgreSQL (bash scripts/setup-citus.sh) and pgvector.
# Ports: CITUS_PORT (coordinator, default 9700), workers on the next ports. Data: CITUS_DATA_DIR
# (default /tmp/acp-citus). Shards per table: CITUS_SHARD_COUNT (default 8). Instances run as the
# postgres OS user when started by root.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
BASE_PORT=${CITUS_PORT:-9700}
DATA_DIR=${CITUS_DATA_DIR:-/tmp/acp-citus}
WORKERS=2
APP_DB=acp
HOST=127.0.0.1

log() { echo "[cluster] $*" >&2; }
die() {
  echo "[cluster] ERROR: $*" >&2
  exit 1
}

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

node_dir() { echo "$DATA_DIR/node$1"; }
node_port() { echo $((BASE_PORT + $1)); }

psql_node() { # psql_node <port> <db> <sql...>
  local port=$1 db=$2
  shift 2
  PGOPTIONS="-c client_min_messages=warning" psql -h "$HOST" -p "$port" -U postgres -d "$db" -v ON_ERROR_STOP=1 -qAtX "$@"
}

running() { [[ -f "$(node_dir "$1")/postmaster.pid" ]] && as_pg "$PG_BIN/pg_ctl" -D "$(node_dir "$1")" status >/dev/null 2>&1; }

stop_all() {
  local i
  for i in 0 1 2 3; do
    if running "$i"; then
      log "stopping node$i (port $(node_port "$i"))"
      as_pg "$PG_BIN/pg_ctl" -D "$(node_dir "$i")" -m fast -w stop >/dev/null
    fi
  done
}

init_node() {
  local i=$1 dir port
  dir=$(node_dir "$i")
  port=$(node_port "$i")
  [[ -f "$dir/PG_VERSION" ]] && return 0
  log "initialising node$i in $dir"
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$DATA_DIR" "$dir"; fi
  chmod 700 "$dir"
  as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$dir/postgresql.conf" <<EOF
# --- local Citus cluster (scripts/cluster-local.sh) ---
listen_addresses = '$HOST'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus'
citus.enable_statistics_collection = off
# Shards per distributed table: 8 on this one-machine cluster (a rebalance moves a few shard
# groups, not 16); production clusters keep Citus's 32 (docs/citus.md#production-topology).
citus.shard_count = ${CITUS_SHARD_COUNT:-8}
# SET LOCAL (the similarity search's HNSW settings) reaches the workers a transaction uses
citus.propagate_set_commands = 'local'
wal_level = logical
max_connections = 300
max_prepared_transactions = 300
max_worker_processes = 32
max_replication_slots = 16
max_wal_senders = 16
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
}

start_node() {
  local i=$1
  running "$i" && return 0
  as_pg "$PG_BIN/pg_ctl" -D "$(node_dir "$i")" -l "$(node_dir "$i")/server.log" -w -t 60 start >/dev/null ||
    die "node$i did not start; see $(node_dir "$i")/server.log"
}

# The citus and vector extensions in one database of one node (creating the database if needed).
prepare_db() {
  local port=$1 db=$2
  if [[ -z $(psql_node "$port" postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
    psql_node "$port" postgres -c "CREATE DATABASE $db" >/dev/null
  fi
  # Only when missing: once a worker is in the cluster, Citus refuses DDL on it (even a no-op).
  local ext
  for ext in citus vector; do
    if [[ -z $(psql_node "$port" "$db" -c "SELECT 1 FROM pg_extension WHERE extname = '$ext'") ]]; then
      psql_node "$port" "$db" -c "CREATE EXTENSION $ext" >/dev/null
    fi
  done
}

add_workers() { # in one database of the coordinator
  local db=$1 i port
  psql_node "$(node_port 0)" "$db" -c "SELECT citus_set_coordinator_host('$HOST', $(node_port 0))" >/dev/null
  for ((i = 1; i <= WORKERS; i++)); do
    port=$(node_port "$i")
    psql_node "$(node_port 0)" "$db" -c "SELECT citus_add_node('$HOST', $port) WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodename = '$HOST' AND nodeport = $port)" >/dev/null
  done
}

start_cluster() {
  [[ -f "$("$PG_BIN/pg_config" --pkglibdir)/citus.so" ]] || die "Citus is not installed: run bash scripts/setup-citus.sh (as root)"
  local spare=$1 i last=$WORKERS
  ((spare)) && last=$((WORKERS + 1))
  for ((i = 0; i <= last; i++)); do
    init_node "$i"
    start_node "$i"
  done
  for db in postgres "$APP_DB"; do
    for ((i = 0; i <= last; i++)); do prepare_db "$(node_port "$i")" "$db"; done
    add_workers "$db"
  done
  local nodes
  nodes=$(psql_node "$(node_port 0)" "$APP_DB" -c "SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0")
  log "coordinator 127.0.0.1:$(node_port 0), $nodes workers ($(node_port 1)..$(node_port "$WORKERS"))$( ((spare)) && echo ", spare worker on $(node_port $((WORKERS + 1)))")"
  echo "DATABASE_URL=postgres://postgres@$HOST:$(node_port 0)/$APP_DB"
}

MODE=start
SPARE=0
for arg in "$@"; do
  case "$arg" in
    --stop) MODE=stop ;;
    --reset) MODE=reset ;;
    --spare) SPARE=1 ;;
    -h | --help)
      sed -n '2,12p' "$0"
      exit 0
      ;;
    *) die "unknown argument: $arg" ;;
  esac
done

case "$MODE" in
  stop) stop_all ;;
  reset)
    stop_all
    log "wiping $DATA_DIR"
    rm -rf "$DATA_DIR"
    ;;
  start) start_cluster "$SPARE" ;;
esac
