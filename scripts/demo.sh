#!/usr/bin/env bash
# `make demo` (bash scripts/demo.sh build/ddatabase):
#   1. a short local tour of the log with the CLI: create, append, read, info, audit;
#   2. a small deployment on 127.0.0.1 from the bundled YAML in config/examples/demo/: one
#      writer and two followers as separate `ddatabase node` processes. The writer fills two
#      feeds (a backlog appended at once, and a feed that grows every 4 ms); the script shows
#      the followers catching up;
#   3. the running nodes driven through their control API with the CLI's --node form: a feed
#      created and appended to on the writer, followed by follower-1 at runtime, `feeds --node`;
#      then every node stops with SIGTERM, all three replicas of each feed are checked identical,
#      and a summary is printed.
# Offline and loopback only. The configs are copied to a temp dir (their relative paths resolve
# there) with every listen port set to 0, so the OS picks free ports; the script reads them
# from the nodes' "listening" lines. Processes and the temp dir are removed on any exit.
set -euo pipefail

bin=${1:-build/ddatabase}
[[ -x $bin ]] || { echo "demo: no executable at $bin (run make build)" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
examples=$root/config/examples/demo
timeout_s=${DEMO_TIMEOUT:-90}

dir=$(mktemp -d "${TMPDIR:-/tmp}/ddb-demo.XXXXXX")
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }
now() { echo "${EPOCHREALTIME/,/.}"; }
# Sets $REPLY to the seconds since $1, one decimal (no subshell: see the loop below).
elapsed() {
  local us=$((${EPOCHREALTIME/[.,]/} - ${1/./}))
  printf -v REPLY '%d.%d' $((us / 1000000)) $((us / 100000 % 10))
}
fail() {
  echo "demo: $*" >&2
  for log in "$dir"/*.log; do
    [[ -f $log ]] && { echo "--- $(basename "$log") (last lines)" >&2; tail -5 "$log" >&2; }
  done
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Part 1: the log on its own.
feed=$dir/tour
blocks=${DEMO_BLOCKS:-50000}
say "part 1: a feed on its own (create, append $blocks blocks, read, audit)"
key=$("$bin" create "$feed")
echo "public key: $key"
t0=$(now)
seq -f "block %.0f: the quick brown fox jumps over the lazy dog" 0 $((blocks - 1)) |
  "$bin" append "$feed" >/dev/null
t1=$(now)
echo "blocks 0..2 and the last one:"
"$bin" cat "$feed" --end 3 | sed 's/^/  /'
"$bin" cat "$feed" --start $((blocks - 1)) | sed 's/^/  /'
echo "info:  $("$bin" info "$feed" --json)"
audit=$("$bin" audit "$feed" --json)
echo "audit: $audit"
[[ $audit == *'"invalid":0'* ]] || fail "the audit found invalid blocks"
awk -v n="$blocks" -v b="$(stat -c %s "$feed/data")" -v a="$t0" -v z="$t1" 'BEGIN {
  printf "appended %d blocks (%.1f MB) in %.2f s: %.0f blocks/s\n", n, b/1e6, z-a, n/(z-a) }'

# ---------------------------------------------------------------------------------------------
# Part 2: three nodes.
say "part 2: one writer and two followers on 127.0.0.1 (config/examples/demo/)"
cp "$examples"/*.yaml "$dir"/
sed -i -E 's/^(  listen: 127\.0\.0\.1:)[0-9]+/\10/' "$dir"/*.yaml

# start NAME: runs the node in the background and waits for its "listening" line; sets $address.
# With setpriv (util-linux) the node also gets SIGTERM if this script dies without its traps.
deathsig=()
command -v setpriv >/dev/null && deathsig=(setpriv --pdeathsig TERM --)
start() {
  # The log exists before the node starts: under load the background child may not have opened
  # it yet when the loop below first reads it (and a failed read would end the script).
  : >"$dir/$1.log"
  "${deathsig[@]}" "$bin" node --config "$dir/$1.yaml" >>"$dir/$1.log" 2>&1 &
  pids+=($!)
  address=""
  for _ in $(seq 200); do
    address=$(sed -n -E "s/^[^ ]+ [a-z]+ \[$1\] listening ([^ ]+).*/\1/p" "$dir/$1.log")
    [[ -n $address ]] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || fail "$1 exited"
    sleep 0.05
  done
  fail "$1 did not start listening"
}
# The writer's ports in the bundled files stand for its real address from here on.
start writer
writer=$address
echo "writer      listening on $writer"
sed -i "s/127\.0\.0\.1:47101/$writer/g" "$dir"/follower-*.yaml
t_start=$(now)
start follower-1
f1=$address
echo "follower-1  listening on $f1, dials the writer"
sed -i "s/127\.0\.0\.1:47102/$f1/g" "$dir"/follower-2.yaml
start follower-2
echo "follower-2  listening on $address, dials the writer and follower-1"

