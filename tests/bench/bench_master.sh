#!/usr/bin/env bash
# Mastering to -14 LUFS / -1 dBTP: `tapeop master` (all its passes) against FFmpeg loudnorm
# two-pass (measure, then linear=true with the measured values, -ar 48000 so the output is
# comparable), on the same generated 10-minute 48 kHz 24-bit stereo music file. Prints
# x-realtime, the ratio, and where each tool landed, measured by `tapeop analyze` and by
# ffmpeg's ebur128=peak=true.
source "$(dirname "$0")/lib.sh"
f="$BENCH_DIR/bench-music-10min.wav"
[ -f "$f" ] || "$TAPEOP" -q generate music -o "$f" --duration 600 --rate 48000 --channels 2 --bits 24
dur=600
out_tap="$BENCH_DIR/master-tapeop.wav"
out_ff="$BENCH_DIR/master-loudnorm.wav"

echo "== master to -14 LUFS / -1 dBTP, 10 min 48 kHz 24-bit stereo music (median of $BENCH_REPS)"
t_tap=$(median_time "$TAPEOP" -q master "$f" -o "$out_tap" --target -14 --ceiling -1)
t_ff=$(median_time loudnorm_two_pass "$f" "$out_ff")
row "tapeop master (all passes)" "$t_tap" "$(xrt $dur "$t_tap")"
row "ffmpeg loudnorm two-pass (linear=true)" "$t_ff" "$(xrt $dur "$t_ff")"
echo "  ratio: tapeop is $(ratio "$t_ff" "$t_tap")x loudnorm's speed"
passes=$("$TAPEOP" --json master "$f" -o "$out_tap" --target -14 --ceiling -1 | grep -o '"passes": *[0-9]*' | sed 's/.*: *//')
echo "  tapeop passes over the input: $passes"
echo "  landed, tapeop:   $(landed "$out_tap")"
echo "  landed, loudnorm: $(landed "$out_ff")"
echo "  tapeop master peak RSS: $(peak_rss_mib "$TAPEOP" -q master "$f" -o "$out_tap" --target -14 --ceiling -1) MiB"
