#!/usr/bin/env bash
# MP4/M4A and ADTS AAC inputs (read through libavformat/libavcodec): ALAC decodes bit for bit to
# the WAV it was made from; AAC decodes to exactly ffmpeg's samples with the encoder delay and
# the edit list's padding trimmed (the length of the source); loudness equal to ffmpeg ebur128
# within its display precision; info/analyze/check/convert/master read M4A; tags and the cover
# move into FLAC and MP3 (read back by metaflac and exiftool); writing .m4a is refused; URLs
# and damaged files are one-line errors.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
need_tools ffmpeg ffprobe metaflac exiftool python3
FREEFORM="$TAPEOP_SOURCE_DIR/tests/cli/mp4_freeform.py"

# Material: 10 s of music, 24-bit 48 kHz stereo; 5.1 at 16 bits for the channel layout.
"$T" -q generate music -o src.wav --duration 10 --level -16 --rate 48000 --bits 24
ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:duration=4:sample_rate=48000" \
  -filter_complex "[0]asplit=6[a][b][c][d][e][f];[a][b][c][d][e][f]amerge=inputs=6" \
  -ac 6 -channel_layout 5.1 -c:a pcm_s16le surround.wav
ffmpeg -nostdin -v error -i src.wav -c:a alac alac.m4a
ffmpeg -nostdin -v error -i src.wav -c:a aac -b:a 256k aac.m4a
ffmpeg -nostdin -v error -i src.wav -c:a aac -b:a 256k -f adts adts.aac
ffmpeg -nostdin -v error -i surround.wav -c:a alac surround.m4a

# --- ALAC: bit for bit ---
expect_exit 0 "$T" --json info alac.m4a
grep -q '"format": "m4a"' <<<"$OUT" && grep -q '"subtype": "alac"' <<<"$OUT" || fail "info: $OUT"; pass
[ "$(json_num frames <<<"$OUT")" = 480000 ] || fail "alac frames: $OUT"; pass
expect_exit 0 "$T" convert alac.m4a -o alac.wav
[ "$(ffprobe -v error -show_entries stream=bits_per_sample -of csv=p=0 alac.wav)" = 24 ] || fail "alac: not 24-bit out"; pass
[ "$(ffmpeg -nostdin -v error -i alac.wav -f s24le - | md5sum)" = "$(ffmpeg -nostdin -v error -i src.wav -f s24le - | md5sum)" ] ||
  fail "ALAC did not decode to the source's samples"; pass

# --- AAC: ffmpeg's samples, the source's length (1024 priming frames and the padding trimmed) ---
expect_exit 0 "$T" --json info aac.m4a
[ "$(json_num frames <<<"$OUT")" = 480000 ] || fail "aac frames (edit list not applied): $OUT"; pass
expect_exit 0 "$T" convert aac.m4a -o aac.wav --bits float
ffmpeg -nostdin -v error -i aac.m4a -af atrim=end_sample=480000 -f f32le - | md5sum > ffmpeg.md5
[ "$(ffmpeg -nostdin -v error -i aac.wav -f f32le - | md5sum)" = "$(cat ffmpeg.md5)" ] ||
  fail "AAC samples differ from ffmpeg's decoder"; pass
# ADTS carries no delay: its priming frames are kept, as ffmpeg keeps them.
expect_exit 0 "$T" --json info adts.aac
grep -q '"format": "aac"' <<<"$OUT" || fail "adts info: $OUT"; pass
[ "$(json_num frames <<<"$OUT")" = "$(( $(ffmpeg -nostdin -v error -i adts.aac -f f32le - | wc -c) / 8 ))" ] ||
  fail "adts frames differ from ffmpeg's: $OUT"; pass

# --- loudness against ffmpeg ebur128 (it prints 0.1 LU / 0.1 dB: tolerance 0.06 + rounding) ---
for f in aac.m4a alac.m4a adts.aac; do
  expect_exit 0 "$T" --json analyze "$f"
  I=$(json_num integrated_lufs <<<"$OUT"); TP=$(json_num true_peak_dbtp <<<"$OUT")
  E=$(ffmpeg -nostdin -nostats -i "$f" -af ebur128=peak=true -f null - 2>&1 | grep -A20 Summary)
  fI=$(awk '/I:/ { print $2 }' <<<"$E"); fTP=$(awk '/Peak:/ { print $2 }' <<<"$E" | tail -1)
  near "$I" "$fI" 0.11 || fail "$f: integrated $I, ffmpeg $fI"; pass
  near "$TP" "$fTP" 0.3 || fail "$f: true peak $TP, ffmpeg $fTP"; pass
  echo "$f: tapeop $I LUFS $TP dBTP, ffmpeg ebur128 $fI LUFS $fTP dBTP"
done

# --- layout: ALAC 5.1 carries its channel mask; LFE weighs 0 ---
expect_exit 0 "$T" --json analyze surround.m4a
LAYOUT=$(grep -A12 '"layout"' <<<"$OUT" | tr -d ' \n')
[[ "$LAYOUT" == *'"name":"5.1"'*'"LFE"'* ]] || fail "5.1 layout not read: $OUT"; pass
expect_exit 0 "$T" convert surround.m4a -o surround.wav.out.wav
[ "$(ffprobe -v error -show_entries stream=channel_layout -of csv=p=0 surround.wav.out.wav)" = "5.1" ] || fail "5.1 mask not kept in WAV"; pass

