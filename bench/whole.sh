#!/usr/bin/env bash
# Whole-process benchmarks: what a user runs, timed from process start to exit, ours against the
# reference (ddatabase@10.0.4 from tests/interop/node_modules) in the same run. Each round runs
# both sides once, alternating which goes first; a side's number is its best (lowest) of RUNS.
#   append-stdin  LINES x 100 B lines from a file on stdin into a new feed:
#                 ours `ddatabase create DIR` + `ddatabase append DIR < file` (both processes
#                 timed), ref `node bench/reference/append_stdin.js DIR < file`
#   sync-1k       clone SYNC_1K x 1 KiB blocks over loopback from a serving process (started
#                 once, untimed): ours `ddatabase serve` + `ddatabase clone`, ref
#                 tests/interop/ref_peer_serve.js + bench/reference/sync_clone.js
#   sync-64k      the same with SYNC_64K x 64 KiB blocks
# Prints a table (ratio = ref seconds / ours seconds: above 1, ours is faster; also each side's
# CPU seconds, user + system, which a shared machine disturbs less than wall time, and its peak
# RSS; each the lowest of the RUNS) and one JSON line per row. If WHOLE_LAST (default BUILD_DIR/bench-whole-last.jsonl) holds a previous run, a ratio
# that fell by more than 20% is reported as a warning (never a failure: the machine is shared);
# then this run replaces it. Exits non-zero if a run failed or printed a wrong length.
#
# Usage: bench/whole.sh BUILD_DIR
# Env:   RUNS=2 ROWS="append-stdin sync-1k sync-64k" LINES=200000 SYNC_1K=100000 SYNC_64K=2000
#        WHOLE_LAST=FILE
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
bin=$build/ddatabase
here=$(cd "$(dirname "$0")" && pwd)
interop=$here/../tests/interop
runs=${RUNS:-2}
rows=${ROWS:-append-stdin sync-1k sync-64k}
lines=${LINES:-200000}
n1k=${SYNC_1K:-100000}
n64k=${SYNC_64K:-2000}
last=${WHOLE_LAST:-$build/bench-whole-last.jsonl}
[ -x "$bin" ] || { echo "not built: $bin" >&2; exit 2; }
[ -d "$interop/node_modules/ddatabase" ] || { echo "reference not installed: run 'make interop-deps'" >&2; exit 2; }

work=$(mktemp -d /tmp/ddb-whole-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

json() { node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8").trim().split("\n").pop()); process.stdout.write(String(j[process.argv[1]]))' "$1"; }
wait_line() { for _ in $(seq 1 1200); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "timeout waiting for $1" >&2; return 1; }
now_ns() { date +%s%N; }

# timed NAME CMD...: runs CMD (stdout to $work/NAME.out), adds its wall seconds to `secs` and its
# CPU seconds (user + system) to `cpu`, and raises `rss` (MB) to its peak RSS.
secs=0 cpu=0 rss=0
timed() {
  local name=$1; shift
  local t0 t1 m u s
  t0=$(now_ns)
  /usr/bin/time -f '%M %U %S' -o "$work/$name.rss" "$@" >"$work/$name.out"
  t1=$(now_ns)
  read -r m u s < <(tail -1 "$work/$name.rss")
  secs=$(awk -v a="$secs" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.4f", a + (t1 - t0) / 1e9}')
  cpu=$(awk -v a="$cpu" -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", a + u + s}')
  rss=$(awk -v a="$rss" -v k="$m" 'BEGIN{m = k / 1024; printf "%.1f", (m > a ? m : a)}')
}
expect_out() { # NAME WANT [FIELD]: NAME's last stdout line (or its JSON FIELD) must be WANT
  local got
  got=$(tail -1 "$work/$1.out")
  [ $# -ge 3 ] && got=$(json "$3" <"$work/$1.out")
  [ "$got" = "$2" ] || { echo "$1: printed '$got', expected $2" >&2; exit 1; }
}

# One side of one round of a row: sets secs and rss.
run_side() { # ROW SIDE ROUND
  local row=$1 side=$2 k=$3 d="$work/$1-$2-$3"
  secs=0 cpu=0 rss=0
  case "$row/$side" in
    append-stdin/ours)
      timed "$row-ours-create-$k" "$bin" create "$d"
      timed "$row-ours-$k" "$bin" append "$d" <"$work/lines"
      expect_out "$row-ours-$k" "$lines" ;;
    append-stdin/ref)
      timed "$row-ref-$k" node "$here/reference/append_stdin.js" "$d" <"$work/lines"
      expect_out "$row-ref-$k" "$lines" ;;
    sync-*/ours)
      timed "$row-ours-$k" "$bin" clone "${key[$row/ours]}" "$d" --peer "127.0.0.1:${port[$row/ours]}" --json
      expect_out "$row-ours-$k" "${count[$row]}" downloaded ;;
    sync-*/ref)
      timed "$row-ref-$k" node "$here/reference/sync_clone.js" "${key[$row/ref]}" "$d" \
        --port "${port[$row/ref]}" --length "${count[$row]}"
      expect_out "$row-ref-$k" "${count[$row]}" ops ;;
  esac
  rm -rf "$d"
}

declare -A key port count size
count[sync-1k]=$n1k size[sync-1k]=1024
count[sync-64k]=$n64k size[sync-64k]=65536
setup() { # ROW: the input file or the two serving processes (untimed)
  case "$1" in
    append-stdin)
      awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) printf "%-99s\n", "line-" i }' >"$work/lines" ;;
    sync-*)
      "$bin" bench make-feed --dir "$work/$1-src-ours" --count "${count[$1]}" --size "${size[$1]}" \
        --json >"$work/$1-make"
      key[$1/ours]=$(json key <"$work/$1-make")
      "$bin" serve "$work/$1-src-ours" --listen 127.0.0.1:0 >"$work/$1-serve-ours" 2>/dev/null &
      pids+=($!)
      wait_line "$work/$1-serve-ours"
      port[$1/ours]=$(sed 's/.*://' "$work/$1-serve-ours")
      node "$interop/ref_peer_serve.js" "$work/$1-src-ref" --gen "${count[$1]}" --size "${size[$1]}" \
        >"$work/$1-serve-ref" 2>/dev/null &
      pids+=($!)
      wait_line "$work/$1-serve-ref"
      port[$1/ref]=$(json port <"$work/$1-serve-ref")
      key[$1/ref]=$(json key <"$work/$1-serve-ref") ;;
    *) echo "unknown row: $1" >&2; exit 2 ;;
  esac
}
teardown() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
}

