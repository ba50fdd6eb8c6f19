#!/usr/bin/env bash
# Recipes end to end: every stock recipe on generated material meets its targets; reruns and
# -j are bit-identical; a recipe line equals its subcommand; errors point at file:line:col.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"

"$T" -q generate music -o song.wav --duration 25 --level -20
"$T" -q generate music -o song2.wav --duration 20 --level -26 --seed 7
"$T" -q generate dialogue -o talk.wav --duration 40 --offset-db -9

# check_level FILE TARGET_LUFS CEILING_DBTP: integrated within 0.1 LU, true peak <= ceiling.
check_level() {
  local j lufs tp
  j=$("$T" --json analyze "$1")
  lufs=$(printf '%s' "$j" | json_num integrated_lufs)
  tp=$(printf '%s' "$j" | json_num true_peak_dbtp)
  near "$lufs" "$2" 0.1 || fail "$1: $lufs LUFS, wanted $2 +-0.1"
  awk -v t="$tp" -v c="$3" 'BEGIN { exit !(t <= c) }' || fail "$1: true peak $tp over $3 dBTP"
  pass
}
# check_format FILE SUBTYPE RATE
check_format() {
  local j
  j=$("$T" --json info "$1")
  grep -q "\"subtype\": \"$2\"" <<<"$j" || fail "$1 is not $2: $j"
  [ "$(printf '%s' "$j" | json_num sample_rate)" = "$3" ] || fail "$1 is not at $3 Hz"
  pass
}

"$T" -q run master-streaming song.wav -o ms
check_level ms/song-master.flac -14 -1
check_format ms/song-master.flac pcm24 48000

"$T" -q run master-cd song.wav -o cd
check_level cd/song-cd.wav -12 -1
check_format cd/song-cd.wav pcm16 44100

"$T" -q run master-broadcast song.wav -o bc
check_level bc/song-r128.wav -23 -1

"$T" -q run podcast talk.wav -o pod
check_level pod/talk-podcast.wav -16 -1
"$T" -q run podcast talk.wav -o podmono --set channels=mono
check_level podmono/talk-podcast.wav -16 -1
[ "$("$T" --json info podmono/talk-podcast.wav | json_num channels)" = 1 ] || fail "podcast mono is not mono"
pass

"$T" -q run deliver-all song.wav -o all
check_level all/song-streaming.flac -14 -1
check_level all/song-cd.wav -12 -1
check_format all/song-cd.wav pcm16 44100
check_level all/song-podcast.mp3 -16 -1
check_format all/song-podcast.mp3 mp3 44100
check_level all/song-broadcast.wav -23 -1

# Stems whose crest factor lets -18 dBFS RMS and peaks under -6 dBFS hold together.
"$T" -q generate sine -o tone.wav --duration 10 --level -30 --rate 44100 --freq 220
"$T" -q generate square -o buzz.wav --duration 10 --level -3 --freq 110
"$T" -q generate music -o loud.wav --duration 6 --level -12 --seed 3
"$T" -q run stem-prep tone.wav buzz.wav loud.wav -o prep
for f in prep/tone.wav prep/buzz.wav prep/loud.wav; do
  j=$("$T" --json analyze "$f")
  rms=$(printf '%s' "$j" | json_num rms_dbfs)
  peak=$(printf '%s' "$j" | json_num sample_peak_dbfs)
  awk -v p="$peak" 'BEGIN { exit !(p <= -6.0001 + 0.0002) }' || fail "$f: peak $peak over -6 dBFS"
  check_format "$f" pcm24 48000
done
for f in prep/tone.wav prep/buzz.wav; do
  near "$("$T" --json analyze "$f" | json_num rms_dbfs)" -18 0.1 || fail "$f not at -18 dBFS RMS"
  pass
done
# All padded to the longest, at the most common rate.
for f in prep/tone.wav prep/buzz.wav prep/loud.wav; do
  [ "$("$T" --json info "$f" | json_num frames)" = 480000 ] || fail "$f not padded to 10 s at 48 kHz"
done
pass

# Determinism: a rerun and -j1 / -j2 give byte-identical files.
"$T" -q run master-streaming song.wav song2.wav -o det1 -j 1
"$T" -q run master-streaming song.wav song2.wav -o det2 -j 2
"$T" -q run master-streaming song.wav song2.wav -o det1b -j 2
for f in song-master.flac song2-master.flac; do
  cmp -s "det1/$f" "det2/$f" || fail "$f differs between -j1 and -j2"
  cmp -s "det1/$f" "det1b/$f" || fail "$f differs between two runs"
  pass
