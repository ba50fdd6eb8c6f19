#!/usr/bin/env bash
# tapeop master, end to end: targets -24 .. -9 LUFS with ceilings -1 and -2 dBTP on 20 s of
# generated music, measured by `tapeop analyze` (within 0.1 LU, true peak <= ceiling) and
# cross-checked by ffmpeg's ebur128 filter (it upsamples to 192 kHz with swresample and prints
# 0.1 dB steps: integrated within 0.15 LU, the printed true peak <= ceiling); 40 s of music with
# hi-hats at -14/-1, -11/-1, -9/-2 checked the same way; deliverables; batch with -j;
# bit-identical reruns; errors.
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate music -o in.wav --duration 20
have_ffmpeg=0; command -v ffmpeg >/dev/null && have_ffmpeg=1

ff_measure() { # ff_measure FILE -> "I PEAK"
  ffmpeg -nostdin -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/I:/ { i = $2 } /Peak:/ { p = $2 } END { print i, p }'
}

# master_and_check LABEL IN OUT TARGET CEILING: masters IN to OUT, then checks (and prints)
# where it landed: analyze within 0.1 LU and true peak <= ceiling; ffmpeg within 0.15 LU and
# its printed peak <= ceiling.
master_and_check() {
  local label=$1 in=$2 out=$3 target=$4 ceiling=$5 lufs tp fi fp line
  "$TAPEOP" --json master "$in" -o "$out" --target "$target" --ceiling "$ceiling" >m.json 2>/dev/null ||
    fail "${label}master $target/$ceiling exited $?"
  "$TAPEOP" --json analyze "$out" >a.json
  lufs=$(json_num integrated_lufs <a.json); tp=$(json_num true_peak_dbtp <a.json)
  near "$lufs" "$target" 0.1 || fail "$label$target/$ceiling: analyze reads $lufs LUFS"; pass
  awk -v a="$tp" -v c="$ceiling" 'BEGIN { exit !(a <= c) }' || fail "$label$target/$ceiling: true peak $tp"; pass
  line="${label}target $target ceiling $ceiling: tapeop $lufs LUFS $tp dBTP, $(json_num render_passes <m.json) render passes"
  if [ $have_ffmpeg = 1 ]; then
    read -r fi fp < <(ff_measure "$out")
    near "$fi" "$target" 0.15 || fail "$label$target/$ceiling: ffmpeg reads $fi LUFS"; pass
    awk -v a="$fp" -v c="$ceiling" 'BEGIN { exit !(a <= c) }' || fail "$label$target/$ceiling: ffmpeg peak $fp"; pass
    line="$line; ffmpeg $fi LUFS $fp dBTP"
  fi
  echo "$line"
}

for ceiling in -1 -2; do
  for target in -24 -23 -16 -14 -11 -9; do
    master_and_check "" in.wav "m$target$ceiling.wav" "$target" "$ceiling"
  done
done

# 40 s with choruses full of hi-hats (noise high-passed at 7 kHz, flat to Nyquist): the
# inter-sample peaks a 4x meter misses. ffmpeg's printed Peak must not exceed the ceiling.
"$TAPEOP" -q generate music -o hats.wav --duration 40
for tc in -14:-1 -11:-1 -9:-2; do
  master_and_check "hats: " hats.wav "h${tc%%:*}.wav" "${tc%%:*}" "${tc##*:}"
done

# JSON report: before/after, gain, limiter statistics, passes.
"$TAPEOP" --json master in.wav -o j.wav --target -11 >j.json
for key in integrated_lufs loudness_range_lu true_peak_dbtp gain_db max_gain_reduction_db \
           average_gain_reduction_db active_share render_passes passes; do
  grep -q "\"$key\"" j.json || fail "JSON lacks $key"; pass
done

# Presets and deliverables in one run, each verified as written.
"$TAPEOP" --json master in.wav --deliver spotify:s.flac --deliver cd:cd.wav --deliver apple-podcasts:p.mp3 \
  --eq "peak 3kHz -1.5dB q=1" --highpass 25Hz --compress "threshold=-20dBFS ratio=2" >d.json
"$TAPEOP" --json info cd.wav | grep -c '"sample_rate": *44100' >/dev/null || fail "cd is not 44.1 kHz"; pass
"$TAPEOP" --json info cd.wav | grep -c '"subtype": *"pcm16"' >/dev/null || fail "cd is not 16-bit"; pass
for f in s.flac:-14 cd.wav:-14 p.mp3:-16; do
  "$TAPEOP" --json analyze "${f%%:*}" >a.json
  near "$(json_num integrated_lufs <a.json)" "${f##*:}" 0.1 || fail "$f: $(json_num integrated_lufs <a.json)"; pass
  awk -v a="$(json_num true_peak_dbtp <a.json)" 'BEGIN { exit !(a <= -1) }' || fail "$f true peak"; pass
done
no_temporaries .

# Bit-identical reruns; several inputs in parallel give the same files at any -j.
"$TAPEOP" -q master in.wav -o r1.flac --preset spotify
"$TAPEOP" -q master in.wav -o r2.flac --preset spotify
cmp -s r1.flac r2.flac || fail "rerun differs"; pass
# The same without the worker threads (read-ahead, background output stage, meters).
"$TAPEOP" -q --no-pipeline master in.wav -o r3.flac --preset spotify
cmp -s r1.flac r3.flac || fail "--no-pipeline differs"; pass
"$TAPEOP" -q generate music -o b.wav --duration 20 --seed 2 --level -30
mkdir -p j1 j2
"$TAPEOP" -q -j 1 master in.wav b.wav -o j1 --target -16 --ext flac
"$TAPEOP" -q -j 2 master in.wav b.wav -o j2 --target -16 --ext flac
cmp -s j1/in.flac j2/in.flac && cmp -s j1/b.flac j2/b.flac || fail "-j 1 and -j 2 differ"; pass

# One failing input does not stop the others (exit 1); all failing: exit 2; silence: named.
"$TAPEOP" -q generate silence -o quiet.wav --duration 2
mkdir -p mixed
expect_exit 1 "$TAPEOP" -q master in.wav quiet.wav -o mixed
[ -f mixed/in.wav ] && [ ! -f mixed/quiet.wav ] || fail "batch with a failure"; pass
grep -q "quiet.wav.*silent" <<<"$ERR" || fail "silence error: $ERR"; pass
expect_exit 2 "$TAPEOP" master quiet.wav -o q.wav
expect_one_line_error "quiet.wav: .*silent"
[ ! -e q.wav ] || fail "partial output"; pass
expect_exit 2 "$TAPEOP" master missing.wav -o x.wav
expect_one_line_error "missing.wav"
expect_exit 2 "$TAPEOP" master in.wav -o x.wav --preset spotfy
expect_one_line_error "did you mean 'spotify'"
expect_exit 2 "$TAPEOP" master in.wav -o x.wav --eq "peak 3kHz -1.5dB qq=1"
expect_one_line_error "--eq"
expect_exit 2 "$TAPEOP" master in.wav -o in.wav
expect_one_line_error "in.wav"
no_temporaries .
finish