# Sets $REPLY to the latest status of NODE as "bulk D/L, live D/L" (downloaded / known length
# per feed). Bash builtins only and no command substitution: this runs several times a second
# next to three busy nodes, and bash 5.2 may mishandle a SIGINT/SIGTERM trap that fires while a
# $(...) child is being forked.
progress() {
  local -a lines
  local i line
  REPLY=""
  mapfile -t lines <"$dir/$1.log"
  for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
    line=${lines[i]}
    [[ $line == *" status: "* ]] || continue
    line=${line#* peers; }
    while [[ $line =~ ^(.*)\ blocks,\ [0-9]+\ peers(.*)$ ]]; do
      line=${BASH_REMATCH[1]}${BASH_REMATCH[2]}
    done
    REPLY=${line//;/,}
    return
  done
}
show() {
  elapsed "$t_start"
  printf '%5ss  writer: %-26s follower-1: %-26s follower-2: %s\n' "$REPLY" \
    "${w:-(starting)}" "${p1:-(starting)}" "${p2:-(starting)}"
}

say "the followers catching up (downloaded/length per feed, every half second)"
t_bulk=""
deadline=$((EPOCHSECONDS + timeout_s))
ticks=0
while true; do
  progress writer && w=$REPLY
  progress follower-1 && p1=$REPLY
  progress follower-2 && p2=$REPLY
  # Done when the writer finished both workloads and each follower holds what the writer has.
  if [[ -n $w && $p1 == "$w" && $p2 == "$w" ]]; then
    mapfile -t lines <"$dir/writer.log"
    [[ ${lines[*]} == *"appended up to"*"appended up to"* ]] && break
  fi
  if [[ -z $t_bulk && -n $w && ${p1%%,*} == "${w%%,*}" && ${p2%%,*} == "${w%%,*}" ]]; then
    t_bulk=${EPOCHREALTIME/,/.}  # the backlog ("bulk" comes first) is complete on both followers
  fi
  ((ticks++ % 2 == 0)) && show
  [[ $EPOCHSECONDS -lt $deadline ]] || fail "the followers did not converge within ${timeout_s}s"
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a node exited early"; done
  sleep 0.25
done
t_end=${EPOCHREALTIME/,/.}
[[ -n $t_bulk ]] || t_bulk=$t_end
show
echo "converged."

# Part 3: the running nodes driven through their control API (docs/api.md), by the same CLI.
say "part 3: driving the running nodes (create, append, follow and feeds with --node)"
wn=$dir/data/writer
fn=$dir/data/follower-1
notes=$("$bin" create notes --node "$wn") || fail "create --node failed"
echo "writer:     created feed notes, key ${notes:0:16}…"
printf 'note %s: written through the writer'\''s control API\n' 1 2 3 |
  "$bin" append notes --node "$wn" >/dev/null || fail "append --node failed"
"$bin" append notes --node "$wn" "a last note, given as an argument" >/dev/null
"$bin" follow notes "$notes" --node "$fn" >/dev/null || fail "follow --node failed"
echo "follower-1: follows notes from now on (no restart, nothing in its YAML)"
deadline=$((EPOCHSECONDS + 30))
until [[ $("$bin" info notes --node "$fn" --json) == *'"downloaded":4,'* ]]; do
  [[ $EPOCHSECONDS -lt $deadline ]] || fail "follower-1 did not get the notes within 30s"
  sleep 0.1
done
echo "follower-1's copy of notes:"
"$bin" cat notes --node "$fn" | sed 's/^/  /'
cmp -s <("$bin" cat notes --node "$wn") <("$bin" cat notes --node "$fn") ||
  fail "notes differ between the writer and follower-1"
echo "feeds --node follower-1:"
"$bin" feeds --node "$fn" | sed 's/^/  /'

say "stopping the nodes (SIGTERM)"
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do wait "$p" || fail "a node did not exit cleanly"; done
pids=()
grep -h '\] stopped' "$dir"/*.log

say "checking the replicas"
field() { grep -o "\"$2\":[^,}]*" <<<"$1" | cut -d: -f2 | tr -d '"'; }
total_blocks=0
total_bytes=0
for feed in bulk live; do
  w=$("$bin" info "$dir/data/writer/$feed" --json)
  for f in follower-1 follower-2; do
    r=$("$bin" info "$dir/data/$f/$feed" --json)
    for k in key length downloaded byteLength signatureValid; do
      [[ $(field "$r" "$k") == "$(field "$w" "$k")" ]] ||
        fail "$f/$feed: $k is $(field "$r" "$k"), the writer's is $(field "$w" "$k")"
    done
    cmp -s <("$bin" cat "$dir/data/writer/$feed") <("$bin" cat "$dir/data/$f/$feed") ||
      fail "$f/$feed: the blocks differ from the writer's"
    a=$("$bin" audit "$dir/data/$f/$feed" --json)
    [[ $(field "$a" invalid) == 0 && $(field "$a" valid) == $(field "$w" length) ]] ||
      fail "$f/$feed: audit $a"
  done
  printf '%-5s %s blocks, %s bytes, key %s…: writer, follower-1 and follower-2 identical\n' \
    "$feed" "$(field "$w" length)" "$(field "$w" byteLength)" "$(field "$w" key | cut -c1-16)"
  total_blocks=$((total_blocks + $(field "$w" length)))
  total_bytes=$((total_bytes + $(field "$w" byteLength)))
done

say "summary"
awk -v blocks="$total_blocks" -v bytes="$total_bytes" -v a="$t_start" -v b="$t_bulk" \
  -v z="$t_end" -v bulk="$(stat -c %s "$dir/data/writer/bulk/data")" 'BEGIN {
  printf "feeds       2 (bulk: a backlog appended at once; live: appended every 4 ms)\n"
  printf "replicas    3 per feed (writer, follower-1, follower-2), all identical and valid\n"
  printf "blocks      %d per replica\n", blocks
  printf "data        %.1f MB per replica, %.1f MB replicated to the followers\n",
         bytes/1e6, 2*bytes/1e6
  printf "time        %.1f s from the followers'\'' start until every replica was complete\n", z-a
  printf "throughput  %.1f MB/s overall; the %.1f MB backlog reached both followers in %.1f s" \
         " (%.1f MB/s)\n", 2*bytes/1e6/(z-a), bulk/1e6, b-a, 2*bulk/1e6/(b-a > 0 ? b-a : 1e-9) }'
