#!/usr/bin/env bash
# Provision local services for AI Cost Profiler (CI / dev containers, Debian 12, run as root).
#   1. pgvector for the system PostgreSQL 15 (built from Debian trixie source).
#   2. Make sure PostgreSQL and Redis are running.
#   3. With --chromium: install Debian's chromium (for browser tests).
# Idempotent and quiet: prints short "[setup] ..." lines only when it does something.
# The apt mirror is read from this machine's own apt sources; no host name is hard-coded.
set -euo pipefail

PG_MAJOR=15
PG_HOST=127.0.0.1
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
WANT_CHROMIUM=0

for arg in "$@"; do
  case "$arg" in
    --chromium) WANT_CHROMIUM=1 ;;
    -h|--help)
      echo "usage: $0 [--chromium]"
      exit 0
      ;;
    *)
      echo "[setup] unknown argument: $arg" >&2
      exit 2
      ;;
  esac
done

export DEBIAN_FRONTEND=noninteractive

log() { echo "[setup] $*"; }
die() {
  echo "[setup] ERROR: $*" >&2
  DIED=1
  exit 1
}

TMP_ROOT=""
DIED=0
cleanup() {
  local rc=$?
  if [[ -n "$TMP_ROOT" && -d "$TMP_ROOT" ]]; then
    rm -rf "$TMP_ROOT"
  fi
  if [[ $rc -ne 0 && $DIED -eq 0 ]]; then
    echo "[setup] ERROR: aborted (exit $rc)" >&2
  fi
}
trap cleanup EXIT

[[ $(id -u) -eq 0 ]] || die "must run as root"

# Run a command silently; on failure, show its output and abort.
quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "$out" >&2
    die "command failed: $*"
  fi
}

apt_lists_present() {
  compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null
}

APT_UPDATED=0
apt_update_if_needed() {
  if [[ $APT_UPDATED -eq 0 ]] && ! apt_lists_present; then
    log "apt lists empty, running apt-get update"
    quiet apt-get update -q
  fi
  APT_UPDATED=1
}

apt_install() {
  apt_update_if_needed
  log "apt-get install $*"
  quiet apt-get install -y -q --no-install-recommends "$@"
}

# Print the URI of the main Debian archive (not -security/-updates) from the apt sources.
debian_mirror() {
  local uri=""
  if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
    uri=$(awk '
      function flush() {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && main && uris != "" && found == "") {
          split(uris, u, /[ \t]+/); found = u[1]
        }
        types = ""; uris = ""; main = 0
      }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      /^Types:/  { sub(/^Types:[ \t]*/, ""); types = $0; next }
      /^URIs:/   { sub(/^URIs:[ \t]*/, ""); uris = $0; next }
      /^Suites:/ {
        sub(/^Suites:[ \t]*/, "")
        n = split($0, s, /[ \t]+/)
        for (i = 1; i <= n; i++) if (s[i] != "" && s[i] !~ /-/) main = 1
        next
      }
      END { flush(); if (found != "") print found }
    ' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z "$uri" && -r /etc/apt/sources.list ]]; then
    # deb [options] URI suite components...
    uri=$(awk '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) !~ /-/ && $i !~ /security/) { print $i; exit }
      }
    ' /etc/apt/sources.list)
  fi
  [[ -n "$uri" ]] || return 1
  echo "${uri%/}"
}

pg_ready() { pg_isready -q -h "$PG_HOST" >/dev/null 2>&1; }

wait_for() { # wait_for <seconds> <description> <cmd...>
  local secs=$1 what=$2
  shift 2
  local i
  for ((i = 0; i < secs * 2; i++)); do
    if "$@"; then return 0; fi
    sleep 0.5
  done
  die "$what not ready after ${secs}s"
}

ensure_postgres() {
  if pg_ready; then return 0; fi
  local ver
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  [[ -n "$ver" ]] || die "no PostgreSQL cluster found in /etc/postgresql"
  log "starting PostgreSQL $ver/main"
  quiet pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  wait_for 30 "PostgreSQL" pg_ready
}

