#!/usr/bin/env bash
# Metadata through every command: a Broadcast WAVE take (bext with every field, iXML, LIST/INFO,
# two labelled cue markers; built byte by byte by bwf.py, checked with exiftool) and a tagged FLAC
# (metaflac: custom field, ISRC, picture, stale ReplayGain) go through gain, normalize, trim,
# split, convert 48 -> 44.1 kHz, gainstage, mix, master (+ an MP3 deliverable) and recipes.
# Fields must come out byte for byte, TimeReference and markers moved exactly, loudness tags of
# changed audio dropped, nothing at all under --strip-metadata.
source "$(dirname "$0")/lib.sh"
BWF="python3 $TAPEOP_SOURCE_DIR/tests/cli/bwf.py"

# field JSON EXPR: a value from JSON on stdin, EXPR in Python over `d`.
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
dump() { $BWF dump "$1"; }
TR=172800000 # 01:00:00 at 48 kHz

"$TAPEOP" -q generate music -o src.wav --duration 10 --rate 48000 --level -20
$BWF make src.wav take.wav $TR 48000 240000
# An independent reader sees a real BWF: bext fields, iXML, INFO.
EXIF=$(exiftool -j take.wav)
[ "$(field 'd[0]["TimeReference"]' <<<"$EXIF")" = $TR ] || fail "exiftool: $EXIF"; pass
[ "$(field 'd[0]["Originator"]' <<<"$EXIF")" = "FieldRec 8" ] || fail "exiftool: $EXIF"; pass
[ "$(field 'd[0]["Title"]' <<<"$EXIF")" = "Take three" ] || fail "exiftool: $EXIF"; pass
grep -q "\"BwfxmlScene\": \"12A\"" <<<"$EXIF" || fail "exiftool sees no iXML: $EXIF"; pass
ORIG=$(dump take.wav)

# same_meta OUT [SHIFT_FRAMES] [RATE]: bext text fields, UMID, coding history, iXML, axml, the
# unknown "abcd" chunk and INFO byte for byte, iXML, axml and abcd in their order; every INFO
# field (also those libsndfile does not read: IENG, IKEY, ISBJ, ITCH) but ISFT, the software
# that wrote the input (dropped like ENCODING: every output is encoded anew); TimeReference =
# TR + SHIFT at 48 kHz, rescaled to RATE.
same_meta() {
  local out=$1 shift=${2:-0} rate=${3:-48000} got k
  got=$(dump "$out")
  for k in description originator originator_reference origination_date origination_time umid; do
    [ "$(field "d['bext']['$k']" <<<"$got")" = "$(field "d['bext']['$k']" <<<"$ORIG")" ] ||
      fail "$out: bext $k: $got"
  done
  pass
  grep -Fq "A=PCM,F=48000,W=24,M=stereo,T=FieldRec" <<<"$(field "d['bext']['coding_history']" <<<"$got")" ||
    fail "$out: coding history: $got"; pass
  # libsndfile pads a chunk it writes to 4 bytes with NULs: the text is the same.
  [ "$(field "d['ixml'].rstrip(chr(0))" <<<"$got")" = "$(field "d['ixml']" <<<"$ORIG")" ] || fail "$out: iXML: $got"; pass
  [ "$(field "d['info']" <<<"$got")" = "{'IART': 'The Band', 'ICMT': 'boom left', 'IENG': 'Mo Mixer', 'IKEY': 'boom; exterior', 'INAM': 'Take three', 'ISBJ': 'Scene 12A', 'ITCH': 'Sam Sound'}" ] ||
    fail "$out: INFO: $got"; pass
  # axml and abcd: the same bytes, then at most libsndfile's NUL padding to 4 bytes.
  for k in axml abcd; do
    same_bytes "$(field "d['raw'].get('$k', '')" <<<"$ORIG")" "$(field "d['raw'].get('$k', '')" <<<"$got")" ||
      fail "$out: $k changed: $got"
  done
  pass
  [ "$(field "[c for c in d['chunks'] if c in ('iXML', 'axml', 'abcd')]" <<<"$got")" = "['iXML', 'axml', 'abcd']" ] ||
    fail "$out: chunk order: $got"; pass
  local want=$(( (TR + shift) * rate / 48000 ))
  [ "$(field "d['bext']['time_reference']" <<<"$got")" = "$want" ] || fail "$out: time reference, want $want: $got"; pass
}
# same_bytes WANT_HEX GOT_HEX: GOT is WANT (not empty) followed by at most three NULs.
same_bytes() {
  python3 -c 'import sys
a, b = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
sys.exit(not (a and b.startswith(a) and len(b) - len(a) < 4 and set(b[len(a):]) <= {0}))' "$1" "$2"
}
# cues OUT: "frame:label frame:label" from the file's cue chunk and adtl labels.
cues() { dump "$1" | field "' '.join('%d:%s' % (c['frame'], d['labels'].get(str(c['id']), '')) for c in d['cues'])"; }

