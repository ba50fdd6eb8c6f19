#!/usr/bin/env bash
# tapeop analyze against ffmpeg's ebur128 filter on music-like material, album loudness against
# the two files measured as one programme, the JSON contract, and -j invariance.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"

"$T" -q generate music -o a.wav --duration 60 --level -18 --seed 1
"$T" -q generate music -o b.wav --duration 40 --level -26 --seed 2 --rate 44100

# ffmpeg_summary FILE KEY: "I", "LRA" or "Peak" from ffmpeg's ebur128 summary.
ffmpeg_summary() {
  ffmpeg -nostdin -hide_banner -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    sed -n '/Summary:/,$p' | awk -v k="$2:" '$1 == k { print $2; exit }'
}

for f in a.wav b.wav; do
  j=$("$T" --json analyze "$f")
  i=$(printf '%s' "$j" | json_num integrated_lufs)
  lra=$(printf '%s' "$j" | json_num loudness_range_lu)
  tp=$(printf '%s' "$j" | json_num true_peak_dbtp)
  fi_=$(ffmpeg_summary "$f" I); flra=$(ffmpeg_summary "$f" LRA); ftp=$(ffmpeg_summary "$f" Peak)
  # ffmpeg prints one decimal: its own rounding adds up to 0.05 to each tolerance.
  near "$i" "$fi_" 0.15 || fail "$f integrated $i vs ffmpeg $fi_ (tolerance 0.1 + 0.05 rounding)"
  near "$lra" "$flra" 0.25 || fail "$f LRA $lra vs ffmpeg $flra (tolerance 0.2 + 0.05 rounding)"
  near "$tp" "$ftp" 0.15 || fail "$f true peak $tp vs ffmpeg $ftp (tolerance 0.1 + 0.05 rounding)"
  pass
done

# Album: the loudness of all tracks as one programme (ffmpeg on the concatenation).
ffmpeg -nostdin -loglevel error -i a.wav -i b.wav -filter_complex \
  "[1:a]aresample=48000[b];[0:a][b]concat=n=2:v=0:a=1" -c:a pcm_f32le ab.wav
j=$("$T" --json analyze --album a.wav b.wav)
album=$(printf '%s' "$j" | sed -n '/"album"/,$p' | json_num integrated_lufs)
near "$album" "$(ffmpeg_summary ab.wav I)" 0.15 || fail "album $album vs ffmpeg on the concatenation"
pass
# Not an average of the two tracks' figures.
ia=$("$T" --json analyze a.wav | json_num integrated_lufs); ib=$("$T" --json analyze b.wav | json_num integrated_lufs)
awk -v x="$album" -v a="$ia" -v b="$ib" 'BEGIN { m = (a + b) / 2; d = x - m; if (d < 0) d = -d; exit !(d > 0.5) }' ||
  fail "album loudness looks like an average"
pass

# JSON contract: the keys of DESIGN.md, silence as null.
for key in tool version files path format subtype sample_rate channels frames duration_s integrated_lufs \
           loudness_range_lu true_peak_dbtp sample_peak_dbfs momentary_max_lufs short_term_max_lufs rms_dbfs \
           dc_offset clipped_samples channels_detail album; do
  grep -q "\"$key\":" <<<"$j" || fail "missing key $key"
done
pass
"$T" -q generate silence -o quiet.wav --duration 2
"$T" --json analyze quiet.wav | grep -c '"integrated_lufs": null' >/dev/null || fail "silence is not null"
pass

# Same numbers at any -j.
"$T" --json -j 1 analyze a.wav b.wav quiet.wav > j1.json
"$T" --json -j 3 analyze a.wav b.wav quiet.wav > j3.json
cmp -s j1.json j3.json || fail "-j 1 and -j 3 differ"
pass
finish
