#!/usr/bin/env bash
# The benchmarks: generates the corpus once (deterministic), imports it into a fresh embedded store,
# times correlation queries on that store, imports and correlates one 100,000-attribute event into a copy
# of it, checks values against every published warninglist, loads the REST API served from a copy, and
# times the web interface in Chromium over a store of its own (100,000 events and one of 10,000 attributes).
# Usage: bash bench/run.sh [ATTRIBUTES]   (default 1000000). Each benchmark prints one JSON line.
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
npx tsx bench/import.ts --feed "$feed"
npx tsx bench/correlate.ts
npx tsx bench/big-event.ts
npx tsx bench/warninglists.ts
npx tsx bench/api.ts
npx tsx bench/stall.ts
npx tsx bench/mixed.ts
npx tsx bench/taxii.ts
npx tsx bench/feeds.ts --feed "$feed"
npx tsx bench/sync.ts
npx tsx bench/ui.ts
