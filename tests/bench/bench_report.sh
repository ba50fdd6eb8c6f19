#!/usr/bin/env bash
# tapeop report vs tapeop analyze on the same generated 48 kHz 24-bit stereo music, 20 minutes
# and one hour (the issue's bars: the page costs at most 1.5x analyze; the 20-minute page under
# 1 MiB, the one-hour page under 1.5 MB). Wall and CPU time (user + system, every thread): the
# report runs its QC detectors on a second thread, so the wall clock shows what a user waits
# and the CPU time what the machine pays.
source "$(dirname "$0")/lib.sh"
page="$BENCH_DIR/bench-report.html"

bench_page() { # bench_page FILE SECONDS LABEL SIZE_BAR
  local f=$1 dur=$2 t_an t_rep t_spec c_an c_rep c_spec
  echo "== report: $3 48 kHz 24-bit stereo (median of $BENCH_REPS)"
  t_an=$(median_time "$TAPEOP" -q analyze "$f")
  t_rep=$(median_time "$TAPEOP" -q report "$f" -o "$page")
  t_spec=$(median_time "$TAPEOP" -q report "$f" -o "$page" --spec ebu-r128)
  c_an=$(median_cpu "$TAPEOP" -q analyze "$f")
  c_rep=$(median_cpu "$TAPEOP" -q report "$f" -o "$page")
  c_spec=$(median_cpu "$TAPEOP" -q report "$f" -o "$page" --spec ebu-r128)
  row "tapeop analyze" "$t_an" "$(xrt "$dur" "$t_an")"
  row "tapeop report" "$t_rep" "$(xrt "$dur" "$t_rep")"
  row "tapeop report --spec ebu-r128" "$t_spec" "$(xrt "$dur" "$t_spec")"
  echo "  CPU s: analyze $c_an, report $c_rep, report --spec $c_spec"
  echo "  report / analyze: wall $(ratio "$t_rep" "$t_an")x, CPU $(ratio "$c_rep" "$c_an")x;" \
    "report --spec / analyze: wall $(ratio "$t_spec" "$t_an")x, CPU $(ratio "$c_spec" "$c_an")x (bar: 1.5x)"
  echo "  page $(stat -c %s "$page") bytes with --spec (bar: $4)"
}

f="$BENCH_DIR/bench-20min.wav"
[ -f "$f" ] || "$TAPEOP" -q generate music -o "$f" --duration 1200 --rate 48000 --channels 2 --bits 24
bench_page "$f" 1200 "20 min" 1048576
rm -f "$f"
h="$BENCH_DIR/bench-1h.wav"
"$TAPEOP" -q generate music -o "$h" --duration 3600 --rate 48000 --channels 2 --bits 24
bench_page "$h" 3600 "one hour" 1500000
rm -f "$h" "$page"
