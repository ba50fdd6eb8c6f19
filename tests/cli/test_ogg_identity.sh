#!/usr/bin/env bash
# Ogg Vorbis and Opus outputs are the same bytes on every run (the stream serial is derived
# from the output's name and settings, not random): gain, convert, master and a recipe, at
# -j1 and -j2. The rewritten pages verify (opusinfo checks every CRC) and decode (ffmpeg).
# Float WAV and AIFF outputs too: libsndfile's PEAK chunk, which records the second it was
# written, is left out.
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate music -o a.wav --duration 4s
"$TAPEOP" -q generate music -o b.wav --duration 4s --seed 5
printf 'gain -2 dB\noutput {name}-r.ogg\noutput {name}-r.opus\n' >deliver.recipe

# render DIR JOBS: every command's Ogg and Opus outputs into DIR.
render() {
  local d=$1 j=$2
  mkdir -p "$d"
  "$TAPEOP" -q -j "$j" gain a.wav -o "$d/gain.ogg" --db -3
  "$TAPEOP" -q -j "$j" gain a.wav -o "$d/gain.opus" --db -3
  "$TAPEOP" -q -j "$j" convert a.wav -o "$d/conv.ogg"
  "$TAPEOP" -q -j "$j" convert b.wav -o "$d/conv.opus"
  "$TAPEOP" -q -j "$j" master a.wav -o "$d/m.ogg" --target -16
  "$TAPEOP" -q -j "$j" master b.wav -o "$d/m.opus" --target -16
  "$TAPEOP" -q -j "$j" run deliver.recipe a.wav b.wav -o "$d/run"
  "$TAPEOP" -q -j "$j" gain a.wav -o "$d/gain-float.wav" --db -3 --bits float
  "$TAPEOP" -q -j "$j" convert a.wav -o "$d/conv-float.aiff" --bits float
  "$TAPEOP" -q -j "$j" master b.wav -o "$d/m-float.wav" --target -16 --bits float
  rm -f "$d/run/"*.json
  sleep 1 # the next render in another second
}
render one 1
render two 2
render three 2
sums() { (cd "$1" && find . -type f \( -name '*.ogg' -o -name '*.opus' -o -name '*-float.*' \) | sort | xargs md5sum); }
s1=$(sums one)
[ "$(grep -c '' <<<"$s1")" -ge 12 ] || fail "expected at least 12 Ogg/Opus/float outputs: $s1"
[ "$s1" = "$(sums two)" ] || fail "-j1 and -j2 outputs differ: $(diff <(echo "$s1") <(sums two))"
[ "$s1" = "$(sums three)" ] || fail "two runs differ"
pass

# The same job into another folder: the same bytes (the serial follows the file's name).
cmp one/conv.ogg three/conv.ogg || fail "conv.ogg differs between folders"
pass

# Valid pages: opusinfo verifies CRCs and the stream; ffmpeg decodes everything.
for f in one/gain.opus one/conv.opus one/m.opus one/run/a-r.opus; do
  info=$(opusinfo "$f" 2>&1) || fail "opusinfo $f: $info"
  if grep -Eiq 'crc|warning|error' <<<"$info"; then fail "opusinfo $f: $info"; fi
  pass
done
for f in $(cd one && find . -name '*.ogg' -o -name '*.opus'); do
  err=$(ffmpeg -v error -i "one/$f" -f null - 2>&1) || fail "ffmpeg cannot decode $f: $err"
  [ -z "$err" ] || fail "ffmpeg complains about $f: $err"
  pass
done

finish
