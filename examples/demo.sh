#!/usr/bin/env bash
# make demo: the example session on built-in generated material.
# Everything is written to ./demo-out (re-created each time).
set -euo pipefail
: "${TAPEOP:=build/tapeop}"
out=demo-out
rm -rf "$out" && mkdir -p "$out"
say() { printf '\n== %s\n' "$*"; }

say "Generating material: a 30-second music-like stereo mix and a calibration tone"
"$TAPEOP" generate music -o "$out/mix.wav" --duration 30 --rate 48000 --bits 24
"$TAPEOP" generate sine -o "$out/tone.wav" --freq 997 --level -20dBFS --duration 5

say "What the files are"
"$TAPEOP" info "$out/mix.wav" "$out/tone.wav"

say "Loudness and levels (EBU R128 / BS.1770-4)"
"$TAPEOP" analyze --album "$out/mix.wav" "$out/tone.wav"

printf '\nDone. Files are in %s/\n' "$out"
