#!/usr/bin/env bash
# tapeop tag, end to end: ReplayGain 2.0 track and album values within 0.05 dB of loudgain
# (run on copies of the same FLAC, MP3 and Ogg Vorbis files, read back with metaflac, exiftool
# and ffprobe), R128 on Opus within 0.05 dB of loudgain, bext v2 in WAV read by mediainfo and
# exiftool equal to `analyze` within 0.01 LU/dB with the other bext fields and the CodingHistory
# kept; decoded samples identical before and after; a second run leaves the same bytes;
# --dry-run writes nothing. Then master's and a recipe's WAV outputs: bext v2 of the file as
# written and a tapeop CodingHistory line.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
need_tools loudgain metaflac flac lame opusenc sox ffmpeg ffprobe exiftool mediainfo

# tagval FILE KEY: the value of a loudness tag as an independent tool reads it ("" if absent).
tagval() {
  local out
  case "$1" in
    *.flac) out=$(metaflac --show-tag="$2" "$1"); awk -F= 'NR == 1 { print $2 }' <<<"$out" ;;
    *.mp3) out=$(exiftool -a -s3 -UserDefinedText "$1")
           awk -v k="($2)" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' <<<"$out" ;;
    *) out=$(ffprobe -v error -show_entries stream_tags -of default=nw=1 "$1")
       awk -F= -v k="TAG:$2" 'toupper($1) == k { print $2; exit }' <<<"$out" ;;
  esac
}
num() { awk '{ print $1 }' <<<"$1"; }
# pcm_md5 FILE: hash of the decoded samples (ffmpeg, 32-bit integers).
pcm_md5() { ffmpeg -nostdin -v error -i "$1" -map 0:a:0 -f s32le - | md5sum | awk '{ print $1 }'; }
bytes_md5() { md5sum "$1" | awk '{ print $1 }'; }
# peak_near A B TOL: |20 log10(A / B)| <= TOL dB
peak_near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = 20 * log(a / b) / log(10); if (d < 0) d = -d; exit !(d <= t) }'; }

# Material: two pieces of music 8 dB apart at 44.1 kHz, one at 48 kHz for Opus.
"$T" -q generate music -o a.wav --duration 12 --level -20 --rate 44100
"$T" -q generate music -o b.wav --duration 8 --level -12 --rate 44100 --seed 7
for s in a b; do
  flac -s -f "$s.wav" -o "$s.flac"
  lame --quiet -V2 "$s.wav" "$s.mp3"
  sox "$s.wav" -C 6 "$s.ogg"
  sox "$s.wav" -r 48000 "$s.48k.wav"
  opusenc --quiet "$s.48k.wav" "$s.opus"
done
metaflac --set-tag=ARTIST=Someone --set-tag=MY_FIELD=kept a.flac

# --- ReplayGain 2.0 against loudgain ---
for ext in flac mp3 ogg; do
  for s in a b; do cp "$s.$ext" "t_$s.$ext"; cp "$s.$ext" "l_$s.$ext"; done
  h_a=$(pcm_md5 t_a.$ext); h_b=$(pcm_md5 t_b.$ext)
  expect_exit 0 "$T" tag --album t_a.$ext t_b.$ext
  loudgain -q -a -s i l_a.$ext l_b.$ext >/dev/null 2>&1 || fail "loudgain failed on $ext"
  for s in a b; do
    for key in TRACK ALBUM; do
      ours=$(tagval t_$s.$ext REPLAYGAIN_${key}_GAIN); theirs=$(tagval l_$s.$ext REPLAYGAIN_${key}_GAIN)
      [ -n "$ours" ] || fail "$ext: no REPLAYGAIN_${key}_GAIN in t_$s.$ext"
      grep -Eq '^-?[0-9]+\.[0-9]{2} dB$' <<<"$ours" || fail "$ext: gain '$ours' not in '%.2f dB' form"; pass
      near "$(num "$ours")" "$(num "$theirs")" 0.05 || fail "$ext $s $key gain: tapeop $ours, loudgain $theirs"; pass
      pk=$(tagval t_$s.$ext REPLAYGAIN_${key}_PEAK); lpk=$(tagval l_$s.$ext REPLAYGAIN_${key}_PEAK)
      grep -Eq '^[0-9]+\.[0-9]{6}$' <<<"$pk" || fail "$ext: peak '$pk' not in '%.6f' form"; pass
      # Both are true peaks (BS.1770-4 oversampling): measured 0.007-0.013 dB apart on this
      # material, tapeop's the higher.
      peak_near "$pk" "$lpk" 0.05 || fail "$ext $s $key peak: tapeop $pk, loudgain $lpk"; pass
      echo "$ext $s $key: gain tapeop $ours loudgain $theirs, peak tapeop $pk loudgain $lpk" \
        "($(awk -v a="$pk" -v b="$lpk" 'BEGIN { printf "%+.4f", 20 * log(a / b) / log(10) }') dB)"
    done
  done
  [ "$(pcm_md5 t_a.$ext)" = "$h_a" ] && [ "$(pcm_md5 t_b.$ext)" = "$h_b" ] ||
    fail "$ext: the decoded samples changed"; pass
  # A second run finds the values in place and changes nothing.
  m_a=$(bytes_md5 t_a.$ext); m_b=$(bytes_md5 t_b.$ext)
  expect_exit 0 "$T" --json tag --album t_a.$ext t_b.$ext
  [ "$(bytes_md5 t_a.$ext)" = "$m_a" ] && [ "$(bytes_md5 t_b.$ext)" = "$m_b" ] ||
    fail "$ext: second run changed the files"; pass
  grep -q '"changed": true' <<<"$OUT" && fail "$ext: second run reports a change"; pass
  no_temporaries .
