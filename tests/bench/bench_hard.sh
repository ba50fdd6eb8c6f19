#!/usr/bin/env bash
# Mastering the hard set (make_hard.sh: wide loudness range, quiet intros, dense transients,
# 96 kHz float, mono, 44.1 kHz 16-bit) to -14 LUFS / -1 dBTP. Per file: passes over the input
# and render passes of `tapeop master`; its time over the time of `tapeop analyze` of the same
# file, in wall clock and in CPU time (user + system of every thread); the time of FFmpeg
# loudnorm two-pass (one filter thread) over tapeop's; the limiter's largest gain reduction;
# the gain model's error (the first render's loudness minus the target the model solved for,
# when one render pass sufficed); and where the master landed by `tapeop analyze` and by
# FFmpeg's ebur128=peak=true. Times are medians of $BENCH_REPS runs, each command run back to
# back with the ones it is compared to. Set HARD_DIR to reuse rendered material.
source "$(dirname "$0")/lib.sh"
hard_dir=${HARD_DIR:-$BENCH_DIR/hard}
mapfile -t files < <(bash "$(dirname "$0")/make_hard.sh" "$hard_dir")
out_tap="$BENCH_DIR/hard-master.wav"
out_ff="$BENCH_DIR/hard-loudnorm.wav"

# field JSON EXPR: one value out of a JSON document (EXPR indexes `d`).
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
# ebur128 FILE -> "I TP" by FFmpeg.
ebur128() {
  ffmpeg -nostdin -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/I:/ { i = $2 } /Peak:/ { p = $2 } END { printf "%s %s", i, p }'
}

echo "== hard set: master to -14 LUFS / -1 dBTP (median of $BENCH_REPS)"
printf '  %-20s %5s %5s %4s %3s %7s %7s %5s %7s %7s %6s %5s %7s %7s %6s %7s %6s\n' file secs LRA pass rnd \
  analyze master m/a cpu-m/a loudnrm ln/m GRmax err tapI tapTP ffI ffTP
one=0 n=0 worst_ma=0 worst_ln=1e9
for f in "${files[@]}"; do
  name=$(basename "$f" .wav)
  a=$("$TAPEOP" --json analyze "$f")
  secs=$(soxi -D "$f")
  lra=$(field "$a" 'd["files"][0]["loudness_range_lu"]')
  rate=$(soxi -r "$f")
  t_an=$(median_time "$TAPEOP" -q analyze "$f")
  t_ma=$(median_time "$TAPEOP" -q master "$f" -o "$out_tap" --target -14 --ceiling -1)
  t_ln=$(median_time loudnorm_two_pass "$f" "$out_ff" "$rate")
  c_an=$(median_cpu "$TAPEOP" -q analyze "$f")
  c_ma=$(median_cpu "$TAPEOP" -q master "$f" -o "$out_tap" --target -14 --ceiling -1)
  m=$("$TAPEOP" --json master "$f" -o "$out_tap" --target -14 --ceiling -1)
  passes=$(field "$m" 'd["files"][0]["passes"]')
  rnd=$(field "$m" 'd["files"][0]["outputs"][0]["render_passes"]')
  gr=$(field "$m" '"%.1f" % d["files"][0]["outputs"][0]["limiter"]["max_gain_reduction_db"]')
  err=n/a
  [ "$rnd" = 1 ] && err=$(field "$m" '"%+.4f" % (d["files"][0]["outputs"][0]["after"]["integrated_lufs"] + 14)')
  l=$("$TAPEOP" --json analyze "$out_tap")
  ti=$(field "$l" '"%.2f" % d["files"][0]["integrated_lufs"]')
  tp=$(field "$l" '"%.2f" % d["files"][0]["true_peak_dbtp"]')
  read -r fi fp <<<"$(ebur128 "$out_tap")"
  ma=$(ratio "$t_ma" "$t_an")
  ln=$(ratio "$t_ln" "$t_ma")
  printf '  %-20s %5.0f %5.1f %4s %3s %7s %7s %5s %7s %7s %6s %5s %7s %7s %6s %7s %6s\n' "$name" "$secs" \
    "$lra" "$passes" "$rnd" "$t_an" "$t_ma" "$ma" "$(ratio "$c_ma" "$c_an")" "$t_ln" "$ln" "$gr" "$err" \
    "$ti" "$tp" "$fi" "$fp"
  n=$((n + 1))
  [ "$rnd" = 1 ] && one=$((one + 1))
  worst_ma=$(awk -v a="$worst_ma" -v b="$ma" 'BEGIN { print (b > a ? b : a) }')
  worst_ln=$(awk -v a="$worst_ln" -v b="$ln" 'BEGIN { print (b < a ? b : a) }')
done
echo "  one render pass: $one of $n files; worst master/analyze ${worst_ma}x; slowest vs loudnorm ${worst_ln}x"