# gain, normalize, convert (same rate): everything kept, nothing moved.
expect_exit 0 "$TAPEOP" -q gain take.wav -o gain.wav --db -3
same_meta gain.wav
[ "$(cues gain.wav)" = "48000:Verse 240000:Chorus 1" ] || fail "gain cues: $(cues gain.wav)"; pass
expect_exit 0 "$TAPEOP" -q normalize take.wav -o norm.wav --lufs -23
same_meta norm.wav
[ "$(cues norm.wav)" = "48000:Verse 240000:Chorus 1" ] || fail "normalize cues"; pass
expect_exit 0 "$TAPEOP" -q convert take.wav -o conv.rf64
same_meta conv.rf64 # INFO, axml, abcd in RF64 too
expect_exit 0 "$TAPEOP" --json info conv.rf64
[ "$(field "d['files'][0]['bext']['time_reference']" <<<"$OUT")" = $TR ] || fail "rf64: $OUT"; pass
# libsndfile reads no cues from RF64, but the chunk is written (raw) and labelled.
[ "$(cues conv.rf64)" = "48000:Verse 240000:Chorus 1" ] || fail "rf64 cues: $(cues conv.rf64)"; pass
# RF64 as an input (a recipe intermediate over 4 GiB is one): libsndfile's RF64 reader returns
# no cues, tapeop reads the cue chunk and its adtl labels itself. info shows them; back to WAV
# they are kept, trimmed they move, at 44.1 kHz they are rescaled, all with their labels.
expect_exit 0 "$TAPEOP" --json info conv.rf64
[ "$(field "' '.join('%d:%s' % (c['position'], c['name']) for c in d['files'][0]['cues'])" <<<"$OUT")" = "48000:Verse 240000:Chorus 1" ] ||
  fail "info of rf64 cues: $OUT"; pass
expect_exit 0 "$TAPEOP" -q convert conv.rf64 -o from-rf64.wav
same_meta from-rf64.wav
[ "$(cues from-rf64.wav)" = "48000:Verse 240000:Chorus 1" ] || fail "rf64 -> wav cues: $(cues from-rf64.wav)"; pass
# Two libsndfile writes (WAV -> RF64 -> WAV), one libsndfile line in the coding history.
[ "$(dump from-rf64.wav | field "d['bext']['coding_history'].count('T=libsndfile')")" = 1 ] ||
  fail "libsndfile's coding-history line doubled: $(dump from-rf64.wav)"; pass
expect_exit 0 "$TAPEOP" -q trim conv.rf64 -o cut-rf64.rf64 --start 2s --duration 5s
[ "$(cues cut-rf64.rf64)" = "144000:Chorus 1" ] || fail "rf64 trim cues: $(cues cut-rf64.rf64)"; pass
expect_exit 0 "$TAPEOP" -q convert conv.rf64 -o rf64-441.wav --rate 44100
[ "$(cues rf64-441.wav)" = "44100:Verse 220500:Chorus 1" ] || fail "rf64 44.1k cues: $(cues rf64-441.wav)"; pass

# Rate change: 48 -> 44.1 kHz rescales TimeReference and markers (nearest frame).
expect_exit 0 "$TAPEOP" -q convert take.wav -o c441.wav --rate 44100
same_meta c441.wav 0 44100
[ "$(cues c441.wav)" = "44100:Verse 220500:Chorus 1" ] || fail "44.1k cues: $(cues c441.wav)"; pass

