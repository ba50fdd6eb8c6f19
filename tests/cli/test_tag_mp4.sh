#!/usr/bin/env bash
# tapeop tag on MP4/M4A (AAC and ALAC): ReplayGain 2.0 as iTunes freeform atoms
# (----:com.apple.iTunes:REPLAYGAIN_*), track and album gains within 0.05 dB of loudgain on
# copies of the same files (read back by ffprobe and exiftool), the decoded samples identical
# before and after, the other tags and the cover kept, a stale lower-case atom replaced, a
# second run byte-identical, --dry-run writing nothing, ADTS refused.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
need_tools loudgain ffmpeg ffprobe exiftool python3
FREEFORM="$TAPEOP_SOURCE_DIR/tests/cli/mp4_freeform.py"

# tagval FILE KEY: the value as ffprobe reads it ("" if absent).
tagval() {
  ffprobe -v error -show_entries format_tags -of default=nw=1 "$1" |
    awk -F= -v k="TAG:$2" 'toupper($1) == k { print $2; exit }'
}
num() { awk '{ print $1 }' <<<"$1"; }
pcm_md5() { ffmpeg -nostdin -v error -i "$1" -map 0:a:0 -f s32le - | md5sum | awk '{ print $1 }'; }
bytes_md5() { md5sum "$1" | awk '{ print $1 }'; }
peak_near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = 20 * log(a / b) / log(10); if (d < 0) d = -d; exit !(d <= t) }'; }

"$T" -q generate music -o a.wav --duration 12 --level -20 --rate 44100
"$T" -q generate music -o b.wav --duration 8 --level -12 --rate 44100 --seed 7
ffmpeg -nostdin -v error -f lavfi -i "color=blue:s=16x16" -frames:v 1 cover.png
for s in a b; do
  ffmpeg -nostdin -v error -i $s.wav -i cover.png -map 0 -map 1 -c:a aac -b:a 256k -c:v copy \
    -disposition:v attached_pic -metadata title="Song $s" -metadata artist=Someone $s.aac.m4a
  ffmpeg -nostdin -v error -i $s.wav -c:a alac -metadata title="Song $s" $s.alac.m4a
done
python3 "$FREEFORM" a.aac.m4a MY_FIELD kept

for codec in aac alac; do
  for s in a b; do cp $s.$codec.m4a t_$s.$codec.m4a; cp $s.$codec.m4a l_$s.$codec.m4a; done
  h_a=$(pcm_md5 t_a.$codec.m4a); h_b=$(pcm_md5 t_b.$codec.m4a)
  expect_exit 0 "$T" --json tag --album t_a.$codec.m4a t_b.$codec.m4a
  grep -q '"scheme": "replaygain"' <<<"$OUT" && grep -q '"written": true' <<<"$OUT" || fail "$codec json: $OUT"; pass
  loudgain -q -a -s e l_a.$codec.m4a l_b.$codec.m4a >/dev/null 2>&1 || fail "loudgain failed on $codec m4a"
  for s in a b; do
    EX=$(exiftool -a -s t_$s.$codec.m4a)
    grep -q "^REPLAYGAIN_TRACK_GAIN *: " <<<"$EX" || fail "$codec: no upper-case freeform atom: $EX"; pass
    for key in TRACK ALBUM; do
      ours=$(tagval t_$s.$codec.m4a REPLAYGAIN_${key}_GAIN); theirs=$(tagval l_$s.$codec.m4a REPLAYGAIN_${key}_GAIN)
      [ -n "$ours" ] && [ -n "$theirs" ] || fail "$codec $s: missing $key gain (tapeop '$ours', loudgain '$theirs')"
      grep -Eq '^-?[0-9]+\.[0-9]{2} dB$' <<<"$ours" || fail "$codec: gain '$ours' not in '%.2f dB' form"; pass
      near "$(num "$ours")" "$(num "$theirs")" 0.05 || fail "$codec $s $key gain: tapeop $ours, loudgain $theirs"; pass
      pk=$(tagval t_$s.$codec.m4a REPLAYGAIN_${key}_PEAK); lpk=$(tagval l_$s.$codec.m4a REPLAYGAIN_${key}_PEAK)
      grep -Eq '^[0-9]+\.[0-9]{6}$' <<<"$pk" || fail "$codec: peak '$pk' not in '%.6f' form"; pass
      # Both are libebur128-style 4x true peaks; on these files they agree within 0.1 dB
      # (as on FLAC/MP3 in test_tag.sh).
      peak_near "$pk" "$lpk" 0.1 || fail "$codec $s $key peak: tapeop $pk, loudgain $lpk"; pass
      echo "m4a $codec $s $key: gain tapeop $ours loudgain $theirs, peak tapeop $pk loudgain $lpk"
    done
  done
  [ "$(pcm_md5 t_a.$codec.m4a)" = "$h_a" ] && [ "$(pcm_md5 t_b.$codec.m4a)" = "$h_b" ] ||
    fail "$codec: the decoded samples changed"; pass
  m_a=$(bytes_md5 t_a.$codec.m4a); m_b=$(bytes_md5 t_b.$codec.m4a)
  expect_exit 0 "$T" --json tag --album t_a.$codec.m4a t_b.$codec.m4a
  [ "$(bytes_md5 t_a.$codec.m4a)" = "$m_a" ] && [ "$(bytes_md5 t_b.$codec.m4a)" = "$m_b" ] ||
    fail "$codec: second run changed the files"; pass
  grep -q '"changed": true' <<<"$OUT" && fail "$codec: second run reports a change"; pass
  no_temporaries .
