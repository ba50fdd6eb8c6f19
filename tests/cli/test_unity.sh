#!/usr/bin/env bash
# Unity is identity: an operation that changes nothing leaves every sample as it was (no
# automatic dither). For 16-, 24-, 32-bit and float WAV and for FLAC: gain 0 dB, trim without
# fades, convert to the same format, a recipe `gain 0 dB`. Controls: a -0.5 dB gain does change the samples, and a
# 0 dB gain into fewer bits still dithers.
source "$(dirname "$0")/lib.sh"

# Decoded samples in the file's own encoding (sox keeps it), hashed.
samples() { sox "$1" -t raw - | md5sum | cut -d' ' -f1; }

"$TAPEOP" -q generate music -o src.wav --duration 4s
printf 'gain 0 dB\n' > unity.recipe
for bits in 16 24 32 float; do
  "$TAPEOP" -q convert src.wav -o in$bits.wav --bits $bits --dither none
  want=$(samples in$bits.wav)
  "$TAPEOP" -q gain in$bits.wav -o g$bits.wav --db 0
  [ "$(samples g$bits.wav)" = "$want" ] || fail "gain --db 0 changed $bits-bit samples"; pass
  "$TAPEOP" -q convert in$bits.wav -o c$bits.wav
  [ "$(samples c$bits.wav)" = "$want" ] || fail "convert to the same format changed $bits-bit samples"; pass
  "$TAPEOP" -q trim in$bits.wav -o t$bits.wav --start 0 --duration 4s
  [ "$(samples t$bits.wav)" = "$want" ] || fail "trim without fades changed $bits-bit samples"; pass
  mkdir -p r$bits
  "$TAPEOP" -q run unity.recipe in$bits.wav -o r$bits
  [ "$(samples r$bits/in$bits.wav)" = "$want" ] || fail "recipe 'gain 0 dB' changed $bits-bit samples"; pass
  # Control: a real gain changes the samples (the comparison can fail).
  "$TAPEOP" -q gain in$bits.wav -o h$bits.wav --db -0.5
  [ "$(samples h$bits.wav)" != "$want" ] || fail "a -0.5 dB gain left $bits-bit samples unchanged"; pass
done
"$TAPEOP" -q convert src.wav -o in.flac --bits 16 --dither none
want=$(samples in.flac)
"$TAPEOP" -q gain in.flac -o g.flac --db 0
[ "$(samples g.flac)" = "$want" ] || fail "gain --db 0 changed FLAC samples"; pass
# Control: a 0 dB gain into fewer bits is a change of format and is dithered (TPDF).
"$TAPEOP" -q gain in24.wav -o d16.wav --db 0 --bits 16
[ "$(samples d16.wav)" != "$(sox in24.wav -b 16 --no-dither -t raw - | md5sum | cut -d" " -f1)" ] || fail "24 -> 16 bits at 0 dB was truncated, not dithered"; pass
finish