# Trim by time: from 2 s for 5 s. TimeReference + 96000; the 1 s marker falls outside and goes,
# the 5 s marker moves to 3 s and keeps its label.
expect_exit 0 "$TAPEOP" -q trim take.wav -o cut.wav --start 2s --duration 5s
same_meta cut.wav 96000
[ "$(cues cut.wav)" = "144000:Chorus 1" ] || fail "trim cues: $(cues cut.wav)"; pass

# Trim by silence and split: a take with silence around two bursts of music.
"$TAPEOP" -q generate silence -o quiet.wav --duration 12 --rate 48000
"$TAPEOP" -q generate music -o burst.wav --duration 2 --rate 48000 --level -20
"$TAPEOP" -q mix quiet.wav burst.wav:offset=3s burst.wav:offset=8s -o bursts.wav --no-trim
$BWF make bursts.wav session.wav $TR 96000 432000
expect_exit 0 "$TAPEOP" --json trim session.wav -o tsil.wav
HEAD=$(field "d['outputs'][0]['start_frame'] if 'outputs' in d else d['start_frame']" <<<"$OUT" 2>/dev/null ||
  json_num start_frame <<<"$OUT")
[ "$HEAD" -gt 100000 ] || fail "trim by silence head: $OUT"; pass
same_meta tsil.wav "$HEAD"
[ "$(cues tsil.wav)" = "$((432000 - HEAD)):Chorus 1" ] || fail "silence trim cues: $(cues tsil.wav)"; pass
mkdir takes
expect_exit 0 "$TAPEOP" --json split session.wav -o takes
[ "$(field "len(d['outputs'])" <<<"$OUT")" = 2 ] || fail "split: $OUT"; pass
for k in 0 1; do
  start=$(field "d['outputs'][$k]['start_frame']" <<<"$OUT")
  path=$(field "d['outputs'][$k]['path']" <<<"$OUT")
  same_meta "$path" "$start" # each take points at its own first frame in the original
done
[ "$(cues takes/session-take01.wav)" = "" ] || fail "take 1 holds no marker: $(cues takes/session-take01.wav)"; pass
[ "$(cues takes/session-take02.wav)" = "$((432000 - $(field "d['outputs'][1]['start_frame']" <<<"$OUT"))):Chorus 1" ] ||
  fail "take 2 marker: $(cues takes/session-take02.wav)"; pass

# gainstage: each stem its own metadata; conformed to 44.1 kHz when asked.
$BWF make burst.wav stem2.wav $((TR + 48000)) 1000 2000
mkdir staged
expect_exit 0 "$TAPEOP" -q gainstage take.wav stem2.wav -o staged --rate 44100
same_meta staged/take.wav 0 44100
[ "$(dump staged/stem2.wav | field "d['bext']['time_reference']")" = $(( (TR + 48000) * 44100 / 48000 )) ] ||
  fail "gainstage stem 2: $(dump staged/stem2.wav)"; pass

# mix: the first stem's descriptive metadata and the session's earliest start, offsets
# included (stem2 starts 1 s after take.wav on the timeline; delayed 2 s in the mix, so the mix
# starts 1 s before take.wav's TimeReference).
expect_exit 0 "$TAPEOP" -q mix take.wav stem2.wav:offset=2s -o mixed.wav
same_meta mixed.wav -48000
[ "$(cues mixed.wav)" = "48000:Verse 240000:Chorus 1" ] || fail "mix cues: $(cues mixed.wav)"; pass

# A tagged FLAC (custom field, ISRC, picture, stale ReplayGain) mastered to FLAC and to an MP3.
"$TAPEOP" -q generate music -o song.flac --duration 8 --rate 48000 --level -20
ffmpeg -v error -f lavfi -i color=c=blue:s=16x16 -frames:v 1 -y cover.png
metaflac --set-tag=TITLE=Song --set-tag=ARTIST=Singer --set-tag=ALBUM=Record --set-tag=ISRC=USABC2600001 \
  --set-tag=MOOD=bright --set-tag="REPLAYGAIN_TRACK_GAIN=-3.21 dB" --set-tag=REPLAYGAIN_TRACK_PEAK=0.5 \
  --import-picture-from=cover.png song.flac
