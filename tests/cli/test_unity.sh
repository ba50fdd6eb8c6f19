#!/usr/bin/env bash
# Unity is identity: an operation that changes nothing leaves every sample as it was (no
# automatic dither). For 16-, 24-, 32-bit and float WAV and for FLAC: gain 0 dB, trim without
# fades, convert to the same format, a recipe `gain 0 dB`; for the WAVs also normalize of a file
# already at the target (its gain rounds to exactly 1.0) and split without fades (each take is
# the input's frames from start_frame to end_frame). Controls: a -0.5 dB gain does change the samples, and a
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
# A file whose peak is exactly half scale (-6.0206 dBFS: one sample at 16384/32768, the rest
# under it), in every format (widening from 16 bits is exact), and then 3 s of digital silence
# and the same audio again for split.
python3 - <<'PY'
import math, struct, wave
frames = bytearray()
for i in range(2 * 48000):
    v = 0.3 * math.sin(2 * math.pi * 440 * i / 48000) + 0.1 * math.sin(2 * math.pi * 97 * i / 48000 + 1)
    s = 16384 if i == 1000 else round(v * 32768)
    frames += struct.pack('<hh', s, -(s // 2))
w = wave.open('half16.wav', 'wb')
w.setnchannels(2); w.setsampwidth(2); w.setframerate(48000); w.writeframes(bytes(frames)); w.close()
PY
sox -V1 half16.wav h.wav && mv h.wav half16.wav # a header sox reads without a warning
sox -n -r 48000 -c 2 -b 16 gap.wav trim 0 3
sox half16.wav gap.wav half16.wav two16.wav
for bits in 24 32 float; do
  enc=(-b "$bits"); [ "$bits" = float ] && enc=(-e floating-point -b 32)
  sox half16.wav "${enc[@]}" "half$bits.wav"
  sox two16.wav "${enc[@]}" "two$bits.wav"
done
for bits in 16 24 32 float; do
  want=$(samples half$bits.wav)
  "$TAPEOP" -q normalize half$bits.wav -o n$bits.wav --peak -6.0206
  [ "$(samples n$bits.wav)" = "$want" ] || fail "normalize to the file's own peak changed $bits-bit samples"; pass
  "$TAPEOP" -q normalize half$bits.wav -o m$bits.wav --peak -6.5 # control: a real gain
  [ "$(samples m$bits.wav)" != "$want" ] || fail "normalize by -0.48 dB left $bits-bit samples unchanged"; pass
  mkdir s$bits
  "$TAPEOP" --json split two$bits.wav -o s$bits > split$bits.json
  takes=0
  while read -r path start end; do
    [ "$(samples "$path")" = "$(sox two$bits.wav -t raw - trim "${start}s" "=${end}s" | md5sum | cut -d' ' -f1)" ] ||
      fail "split changed the samples of $path ($bits-bit)"
    takes=$((takes + 1))
  done < <(python3 -c 'import json,sys; [print(o["path"], o["start_frame"], o["end_frame"]) for o in json.load(open(sys.argv[1]))["outputs"]]' split$bits.json)
  [ "$takes" = 2 ] || fail "split found $takes takes in $bits-bit, not 2"; pass
done
"$TAPEOP" -q convert src.wav -o in.flac --bits 16 --dither none
want=$(samples in.flac)
"$TAPEOP" -q gain in.flac -o g.flac --db 0
[ "$(samples g.flac)" = "$want" ] || fail "gain --db 0 changed FLAC samples"; pass
# Control: a 0 dB gain into fewer bits is a change of format and is dithered (TPDF).
"$TAPEOP" -q gain in24.wav -o d16.wav --db 0 --bits 16
[ "$(samples d16.wav)" != "$(sox in24.wav -b 16 --no-dither -t raw - | md5sum | cut -d" " -f1)" ] || fail "24 -> 16 bits at 0 dB was truncated, not dithered"; pass
finish
