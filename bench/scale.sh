#!/usr/bin/env bash
# Issue 21's figures at one size, on both stores, one after the other on the same corpus: the import
# (bench/import.ts: time, CPU, store size), the correlation of events of about 1,000 attributes
# (bench/correlate.ts) and the reads of bench/scale.ts, served from the imported store in place.
# Usage: bash bench/scale.sh N   (10000000 or 100000000; each JSON line goes to bench/out/scale-N.jsonl)
# The embedded store is removed before the PostgreSQL import, so that the disk holds the corpus and one
# store at a time: about 265 + 460 bytes per attribute at the peak (77 GB at 10^8). It refuses to start
# when the disk has less free. PostgreSQL: CAIRN_BENCH_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/cairn_bench_scale, dropped and made again; `none` skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:?usage: bash bench/scale.sh ATTRIBUTES}"
feed="bench/out/feed-$n"
out="bench/out/scale-$n.jsonl"
pg="${CAIRN_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cairn_bench_scale}"
export CAIRN_SQLITE_CACHE_MB="${CAIRN_SQLITE_CACHE_MB:-1024}"
mkdir -p bench/out

free_kb=$(df -Pk bench/out | awk 'NR == 2 { print $4 }')
corpus_kb=0
[ -f "$feed/manifest.json" ] || corpus_kb=$((n * 265 / 1024))
need_kb=$((corpus_kb + n * 460 / 1024 + 4 * 1024 * 1024))
if [ "$free_kb" -lt "$need_kb" ]; then
  echo "bench/scale.sh: $((need_kb / 1024 / 1024)) GB needed (corpus and the larger store), $((free_kb / 1024 / 1024)) GB free" >&2
  exit 1
fi

if [ ! -f "$feed/manifest.json" ]; then
  echo "generating a feed of $n attributes in $feed" >&2
  npx tsx bench/generate.ts --attributes "$n" --out "$feed"
fi

db="bench/out/scale-$n.db"
run_all() {
  npx tsx bench/import.ts --feed "$feed" --db "$db" | tee -a "$out"
  npx tsx bench/correlate.ts --db "$db" | tee -a "$out"
  npx tsx bench/scale.ts --db "$db" | tee -a "$out"
}

echo "embedded store: $db" >&2
DATABASE_URL= run_all
rm -f "$db" "$db-wal" "$db-shm"
if [ "$pg" = none ]; then exit 0; fi
if ! pg_isready -q -d "$pg"; then
  echo "PostgreSQL at $pg does not answer: its pass is skipped" >&2
  exit 0
fi
echo "PostgreSQL: $pg" >&2
DATABASE_URL="$pg" run_all