expect_exit 0 "$TAPEOP" -q master song.flac -o song-master.flac --target -14 --deliver apple-podcasts:song.mp3
TAGS=$(metaflac --export-tags-to=- song-master.flac)
for t in TITLE=Song ARTIST=Singer ALBUM=Record ISRC=USABC2600001 MOOD=bright; do
  grep -qx "$t" <<<"$TAGS" || fail "master FLAC lost $t: $TAGS"
done
pass
if grep -q REPLAYGAIN <<<"$TAGS"; then fail "stale ReplayGain copied: $TAGS"; fi; pass
metaflac --export-picture-to=pic.png song-master.flac
cmp -s pic.png cover.png || fail "picture changed"; pass
PROBE=$(ffprobe -v error -show_format -show_streams -of json song.mp3)
[ "$(field "d['format']['tags']['title']" <<<"$PROBE")" = Song ] || fail "mp3 title: $PROBE"; pass
[ "$(field "d['format']['tags']['artist']" <<<"$PROBE")" = Singer ] || fail "mp3 artist: $PROBE"; pass
[ "$(field "d['format']['tags']['TSRC']" <<<"$PROBE")" = USABC2600001 ] || fail "mp3 ISRC as TSRC: $PROBE"; pass
[ "$(field "[s.get('disposition',{}).get('attached_pic') for s in d['streams']].count(1)" <<<"$PROBE")" = 1 ] ||
  fail "mp3 picture (APIC): $PROBE"; pass
if grep -qi replaygain <<<"$PROBE"; then fail "stale ReplayGain in the MP3: $PROBE"; fi; pass

# FLAC into WAV: INFO takes the eight fields it has, an ID3v2 chunk (TagLib) the rest.
expect_exit 0 "$TAPEOP" -q convert song.flac -o song.wav
grep -q '"RIFF:Title": "Song"' <<<"$(exiftool -j -a -G1 song.wav)" || fail "WAV INFO title"; pass
MI=$(mediainfo song.wav)
grep -Eq 'ISRC +: USABC2600001' <<<"$MI" || fail "WAV ISRC: $MI"; pass
grep -Eq 'Cover MIME +: image/png' <<<"$MI" || fail "WAV picture: $MI"; pass
expect_exit 0 "$TAPEOP" -q convert song.wav -o back.flac
grep -qx "ISRC=USABC2600001" <<<"$(metaflac --export-tags-to=- back.flac)" || fail "WAV -> FLAC ISRC"; pass
metaflac --export-picture-to=pic2.png back.flac
cmp -s pic2.png cover.png || fail "WAV -> FLAC picture"; pass

# Opus (opusenc --comment): Vorbis comments kept by gain, the stale R128 gain dropped.
"$TAPEOP" -q convert song.flac -o plain.wav --strip-metadata
opusenc --quiet --comment TITLE=Voice --comment LOCATION="Studio B" --comment R128_TRACK_GAIN=-512 plain.wav voice.opus
expect_exit 0 "$TAPEOP" -q gain voice.opus -o voice-3.opus --db -3
PROBE=$(ffprobe -v error -show_streams -of json voice-3.opus)
[ "$(field "d['streams'][0]['tags']['TITLE']" <<<"$PROBE")" = Voice ] || fail "opus title: $PROBE"; pass
[ "$(field "d['streams'][0]['tags']['LOCATION']" <<<"$PROBE")" = "Studio B" ] || fail "opus custom: $PROBE"; pass
if grep -q R128_TRACK_GAIN <<<"$PROBE"; then fail "stale R128 gain copied: $PROBE"; fi; pass

# Ogg Vorbis (ffmpeg's Vorbis comments): kept by gain, custom fields included; the stale
# ReplayGain and ffmpeg's ENCODER (it names the old encoder) dropped.
ffmpeg -v error -i plain.wav -c:a libvorbis -metadata TITLE=Voice -metadata LOCATION="Studio B" \
  -metadata REPLAYGAIN_TRACK_GAIN="-3.21 dB" -y voice.ogg
