#!/usr/bin/env bash
# Bad input never crashes, never leaves partial output, and gives one error line with exit 2.
source "$(dirname "$0")/lib.sh"

sox -n -r 48000 -b 16 -c 2 good.wav synth 2 sine 997 gain -6
sox -n -r 48000 -b 32 -e floating-point -c 2 float.wav synth 1 sine 440 gain -6

# Empty file, text named .wav, missing file.
: > empty.wav
echo "definitely not audio" > text.wav
for f in empty.wav text.wav missing.wav; do
  expect_exit 2 "$TAPEOP" analyze "$f"
  expect_one_line_error "$f"
done

# Truncated: the data chunk announces more than the file holds.
head -c 100000 good.wav > trunc.wav
expect_exit 2 "$TAPEOP" analyze trunc.wav
expect_one_line_error "trunc.wav: truncated"

# Wrong RIFF size only (data intact): readable, like every other tool.
cp good.wav riff.wav
printf '\xff\xff\xff\x7f' | dd of=riff.wav bs=1 seek=4 conv=notrunc status=none
expect_exit 0 "$TAPEOP" analyze riff.wav

# Data size larger than the file: truncated.
cp good.wav datasize.wav
printf '\x00\x00\x00\x7f' | dd of=datasize.wav bs=1 seek=40 conv=notrunc status=none
expect_exit 2 "$TAPEOP" analyze datasize.wav
expect_one_line_error "datasize.wav"

# Header-only WAV (no frames): info describes it, analyze refuses it clearly.
sox -n -r 48000 -b 16 -c 2 headeronly.wav trim 0 0
expect_exit 0 "$TAPEOP" info headeronly.wav
expect_exit 2 "$TAPEOP" analyze headeronly.wav
expect_one_line_error "headeronly.wav: contains no audio"

# Absurd header: 0 channels.
cp good.wav zero-ch.wav
printf '\x00\x00' | dd of=zero-ch.wav bs=1 seek=22 conv=notrunc status=none
expect_exit 2 "$TAPEOP" analyze zero-ch.wav
expect_one_line_error "zero-ch.wav"

# NaN and Inf in a float WAV: reported for that file, other files still measured (exit 1).
cp float.wav nan.wav
size=$(stat -c %s nan.wav)   # the data chunk ends the file: offsets from the end stay on samples
printf '\x00\x00\xc0\x7f' | dd of=nan.wav bs=1 seek=$((size - 4000)) conv=notrunc status=none
printf '\x00\x00\x80\x7f' | dd of=nan.wav bs=1 seek=$((size - 8000)) conv=notrunc status=none
expect_exit 2 "$TAPEOP" analyze nan.wav
expect_one_line_error "nan.wav: contains 2 non-finite samples"
expect_exit 1 "$TAPEOP" --json analyze nan.wav good.wav
grep -q '"integrated_lufs": -' <<<"$OUT" || fail "good file not measured next to a bad one"
pass

# Unknown output extension, unwritable output folder, output over the input.
expect_exit 2 "$TAPEOP" generate sine -o out.xyz
expect_one_line_error "out.xyz: unknown output extension"
[ ! -e out.xyz ] || fail "out.xyz was created"
touch blocker # a missing folder is created; a file where a folder should be is an error
expect_exit 2 "$TAPEOP" generate sine -o blocker/out.wav
expect_one_line_error "blocker: is not a folder"
if [ "$(id -u)" != 0 ]; then
  mkdir ro && chmod 555 ro
  expect_exit 2 "$TAPEOP" generate sine -o ro/out.wav
  expect_one_line_error "ro/out.wav"
fi
no_temporaries .

# Unknown subcommand and bad options: usage errors, exit 2.
expect_exit 2 "$TAPEOP" frobnicate
expect_exit 2 "$TAPEOP" analyze
# An input with no audio into FLAC or MP3 (whose empty files libsndfile cannot read back): one
# line naming the input, not a "disk full?" about the output.
sox -n -r 44100 -c 2 -b 16 empty.wav trim 0 0
for ext in flac mp3; do
  expect_exit 2 "$TAPEOP" convert empty.wav -o empty.$ext
  expect_one_line_error '^tapeop: empty.wav: holds no audio'
  [ ! -e empty.$ext ] || fail "an empty $ext was left"
done
expect_exit 0 "$TAPEOP" convert empty.wav -o empty2.wav
finish
