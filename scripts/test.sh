#!/usr/bin/env bash
# Runs every test suite. The store suites run against SQLite and against PostgreSQL: this script
# starts the local PostgreSQL when it does not answer and gives the run a fresh database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CAIRN_TEST_DATABASE_URL:-}" ] && [ "${CAIRN_TEST_SKIP_PG:-}" != "1" ]; then
  PGHOST_ADDR=127.0.0.1
  if ! pg_isready -q -h "$PGHOST_ADDR" -p 5432 2>/dev/null; then
    echo "PostgreSQL does not answer on $PGHOST_ADDR:5432; starting it" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST_ADDR" -p 5432 && break; sleep 1; done
  fi
  db="cairn_test_$(date +%s)_$$"
  psql -q -h "$PGHOST_ADDR" -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null
  trap 'psql -q -h "$PGHOST_ADDR" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
  export CAIRN_TEST_DATABASE_URL="postgres://postgres@$PGHOST_ADDR:5432/$db"
fi

# The real-data tier (test/helpers/shared-data.ts): CAIRN_SHARED when set, else ../shared; skipped when absent.
shared="${CAIRN_SHARED:-$(pwd)/../shared}"
if [ -d "$shared/data" ]; then echo "real data tier: $shared" >&2
else echo "real data tier: $shared not found; its tests are skipped (set CAIRN_SHARED to run them)" >&2; fi

# The CLI and server suites run the compiled command (test/helpers/cli.ts): compile what changed first.
npx tsc -p tsconfig.build.json
export CAIRN_TEST_CLI=dist

if [ "$#" -eq 0 ]; then set -- test/*/*.test.ts; fi
node --import tsx --test --test-reporter=spec "$@"
