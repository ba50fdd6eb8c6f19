#!/usr/bin/env bash
# Hostile inputs to run and the commands (issue 15, defects 5 and 8): recipe outputs that
# escape -o, `use` of a device, a folder or an exponential include tree, a FIFO as input,
# check's exit code with one unreadable file among readable ones, a master of 10 frames.
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate music -o in.wav --duration 3s

# --- outputs stay inside -o: '..', absolute paths, symlinked folders pointing out ---------
mkdir -p out elsewhere
ln -s "$WORK/elsewhere" out/link
printf 'gain -1 dB\noutput ../{name}-up.wav\n' >up.recipe
printf 'gain -1 dB\noutput %s/{name}-abs.wav\n' "$WORK/elsewhere" >abs.recipe
printf 'gain -1 dB\noutput link/{name}-sym.wav\n' >sym.recipe
printf 'param where = x\ngain -1 dB\noutput {where}/{name}.wav\n' >par.recipe
for r in up abs sym; do
  for dry in "" --dry-run; do
    expect_exit 2 "$TAPEOP" run $r.recipe in.wav -o out $dry
    expect_one_line_error "^tapeop: $r.recipe:2:1: output .*(absolute path|'\.\.'|symlink).*inside the output folder"
  done
done
# A param value through --set is checked after it is filled in.
expect_exit 2 "$TAPEOP" run par.recipe in.wav -o out --set where=../../x
expect_one_line_error "^tapeop: par.recipe:3:1: output '\.\./\.\./x/in.wav' leads out"
[ "$(ls -A out)" = link ] && [ -z "$(ls -A elsewhere)" ] && [ ! -e in-up.wav ] ||
  fail "something was written: out: $(ls -A out), elsewhere: $(ls -A elsewhere)"
pass
# Sub-folders inside -o, and '..' that stays inside, are fine.
printf 'gain -1 dB\noutput sub/../{name}-ok.wav\n' >ok.recipe
expect_exit 0 "$TAPEOP" -q run ok.recipe in.wav -o out
[ -f out/in-ok.wav ] || fail "out/in-ok.wav not written"
pass

# --- use: a device, a folder, an exponential include tree ---------------------------------
printf 'use /dev/zero\n' >zero.recipe
expect_exit 2 "$TAPEOP" run zero.recipe in.wav -o out --dry-run
expect_one_line_error "^tapeop: zero.recipe:1:5: /dev/zero is not a regular file"
mkdir -p folder.recipe
printf 'use ./folder.recipe\n' >dir.recipe
expect_exit 2 "$TAPEOP" run dir.recipe in.wav -o out --dry-run
expect_one_line_error "^tapeop: dir.recipe:1:5: \./folder.recipe is a folder, not a recipe"
# r0 uses r1 twice, r1 uses r2 twice, ... r21: 2^22 inclusions unbounded; refused at once.
for i in $(seq 0 20); do printf 'use r%d.recipe\nuse r%d.recipe\n' $((i + 1)) $((i + 1)) >r$i.recipe; done
printf 'gain -1 dB\n' >r21.recipe
start=$(date +%s)
expect_exit 2 "$TAPEOP" run r0.recipe in.wav -o out --dry-run
expect_one_line_error "more than 256 .use. inclusions"
[ $(($(date +%s) - start)) -lt 10 ] || fail "the include bound took too long"
pass
# The top-level recipe itself: a device is refused too.
expect_exit 2 "$TAPEOP" run /dev/zero in.wav -o out --dry-run
expect_one_line_error "/dev/zero: not a regular file"

# --- a FIFO as input is refused at open, without hanging -----------------------------------
mkfifo fifo.wav
expect_exit 2 timeout 10 "$TAPEOP" analyze fifo.wav
expect_one_line_error "^tapeop: fifo.wav: not a regular file"

# --- check: one unreadable among readable files is exit 1 (2 only when nothing was checked)
"$TAPEOP" -q generate sine -o tone.wav --duration 3s
printf 'not audio' >junk.wav
expect_exit 1 "$TAPEOP" -q check tone.wav junk.wav --spec stem
grep -q "junk.wav" <<<"$ERR" || fail "check did not name junk.wav: $ERR"
pass
expect_exit 2 "$TAPEOP" -q check junk.wav --spec stem

# --- master of 10 frames: too short to measure, not "silent" -------------------------------
sox -n -r 48000 -c 2 -b 24 short.wav synth 10s sine 1000
expect_exit 2 "$TAPEOP" master short.wav -o m.wav
expect_one_line_error "^tapeop: short.wav: too short to master: 10 frames \(0\.2 ms\); loudness needs at least 400 ms"

# --- two concurrent runs into one folder keep both runs' manifest entries -------------------
for i in 1 2 3 4 5 6; do "$TAPEOP" -q generate sine -o s$i.wav --duration 1s --freq $((200 * i)); done
printf 'gain -1 dB\n' >g.recipe
for round in 1 2 3; do
  rm -rf cc
  "$TAPEOP" -q -j 1 run g.recipe s1.wav s2.wav s3.wav -o cc & p1=$!
  "$TAPEOP" -q -j 1 run g.recipe s4.wav s5.wav s6.wav -o cc & p2=$!
  wait $p1 || fail "first run failed"
  wait $p2 || fail "second run failed"
  n=$(python3 -c 'import json; print(len(json.load(open("cc/tapeop-manifest.json"))["jobs"]))')
  [ "$n" = 6 ] || fail "round $round: the manifest holds $n of 6 jobs"
  pass
done


# An input the output container cannot hold (18 channels into FLAC, 3 into MP3): one line
# naming the input, and the output it was going to; exit 2, nothing written.
"$TAPEOP" -q generate music -o wide18.wav --channels 18 --duration 1
"$TAPEOP" -q generate music -o three.wav --channels 3 --duration 1
expect_exit 2 "$TAPEOP" convert wide18.wav -o wide.flac
expect_one_line_error '^tapeop: wide18.wav: \.flac cannot hold 18 channels of pcm24 at 48000 Hz \(writing wide\.flac\)$'
expect_exit 2 "$TAPEOP" gain three.wav -o three.mp3 --db -1
expect_one_line_error '^tapeop: three.wav: MP3 holds at most 2 channels \(writing three\.mp3\)$'
[ ! -e wide.flac ] && [ ! -e three.mp3 ] || fail "an output was written"
pass

finish