done
[ "$(metaflac --show-tag=MY_FIELD t_a.flac)" = "MY_FIELD=kept" ] &&
  [ "$(metaflac --show-tag=ARTIST t_a.flac)" = "ARTIST=Someone" ] || fail "flac: other tags lost"; pass

# Track mode alone writes no album tags; stale values are replaced, not added.
cp a.flac one.flac
metaflac --set-tag="REPLAYGAIN_TRACK_GAIN=+9.99 dB" one.flac
expect_exit 0 "$T" --json tag one.flac
[ "$(metaflac --show-tag=REPLAYGAIN_TRACK_GAIN one.flac | grep -c '')" = 1 ] || fail "stale gain kept beside the new one"; pass
[ -z "$(tagval one.flac REPLAYGAIN_ALBUM_GAIN)" ] || fail "album gain without --album"; pass
grep -q '"REPLAYGAIN_TRACK_GAIN": "+9.99 dB"' <<<"$OUT" || fail "previous value not reported: $OUT"; pass

# MP3 with an ID3v2.3 tag and a stale lower-case TXXX: replaced, the tag stays version 2.3.
ffmpeg -nostdin -v error -i b.wav -id3v2_version 3 -metadata replaygain_track_gain="+5.00 dB" \
  -metadata title="Song" v23.mp3
expect_exit 0 "$T" tag v23.mp3
EX=$(exiftool -a -G1 -s v23.mp3)
[ "$(grep -ci 'replaygain_track_gain' <<<"$EX")" = 1 ] || fail "id3: stale TXXX kept: $EX"; pass
grep -q '^\[ID3v2_3\] *UserDefinedText *: (REPLAYGAIN_TRACK_GAIN) -\?[0-9]' <<<"$EX" || fail "id3: not v2.3: $EX"; pass
grep -q '^\[ID3v2_3\] *Title *: Song' <<<"$EX" || fail "id3: title lost: $EX"; pass

# --dry-run: the values shown, nothing written.
cp b.mp3 dry.mp3; m=$(bytes_md5 dry.mp3)
expect_exit 0 "$T" --json tag --dry-run dry.mp3
[ "$(bytes_md5 dry.mp3)" = "$m" ] || fail "--dry-run wrote the file"; pass
grep -q '"written": false' <<<"$OUT" && grep -q '"changed": true' <<<"$OUT" || fail "dry run JSON: $OUT"; pass
no_temporaries .

# --- Opus: R128 (Q7.8 relative to -23 LUFS) against loudgain; REPLAYGAIN_* removed ---
for s in a b; do cp $s.opus t_$s.opus; cp $s.opus l_$s.opus; done
opusenc --quiet --comment "REPLAYGAIN_TRACK_GAIN=1.00 dB" a.48k.wav t_a.opus
cp t_a.opus l_a.opus
h=$(pcm_md5 t_a.opus)
expect_exit 0 "$T" tag --album t_a.opus t_b.opus
loudgain -q -a -s i l_a.opus l_b.opus >/dev/null 2>&1 || fail "loudgain failed on opus"
for s in a b; do
  for key in TRACK ALBUM; do
    ours=$(tagval t_$s.opus R128_${key}_GAIN); theirs=$(tagval l_$s.opus R128_${key}_GAIN)
    grep -Eq '^-?[0-9]+$' <<<"$ours" || fail "opus $s: R128_${key}_GAIN '$ours' is not an integer"; pass
    near "$ours" "$theirs" 13 || fail "opus $s $key: tapeop $ours, loudgain $theirs (Q7.8, 13 = 0.05 dB)"; pass
    echo "opus $s R128_${key}_GAIN: tapeop $ours loudgain $theirs"
  done