expect_exit 0 "$TAPEOP" -q gain voice.ogg -o voice-3.ogg --db -3
PROBE=$(ffprobe -v error -show_streams -of json voice-3.ogg)
[ "$(field "d['streams'][0]['tags']['TITLE']" <<<"$PROBE")" = Voice ] || fail "ogg title: $PROBE"; pass
[ "$(field "d['streams'][0]['tags']['LOCATION']" <<<"$PROBE")" = "Studio B" ] || fail "ogg custom: $PROBE"; pass
if grep -qi "replaygain_track_gain\|Lavc" <<<"$PROBE"; then fail "stale tags in the Ogg: $PROBE"; fi; pass

# FLAC into RF64 and AIFF: an ID3 chunk (TagLib renders it, libsndfile writes it) holds what
# INFO and AIFF's text chunks cannot: ISRC, custom fields, the picture; exiftool reads it.
# Read back, they reach a FLAC again.
for ext in rf64 aiff; do
  expect_exit 0 "$TAPEOP" -q convert song.flac -o song.$ext
  EX=$(exiftool -j -a -G1 song.$ext)
  for kv in ISRC:USABC2600001 Mood:bright Album:Record Title:Song; do
    [ "$(field "d[0].get('ID3v2_4:${kv%%:*}')" <<<"$EX")" = "${kv#*:}" ] || fail "$ext: ID3 ${kv%%:*}: $EX"
  done
  pass
  exiftool -b -Picture song.$ext >pic-$ext.png
  cmp -s pic-$ext.png cover.png || fail "$ext: picture"; pass
  expect_exit 0 "$TAPEOP" -q convert song.$ext -o from-$ext.flac
  TAGS=$(metaflac --export-tags-to=- from-$ext.flac)
  for t in TITLE=Song ALBUM=Record ISRC=USABC2600001 MOOD=bright; do
    grep -qx "$t" <<<"$TAGS" || fail "$ext -> FLAC lost $t: $TAGS"
  done
  pass
  metaflac --export-picture-to=pic-back-$ext.png from-$ext.flac
  cmp -s pic-back-$ext.png cover.png || fail "$ext -> FLAC picture"; pass
done

# ID3v2 frames kept as frames. id3.py writes an ID3v2.3 tag byte by byte into an MP3, a WAV
# ("id3 " chunk) and an AIFF ("ID3 " chunk); each goes through gain. The frames TagLib's
# property map leaves out (PRIV, POPM, GEOB, UFID, USLT in German, COMM with a description),
# TXXX as spelled ("mycustom"), TSRC beside a TXXX ISRC, the text frames and the picture come
# out with the same bodies (in ID3v2.4, as TagLib writes it); the old encoder (TSSE) and the
# stale loudness (RVA2, TXXX REPLAYGAIN_TRACK_GAIN) go; TLEN is the new length in the MP3 and
# left out of the WAV and AIFF chunks (written before the audio). A plain convert (the same
# audio) keeps the loudness frames.
ID3="python3 $TAPEOP_SOURCE_DIR/tests/cli/id3.py"
lame --quiet plain.wav plain.mp3
"$TAPEOP" -q convert plain.wav -o plain.aiff
# frames_kept IN OUT: the kept frames of IN, in OUT with the same bodies; none of the dropped.
frames_kept() {
  python3 - "$($ID3 dump "$1")" "$($ID3 dump "$2")" <<'PY' || fail "$2: ID3 frames: $($ID3 dump "$2")"
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
gone = lambda f: f[0] in ("TSSE", "TLEN", "RVA2") or bytes.fromhex(f[1]).startswith(b"\0REPLAYGAIN")
kept = [f for f in a["frames"] if not gone(f)]
assert len(kept) == 13 and b["version"] == 4, (kept, b)
missing = [f[0] for f in kept if f not in b["frames"]]
extra = [f[0] for f in b["frames"] if gone(f) and f[0] != "TLEN"]
sys.exit(1 if missing or extra else 0)
PY
  pass
}
for ext in mp3 wav aiff; do
  $ID3 put plain.$ext tagged.$ext cover.png
  expect_exit 0 "$TAPEOP" -q gain tagged.$ext -o tagged-3.$ext --db -3
  frames_kept tagged.$ext tagged-3.$ext
  EX=$(exiftool -a -G1 -s tagged-3.$ext)
  for want in "UserDefinedText *: \(mycustom\) value" "UserDefinedText *: \(ISRC\) USXYZ2600009" \
    "ISRC *: USABC2600001" "Popularimeter *: rater@example.com Rating=196 Count=7" \
    "Lyrics-deu *: Ein Lied, ein Text" "Comment *: \(Mixnotes\) Bus A hot" "Composer *: Composer"; do
    grep -Eq "$want" <<<"$EX" || fail "$ext: exiftool does not read '$want': $EX"
  done
  pass
  if grep -Eq "EncoderSettings|RelativeVolumeAdjustment|REPLAYGAIN" <<<"$EX"; then fail "$ext: stale frames: $EX"; fi; pass
  exiftool -b -Picture tagged-3.$ext >pic-id3-$ext.png
  cmp -s pic-id3-$ext.png cover.png || fail "$ext: ID3 picture"; pass
