#!/usr/bin/env bash
# The control API under load (not a timed test): 100k blocks appended through
# `ddatabase append --node` against offline `ddatabase append`, and a live tail
# (`cat --live --node`) of a feed growing at ~10k blocks/s. Prints both rates and the ratios.
#
# Usage: bench/control_api.sh BUILD_DIR
# Env:   BLOCKS=100000   blocks for the append comparison
#        TAIL_SECONDS=5  how long the feed grows under the tail
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
bin=$(cd "$1" && pwd)/ddatabase
blocks=${BLOCKS:-100000}
tail_seconds=${TAIL_SECONDS:-5}
work=$(mktemp -d /tmp/ddb-bench-api-XXXXXX)
node_pid=""
tail_pid=""
cleanup() {
  [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null || true
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

now_ns() { date +%s%N; }
rate() { awk -v n="$1" -v ns="$2" 'BEGIN { printf "%.0f", n / (ns / 1e9) }'; }

seq 1 "$blocks" | sed 's/$/ a log line of a typical size, say sixty-four bytes/' > lines.txt

# Offline: a feed folder.
"$bin" create off > /dev/null
t0=$(now_ns)
"$bin" append off < lines.txt > /dev/null
offline_ns=$(( $(now_ns) - t0 ))

# Online: the same lines through a running node.
printf 'node:\n  name: bench\n  storage: data/bench\n  status_interval_ms: 0\n' > bench.yaml
"$bin" node --config bench.yaml > node.out 2>&1 &
node_pid=$!
for _ in $(seq 1 100); do [ -S data/bench/node.sock ] && break; sleep 0.05; done
"$bin" create on --node data/bench > /dev/null
t0=$(now_ns)
"$bin" append on --node data/bench < lines.txt > /dev/null
online_ns=$(( $(now_ns) - t0 ))

# A live tail while the feed grows by 1000 blocks every 100 ms.
"$bin" create grow --node data/bench > /dev/null
"$bin" cat grow --node data/bench --live > tail.out &
tail_pid=$!
head -n 1000 lines.txt > batch.txt
rounds=$(( tail_seconds * 10 ))
t0=$(now_ns)
for i in $(seq 1 "$rounds"); do
  "$bin" append grow --node data/bench < batch.txt > /dev/null
  next=$(( t0 + i * 100000000 ))
  wait_ns=$(( next - $(now_ns) ))
  [ "$wait_ns" -gt 0 ] && sleep "$(awk -v n="$wait_ns" 'BEGIN { printf "%.3f", n / 1e9 }')"
done
appended=$(( rounds * 1000 ))
append_ns=$(( $(now_ns) - t0 ))
for _ in $(seq 1 200); do
  [ "$(wc -l < tail.out)" -ge "$appended" ] && break
  sleep 0.05
done
tail_ns=$(( $(now_ns) - t0 ))
got=$(wc -l < tail.out)
kill -INT "$tail_pid" 2>/dev/null || true
wait "$tail_pid" 2>/dev/null || true
tail_pid=""

off_rate=$(rate "$blocks" "$offline_ns")
on_rate=$(rate "$blocks" "$online_ns")
grow_rate=$(rate "$appended" "$append_ns")
tail_rate=$(rate "$got" "$tail_ns")
printf '%-44s %12s\n' "what" "blocks/s"
printf '%-44s %12s\n' "append (offline, $blocks lines)" "$off_rate"
printf '%-44s %12s\n' "append --node ($blocks lines)" "$on_rate"
printf '%-44s %12s\n' "  online / offline" "$(awk -v a="$on_rate" -v b="$off_rate" 'BEGIN { printf "%.2f", a / b }')"
printf '%-44s %12s\n' "feed growth (append --node, 1000 per 100 ms)" "$grow_rate"
printf '%-44s %12s\n' "cat --live --node ($got of $appended blocks)" "$tail_rate"
printf '%-44s %12s\n' "  tail / growth" "$(awk -v a="$tail_rate" -v b="$grow_rate" 'BEGIN { printf "%.2f", a / b }')"
[ "$got" -eq "$appended" ]
