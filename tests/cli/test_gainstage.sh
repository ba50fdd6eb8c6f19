#!/usr/bin/env bash
# tapeop gainstage end to end: table and JSON, target reached, common rate, same length.
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate pink -o pink.wav --duration 2 --level -32
"$TAPEOP" -q generate sine -o sine.wav --duration 1.5 --level -30 --rate 44100 --channels 1
"$TAPEOP" -q generate white -o white.wav --duration 1 --level -16
"$TAPEOP" -q generate silence -o quiet.wav --duration 1
mkdir out
expect_exit 0 "$TAPEOP" --json gainstage pink.wav sine.wav white.wav quiet.wav -o out
[ "$(printf '%s' "$OUT" | json_num sample_rate)" = 48000 ] || fail "rate"; pass
[ "$(printf '%s' "$OUT" | json_num frames)" = 96000 ] || fail "length"; pass
grep -q '"silent": true' <<<"$OUT" || fail "silent stem not flagged"; pass
for f in pink sine white; do
  expect_exit 0 "$TAPEOP" --json info "out/$f.wav"
  [ "$(printf '%s' "$OUT" | json_num frames)" = 96000 ] || fail "$f not padded"; pass
  [ "$(printf '%s' "$OUT" | json_num sample_rate)" = 48000 ] || fail "$f rate"; pass
done
expect_exit 0 "$TAPEOP" gainstage pink.wav sine.wav white.wav quiet.wav -o out --target rms:-20 --bits 16
grep -q 'rate in/out' <<<"$OUT" || fail "no table"; pass
grep -q 'silent' <<<"$OUT" || fail "no silent note"; pass
expect_exit 2 "$TAPEOP" gainstage pink.wav -o out --target loud:-3
expect_one_line_error 'target'
expect_exit 0 "$TAPEOP" gainstage pink.wav -o new/folder
[ -f new/folder/pink.wav ] || fail "the missing output folder was not created"; pass
expect_exit 2 "$TAPEOP" gainstage pink.wav -o pink.wav
expect_one_line_error 'pink.wav: is not a folder'
no_temporaries out
finish