done
TLEN=$($ID3 dump tagged-3.mp3 | field "[bytes.fromhex(f[1])[1:].decode() for f in d['frames'] if f[0] == 'TLEN'][0]")
DUR=$(ffprobe -v error -show_entries format=duration -of csv=p=0 tagged-3.mp3)
near "$TLEN" "$(awk -v d="$DUR" 'BEGIN { print d * 1000 }')" 60 || fail "MP3 TLEN $TLEN ms, length $DUR s"; pass
for ext in wav aiff; do
  [ "$($ID3 dump tagged-3.$ext | field "[f[0] for f in d['frames'] if f[0] == 'TLEN']")" = "[]" ] ||
    fail "$ext: TLEN in the ID3 chunk"; pass
done
# Into FLAC, Ogg and Opus (Vorbis comments): the text frames become comments and the picture a
# FLAC picture; the frames with no comment counterpart are named in one warning, not dropped
# silently. An MP3 with text frames only goes into FLAC without one.
for ext in flac ogg opus; do
  expect_exit 0 "$TAPEOP" convert tagged.mp3 -o id3-into.$ext
  W=$(grep '^tapeop: warning:' <<<"$ERR" || true)
  [ "$(printf '%s\n' "$W" | wc -l)" = 1 ] &&
    grep -q "^tapeop: warning: id3-into\.$ext: the input's ID3 frames PRIV, POPM, GEOB, UFID, RVA2 (no Vorbis comment counterpart) cannot be stored in $ext: written without" <<<"$W" ||
    fail "$ext: ID3 frames not named: $ERR"; pass
done
TAGS=$(metaflac --export-tags-to=- id3-into.flac)
for t in TITLE=Song MYCUSTOM=value ISRC=USABC2600001 "LYRICS=Ein Lied, ein Text"; do
  grep -qx "$t" <<<"$TAGS" || fail "MP3 -> FLAC lost $t: $TAGS"
done
pass
lame --quiet --add-id3v2 --tt Plain --ta Someone plain.wav text-only.mp3
expect_exit 0 "$TAPEOP" convert text-only.mp3 -o text-only.flac
if grep -q warning <<<"$ERR"; then fail "text frames only: $ERR"; fi; pass
expect_exit 0 "$TAPEOP" -q convert tagged.mp3 -o tagged-copy.mp3
[ "$($ID3 dump tagged-copy.mp3 | field "sorted(f[0] for f in d['frames'] if f[0] == 'RVA2' or bytes.fromhex(f[1]).startswith(b'\\0REPLAYGAIN'))")" = "['RVA2', 'TXXX']" ] ||
  fail "convert (same audio) dropped the loudness frames: $($ID3 dump tagged-copy.mp3)"; pass