min() { awk -v a="$1" -v b="$2" 'BEGIN{print (a == "" || b + 0 < a + 0) ? b : a}'; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
table=() jsons=()
for row in $rows; do
  echo "== $row (best of $runs)" >&2
  setup "$row"
  best_ours="" best_ref="" rss_ours="" rss_ref="" cpu_ours="" cpu_ref=""
  for k in $(seq 1 "$runs"); do
    sides="ours ref"; [ $((k % 2)) = 0 ] && sides="ref ours"
    for side in $sides; do
      run_side "$row" "$side" "$k"
      echo "   round $k $side: ${secs} s, CPU ${cpu} s, peak RSS ${rss} MB" >&2
      if [ "$side" = ours ]; then
        best_ours=$(min "$best_ours" "$secs") cpu_ours=$(min "$cpu_ours" "$cpu") rss_ours=$(min "$rss_ours" "$rss")
      else
        best_ref=$(min "$best_ref" "$secs") cpu_ref=$(min "$cpu_ref" "$cpu") rss_ref=$(min "$rss_ref" "$rss")
      fi
    done
  done
  teardown
  ratio=$(awk -v o="$best_ours" -v r="$best_ref" 'BEGIN{printf "%.2f", r / o}')
  cpu_ratio=$(awk -v o="$cpu_ours" -v r="$cpu_ref" 'BEGIN{printf "%.2f", (o > 0 ? r / o : 0)}')
  table+=("$(printf '%-14s %10s %10s %8s %14s %14s' "$row" "$best_ours" "$best_ref" "$ratio" \
    "$cpu_ours/$cpu_ref" "$rss_ours/$rss_ref")")
  jsons+=("$(printf '{"workload":"%s","runs":%d,"oursSeconds":%s,"refSeconds":%s,"ratio":%s,"oursCpuSeconds":%s,"refCpuSeconds":%s,"cpuRatio":%s,"oursMaxRssMB":%s,"refMaxRssMB":%s,"loadavg":"%s"}' \
    "$row" "$runs" "$best_ours" "$best_ref" "$ratio" "$cpu_ours" "$cpu_ref" "$cpu_ratio" "$rss_ours" "$rss_ref" "$load")")
done

echo "whole processes, best of $runs, load average at start: $load ($(nproc) cores)"
printf '%-14s %10s %10s %8s %14s %14s\n' workload "ours s" "ref s" "ref/ours" "CPU s ours/ref" "RSS MB ours/ref"
for t in "${table[@]}"; do echo "$t"; done
for j in "${jsons[@]}"; do echo "$j"; done
if [ -s "$last" ]; then
  for j in "${jsons[@]}"; do
    node -e '
      const now = JSON.parse(process.argv[1])
      const prev = require("fs").readFileSync(process.argv[2], "utf8").trim().split("\n")
        .map((l) => JSON.parse(l)).find((p) => p.workload === now.workload)
      if (prev && now.ratio < 0.8 * prev.ratio)
        console.log(`warning: ${now.workload} ratio ${now.ratio} fell from ${prev.ratio} in the previous run`)
    ' "$j" "$last"
  done
fi
printf '%s\n' "${jsons[@]}" >"$last"