done

# The full session example: two runs (-j 1, -j 2) give byte-identical deliverables.
DURATION=8 TAPEOP="$T" bash "$TAPEOP_SOURCE_DIR/examples/full-session/make-stems.sh" stems >/dev/null
"$T" -q -j 1 run "$TAPEOP_SOURCE_DIR/examples/full-session/session.recipe" -o fs1 --set "stems=$PWD/stems"
"$T" -q -j 2 run "$TAPEOP_SOURCE_DIR/examples/full-session/session.recipe" -o fs2 --set "stems=$PWD/stems"
for f in session-master.flac session-cd.wav; do
  cmp -s "fs1/$f" "fs2/$f" || fail "full session $f differs between runs"
done
check_level fs1/session-master.flac -14 -1
check_level fs1/session-cd.wav -14 -1
check_format fs1/session-cd.wav pcm16 44100
no_temporaries fs1

# A recipe line and the equivalent subcommand give byte-identical output.
printf 'gain -3.5 dB\noutput {name}-g.wav\n' > g.recipe
"$T" -q run g.recipe song.wav -o rg
"$T" -q gain song.wav -o sub-g.wav --db -3.5
cmp -s rg/song-g.wav sub-g.wav || fail "recipe gain differs from tapeop gain"
pass
printf 'normalize lufs -20 LUFS\noutput {name}-n.wav\n' > n.recipe
"$T" -q run n.recipe song2.wav -o rn
"$T" -q normalize song2.wav -o sub-n.wav --lufs -20
cmp -s rn/song2-n.wav sub-n.wav || fail "recipe normalize differs from tapeop normalize"
pass
printf 'loudness target=-14 LUFS ceiling=-1 dBTP\noutput {name}-m.wav\n' > m.recipe
"$T" -q run m.recipe song.wav -o rm
"$T" -q master song.wav -o sub-m.wav --target -14 --ceiling -1
cmp -s rm/song-m.wav sub-m.wav || fail "recipe loudness differs from tapeop master"
pass
# Whole-file steps too, in every sample format (each with every bit in use): an output without
# bits= has the input's format, as the subcommand's has (intermediates were float, so a trim
# of a 16-bit file came out 32-bit float), and the same samples: an unchanged segment stays
# unchanged (no dither), a changed one is dithered the same way (the same TPDF values per
# sample however the stream was cut into blocks). A limiter only where normalize needs one.
# rstep NAME RECIPE-LINE SUBCOMMAND ARGS...: the recipe and the subcommand on each format.
rstep() {
  local name=$1 line=$2 f; shift 2
  printf '%s\noutput {name}-x.wav\n' "$line" > "$name.recipe"
  for f in s16 s24 s32 f32; do
    [ -e "pcm$f.wav" ] || python3 "$TAPEOP_SOURCE_DIR/tests/cli/pcm.py" write "pcm$f.wav" $f music
    rm -rf "r-$name"
    "$T" -q run "$name.recipe" "pcm$f.wav" -o "r-$name"
    "$T" -q "$@" "pcm$f.wav" -o "sub-$name.wav"
    cmp -s "r-$name/pcm$f-x.wav" "sub-$name.wav" || fail "recipe '$line' differs from tapeop $* on $f"
    pass
  done
}
rstep trim "trim start=0.5s duration=2s" trim --start 0.5s --duration 2s
rstep trimfade "trim start=0.5s duration=2s fade_in=0.1s fade_out=0.3s" trim --start 0.5s --duration 2s --fade-in 0.1s --fade-out 0.3s
rstep trimsilence "trim" trim
rstep convert "convert" convert
rstep rate "convert rate=44100" convert --rate 44100
rstep mono "convert channels=mono" convert --channels mono
rstep peak "normalize peak -3" normalize --peak -3
rstep ceiling "normalize lufs -20 ceiling=-1" normalize --lufs -20 --ceiling -1
rstep limited "normalize peak -0.5 ceiling=-1" normalize --peak -0.5 --ceiling -1
# Float outputs are the same bytes a second later too (libsndfile's PEAK chunk held the time).
"$T" -q convert pcmf32.wav -o at1.wav
sleep 1.1
"$T" -q convert pcmf32.wav -o at2.wav
cmp -s at1.wav at2.wav || fail "a float WAV written a second later differs"
pass

