#!/usr/bin/env bash
# Every read is checked to the end: a file cut short (here at 60% of its bytes) is an error for
# that file in every container tapeop reads, made by tapeop itself, ffmpeg and sox: analyze,
# check, convert and master exit 2 with one stderr line naming it, and write nothing. A wrong
# RIFF size over complete audio stays tolerated; an MP3 without a length header (Xing/Info)
# has no length to check against and reads as the shorter file it looks like.
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate music -o src.wav --duration 3s --rate 48000

# cut FILE: writes cut-FILE holding the first 60% of FILE's bytes.
cut60() { head -c $(($(stat -c %s "$1") * 6 / 10)) "$1" >"cut-$1"; }

files=()
for ext in wav rf64 w64 aiff caf flac ogg opus mp3; do
  "$TAPEOP" -q convert src.wav -o "t.$ext"
  files+=("t.$ext")
done
sox src.wav s.au; sox src.wav s.aiff; sox src.wav -b 16 s.flac; sox src.wav -t w64 s.w64
files+=(s.au s.aiff s.flac s.w64)
ffmpeg -v error -i src.wav -c:a pcm_s24le -rf64 always f.wav
ffmpeg -v error -i src.wav -c:a pcm_s24be f.aiff
ffmpeg -v error -i src.wav -c:a pcm_s16le f.caf
ffmpeg -v error -i src.wav f.flac
ffmpeg -v error -i src.wav -c:a libvorbis f.ogg
ffmpeg -v error -i src.wav -c:a libopus f.opus
ffmpeg -v error -i src.wav -c:a libmp3lame -b:a 192k f.mp3
lame --quiet -V 2 src.wav l.mp3
files+=(f.wav f.aiff f.caf f.flac f.ogg f.opus f.mp3 l.mp3)
# MP4/M4A (libavformat): AAC with its index after the audio (ffmpeg's default) and before it,
# and ALAC.
ffmpeg -v error -i src.wav -c:a aac -b:a 128k f-aac.m4a
ffmpeg -v error -i src.wav -c:a aac -b:a 128k -movflags +faststart f-faststart.m4a
ffmpeg -v error -i src.wav -c:a alac f-alac.m4a
files+=(f-aac.m4a f-faststart.m4a f-alac.m4a)

mkdir -p out
for f in "${files[@]}"; do
  # The complete file is read (a control: the error below is about the cut, not the maker).
  expect_exit 0 "$TAPEOP" -q analyze "$f"
  cut60 "$f"
  c="cut-$f"
  expect_exit 2 "$TAPEOP" analyze "$c"
  expect_one_line_error "^tapeop: $c: (truncated|.*damaged)"
  expect_exit 2 "$TAPEOP" check "$c" --spec ebu-r128
  expect_one_line_error "^tapeop: $c: (truncated|.*damaged)"
  expect_exit 2 "$TAPEOP" convert "$c" -o out/c.flac
  expect_one_line_error "^tapeop: $c: (truncated|.*damaged)"
  expect_exit 2 "$TAPEOP" master "$c" -o out/m.wav
  expect_one_line_error "^tapeop: $c: (truncated|.*damaged)"
  [ -z "$(ls -A out)" ] || fail "output left for $c: $(ls -A out)"
  pass
done

# Where the cut is found at the end of the stream (FLAC, MP3 with a length header), the line
# says where the audio stops and how much the header announced.
expect_exit 2 "$TAPEOP" analyze cut-t.flac
expect_one_line_error "cut-t.flac: truncated or unreadable: the audio stops at 00:0[01]\.[0-9]+ of the 00:03\.000 its header announces"
expect_exit 2 "$TAPEOP" analyze cut-l.mp3
expect_one_line_error "cut-l.mp3: truncated or unreadable: the audio stops at .* of the 00:03\.000"

# An MP4 whose index announces less than its packets hold is damaged, not a shorter file (the
# mutation run's finding): a track duration (mdhd) of 7 samples over a second of AAC, and a
# time-to-sample table (stts) listing 2 of its samples: both were read as a few frames, exit 0.
python3 - <<'PY'
import struct
d = open("f-faststart.m4a", "rb").read()
def patch(name, box, offset, value):
    out = bytearray(d)
    i = out.find(box) + 4  # the box's body
    struct.pack_into(">I", out, i + offset, value)
    open(name, "wb").write(out)
