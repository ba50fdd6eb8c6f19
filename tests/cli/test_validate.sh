#!/usr/bin/env bash
# Recipe validation (docs/recipes.md "Validation"): everything that can be known without audio
# is checked before any job starts. Each rule: every mistake listed as file:line:col, exit 2,
# nothing written, for `run` and `run --dry-run`.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"

"$T" -q generate sine -o song.wav --duration 2

# expect_invalid RECIPE PATTERN...: exit 2 for run and --dry-run, one stderr line per pattern
# (in order, the first prefixed "tapeop: "), and no output folder.
expect_invalid() {
  local recipe=$1; shift
  local dry n line
  for dry in "" --dry-run; do
    expect_exit 2 "$T" run "$recipe" song.wav -o out $dry
    n=$(printf '%s\n' "$ERR" | grep -c '')
    [ "$n" = "$#" ] || fail "$recipe: expected $# mistake lines, got $n: $ERR"
    local i=1
    for pat in "$@"; do
      line=$(printf '%s\n' "$ERR" | sed -n "${i}p")
      [ "$i" = 1 ] && pat="tapeop: $pat"
      grep -Eq -- "^$pat" <<<"$line" || fail "$recipe line $i: '$line' does not match '$pat'"
      i=$((i + 1))
    done
    [ ! -e out ] || fail "$recipe: an invalid recipe wrote something"
    pass
  done
}

# Parameter ranges (the registry's, one per parameter) on several lines: all listed.
printf 'compress ratio=500\ngain 1 dB\nlimit ceiling=3\n' > ranges.recipe
expect_invalid ranges.recipe \
  'ranges.recipe:1:10: ratio=500 is out of range \(1 to 100\)' \
  'ranges.recipe:3:7: ceiling=3 is out of range \(-30 dBTP to 0 dBTP\)'

# Rules between parameters and values a range cannot express.
printf 'trim start=10 end=5\nconvert rate=500\n' > between.recipe
expect_invalid between.recipe \
  'between.recipe:1:1: trim end must be after its start' \
  'between.recipe:2:1: rate=500 Hz is not a sample rate'

# Order rules, set steps and steps with no place in a chain.
printf 'loudness\ngain 1 dB\nsplit\n' > order.recipe
expect_invalid order.recipe \
  'order.recipe:2:1: loudness must be the last processing step' \
  'order.recipe:3:1: split cannot run inside a recipe chain' \
  'order.recipe:3:1: loudness must be the last processing step'

# Output lines: placeholders, container, sample format and rate, preset.
printf 'param tag = v1\nloudness\noutput {nmae}-{tag}.wav\noutput {name}.flac bits=float\noutput {name}.opus preset=apple-podcasts\noutput {name}.xyz\noutput {name}.wav preset=spotfy\n' > outputs.recipe
expect_invalid outputs.recipe \
  "outputs.recipe:3:1: unknown \{nmae\} in output name '\{nmae\}-\{tag\}.wav' \(did you mean \{name\}\?\)" \
  'outputs.recipe:4:1: \{name\}.flac: FLAC holds 8, 16 or 24-bit integer samples, not float' \
  'outputs.recipe:5:1: \{name\}.opus: Opus needs 8, 12, 16, 24 or 48 kHz, not 44100 Hz' \
  'outputs.recipe:6:1: output \{name\}.xyz: ' \
  "outputs.recipe:7:1: unknown preset 'spotfy' \(did you mean 'spotify'\?\)"
# ... and an explicit rate overrides the preset's, so this one is valid.
printf 'loudness\noutput {name}.opus preset=apple-podcasts rate=48000\n' > podcast.recipe
expect_exit 0 "$T" run podcast.recipe song.wav -o pod --dry-run
[ ! -e pod ] || fail "--dry-run wrote something"
pass

