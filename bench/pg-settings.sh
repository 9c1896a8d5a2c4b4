#!/usr/bin/env bash
# The PostgreSQL settings a large store needs, measured: imports one feed into two PostgreSQL servers of
# this script's own (initdb into a temporary folder, a loopback port), one as initdb makes it and one with
# the settings the README gives for a large store, one after the other on the same input, and prints
# bench/import.ts's JSON line for each, after a line naming its settings. Each server is removed after
# its import. Usage: bash bench/pg-settings.sh FEED_DIR [PORT]   (the disk needs about 460 bytes per
# attribute of the feed, one store at a time)
set -euo pipefail
cd "$(dirname "$0")/.."
feed="${1:?usage: bash bench/pg-settings.sh FEED_DIR [PORT]}"
port="${2:-5441}"
bin="$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
# PostgreSQL refuses to run as root: its files and processes then belong to the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

LARGE_STORE="shared_buffers=2GB max_wal_size=8GB checkpoint_timeout=15min wal_compression=on"

run() {
  local label="$1" settings="$2" dir
  dir="$(mktemp -d /tmp/cairn-pg-settings.XXXXXX)"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  local opts="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir"
  for s in $settings; do opts="$opts -c $s"; done
  as_pg "$bin/pg_ctl" -D "$dir/data" -o "$opts" -l "$dir/server.log" -w start >/dev/null
  echo "{\"bench\":\"pg-settings\",\"server\":\"$label\",\"settings\":\"${settings:-as initdb makes it}\"}"
  npx tsx bench/import.ts --feed "$feed" --pg "postgres://postgres@127.0.0.1:$port/cairn_bench_settings" || true
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  rm -rf "$dir"
}

run default ""
run large-store "$LARGE_STORE"