# --dry-run prints the plan and writes nothing.
expect_exit 0 "$T" run master-streaming song.wav -o dry --dry-run
grep -q "loudness target=-14LUFS ceiling=-1dBTP" <<<"$OUT" || fail "dry run does not show the resolved loudness step: $OUT"
[ ! -e dry ] || fail "dry run created the output folder"
pass
expect_exit 0 "$T" run master-streaming song.wav -o dry --dry-run --set target=-16LUFS
grep -q "target=-16LUFS" <<<"$OUT" || fail "--set not applied in the plan"
pass

# Broken recipes: one line with file:line:col, exit 2, nothing written.
printf 'gain 1 dB\n\ncompress ratio=2 threshold=-18dbx\noutput x.wav\n' > bad.recipe
expect_exit 2 "$T" run bad.recipe song.wav -o badout
expect_one_line_error "bad.recipe:3:18: unknown unit 'dbx' in 'threshold=-18dbx' \(expected dBFS or dB\)"
printf 'compres ratio=2\n' > bad2.recipe
expect_exit 2 "$T" run bad2.recipe song.wav -o badout
expect_one_line_error "bad2.recipe:1:1: unknown step 'compres' \(did you mean 'compress'\?\)"
expect_exit 2 "$T" run master-streaming missing.wav -o badout
expect_one_line_error "missing.wav"
expect_exit 2 "$T" run master-streaming song.wav -o badout --set traget=-16
expect_one_line_error "did you mean 'target'"
[ ! -e badout ] || [ -z "$(ls -A badout)" ] || fail "a failed run wrote something"
pass

# check gates: a failing input check fails the job before anything is written; the
# deliverables are checked as written.
"$T" -q generate sine -o hot.wav --duration 3 --level 0 --bits 16 2>/dev/null || true
printf 'check stem\ngain -6 dB\noutput {name}-x.wav\n' > gate.recipe
expect_exit 1 "$T" run gate.recipe hot.wav -o gate
grep -q "check stem failed on the inputs: hot.wav" <<<"$ERR" || fail "gate failure not reported: $ERR"
[ ! -e gate/hot-x.wav ] || fail "a failed input gate still wrote the output"
pass
printf 'loudness target=-14 LUFS ceiling=-1 dBTP\noutput {name}-m.wav\ncheck spotify\n' > gate2.recipe
expect_exit 0 "$T" run gate2.recipe song.wav -o gate2
printf 'loudness target=-10 LUFS ceiling=-0.5 dBTP\noutput {name}-m.wav\ncheck spotify\n' > gate3.recipe
expect_exit 1 "$T" run gate3.recipe song.wav -o gate3
grep -q "check spotify failed on the outputs" <<<"$ERR" || fail "output gate failure not reported: $ERR"
pass

# A failing job does not stop the others: exit 1, the good file still written.
"$T" -q generate silence -o quiet.wav --duration 5
expect_exit 1 "$T" -q run master-streaming quiet.wav song2.wav -o partial
[ -f partial/song2-master.flac ] || fail "the good job did not run"
[ ! -e partial/quiet-master.flac ] || fail "the failed job left an output"
no_temporaries partial
# Mistakes found by meaning are found before any job starts: every one listed as
# file:line:col, exit 2, nothing written, for run and run --dry-run.
printf 'loudness target=-14\ngain 1 dB\noutput {name}-x.wav preset=spotfy\n' > early.recipe
for dry in "" --dry-run; do
    expect_exit 2 "$T" run early.recipe song.wav -o early $dry
    grep -q "^tapeop: early.recipe:2:1: loudness must be the last processing step" <<<"$ERR" || fail "order rule: $ERR"
    grep -q "^early.recipe:3:1: unknown preset 'spotfy' (did you mean 'spotify'?)" <<<"$ERR" || fail "second mistake not listed: $ERR"
    [ ! -e early ] || fail "an invalid recipe wrote something"
    pass
done
printf 'gain -2 dB\noutput {name}-y.wav target=-16\n' > early2.recipe
expect_exit 2 "$T" run early2.recipe song.wav -o early2 --dry-run
grep -q "early2.recipe:2:1: this output sets a loudness target or ceiling, but the chain has no loudness step" <<<"$ERR" || fail "target without loudness: $ERR"
[ ! -e early2 ] || fail "an invalid recipe wrote something"
pass
finish
