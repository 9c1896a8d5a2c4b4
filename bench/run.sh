#!/usr/bin/env bash
# The benchmarks: generates the corpus once (deterministic), then runs every benchmark on the embedded
# store and again on PostgreSQL (the same scripts under DATABASE_URL, bench/bench-store.ts): imports the
# corpus into a fresh store (time, CPU of Cairn and of the PostgreSQL backends, bytes per attribute),
# times correlation queries on that store, imports and correlates one 100,000-attribute event into a
# copy of it, loads the REST API served from a copy, and times the web interface in Chromium over a
# store of its own (100,000 events and one of 10,000 attributes). Warninglists need no store: once.
# Usage: bash bench/run.sh [ATTRIBUTES]   (default 1000000). Each benchmark prints one JSON line.
# PostgreSQL: CAIRN_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cairn_bench; `none`
# skips that pass). The database it names, and those named after it (_api, _mixed, …), are dropped and
# made again.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
# A store of millions of attributes wants its index pages in cache (README: CAIRN_SQLITE_CACHE_MB).
export CAIRN_SQLITE_CACHE_MB="${CAIRN_SQLITE_CACHE_MB:-1024}"
feed="bench/out/feed-$n"
if [ ! -f "$feed/manifest.json" ]; then
  echo "generating a feed of $n attributes in $feed" >&2
  npx tsx bench/generate.ts --attributes "$n" --out "$feed"
fi

every_benchmark() {
  npx tsx bench/import.ts --feed "$feed"
  npx tsx bench/correlate.ts
  npx tsx bench/big-event.ts
  npx tsx bench/api.ts
  npx tsx bench/stall.ts
  npx tsx bench/mixed.ts
  npx tsx bench/taxii.ts
  npx tsx bench/feeds.ts --feed "$feed"
  npx tsx bench/sync.ts
  npx tsx bench/ui.ts
}

npx tsx bench/warninglists.ts
DATABASE_URL= every_benchmark
pg="${CAIRN_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cairn_bench}"
if [ "$pg" = none ]; then exit 0; fi
if ! pg_isready -q -d "$pg"; then
  echo "PostgreSQL at $pg does not answer: the benchmarks on PostgreSQL are skipped" >&2
  exit 0
fi
DATABASE_URL="$pg" every_benchmark