# master from the BWF: a new loudness, the same time stamp and markers; its CD deliverable
# (48 -> 44.1 kHz) rescales TimeReference and markers like any rate change.
expect_exit 0 "$TAPEOP" -q master take.wav -o take-master.wav --target -16 --deliver cd:take-cd.wav
same_meta take-master.wav
[ "$(cues take-master.wav)" = "48000:Verse 240000:Chorus 1" ] || fail "master cues"; pass
expect_exit 0 "$TAPEOP" --json info take-cd.wav
[ "$(field "d['files'][0]['sample_rate']" <<<"$OUT")" = 44100 ] || fail "cd deliverable: $OUT"; pass
same_meta take-cd.wav 0 44100
[ "$(cues take-cd.wav)" = "44100:Verse 220500:Chorus 1" ] || fail "cd deliverable cues: $(cues take-cd.wav)"; pass

# Stale bext v2 loudness: a take whose bext carries loudness (-23.00 LUFS, 5.00 LU, -1.00 dBTP,
# -18.00, -20.00) keeps it through a plain convert (same audio, 24 -> 16 bits too) and loses
# it (0x7FFF: not given) through gain, which changes the audio.
$BWF make src.wav loud.wav $TR 48000 240000 -2300,500,-100,-1800,-2000
expect_exit 0 "$TAPEOP" -q convert loud.wav -o loud-copy.wav
expect_exit 0 "$TAPEOP" -q convert loud.wav -o loud-16.wav --bits 16
expect_exit 0 "$TAPEOP" -q gain loud.wav -o loud-gain.wav --db -2
for f in loud-copy.wav loud-16.wav; do
  [ "$(dump $f | field "(d['bext']['version'], d['bext']['loudness'])")" = "(2, [-2300, 500, -100, -1800, -2000])" ] ||
    fail "$f: bext loudness of the same audio not kept: $(dump $f)"; pass
done
[ "$(dump loud-gain.wav | field "d['bext']['loudness']")" = "[32767, 32767, 32767, 32767, 32767]" ] ||
  fail "stale bext loudness after gain: $(dump loud-gain.wav)"; pass
same_meta loud-gain.wav # everything else kept

# --strip-metadata: no bext, iXML, INFO, cues or tags at all.
expect_exit 0 "$TAPEOP" -q --strip-metadata gain take.wav -o bare.wav --db -1
[ "$(dump bare.wav | field "d['chunks']")" = "['fmt ', 'data']" ] || fail "strip: $(dump bare.wav)"; pass
expect_exit 0 "$TAPEOP" -q --strip-metadata master song.flac -o bare.flac --target -14
[ "$(metaflac --export-tags-to=- bare.flac)" = "" ] || fail "strip FLAC tags"; pass
[ "$(metaflac --list --block-type=PICTURE bare.flac)" = "" ] || fail "strip FLAC picture"; pass

# What an output's container has no place for is said, not dropped silently: one warning per
# output naming what was left out (the take's bext, markers and chunks into FLAC and MP3, all of
# it into W64 and CAF), none where everything fits or under --strip-metadata.
for ext in flac mp3 w64 caf; do
  expect_exit 0 "$TAPEOP" gain take.wav -o lost.$ext --db -1
  [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] &&
    grep -q "^tapeop: warning: lost\.$ext: the input's bext, 2 markers, iXML, axml, abcd chunks, .* cannot be stored in $ext: written without" <<<"$ERR" ||
    fail "$ext: $ERR"; pass
done
grep -q "tags cannot" <<<"$ERR" || fail "caf: tags not named: $ERR"; pass
# master: each output named as delivered (the MP3 is verified under a temporary name first),
# once, however many render passes it took.
expect_exit 0 "$TAPEOP" master take.wav -o lost-master.flac --target -14 --deliver apple-podcasts:lost-master.mp3
[ "$(printf '%s\n' "$ERR" | grep -c '^tapeop: warning: lost-master\.flac: ')" = 1 ] &&
  [ "$(printf '%s\n' "$ERR" | grep -c '^tapeop: warning: lost-master\.mp3: ')" = 1 ] &&
  [ "$(printf '%s\n' "$ERR" | wc -l)" = 2 ] || fail "master warnings: $ERR"; pass
