#!/usr/bin/env bash
# Unity is identity: an operation that changes nothing leaves every sample as it was (no
# automatic dither, no rounding through float). For 16-, 24- and 32-bit, float and double WAV,
# each with every bit of its format in use (random low bits: a 32-bit integer's low 8 bits and
# a double's mantissa are what float processing cannot hold), and for FLAC: gain 0 dB, trim
# without fades, convert to the same format, a recipe of identity steps (gain 0 dB, fade of no
# length, EQ bands at 0 dB, compressor at ratio 1, leveler without gain), normalize of a file
# already at the target (its gain rounds to exactly 1.0), gainstage to the stem's own peak
# without DC removal, and split without fades (each take is the input's frames from start_frame
# to end_frame). Samples are compared as stored (the bytes of the data chunk). Controls: a
# -0.5 dB gain and a 0.1 dB EQ band do change the samples, and a 0 dB gain into fewer bits
# still dithers.
source "$(dirname "$0")/lib.sh"

pcm() { python3 "$TAPEOP_SOURCE_DIR/tests/cli/pcm.py" "$@"; }
samples() { pcm md5 "$1"; }
formats="s16 s24 s32 f32 f64"

identity_recipes=("gain 0 dB" "fade in=0s out=0s" "eq peak 1kHz 0dB" "eq lowshelf 120Hz 0dB"
  "eq highshelf 8kHz 0dB" "compress threshold=-30 ratio=1" "level max_gain=0dB max_cut=0dB")
for k in "${!identity_recipes[@]}"; do printf '%s\n' "${identity_recipes[$k]}" > id$k.recipe; done
printf 'gain 0 dB\nfade in=0s out=0s\neq peak 1kHz 0dB\ncompress ratio=1\n' > ids.recipe
printf 'eq peak 1kHz 0.1dB\n' > eq01.recipe

for f in $formats; do
  pcm write in$f.wav $f music
  want=$(samples in$f.wav)
  "$TAPEOP" -q gain in$f.wav -o g$f.wav --db 0
  [ "$(samples g$f.wav)" = "$want" ] || fail "gain --db 0 changed $f samples"; pass
  "$TAPEOP" -q convert in$f.wav -o c$f.wav
  [ "$(samples c$f.wav)" = "$want" ] || fail "convert to the same format changed $f samples"; pass
  "$TAPEOP" -q trim in$f.wav -o t$f.wav --start 0 --duration 4s
  [ "$(samples t$f.wav)" = "$want" ] || fail "trim without fades changed $f samples"; pass
  "$TAPEOP" -q trim in$f.wav -o u$f.wav --start 0.5s --duration 2s
  [ "$(samples u$f.wav)" = "$(pcm md5 in$f.wav 24000 120000)" ] || fail "trim of 0.5 s to 2.5 s changed $f samples"; pass
  for k in "${!identity_recipes[@]}" s; do
    rm -rf r$f; mkdir r$f
    "$TAPEOP" -q run id$k.recipe in$f.wav -o r$f
    [ "$(samples r$f/in$f.wav)" = "$want" ] || fail "recipe '$(tr '\n' ';' < id$k.recipe)' changed $f samples"; pass
  done
  # Controls: a real gain and a real EQ band change the samples (the comparison can fail).
  "$TAPEOP" -q gain in$f.wav -o h$f.wav --db -0.5
  [ "$(samples h$f.wav)" != "$want" ] || fail "a -0.5 dB gain left $f samples unchanged"; pass
  rm -rf e$f; mkdir e$f
  "$TAPEOP" -q run eq01.recipe in$f.wav -o e$f
  [ "$(samples e$f/in$f.wav)" != "$want" ] || fail "a 0.1 dB EQ band left $f samples unchanged"; pass
done

