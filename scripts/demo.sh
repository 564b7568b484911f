#!/usr/bin/env bash
# `make demo`: a local tour of the log with the CLI — create a feed, append, read, audit, and
# print a summary. (A multi-node deployment demo replaces this once nodes exist.)
set -euo pipefail
bin=${1:-build/ddatabase}
dir=$(mktemp -d /tmp/ddb-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
feed="$dir/feed"
blocks=${DEMO_BLOCKS:-100000}

say() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }

say "create a feed"
key=$("$bin" create "$feed")
echo "public key: $key"

say "append $blocks blocks from stdin (batched)"
t0=$(now)
seq -f "block %.0f: the quick brown fox jumps over the lazy dog" 0 $((blocks - 1)) |
  "$bin" append "$feed" >/dev/null
t1=$(now)
"$bin" append "$feed" "one more block" "and another" | tail -1 | sed 's/^/length after two argument blocks: /'

say "read blocks 0..3 and the last two"
"$bin" cat "$feed" --end 3
"$bin" cat "$feed" --start $((blocks)) 

say "info"
"$bin" info "$feed" --json

say "audit (re-hash every block)"
t2=$(now)
audit=$("$bin" audit "$feed" --json)
t3=$(now)
echo "$audit"

say "summary"
bytes=$(du -sb "$feed/data" | cut -f1)
awk -v n="$blocks" -v b="$bytes" -v a="$t0" -v z="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
  printf "appended %d blocks (%.1f MB) in %.2f s: %.0f blocks/s, %.1f MB/s\n", n, b/1e6, z-a, n/(z-a), b/1e6/(z-a);
  printf "audited in %.2f s\n", d-c }'
echo "$audit" | grep -q '"invalid":0' && echo "all blocks verify" || { echo "audit found invalid blocks"; exit 1; }
