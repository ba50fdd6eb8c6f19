#!/usr/bin/env bash
# tapeop convert, end to end: a 1 kHz tone keeps its level within 0.01 dB through
# 44.1 <-> 48 <-> 96 kHz, and nothing else in the output exceeds -100 dB (images, aliases:
# the tone is notched out and the residual measured); bits with dither; channels; containers.
source "$(dirname "$0")/lib.sh"

rms() { "$TAPEOP" --json analyze "$1" | json_num rms_dbfs; }

"$TAPEOP" -q generate sine -o t48.wav --freq 1kHz --level -6 --duration 5 --rate 48000 --bits float
ref=$(rms t48.wav)
prev=t48.wav
for rate in 44100 96000 48000 44100 48000; do
  "$TAPEOP" -q convert "$prev" -o "t$rate-$CHECKS.wav" --rate "$rate"
  prev="t$rate-$CHECKS.wav"
  "$TAPEOP" --json info "$prev" | grep -c "\"sample_rate\": *$rate" >/dev/null || fail "$prev rate"; pass
  got=$(rms "$prev")
  near "$got" "$ref" 0.01 || fail "$prev: RMS $got dBFS vs $ref"; pass
done
# Images and aliases: after the round trip, remove the 1 kHz tone with a steep notch (ffmpeg)
# and measure what is left, away from the edges.
if command -v ffmpeg >/dev/null; then
  ffmpeg -nostdin -v error -i "$prev" -af "bandreject=f=1000:width_type=q:w=2,bandreject=f=1000:width_type=q:w=2,bandreject=f=1000:width_type=q:w=2,atrim=1:4" -c:a pcm_f32le resid.wav
  r=$(rms resid.wav)
  awk -v r="$r" 'BEGIN { exit !(r < -100 || r == "") }' || fail "residual after the round trip: $r dBFS"; pass
  echo "tone level $ref -> $got dBFS; residual without the tone $r dBFS"
fi

# Bits: 16-bit with TPDF dither (flagged), float kept exact; channels; containers.
"$TAPEOP" --json convert t48.wav -o t16.wav --bits 16 >c.json
grep -q '"dithered": *true' c.json || fail "16-bit not dithered"; pass
"$TAPEOP" --json info t16.wav | grep -c '"subtype": *"pcm16"' >/dev/null || fail "not 16-bit"; pass
"$TAPEOP" -q convert t48.wav -o mono.flac --channels mono --bits 24
"$TAPEOP" --json info mono.flac | grep -c '"channels": *1' >/dev/null || fail "not mono"; pass
"$TAPEOP" -q convert t48.wav -o copy.wav
cmp -s <(tail -c 1900000 t48.wav) <(tail -c 1900000 copy.wav) || fail "plain copy: samples not identical"; pass
mkdir -p out
"$TAPEOP" -q convert t48.wav t16.wav -o out --ext flac --bits 24
[ -f out/t48.flac ] && [ -f out/t16.flac ] || fail "batch convert"; pass
expect_exit 2 "$TAPEOP" convert t48.wav -o x.wav --rate 12abc
expect_one_line_error "--rate"
expect_exit 2 "$TAPEOP" convert t48.wav -o x.wav --channels quad
expect_one_line_error "--channels"
no_temporaries .
finish