redis_ready() { [[ $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

ensure_redis() {
  if redis_ready; then return 0; fi
  command -v redis-server >/dev/null || die "redis-server not installed"
  log "starting Redis on $REDIS_HOST:$REDIS_PORT"
  mkdir -p /var/lib/redis /var/log/redis
  quiet redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
    --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 30 "Redis" redis_ready
}

psql_pg() {
  PGOPTIONS="-c client_min_messages=warning" \
    psql -h "$PG_HOST" -U postgres -v ON_ERROR_STOP=1 -qAtX "$@"
}

vector_available() {
  [[ $(psql_pg -c "SELECT 1 FROM pg_available_extensions WHERE name='vector'" 2>/dev/null) == 1 ]]
}

verify_pgvector() {
  local db="setup_vector_check_$$" version
  psql_pg -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
  psql_pg -d postgres -c "CREATE DATABASE $db" >/dev/null
  if ! version=$(psql_pg -d "$db" -c "CREATE EXTENSION IF NOT EXISTS vector" \
    -c "SELECT extversion FROM pg_extension WHERE extname='vector'" 2>&1); then
    psql_pg -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    echo "$version" >&2
    die "CREATE EXTENSION vector failed"
  fi
  psql_pg -d postgres -c "DROP DATABASE $db" >/dev/null
  log "pgvector $version OK in PostgreSQL $PG_MAJOR"
}

install_pgvector() {
  ensure_postgres
  if vector_available; then return 0; fi

  log "pgvector not available, building it for PostgreSQL $PG_MAJOR"
  apt_install "postgresql-server-dev-$PG_MAJOR" dpkg-dev

  # Installing the dev package may upgrade postgresql-$PG_MAJOR in place and stop the cluster.
  if ! pg_ready; then
    log "PostgreSQL stopped by package upgrade, restarting"
    quiet pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main start
    wait_for 30 "PostgreSQL" pg_ready
  fi

  local mirror
  mirror=$(debian_mirror) || die "could not determine the Debian mirror from apt sources"

  TMP_ROOT=$(mktemp -d /tmp/setup-services.XXXXXX)
  chmod 755 "$TMP_ROOT"
  local list="$TMP_ROOT/sources.list" lists="$TMP_ROOT/lists" work="$TMP_ROOT/src"
  mkdir -p "$lists/partial" "$work"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$list"
  # Let apt's unprivileged download sandbox write there (avoids "unsandboxed" warnings).
  if id _apt >/dev/null 2>&1; then chown -R _apt "$lists" "$work"; fi

  local apt_opts=(
    -o "Dir::Etc::sourcelist=$list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$lists"
    # keep the system's package caches untouched
    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
  )
  log "fetching pgvector source (trixie)"
  quiet apt-get -q "${apt_opts[@]}" update
  pushd "$work" >/dev/null
  quiet apt-get -q "${apt_opts[@]}" source --download-only pgvector
  popd >/dev/null

  local orig
  orig=$(compgen -G "$work/pgvector_*.orig.tar.gz" | head -n1) || true
  [[ -n "$orig" ]] || die "pgvector source tarball not downloaded"
  tar -C "$work" -xzf "$orig"
  local srcdir
  srcdir=$(compgen -G "$work/pgvector-*/" | head -n1) || true
  [[ -n "$srcdir" ]] || die "pgvector source directory not found after extraction"

  log "building $(basename "$srcdir")"
  quiet make -j2 -C "$srcdir" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
  quiet make -j2 -C "$srcdir" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" install

  rm -rf "$TMP_ROOT"
  TMP_ROOT=""

  ensure_postgres
  vector_available || die "pgvector installed but not visible in PostgreSQL $PG_MAJOR"
  verify_pgvector
}

pkg_installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

install_chromium() {
  # fonts-liberation is only a Recommends of chromium, but headless rendering wants real fonts.
  local missing=()
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  pkg_installed fonts-liberation || missing+=(fonts-liberation)
  if [[ ${#missing[@]} -eq 0 ]]; then return 0; fi
  apt_install "${missing[@]}"
  [[ -x /usr/bin/chromium ]] || die "chromium install did not provide /usr/bin/chromium"
  # (the launcher may print a harmless "[: unexpected operator" from /etc/chromium.d/dev-shm)
  log "$(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"
}

install_pgvector
ensure_postgres
ensure_redis
if [[ $WANT_CHROMIUM -eq 1 ]]; then install_chromium; fi
