#!/usr/bin/env bash
# Runs libFuzzer targets for a fixed time each (`make fuzz`):
#   tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...
# Each target starts from BUILD_DIR/seeds/TARGET (make_corpus.sh) and keeps what it learns in
# BUILD_DIR/corpus/TARGET (reused by the next run). A finding (crash, sanitizer report, leak,
# timeout, out-of-memory, escaping exception) stops that target, leaves its input in
# BUILD_DIR/findings/ and makes this script fail; the others still run. Prints one line per
# target: executions, executions per second, coverage, corpus size.
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: $0 BUILD_DIR SECONDS TARGET..." >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
SECONDS_EACH=$2
shift 2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export LSAN_OPTIONS="suppressions=$SRC/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
mkdir -p "$BUILD/findings" "$BUILD/logs"
failed=0
for t in "$@"; do
  exe="$BUILD/fuzz_$t"
  [ -x "$exe" ] || { echo "fuzz: $exe not built" >&2; exit 2; }
  mkdir -p "$BUILD/corpus/$t" "$BUILD/seeds/$t"
  dict=()
  [ -f "$SRC/tests/fuzz/$t.dict" ] && dict=(-dict="$SRC/tests/fuzz/$t.dict")
  log="$BUILD/logs/$t.log"
  # -timeout: a single input taking 10 s is a hang; -rss_limit_mb: an input that needs more
  # than 2 GB is a finding (a header asking for absurd buffers), not a reason to swap.
  "$exe" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$BUILD/findings/$t-" "${dict[@]}" \
    "$BUILD/corpus/$t" "$BUILD/seeds/$t" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  corpus=$(find "$BUILD/corpus/$t" -type f | wc -l)
  if [ $rc = 0 ]; then
    echo "fuzz $t: ${runs:-?} executions in ${SECONDS_EACH} s (${speed:-?}/s), ${cov:-cov: ?}, corpus $corpus: no finding"
  else
    failed=1
    echo "fuzz $t: FINDING after ${runs:-?} executions (exit $rc); log $log:" >&2
    grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written|uncaught|deadly signal' "$log" | head -n 20 >&2
  fi
done
exit $failed
