#!/usr/bin/env bash
# One output-options parser (cli/common.hpp OutputOptions) for --rate, --bits, --dither, --ext
# and --in-place: every command that takes an option reads it with the same rules and the same
# messages.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
"$T" -q generate sine -o a.wav --duration 1
"$T" -q generate sine -o b.wav --duration 1 --freq 500

for cmd in "convert a.wav -o x.wav" "master a.wav -o x.wav" "gainstage a.wav b.wav -o xs"; do
  expect_exit 2 "$T" $cmd --rate 44100.5
  expect_one_line_error '^tapeop: --rate 44100.5: expected a whole number of Hz from 1000 to 768000$'
  expect_exit 2 "$T" $cmd --rate 12parsecs
  expect_one_line_error '^tapeop: --rate: '
  expect_exit 2 "$T" $cmd --bits 20
  expect_one_line_error "^tapeop: unknown sample format '20'"
  expect_exit 2 "$T" $cmd --dither loud
  expect_one_line_error "^tapeop: unknown dither 'loud'"
done
for cmd in "gain a.wav -o x.wav --db -1" "normalize a.wav -o x.wav --peak -1" "trim a.wav -o x.wav"; do
  expect_exit 2 "$T" $cmd --dither loud
  expect_one_line_error "^tapeop: unknown dither 'loud'"
done
[ ! -e x.wav ] && [ ! -e xs ] || fail "a refused command wrote something"
pass

# --rate in kHz and --bits, the same in convert, master and gainstage.
"$T" -q convert a.wav -o c.wav --rate 44.1kHz --bits 16
"$T" -q master a.wav -o m.wav --rate 44.1kHz --bits 16
"$T" -q gainstage a.wav b.wav -o g --rate 44100 --bits 16
# "48k", as the help texts write it.
"$T" -q convert c.wav -o k.wav --rate 48k
for f in c.wav m.wav g/a.wav k.wav; do
  j=$("$T" --json info "$f")
  want=44100
  [ "$f" = k.wav ] && want=48000
  [ "$(json_num sample_rate <<<"$j")" = "$want" ] || fail "$f is not at $want Hz"
  grep -q '"subtype": "pcm16"' <<<"$j" || fail "$f is not 16-bit"
  pass
done
# --ext (with or without its dot) and --in-place.
mkdir -p e1 e2
"$T" -q convert a.wav b.wav -o e1 --ext flac
"$T" -q master a.wav b.wav -o e2 --ext .flac
[ -f e1/a.flac ] && [ -f e1/b.flac ] && [ -f e2/a.flac ] && [ -f e2/b.flac ] || fail "--ext: $(ls e1 e2)"
pass
cp a.wav inplace.wav
expect_exit 2 "$T" convert inplace.wav -o inplace.wav --bits 24
expect_exit 0 "$T" -q convert inplace.wav -o inplace.wav --bits 24 --in-place
grep -q '"subtype": "pcm24"' <<<"$("$T" --json info inplace.wav)" || fail "--in-place did not convert"
pass
finish
