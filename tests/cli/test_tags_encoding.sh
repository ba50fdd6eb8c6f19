#!/usr/bin/env bash
# Tags that describe the encoded file, not the work, are made true on every output: LENGTH
# (ID3 TLEN) is the output's length, ENCODING (ID3 TSSE) and ENCODER named the input's encoder
# and are dropped; every other tag is kept. Read back with exiftool and metaflac.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
need_tools lame exiftool metaflac

"$T" -q generate music -o m.wav --duration 20s
# lame writes TLEN (20000 ms) and TSSE (its version and settings) beside the tags given.
lame --quiet --tt "Take 4" --ta "The Band" --tc "keep me" m.wav in.mp3
id3=$(exiftool -s -ID3:all in.mp3)
grep -q '^Length *: 20' <<<"$id3" || fail "the input has no TLEN: $id3"
grep -q '^EncoderSettings *: LAME' <<<"$id3" || fail "the input has no TSSE: $id3"
pass

# trim 5 s off the head: LENGTH 15000 ms, no ENCODING, the rest kept (MP3 -> MP3 and -> FLAC).
"$T" -q trim in.mp3 -o cut.mp3 --start 5s
"$T" -q trim in.mp3 -o cut.flac --start 5s
out=$(exiftool -s -ID3:all cut.mp3)
grep -q '^Length *: 15 s' <<<"$out" || fail "TLEN of the cut MP3 is not 15 s: $out"
! grep -q 'EncoderSettings' <<<"$out" || fail "the input's TSSE was copied into the cut MP3: $out"
grep -q '^Title *: Take 4' <<<"$out" || fail "title lost: $out"
grep -q 'keep me' <<<"$out" || fail "comment lost: $out"
pass
tags=$(metaflac --export-tags-to=- cut.flac)
grep -qx 'LENGTH=15000' <<<"$tags" || fail "LENGTH of the cut FLAC is not 15000: $tags"
! grep -qi '^ENCODING=' <<<"$tags" || fail "the input's ENCODING was copied into the FLAC: $tags"
grep -qx 'ARTIST=The Band' <<<"$tags" || fail "artist lost: $tags"
pass

# A FLAC with ENCODER (as ffmpeg writes it) and a stale LENGTH, converted to FLAC at 44.1 kHz.
"$T" -q convert m.wav -o f.flac
metaflac --set-tag=ENCODER=Lavf59 --set-tag=LENGTH=99999 --set-tag=MOOD=calm f.flac
"$T" -q convert f.flac -o g.flac --rate 44.1k
tags=$(metaflac --export-tags-to=- g.flac)
grep -qx 'LENGTH=20000' <<<"$tags" || fail "LENGTH not the output's 20000 ms: $tags"
! grep -q '^ENCODER=' <<<"$tags" || fail "ENCODER copied: $tags"
grep -qx 'MOOD=calm' <<<"$tags" || fail "custom field lost: $tags"
pass

# An MP3 with only an ID3v1 tag (lame --id3v1-only): its fields are read and kept.
lame --quiet --id3v1-only --tt "Old Title" --ta "Old Band" m.wav v1.mp3
[ -z "$(exiftool -s -ID3v2:all v1.mp3)" ] || fail "the input has an ID3v2 tag"
"$T" -q convert v1.mp3 -o v1.flac
tags=$(metaflac --export-tags-to=- v1.flac)
grep -qx 'TITLE=Old Title' <<<"$tags" && grep -qx 'ARTIST=Old Band' <<<"$tags" || fail "ID3v1 fields lost: $tags"
pass