# Files named by the recipe: stems, input lines, check specs (unknown names, broken files).
printf 'stem song.wav\nstem missing.wav gain=-3\nmix\ncheck spotfy\ncheck broken.spec\noutput m.wav\n' > files.recipe
printf 'true_peak max=-1 dBTP\ntrue_peek max=-1\n' > broken.spec
expect_exit 2 "$T" run files.recipe -o out
grep -q '^tapeop: files.recipe:2:1: stem not found: missing.wav$' <<<"$ERR" || fail "missing stem: $ERR"
grep -q "^files.recipe:4:1: check spotfy: unknown spec 'spotfy'.*spotify" <<<"$ERR" || fail "unknown spec: $ERR"
grep -q '^broken.spec:2:' <<<"$ERR" || fail "a broken spec is reported at its own line: $ERR"
[ ! -e out ] || fail "an invalid recipe wrote something"
pass
printf 'input takes/*.wav\ngain 1 dB\n' > inputs.recipe
expect_exit 2 "$T" run inputs.recipe -o out --dry-run
grep -q "^tapeop: inputs.recipe:1:7: no file matches the input 'takes/\*.wav'$" <<<"$ERR" || fail "input line: $ERR"
# Files on the command line replace the input lines: then they are not looked for.
expect_exit 0 "$T" run inputs.recipe song.wav -o out --dry-run
[ ! -e out ] || fail "--dry-run wrote something"

# A mistake inside a used recipe is reported at its own position, with the outer ones.
mkdir -p lib
printf 'gain 1 dB\ncompress ratio=0.5\n' > lib/inner.recipe
printf 'use lib/inner.recipe\nlimit ceiling=2\n' > outer.recipe
expect_invalid outer.recipe \
  'lib/inner.recipe:2:10: ratio=0.5 is out of range \(1 to 100\)' \
  'outer.recipe:2:7: ceiling=2 is out of range'

# Preset precedence, the same for `master` and recipes: an explicit value over the preset's
# over the default. cd is 44.1 kHz 16-bit; --rate / rate= 48000 wins, the preset's bits stay.
"$T" -q generate music -o music.wav --duration 6 --level -20
info_of() { # info_of FILE: "SUBTYPE RATE"
  local j
  j=$("$T" --json info "$1")
  printf '%s %s' "$(grep -o '"subtype": *"[a-z0-9]*"' <<<"$j" | sed 's/.*"\([a-z0-9]*\)"$/\1/')" \
    "$(printf '%s' "$j" | json_num sample_rate)"
}
"$T" -q master music.wav -o m-cd.wav --preset cd
[ "$(info_of m-cd.wav)" = "pcm16 44100" ] || fail "master --preset cd: $(info_of m-cd.wav)"
"$T" -q master music.wav -o m-cd48.wav --preset cd --rate 48000
[ "$(info_of m-cd48.wav)" = "pcm16 48000" ] || fail "master --rate over the preset: $(info_of m-cd48.wav)"
"$T" -q master music.wav -o m-ebu.wav --preset ebu-r128 --target -20
ebu=$("$T" --json analyze m-ebu.wav | json_num integrated_lufs)
near "$ebu" -20 0.1 || fail "master --target over the preset's -23: $ebu LUFS"
pass
printf 'loudness\noutput {name}-cd.wav preset=cd\noutput {name}-cd48.wav preset=cd rate=48000\noutput {name}-ebu.wav preset=ebu-r128 target=-20\n' > presets.recipe
"$T" -q run presets.recipe music.wav -o pre
[ "$(info_of pre/music-cd.wav)" = "pcm16 44100" ] || fail "recipe preset=cd: $(info_of pre/music-cd.wav)"
[ "$(info_of pre/music-cd48.wav)" = "pcm16 48000" ] || fail "recipe rate= over the preset: $(info_of pre/music-cd48.wav)"
ebu=$("$T" --json analyze pre/music-ebu.wav | json_num integrated_lufs)
near "$ebu" -20 0.1 || fail "recipe target= over the preset's -23: $ebu LUFS"
pass

# A valid recipe still runs.
printf 'gain -1 dB\noutput {name}-g.wav\n' > ok.recipe
expect_exit 0 "$T" -q run ok.recipe song.wav -o ok
[ -f ok/song-g.wav ] || fail "a valid recipe did not write its output"
pass
finish
