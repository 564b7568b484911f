#!/usr/bin/env bash
# Side-by-side benchmarks: ours (`$BUILD_DIR/ddatabase bench WORKLOAD --json`) against the
# reference (bench/reference/feed_bench.js on ddatabase@10.0.4).
#
# Usage: bench/run.sh BUILD_DIR
# Env:   WORKLOADS="append-batched append-single read-seq open-1m"  (subset/order to run)
#        REF_ARGS="..."     extra args for every reference run (e.g. "--count 10000")
#        OURS_ARGS="..."    extra args for every `ddatabase bench` run
#        BENCH_OUT=DIR      keep the raw JSON lines there (default: a temp dir, removed)
# Prints a table; exits non-zero if any of our runs is missing or failed.
set -u

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)  # the runs cd into temp dirs
here=$(cd "$(dirname "$0")" && pwd)
interop=${DDB_INTEROP_DIR:-$here/../tests/interop}
ours_bin=$build_dir/ddatabase
workloads=${WORKLOADS:-append-batched append-single read-seq open-1m}

if [ ! -d "$interop/node_modules/ddatabase" ]; then
  echo "reference not installed: run 'cd $interop && npm ci'" >&2
  exit 2
fi

work=$(mktemp -d /tmp/ddb-bench-XXXXXX)
out=${BENCH_OUT:-$work}
mkdir -p "$out"
trap 'rm -rf "$work"' EXIT

# field FILE NAME: prints a top-level field of the last JSON line in FILE ("" if absent);
# numbers are rounded (integers from 100 up, else 2 decimals).
field() {
  node -e 'try { const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop()); let v = j[process.argv[2]]; if (typeof v === "number") v = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100; process.stdout.write(v === undefined || v === null ? "" : String(v)) } catch (_) {}' "$1" "$2"
}

status=0
rows=()
for w in $workloads; do
  echo "== $w" >&2
  ref_args=()
  # open-1m: reuse one pre-built 1M-block reference feed across runs.
  [ "$w" = open-1m ] && ref_args=(--dir "$work/ref-1m")
  # shellcheck disable=SC2086
  if ! node "$here/reference/feed_bench.js" "$w" "${ref_args[@]}" ${REF_ARGS:-} >"$out/ref-$w.json"; then
    echo "reference $w failed" >&2
  fi
  ref_ops=$(field "$out/ref-$w.json" opsPerSec)

  ours_ops=""
  if [ ! -x "$ours_bin" ]; then
    ours_ops="ours: not built"
    status=1
  else
    # shellcheck disable=SC2086
    if ! (cd "$work" && "$ours_bin" bench "$w" --json ${OURS_ARGS:-}) >"$out/ours-$w.json"; then
      echo "ours $w failed" >&2
      status=1
    fi
    ours_ops=$(field "$out/ours-$w.json" opsPerSec)
    [ -z "$ours_ops" ] && { ours_ops="ours: failed"; status=1; }
  fi

  ratio="-"
  if [[ $ours_ops =~ ^[0-9.]+$ && $ref_ops =~ ^[0-9.]+$ && $ref_ops != 0 ]]; then
    ratio=$(awk -v a="$ours_ops" -v b="$ref_ops" 'BEGIN { printf "%.2f", a / b }')
  fi
  rss="-"
  if [ "$w" = open-1m ]; then
    ours_rss=$(field "$out/ours-$w.json" rssGrowthMB 2>/dev/null)
    ref_rss=$(field "$out/ref-$w.json" rssGrowthMB)
    rss="ours +${ours_rss:-?} MB / ref +${ref_rss:-?} MB"
  fi
  rows+=("$(printf '%-16s %18s %14s %10s  %s' "$w" "$ours_ops" "${ref_ops:-failed}" "$ratio" "$rss")")
done

printf '%-16s %18s %14s %10s  %s\n' workload "ours ops/s" "ref ops/s" "ours/ref" "RSS growth (open)"
for r in "${rows[@]}"; do echo "$r"; done
[ -n "${BENCH_OUT:-}" ] && echo "raw JSON in $out" >&2
exit $status