# --- check and master read M4A ---
# -20.8 LUFS fails EBU R 128's -23: exit 1 with the loudness finding (read, measured, judged).
expect_exit 1 "$T" --json check aac.m4a --spec ebu-r128
grep -q '"path": "aac.m4a"' <<<"$OUT" && grep -q '"check": "loudness"' <<<"$OUT" || fail "check: $OUT"; pass
expect_exit 0 "$T" master aac.m4a -o mastered.wav --target -14
expect_exit 0 "$T" --json analyze mastered.wav
near "$(json_num integrated_lufs <<<"$OUT")" -14 0.1 || fail "master of m4a off target: $OUT"; pass

# --- tags and cover into FLAC and MP3 ---
ffmpeg -nostdin -v error -f lavfi -i "color=red:s=16x16" -frames:v 1 cover.png
ffmpeg -nostdin -v error -i src.wav -i cover.png -map 0 -map 1 -c:a aac -b:a 192k -c:v copy \
  -disposition:v attached_pic -metadata title="Night Song" -metadata artist="Some One" \
  -metadata album="The Album" -metadata track=3 -metadata date=2024 tagged.m4a
python3 "$FREEFORM" tagged.m4a MY_FIELD "kept value"
python3 "$FREEFORM" tagged.m4a ISRC "GBAYE2400001"
python3 "$FREEFORM" tagged.m4a replaygain_track_gain "+3.00 dB"
expect_exit 0 "$T" --json info tagged.m4a
grep -q '"MY_FIELD"' <<<"$OUT" && grep -q '"ISRC"' <<<"$OUT" && grep -q 'image/png' <<<"$OUT" || fail "info tags: $OUT"; pass
expect_exit 0 "$T" convert tagged.m4a -o tagged.flac
MF=$(metaflac --export-tags-to=- tagged.flac)
for kv in "TITLE=Night Song" "ARTIST=Some One" "ALBUM=The Album" "TRACKNUMBER=3" "MY_FIELD=kept value" "ISRC=GBAYE2400001"; do
  grep -qx "$kv" <<<"$MF" || fail "flac lacks $kv: $MF"; pass
done
grep -q "Lavf" <<<"$MF" && fail "the M4A's encoding tool copied: $MF"; pass
# convert leaves the audio as decoded: its ReplayGain still holds; gain changes it: dropped.
grep -qx "REPLAYGAIN_TRACK_GAIN=+3.00 dB" <<<"$MF" || fail "convert dropped a valid ReplayGain: $MF"; pass
expect_exit 0 "$T" gain tagged.m4a -o louder.flac --db 3
grep -qi replaygain <<<"$(metaflac --export-tags-to=- louder.flac)" && fail "stale ReplayGain kept after gain"; pass
PIC=$(metaflac --list --block-type=PICTURE tagged.flac)
grep -q "MIME type: image/png" <<<"$PIC" || fail "cover lost in FLAC"; pass
[ "$(metaflac --list --block-type=PICTURE --data-format=binary tagged.flac | wc -c)" -gt 0 ] || fail "no picture"; pass
expect_exit 0 "$T" convert tagged.m4a -o tagged.mp3
EX=$(exiftool -a -s tagged.mp3)
grep -q "Title *: Night Song" <<<"$EX" && grep -q "ISRC *: GBAYE2400001" <<<"$EX" &&
  grep -q "(MY_FIELD) kept value" <<<"$EX" && grep -q "PictureMIMEType *: image/png" <<<"$EX" || fail "mp3 tags: $EX"; pass

# --- into a folder, an M4A's output is WAV (tapeop writes no M4A): convert, split ---
expect_exit 0 "$T" -q convert aac.m4a alac.m4a -o outdir
[ -f outdir/aac.wav ] && [ -f outdir/alac.wav ] || fail "folder outputs: $(ls outdir)"; pass
[ "$(ffmpeg -nostdin -v error -i outdir/alac.wav -f s24le - | md5sum)" = "$(ffmpeg -nostdin -v error -i src.wav -f s24le - | md5sum)" ] ||
  fail "ALAC into a folder is not the source"; pass
expect_exit 0 "$T" -q split alac.m4a -o takes
[ -f takes/alac-take01.wav ] || fail "split outputs: $(ls takes)"; pass

# --- writing MP4 is refused; nothing written ---
expect_exit 2 "$T" convert src.wav -o out.m4a
expect_one_line_error "out.m4a.*reads .m4a files but does not write them"
[ ! -e out.m4a ] || fail "out.m4a written"; pass

# --- errors: a URL is not a file; a damaged M4A is one line, exit 2 ---
expect_exit 2 "$T" analyze "http://localhost/a.m4a"
expect_one_line_error "http://localhost/a.m4a"
head -c 3000 aac.m4a > cut.m4a
expect_exit 2 "$T" analyze cut.m4a
expect_one_line_error "cut.m4a"
# An MP4 whose index comes first (+faststart), cut at a packet boundary, decodes cleanly but
# short of its track's length: "truncated", not a shorter file.
for codec in aac alac; do
  ffmpeg -nostdin -v error -i src.wav -c:a $codec -movflags +faststart fs.$codec.m4a
  end=$(ffprobe -v error -show_packets -show_entries packet=pos,size -of csv=p=0 fs.$codec.m4a |
    sed -n 10p | awk -F, '{ print $1 + $2 }')
  head -c "$end" fs.$codec.m4a > cut.$codec.m4a
  expect_exit 2 "$T" convert cut.$codec.m4a -o cut.$codec.wav
  expect_one_line_error "cut.$codec.m4a: .*truncated: the audio stops at frame [0-9]+ of the 480000"
  [ ! -e cut.$codec.wav ] || fail "partial output from a truncated $codec M4A"; pass
done
no_temporaries .
finish