patch("mdhd7.m4a", b"mdhd", 16, 7)  # version 0: flags, two times, time scale, duration
patch("stts2.m4a", b"stts", 8, 2)  # flags, entry count, first entry's sample count
PY
for f in mdhd7.m4a stts2.m4a; do
  expect_exit 2 "$TAPEOP" analyze "$f"
  expect_one_line_error "^tapeop: $f: damaged MP4 file: (the track announces [0-9]+ frames, its packets hold|its sample tables list)"
  expect_exit 2 "$TAPEOP" master "$f" -o out/m.wav
  expect_one_line_error "^tapeop: $f: damaged MP4"
  [ -z "$(ls -A out)" ] || fail "output left for $f"
  pass
done

# In a batch, the cut file fails alone: the others are processed (exit 1).
expect_exit 1 "$TAPEOP" convert t.wav cut-t.flac t.aiff -o batch
[ -f batch/t.wav ] && [ -f batch/t.aiff ] && [ ! -e batch/cut-t.flac ] || fail "batch outputs: $(ls batch)"
grep -q "cut-t.flac: truncated" <<<"$ERR" || fail "batch error: $ERR"
pass

# W64 with a damaged chunk before the audio (the mutation run's fact chunk claiming 0, 7,
# 44,100 or 2^63 bytes): libsndfile still finds the data chunk, and so must the length check.
# Uncut, the file reads in full; cut, it is refused.
"$TAPEOP" -q convert src.wav -o fl.w64 --bits float
for size in 0 7 44100 9223372036854775808; do
  python3 - fl.w64 "fact$size.w64" "$size" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
pos = 40
while d[pos:pos + 4] != b"fact":
    pos += (struct.unpack_from("<Q", d, pos + 16)[0] + 7) & ~7
struct.pack_into("<Q", d, pos + 16, int(sys.argv[3]))
open(sys.argv[2], "wb").write(d)
PY
  expect_exit 0 "$TAPEOP" --json analyze "fact$size.w64"
  [ "$(json_num frames <<<"$OUT")" = 144000 ] || fail "fact$size.w64: not 144000 frames: $OUT"
  pass
  cut60 "fact$size.w64"
  expect_exit 2 "$TAPEOP" analyze "cut-fact$size.w64"
  expect_one_line_error "^tapeop: cut-fact$size.w64: truncated"
  expect_exit 2 "$TAPEOP" convert "cut-fact$size.w64" -o out/w.flac
  expect_one_line_error "^tapeop: cut-fact$size.w64: truncated"
done
[ -z "$(ls out)" ] || fail "output left: $(ls out)"
pass

# An AU whose data offset lies inside its own 24-byte header (the mutation run's offset 7):
# libsndfile would read header bytes as audio.
cp s.au off7.au
printf '\0\0\0\7' | dd of=off7.au bs=1 seek=4 conv=notrunc status=none
expect_exit 2 "$TAPEOP" analyze off7.au
expect_one_line_error "^tapeop: off7.au: cannot read: damaged AU header: the audio is said to start at byte 7"

# A wrong RIFF size over complete audio is tolerated (streaming tools write placeholders).
cp t.wav riff.wav
printf '\xff\xff\xff\x7f' | dd of=riff.wav bs=1 seek=4 conv=notrunc status=none
expect_exit 0 "$TAPEOP" analyze riff.wav

# An MP3 without a length header: the decoder estimates the length from the file's size, so
# the cut file reads as a shorter one (documented in the README).
lame --quiet -t -b 128 src.wav nox.mp3
cut60 nox.mp3
expect_exit 0 "$TAPEOP" --json analyze cut-nox.mp3
d=$(json_num duration_s <<<"$OUT")
near "$d" 1.8 0.1 || fail "cut-nox.mp3 lasts $d s, expected about 1.8"
pass

finish
