#!/usr/bin/env bash
# tapeop report vs tapeop analyze on the same 20-minute 48 kHz 24-bit stereo file (the issue's
# bar: the page costs at most 1.5x analyze and stays under 1 MiB), and the page of one hour.
source "$(dirname "$0")/lib.sh"
f="$BENCH_DIR/bench-20min.wav"
[ -f "$f" ] || "$TAPEOP" -q generate music -o "$f" --duration 1200 --rate 48000 --channels 2 --bits 24
dur=1200
page="$BENCH_DIR/bench-report.html"

echo "== report: 20 min 48 kHz 24-bit stereo (median of $BENCH_REPS)"
t_an=$(median_time "$TAPEOP" -q analyze "$f")
t_rep=$(median_time "$TAPEOP" -q report "$f" -o "$page")
t_spec=$(median_time "$TAPEOP" -q report "$f" -o "$page" --spec ebu-r128)
row "tapeop analyze" "$t_an" "$(xrt $dur "$t_an")"
row "tapeop report" "$t_rep" "$(xrt $dur "$t_rep")"
row "tapeop report --spec ebu-r128" "$t_spec" "$(xrt $dur "$t_spec")"
echo "  report / analyze: $(ratio "$t_rep" "$t_an")x (bar: 1.5x); page $(stat -c %s "$page") bytes (bar: 1048576)"
rm -f "$f"
h="$BENCH_DIR/bench-1h.wav"
"$TAPEOP" -q generate music -o "$h" --duration 3600 --rate 48000 --channels 2 --bits 24
"$TAPEOP" -q report "$h" -o "$page" --spec ebu-r128
echo "  one hour: page $(stat -c %s "$page") bytes (bar: 1500000)"
rm -f "$h" "$page"
