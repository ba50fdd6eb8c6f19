#!/usr/bin/env bash
# make bench: every tests/bench/bench_*.sh in turn, on shared generated material.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tapeop-bench-XXXXXX")
trap 'rm -rf "$BENCH_DIR"' EXIT
echo "tapeop benchmarks ($(nproc) cores, $(uname -m)); material in $BENCH_DIR"
for b in "$here"/bench_*.sh; do
  bash "$b"
done