done
# Index before the audio (+faststart): TagLib moves the audio's offsets as the tag grows; the
# samples still decode the same.
for codec in aac alac; do
  ffmpeg -nostdin -v error -i b.wav -c:a $codec -movflags +faststart fast.$codec.m4a
  h=$(pcm_md5 fast.$codec.m4a)
  expect_exit 0 "$T" tag fast.$codec.m4a
  [ -n "$(tagval fast.$codec.m4a REPLAYGAIN_TRACK_GAIN)" ] || fail "faststart $codec: no gain"; pass
  [ "$(pcm_md5 fast.$codec.m4a)" = "$h" ] || fail "faststart $codec: the decoded samples changed"; pass
done

# The other tags and the cover are kept.
EX=$(exiftool -a -s t_a.aac.m4a)
grep -q "^Title *: Song a" <<<"$EX" && grep -q "^Artist *: Someone" <<<"$EX" &&
  grep -q "^MY_FIELD *: kept" <<<"$EX" && grep -q "^CoverArt *: (Binary data" <<<"$EX" || fail "tags lost: $EX"; pass

# A stale lower-case atom (as foobar2000 writes) is replaced, not kept beside the new one.
cp b.aac.m4a stale.m4a
python3 "$FREEFORM" stale.m4a replaygain_track_gain "+9.99 dB"
expect_exit 0 "$T" --json tag stale.m4a
grep -q '"REPLAYGAIN_TRACK_GAIN": "+9.99 dB"' <<<"$OUT" || fail "previous value not reported: $OUT"; pass
[ "$(exiftool -a -s stale.m4a | grep -ci '^replaygain_track_gain')" = 1 ] || fail "stale atom kept: $(exiftool -a -s stale.m4a)"; pass
[ -z "$(tagval stale.m4a REPLAYGAIN_ALBUM_GAIN)" ] || fail "album gain without --album"; pass

# --dry-run writes nothing.
cp b.alac.m4a dry.m4a; m=$(bytes_md5 dry.m4a)
expect_exit 0 "$T" --json tag --dry-run dry.m4a
[ "$(bytes_md5 dry.m4a)" = "$m" ] || fail "--dry-run wrote the file"; pass
grep -q '"written": false' <<<"$OUT" && grep -q '"changed": true' <<<"$OUT" || fail "dry run JSON: $OUT"; pass

# ADTS AAC has no tag container: refused, one line, exit 2, untouched.
ffmpeg -nostdin -v error -i b.wav -c:a aac -f adts b.aac
m=$(bytes_md5 b.aac)
expect_exit 2 "$T" tag b.aac
expect_one_line_error "b.aac.*no loudness tag"
[ "$(bytes_md5 b.aac)" = "$m" ] || fail "ADTS file changed"; pass
no_temporaries .
finish
