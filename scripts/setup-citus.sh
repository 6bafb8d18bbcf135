#!/usr/bin/env bash
# Build and install Citus (the distributed PostgreSQL extension) for the local PostgreSQL 15
# from the vendored release source, like the pgvector step of setup-services.sh.
#   - source: shared/vendor/citus-13.2.2.tar.gz next to the repository or the workspace's main
#     checkout (override: CITUS_VENDOR_DIR)
#   - checks the tarball's SHA-256, applies the vendored PostgreSQL 15.20 build fix,
#     installs the Debian build dependencies it needs, builds with make -j2 and installs.
#   - skips everything when this exact tarball is already installed (a stamp next to citus.control).
# Debian 12, run as root. Prints short "[citus] ..." lines and the time the step took.
set -euo pipefail

CITUS_VERSION=13.2.2
CITUS_SHA256=44ab41d3665dc9897dc72f57a184a95161970f216f15569f1df79291d4facf69
PG_MAJOR=15
PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"

REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The vendored source: CITUS_VENDOR_DIR, else shared/vendor next to the repository, else next to
# the main checkout of this workspace (a CI clone elsewhere still finds it).
VENDOR_DIR=${CITUS_VENDOR_DIR:-}
if [[ -z "$VENDOR_DIR" ]]; then
  for d in "$REPO_ROOT/../shared/vendor" /work/shared/vendor; do
    if [[ -r "$d/citus-$CITUS_VERSION.tar.gz" ]]; then
      VENDOR_DIR=$d
      break
    fi
  done
  VENDOR_DIR=${VENDOR_DIR:-"$REPO_ROOT/../shared/vendor"}
fi
TARBALL="$VENDOR_DIR/citus-$CITUS_VERSION.tar.gz"
PATCH="$VENDOR_DIR/citus-$CITUS_VERSION-pg15.20.patch"

export DEBIAN_FRONTEND=noninteractive
START=$(date +%s)

log() { echo "[citus] $*"; }
die() {
  echo "[citus] ERROR: $*" >&2
  exit 1
}

TMP_ROOT=""
cleanup() { if [[ -n "$TMP_ROOT" && -d "$TMP_ROOT" ]]; then rm -rf "$TMP_ROOT"; fi; }
trap cleanup EXIT

[[ $(id -u) -eq 0 ]] || die "must run as root"

quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "$out" | tail -n 60 >&2
    die "command failed: $*"
  fi
}

pkg_installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

stamp_file() { echo "$("$PG_CONFIG" --sharedir)/extension/citus.vendor-stamp"; }

# Cached: this version, built from the tarball with this checksum, is installed (checked before
# looking for the source, so a machine that has it needs no tarball).
if [[ -x "$PG_CONFIG" && -f "$(stamp_file)" && -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]] &&
  [[ "$(cut -d' ' -f1,2 "$(stamp_file)")" == "$CITUS_VERSION $CITUS_SHA256" ]]; then
  log "Citus $CITUS_VERSION already installed for PostgreSQL $PG_MAJOR (cached, $(($(date +%s) - START))s)"
  exit 0
fi

[[ -r "$TARBALL" ]] || die "vendored source not found: $TARBALL (set CITUS_VENDOR_DIR)"
actual=$(sha256sum "$TARBALL" | awk '{print $1}')
[[ "$actual" == "$CITUS_SHA256" ]] || die "SHA-256 mismatch for $TARBALL: $actual"
STAMP_VALUE="$CITUS_VERSION $CITUS_SHA256 $(sha256sum "$PATCH" 2>/dev/null | awk '{print $1}')"

# (built --without-libcurl: no statistics call-home, so libcurl is not needed)
deps=("postgresql-server-dev-$PG_MAJOR" build-essential liblz4-dev libzstd-dev libkrb5-dev patch)
missing=()
for d in "${deps[@]}"; do pkg_installed "$d" || missing+=("$d"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
    log "apt lists empty, running apt-get update"
    quiet apt-get update -q
  fi
  log "apt-get install ${missing[*]}"
  quiet apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[[ -x "$PG_CONFIG" ]] || die "$PG_CONFIG not found"

TMP_ROOT=$(mktemp -d /tmp/setup-citus.XXXXXX)
tar -C "$TMP_ROOT" -xzf "$TARBALL"
SRC="$TMP_ROOT/citus-$CITUS_VERSION"
[[ -d "$SRC" ]] || die "unexpected tarball layout"
if [[ -f "$PATCH" ]]; then
  log "applying $(basename "$PATCH")"
  quiet patch -d "$SRC" -p1 -i "$PATCH"
fi

log "building Citus $CITUS_VERSION for PostgreSQL $PG_MAJOR (make -j2, a few minutes)"
(cd "$SRC" && quiet ./configure PG_CONFIG="$PG_CONFIG" --without-libcurl)
quiet make -C "$SRC" -j2
quiet make -C "$SRC" install
echo "$STAMP_VALUE" >"$(stamp_file)"
log "Citus $CITUS_VERSION installed ($(($(date +%s) - START))s)"
