#!/usr/bin/env bash
# The benchmarks: generates the corpus once (deterministic), imports it into a fresh embedded store,
# times correlation queries on that store, and checks values against every published warninglist.
# Usage: bash bench/run.sh [ATTRIBUTES]   (default 1000000). Each benchmark prints one JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
feed="bench/out/feed-$n"
if [ ! -f "$feed/manifest.json" ]; then
  echo "generating a feed of $n attributes in $feed" >&2
  npx tsx bench/generate.ts --attributes "$n" --out "$feed"
fi
npx tsx bench/import.ts --feed "$feed"
npx tsx bench/correlate.ts
npx tsx bench/warninglists.ts