expect_exit 0 "$TAPEOP" gain take.wav -o kept.wav --db -1
[ -z "$ERR" ] || fail "WAV output warned: $ERR"; pass
expect_exit 0 "$TAPEOP" --strip-metadata gain take.wav -o bare.caf --db -1
[ -z "$ERR" ] || fail "--strip-metadata warned: $ERR"; pass

# Recipes: master-streaming keeps the FLAC's tags; the manifest's hash is of the tagged file and
# a second run skips the job.
mkdir rec
expect_exit 0 "$TAPEOP" -q run master-streaming song.flac -o rec
TAGS=$(metaflac --export-tags-to=- rec/song-master.flac)
grep -qx ISRC=USABC2600001 <<<"$TAGS" || fail "recipe lost ISRC: $TAGS"; pass
if grep -q REPLAYGAIN <<<"$TAGS"; then fail "recipe copied stale ReplayGain"; fi; pass
expect_exit 0 "$TAPEOP" -q run master-streaming take.wav -o rec2
grep -qx "TITLE=Take three" <<<"$(metaflac --export-tags-to=- rec2/take-master.flac)" ||
  fail "recipe WAV INFO -> FLAC TITLE"; pass
# The manifest describes the outputs as written, tags included: size and hash of the final file.
field "[(o['path'], o['size_bytes']) for j in d['jobs'] for o in j['outputs']]" <rec/tapeop-manifest.json >sizes.txt
grep -q "song-master.flac', $(stat -c %s rec/song-master.flac))" sizes.txt || fail "manifest size: $(cat sizes.txt)"; pass
# ... and every output's xxh3 is the hash of the file as it lies there, tags included (XXH3-64
# by libxxhash, the library tapeop hashes with, called from Python).
python3 - rec/tapeop-manifest.json <<'PY' || fail "manifest xxh3 is not the hash of the tagged file"
import ctypes, json, os, sys
lib = ctypes.CDLL("libxxhash.so.0")
lib.XXH3_64bits.restype = ctypes.c_uint64
lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
assert "%016x" % lib.XXH3_64bits(b"abc", 3) == "78af5f94892f3950"  # the reference value
m = json.load(open(sys.argv[1]))
outs = [o for j in m["jobs"] for o in j["outputs"]]
assert outs
for o in outs:
    path = o["path"] if os.path.isabs(o["path"]) else os.path.join(os.path.dirname(sys.argv[1]), o["path"])
    if not os.path.exists(path):
        path = o["path"]
    data = open(path, "rb").read()
    got = "%016x" % lib.XXH3_64bits(data, len(data))
    print(o["path"], got, o["xxh3"])
    assert got == o["xxh3"], (o, got)
PY
pass
expect_exit 0 "$TAPEOP" --json run master-streaming song.flac -o rec
[ "$(field "[j['status'] for j in d['jobs']]" <<<"$OUT")" = "['up-to-date']" ] || fail "rerun did not skip: $OUT"; pass

# The full-session example: the first stem's metadata reaches both deliverables through the
# recipe's intermediates (mix at 48 kHz, the CD master rescaled to 44.1 kHz).
DURATION=4 TAPEOP="$TAPEOP" bash "$TAPEOP_SOURCE_DIR/examples/full-session/make-stems.sh" stems >/dev/null
"$TAPEOP" -q generate music -o drums.wav --duration 4 --rate 48000 --level -24 --seed 11 --bits 24
$BWF make drums.wav stems/drums.wav $TR 48000 144000
expect_exit 0 "$TAPEOP" -q run "$TAPEOP_SOURCE_DIR/examples/full-session/session.recipe" -o sess --set stems="$WORK/stems"
same_meta sess/session-cd.wav 0 44100
[ "$(cues sess/session-cd.wav)" = "44100:Verse 132300:Chorus 1" ] || fail "session cues: $(cues sess/session-cd.wav)"; pass
grep -qx "TITLE=Take three" <<<"$(metaflac --export-tags-to=- sess/session-master.flac)" || fail "session FLAC"; pass

finish
