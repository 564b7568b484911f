#!/usr/bin/env bash
# Runs every libFuzzer target of a DDB_FUZZ build for a bounded time: `make fuzz` calls it.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [libFuzzer flags...]
# Each tests/fuzz/fuzz_NAME.cpp runs from its seed corpus tests/fuzz/corpus/NAME/; new inputs go
# to BUILD_DIR/corpus/NAME (never into the tree), a failing input to BUILD_DIR/artifacts/, the
# log to BUILD_DIR/fuzz_NAME.log. Any crash, leak, sanitizer report, timeout or out-of-memory
# fails the run (after every target has had its turn).
set -uo pipefail
build=$1 seconds=$2
shift 2
cd "$(dirname "$0")/../.."
mkdir -p "$build/artifacts"
fail=0
for src in tests/fuzz/fuzz_*.cpp; do
  name=$(basename "$src" .cpp)
  name=${name#fuzz_}
  mkdir -p "$build/corpus/$name"
  log="$build/fuzz_$name.log"
  start=$SECONDS
  if "$build/fuzz/fuzz_$name" "$@" -max_total_time="$seconds" \
      -artifact_prefix="$build/artifacts/$name-" "$build/corpus/$name" "tests/fuzz/corpus/$name" \
      >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz_$name: ok, $runs inputs in $((SECONDS - start)) s"
  else
    fail=1
    echo "fuzz_$name: FAILED (log: $log)"
    grep -v '^#[0-9]' "$log" | tail -60
  fi
done
exit $fail
