#!/usr/bin/env bash
# Loudness + true-peak scan: tapeop analyze vs ffmpeg's ebur128=peak=true, on the same
# generated 10-minute 48 kHz 24-bit stereo file; then peak memory on a 3-hour 96 kHz file.
source "$(dirname "$0")/lib.sh"
f="$BENCH_DIR/bench-10min.wav"
[ -f "$f" ] || "$TAPEOP" -q generate music -o "$f" --duration 600 --rate 48000 --channels 2 --bits 24
dur=600

echo "== analyze: loudness + true peak, 10 min 48 kHz 24-bit stereo (median of $BENCH_REPS)"
t_tap=$(median_time "$TAPEOP" -q analyze "$f")
t_ff=$(median_time ffmpeg -nostdin -hide_banner -i "$f" -af ebur128=peak=true -f null -)
row "tapeop analyze" "$t_tap" "$(xrt $dur "$t_tap")"
row "ffmpeg -af ebur128=peak=true" "$t_ff" "$(xrt $dur "$t_ff")"
echo "  ratio: tapeop is $(ratio "$t_ff" "$t_tap")x ffmpeg's speed"

echo "== analyze: peak memory on a 3-hour 96 kHz 24-bit stereo file"
big="$BENCH_DIR/bench-3h-96k.wav"
"$TAPEOP" -q generate white -o "$big" --duration 10800 --rate 96000 --channels 2 --bits 24 --level -20
echo "  file size: $(du -h "$big" | cut -f1)"
echo "  tapeop analyze peak RSS: $(peak_rss_mib "$TAPEOP" -q analyze "$big") MiB"
rm -f "$big"