# Peak exactly half scale (-6.0206 dBFS), and two such takes with 3 s of silence between.
for f in $formats; do
  pcm write half$f.wav $f half
  pcm write two$f.wav $f two
  want=$(samples half$f.wav)
  "$TAPEOP" -q normalize half$f.wav -o n$f.wav --peak -6.0206
  [ "$(samples n$f.wav)" = "$want" ] || fail "normalize to the file's own peak changed $f samples"; pass
  # The same as a recipe step, with a ceiling the file is under: no limiter (a limiter with
  # nothing to do still counted as a change, and the output was dithered).
  rm -rf rn$f; mkdir rn$f
  printf 'normalize peak -6.0206 ceiling=-1\n' > nc.recipe
  "$TAPEOP" -q run nc.recipe half$f.wav -o rn$f
  [ "$(samples rn$f/half$f.wav)" = "$want" ] || fail "recipe normalize to the file's own peak changed $f samples"; pass
  "$TAPEOP" -q normalize half$f.wav -o m$f.wav --peak -6.5 # control: a real gain
  [ "$(samples m$f.wav)" != "$want" ] || fail "normalize by -0.48 dB left $f samples unchanged"; pass
  # gainstage to the stem's own peak, DC left in: a gain of 0 dB (it measured the peak about
  # the mean, 0.0 dB shown, and dithered 16-bit stems).
  expect_exit 0 "$TAPEOP" --json gainstage half$f.wav -o gs$f --target peak:-6.0206 --no-dc
  near "$(json_num gain_db <<<"$OUT")" 0 0.00001 || fail "gainstage gain is not 0: $OUT"
  [ "$(samples gs$f/half$f.wav)" = "$want" ] || fail "gainstage at the stem's own peak changed $f samples"; pass
  rm -rf s$f; mkdir s$f
  "$TAPEOP" --json split two$f.wav -o s$f > split$f.json
  takes=0
  while read -r path start end; do
    [ "$(samples "$path")" = "$(pcm md5 two$f.wav "$start" "$end")" ] || fail "split changed the samples of $path ($f)"
    takes=$((takes + 1))
  done < <(python3 -c 'import json,sys; [print(o["path"], o["start_frame"], o["end_frame"]) for o in json.load(open(sys.argv[1]))["outputs"]]' split$f.json)
  [ "$takes" = 2 ] || fail "split found $takes takes in $f, not 2"; pass
done
# One thread per job (--no-pipeline) copies the same samples.
"$TAPEOP" -q --no-pipeline gain ins32.wav -o np32.wav --db 0
[ "$(samples np32.wav)" = "$(samples ins32.wav)" ] || fail "--no-pipeline gain 0 dB changed 32-bit samples"; pass
"$TAPEOP" -q --no-pipeline trim inf64.wav -o npt64.wav --start 0.5s --duration 2s
[ "$(samples npt64.wav)" = "$(samples uf64.wav)" ] || fail "--no-pipeline trim differs from the pipelined one"; pass
# The stored copy goes to any container of the same sample format.
"$TAPEOP" -q gain ins32.wav -o g32.aiff --db 0
[ "$(sox g32.aiff -t raw -e signed -b 32 -L - | md5sum | cut -d' ' -f1)" = "$(sox ins32.wav -t raw -e signed -b 32 -L - | md5sum | cut -d' ' -f1)" ] || fail "gain 0 dB into 32-bit AIFF changed the samples"; pass
# A 32-bit file processed for real is processed in float (24-bit mantissa), as documented.
"$TAPEOP" -q gain ins32.wav -o g32m.wav --db -6.0206
"$TAPEOP" -q gain g32m.wav -o g32p.wav --db 6.0206
[ "$(samples g32p.wav)" != "$(samples ins32.wav)" ] || fail "float processing of 32-bit kept the low bits (the control cannot fail)"; pass

"$TAPEOP" -q convert ins16.wav -o in.flac
want=$(sox in.flac -t raw - | md5sum)
"$TAPEOP" -q gain in.flac -o g.flac --db 0
[ "$(sox g.flac -t raw - | md5sum)" = "$want" ] || fail "gain --db 0 changed FLAC samples"; pass
# Control: a 0 dB gain into fewer bits is a change of format and is dithered (TPDF).
"$TAPEOP" -q gain ins24.wav -o d16.wav --db 0 --bits 16
[ "$(sox d16.wav -t raw - | md5sum)" != "$(sox ins24.wav -b 16 --no-dither -t raw - | md5sum)" ] || fail "24 -> 16 bits at 0 dB was truncated, not dithered"; pass
finish