done
[ -z "$(tagval t_a.opus REPLAYGAIN_TRACK_GAIN)" ] || fail "opus: REPLAYGAIN_TRACK_GAIN left beside R128"; pass
[ "$(pcm_md5 t_a.opus)" = "$h" ] || fail "opus: the decoded samples changed"; pass
m=$(bytes_md5 t_a.opus)
expect_exit 0 "$T" tag --album t_a.opus t_b.opus
[ "$(bytes_md5 t_a.opus)" = "$m" ] || fail "opus: second run changed the file"; pass

# --- WAV: bext v2 loudness, everything else kept ---
ffmpeg -nostdin -v error -i a.wav -c copy -write_bext 1 -metadata description="Scene 12 take 3" \
  -metadata originator="Field recorder" -metadata time_reference=172800000 \
  -metadata coding_history="A=PCM,F=44100,W=16,M=stereo,T=field recorder" -metadata title="Take three" bwf0.wav
# An iXML chunk and two cue points after the audio, as field recorders and DAWs write them.
python3 - bwf0.wav bwf.wav <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
def chunk(cid, data):
    return cid + struct.pack('<I', len(data)) + data + (b'\0' if len(data) % 2 else b'')
ixml = b'<?xml version="1.0"?><BWFXML><SCENE>12</SCENE><TAKE>3</TAKE></BWFXML>'
cue = struct.pack('<I', 2) + b''.join(struct.pack('<II4sIII', i, 0, b'data', 0, 0, at)
                                      for i, at in ((1, 44100), (2, 88200)))
