#!/usr/bin/env bash
# Replication benchmarks, ours<->ours against reference<->reference in one run, each side a
# serving process and a cloning process on loopback:
#   sync-1k   100,000 x 1 KiB blocks, full clone
#   sync-64k  2,000 x 64 KiB blocks, full clone
#   sparse    1,000 random awaited gets by a sparse follower of the 100k x 1 KiB feed
# Also reports the peak RSS of our clone process (the 100 MB sync).
# Usage: bench/sync.sh BUILD_DIR     (env: SYNC_1K=100000 SYNC_64K=2000 GETS=1000)
set -euo pipefail
bin=$(cd "$1" && pwd)/ddatabase
here=$(cd "$(dirname "$0")" && pwd)
interop=$here/../tests/interop
work=$(mktemp -d /tmp/ddb-sync-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
n1k=${SYNC_1K:-100000}
n64k=${SYNC_64K:-2000}
gets=${GETS:-1000}

json() { node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8").trim().split("\n").pop()); process.stdout.write(String(j[process.argv[1]]))' "$1"; }
wait_line() { for _ in $(seq 1 600); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "timeout waiting for $1" >&2; return 1; }

# ours: make a feed, serve it, clone it (timed inside clone)
ours_serve() { # name count size -> sets port, key
  "$bin" bench make-feed --dir "$work/ours-$1" --count "$2" --size "$3" --json >"$work/ours-$1.make"
  key=$(json key <"$work/ours-$1.make")
  "$bin" serve "$work/ours-$1" --listen 127.0.0.1:0 >"$work/ours-$1.serve" 2>/dev/null &
  pids+=($!)
  wait_line "$work/ours-$1.serve"
  port=$(sed 's/.*://' "$work/ours-$1.serve")
}
ref_serve() { # name count size
  node "$interop/ref_peer_serve.js" "$work/ref-$1" --gen "$2" --size "$3" >"$work/ref-$1.serve" 2>/dev/null &
  pids+=($!)
  wait_line "$work/ref-$1.serve"
  port=$(json port <"$work/ref-$1.serve")
  key=$(json key <"$work/ref-$1.serve")
}

rows=()
row() { rows+=("$(printf '%-10s %14s %14s %9s  %s' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN{printf "%.2f", a/b}')" "$4")"); }

for spec in "sync-1k $n1k 1024" "sync-64k $n64k 65536"; do
  set -- $spec
  echo "== $1" >&2
  ours_serve "$1" "$2" "$3"
  "$bin" clone "$key" "$work/ours-$1-clone" --peer "127.0.0.1:$port" --json >"$work/ours-$1.clone"
  ours_s=$(json seconds <"$work/ours-$1.clone"); ours_rss=$(json maxRssMB <"$work/ours-$1.clone")
  ours_key=$key ours_port=$port
  ref_serve "$1" "$2" "$3"
  node "$here/reference/sync_clone.js" "$key" "$work/ref-$1-clone" --port "$port" --length "$2" >"$work/ref-$1.clone"
  ref_s=$(json seconds <"$work/ref-$1.clone"); ref_rss=$(json maxRssMB <"$work/ref-$1.clone")
  row "$1" "$(awk -v n="$2" -v s="$ours_s" 'BEGIN{printf "%.0f", n/s}')" \
      "$(awk -v n="$2" -v s="$ref_s" 'BEGIN{printf "%.0f", n/s}')" \
      "clone peak RSS: ours $(printf %.0f "$ours_rss") MB, ref $(printf %.0f "$ref_rss") MB"
  if [ "$1" = sync-1k ]; then
    echo "== sparse-get" >&2
    "$bin" bench sparse-get --peer "127.0.0.1:$ours_port" --key "$ours_key" --count "$gets" --json >"$work/ours-sparse.json"
    node "$here/reference/sync_clone.js" "$key" "$work/ref-sparse" --port "$port" --length "$2" --sparse-gets "$gets" >"$work/ref-sparse.json"
    sparse_row=("sparse-get" "$(json opsPerSec <"$work/ours-sparse.json" | xargs printf %.0f)" "$(json opsPerSec <"$work/ref-sparse.json" | xargs printf %.0f)")
  fi
done
row "${sparse_row[@]}" "random awaited gets, blocks/s"

printf '%-10s %14s %14s %9s\n' workload "ours blocks/s" "ref blocks/s" "ours/ref"
for r in "${rows[@]}"; do echo "$r"; done