d += chunk(b'iXML', ixml) + chunk(b'cue ', cue)
d[4:8] = struct.pack('<I', len(d) - 8)
open(sys.argv[2], 'wb').write(d)
PY
# chunks FILE: the iXML chunk's md5 and the cue points (id@offset), sorted: libsndfile writes cue in
# the header, before other chunks, and pads the chunks it copies to 4 bytes with NULs, which
# the XML does not hold.
chunks() {
  python3 - "$1" <<'PY'
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read(); at = 12; out = []
while at + 8 <= len(d):
    cid, n = d[at:at + 4], struct.unpack('<I', d[at + 4:at + 8])[0]
    data = d[at + 8:at + 8 + n]
    if cid in (b'iXML', b'cue '):
        if cid == b'iXML':
            out.append('iXML ' + hashlib.md5(data.rstrip(b'\0')).hexdigest())
        else: # each point's id and sample offset (dwPosition is rewritten as the offset)
            pts = [struct.unpack('<II4sIII', data[4 + 24 * k:28 + 24 * k]) for k in range(struct.unpack('<I', data[:4])[0])]
            out.append('cue ' + ' '.join('%d@%d' % (p[0], p[5]) for p in pts))
    at += 8 + n + (n & 1)
print('\n'.join(sorted(out)))
PY
}
before_chunks=$(chunks bwf.wav)
[ "$(grep -c '' <<<"$before_chunks")" = 2 ] || fail "test file: chunks not made: $before_chunks"
h=$(pcm_md5 bwf.wav)
expect_exit 0 "$T" --json tag bwf.wav
cp "$WORK/.out" tag_wav.json
"$T" --json analyze bwf.wav >an.json
MI=$(mediainfo bwf.wav)
mi() { awk -F' *: ' -v k="$1" '$1 == k { print $2; exit }' <<<"$MI"; }
for pair in LoudnessValue:integrated_lufs LoudnessRange:loudness_range_lu MaxTruePeakLevel:true_peak_dbtp \
            MaxMomentaryLoudness:momentary_max_lufs MaxShortTermLoudness:short_term_max_lufs; do
  field=${pair%%:*}; key=${pair##*:}
  v=$(mi "$field"); a=$(json_num "$key" <an.json)
  [ -n "$v" ] || fail "wav: mediainfo shows no $field"
  near "$v" "$a" 0.01 || fail "wav: bext $field $v, analyze $key $a"; pass
done
EX=$(exiftool -s -s -s -BWFVersion -Description -Originator -TimeReference -CodingHistory -Title bwf.wav)
grep -qx 2 <<<"$EX" || fail "wav: bext version is not 2: $EX"; pass
grep -q "Scene 12 take 3" <<<"$EX" && grep -q "Field recorder" <<<"$EX" && grep -qx 172800000 <<<"$EX" ||
  fail "wav: bext fields lost: $EX"; pass
grep -q "T=field recorder" <<<"$EX" || fail "wav: CodingHistory lost: $EX"; pass
grep -qx "Take three" <<<"$EX" || fail "wav: INFO title lost: $EX"; pass
[ "$(chunks bwf.wav)" = "$before_chunks" ] || fail "wav: iXML or cue chunk changed: $(chunks bwf.wav)"; pass
[ "$(pcm_md5 bwf.wav)" = "$h" ] || fail "wav: the decoded samples changed"; pass
m=$(bytes_md5 bwf.wav)
expect_exit 0 "$T" tag bwf.wav
[ "$(bytes_md5 bwf.wav)" = "$m" ] || fail "wav: second run changed the file"; pass
no_temporaries .
# A WAV with every kind of INFO field (bwf.py) and an ID3 chunk (id3.py): tag rewrites the file
# around the same audio and keeps both, every INFO field (ISFT too: the audio is not encoded
# anew) and every ID3 frame with the same body (TagLib writes ID3v2.4).
ffmpeg -nostdin -v error -f lavfi -i color=c=blue:s=16x16 -frames:v 1 -y cover.png
python3 "$TAPEOP_SOURCE_DIR/tests/cli/bwf.py" make a.wav info0.wav 0 100 200
python3 "$TAPEOP_SOURCE_DIR/tests/cli/id3.py" put info0.wav info.wav cover.png
info_fields() { python3 "$TAPEOP_SOURCE_DIR/tests/cli/bwf.py" dump "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["info"])'; }
id3_frames() { python3 "$TAPEOP_SOURCE_DIR/tests/cli/id3.py" dump "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["frames"])'; }
before_info=$(info_fields info.wav); before_id3=$(id3_frames info.wav)
grep -q IENG <<<"$before_info" && grep -q PRIV <<<"$before_id3" || fail "test file: INFO or ID3 not made"
expect_exit 0 "$T" tag info.wav
[ "$(info_fields info.wav)" = "$before_info" ] || fail "wav: INFO changed by tag: $(info_fields info.wav)"; pass
[ "$(id3_frames info.wav)" = "$before_id3" ] || fail "wav: ID3 frames changed by tag: $(id3_frames info.wav)"; pass

# --- master and recipe WAV outputs: bext v2 of the file as written, CodingHistory line ---
expect_exit 0 "$T" -q master a.wav -o m.wav --target -16 --ceiling -1.5
"$T" --json analyze m.wav >an.json
MI=$(mediainfo m.wav)
for pair in LoudnessValue:integrated_lufs LoudnessRange:loudness_range_lu MaxTruePeakLevel:true_peak_dbtp \
            MaxMomentaryLoudness:momentary_max_lufs MaxShortTermLoudness:short_term_max_lufs; do
  field=${pair%%:*}; key=${pair##*:}
  v=$(mi "$field"); a=$(json_num "$key" <an.json)
  [ -n "$v" ] || fail "master: mediainfo shows no $field"
  near "$v" "$a" 0.01 || fail "master: bext $field $v, analyze $key $a"; pass
  echo "master bext $field $v, analyze $a"
done
EX=$(exiftool -s -s -s -CodingHistory m.wav)
grep -Eq 'A=PCM,F=44100,W=24,M=stereo,T=tapeop [0-9.]+; master to -16.0 LUFS; ceiling -1.5 dBTP' <<<"$EX" ||
  fail "master: no tapeop CodingHistory line: $EX"; pass

cat >loud.recipe <<'R'
loudness target=-18 ceiling=-2
output {name}-loud.wav
R
expect_exit 0 "$T" -q run loud.recipe b.wav -o out
MI=$(mediainfo out/b-loud.wav)
near "$(mi LoudnessValue)" -18 0.1 || fail "recipe: bext LoudnessValue $(mi LoudnessValue)"; pass
EX=$(exiftool -s -s -s -CodingHistory out/b-loud.wav)
grep -q 'T=tapeop .*master to -18.0 LUFS' <<<"$EX" || fail "recipe: no tapeop CodingHistory line: $EX"; pass

# --- errors ---
sox a.wav a.aiff
expect_exit 2 "$T" tag a.aiff
expect_one_line_error 'a.aiff: no loudness tag for aiff'
"$T" -q generate silence -o quiet.flac --duration 2
expect_exit 1 "$T" tag quiet.flac t_a.flac
grep -q 'quiet.flac: silent' <<<"$ERR" || fail "silence: $ERR"; pass
expect_exit 1 "$T" tag --album quiet.flac nothing.flac
grep -q 'album not tagged' <<<"$ERR" || fail "album with a missing file: $ERR"; pass
finish
