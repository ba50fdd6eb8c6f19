#!/usr/bin/env bash
# Channel layouts from the file (WAVE_FORMAT_EXTENSIBLE masks written by ffmpeg) weight the
# loudness as ITU-R BS.1770-5 does by position: LFE excluded, surrounds 1.41, others 1.0;
# --layout / --channel-weights override; outputs keep the mask (checked with ffprobe and
# mediainfo); more than six channels without a mask measure at 1.0 with a warning.
# Expected values by hand: a 1 kHz sine of amplitude 0.1 in one front channel reads
# 20*log10(0.1) - 3.01 = -23.01 LUFS (K-weighting is ~0 dB at 1 kHz); in a surround
# position 10*log10(1.41) = +1.49 dB more: -21.52 LUFS. Tolerance 0.1 LU (the issue's bar).
source "$(dirname "$0")/lib.sh"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg missing"; finish; exit 0; }

tone="0.1*sin(2*PI*1000*t)"
lfe="0.9*sin(2*PI*50*t)"
make() { # make LAYOUT EXPRS OUT
  ffmpeg -v error -y -f lavfi -i "aevalsrc=$2:s=48000:d=6:c=$1" -c:a pcm_s24le "$3"
}
reads() { "$TAPEOP" --json analyze "$1" | json_num integrated_lufs; }
reads_as() { "$TAPEOP" --json --layout "$1" analyze "$2" | json_num integrated_lufs; }

# A loud LFE is excluded: 2.1 and 7.1 read the front tone alone.
make 2.1 "$tone|0|$lfe" t21.wav
near "$(reads t21.wav)" -23.01 0.1 || fail "2.1 with a loud LFE reads $(reads t21.wav), want -23.01"; pass
make 7.1 "$tone|0|0|$lfe|0|0|0|0" t71.wav
near "$(reads t71.wav)" -23.01 0.1 || fail "7.1 with a loud LFE reads $(reads t71.wav), want -23.01"; pass
# Surrounds weigh 1.41 whether the mask puts them at BL/BR (5.1) or SL/SR (5.1(side)).
make 5.1 "0|0|0|0|$tone|0" back.wav
make "5.1(side)" "0|0|0|0|$tone|0" side.wav
near "$(reads back.wav)" -21.52 0.1 || fail "5.1 surround at BL reads $(reads back.wav), want -21.52"; pass
near "$(reads side.wav)" -21.52 0.1 || fail "5.1 surround at SL reads $(reads side.wav), want -21.52"; pass
# Quad: its back pair are the surrounds.
make quad "0|0|$tone|0" quad.wav
near "$(reads quad.wav)" -21.52 0.1 || fail "quad back-left reads $(reads quad.wav), want -21.52"; pass
# 7.1: the side pair are the surrounds (1.41), the back pair at 135-150 degrees weigh 1.0.
make 7.1 "0|0|0|0|0|0|$tone|0" t71s.wav
near "$(reads t71s.wav)" -21.52 0.1 || fail "7.1 side-left reads $(reads t71s.wav), want -21.52"; pass
make 7.1 "0|0|0|0|$tone|0|0|0" t71b.wav
near "$(reads t71b.wav)" -23.01 0.1 || fail "7.1 back-left reads $(reads t71b.wav), want -23.01"; pass

# pyget FILE.json EXPR: a value of the JSON document `j` (python3, as validate_json.py uses).
pyget() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
# layout_of FILE: the channel layout ffprobe reads from FILE.
layout_of() { ffprobe -v error -show_entries stream=channel_layout -of csv=p=0 "$1"; }

# CAF and AIFF carry a CoreAudio channel layout (ffmpeg writes a layout tag: MPEG_7_1_C for
# 7.1, L R C LFE Ls Rs Rls Rrs; MPEG_5_1_A for 5.1 and 5.1(side), L R C LFE Ls Rs; DVD_4 for
# 2.1). libsndfile knew no 8-channel tag (a 7.1 CAF with a loud LFE read -8.40 LUFS, weights
# 1.0 with a warning), read Ls/Rs as the back pair and reported nothing for AIFF.
for ext in caf aiff; do
  codec=pcm_s24le; [ $ext = aiff ] && codec=pcm_s24be
  ffmpeg -v error -y -f lavfi -i "aevalsrc=$tone|0|0|$lfe|0|0|0|0:s=48000:d=6:c=7.1" -c:a $codec t71.$ext
  expect_exit 0 "$TAPEOP" --json analyze t71.$ext
  near "$(json_num integrated_lufs <<<"$OUT")" -23.01 0.1 || fail "7.1 $ext with a loud LFE reads: $OUT"; pass
  [ -z "$ERR" ] || fail "7.1 $ext: a warning although the file names its layout: $ERR"; pass
  [ "$(pyget <(printf '%s' "$OUT") '" ".join(j["files"][0]["layout"]["channels"]), j["files"][0]["layout"]["source"]')" = "FL FR FC LFE SL SR BL BR file" ] ||
    fail "7.1 $ext positions (MPEG_7_1_C: L R C LFE Ls Rs Rls Rrs): $OUT"; pass
  make 2.1 "$tone|0|$lfe" t21x.wav
  ffmpeg -v error -y -i t21x.wav -c:a $codec t21.$ext
  near "$(reads t21.$ext)" -23.01 0.1 || fail "2.1 $ext with a loud LFE reads $(reads t21.$ext), want -23.01"; pass
  # A surround tone reads 1.41 (+1.49 dB) in both 5.1 layouts; a WAV made from the
  # 5.1(side) file declares the side pair (mask 0x60F), not the back pair (0x3F).
  for l in 5.1 "5.1(side)"; do
    make "$l" "0|0|0|0|$tone|0" s.wav
    ffmpeg -v error -y -i s.wav -c:a $codec "s.$ext"
    near "$(reads "s.$ext")" -21.52 0.1 || fail "$l $ext surround reads $(reads "s.$ext"), want -21.52"; pass
  done
  "$TAPEOP" -q convert "s.$ext" -o side-from-$ext.wav
  [ "$(layout_of side-from-$ext.wav)" = "5.1(side)" ] || fail "5.1(side) $ext into WAV: $(layout_of side-from-$ext.wav)"; pass
done

# An AIFF output declares its layout in a CHAN chunk: the WAVE mask's bitmap when the order is
# the mask's (FFmpeg and tapeop read it back), channel by channel otherwise (the 7.1 CAF's
# L R C LFE Ls Rs Rls Rrs: tapeop reads it back, FFmpeg 5.1 knows no Rls/Rrs label).
make "5.1(side)" "0|0|0|0|$tone|0" side51.wav
"$TAPEOP" -q convert side51.wav -o side51.aiff
[ "$(layout_of side51.aiff)" = "5.1(side)" ] || fail "5.1(side) into AIFF: $(layout_of side51.aiff)"; pass
near "$(reads side51.aiff)" -21.52 0.1 || fail "5.1(side) AIFF surround reads $(reads side51.aiff)"; pass
"$TAPEOP" -q convert t71.caf -o caf71.aiff
expect_exit 0 "$TAPEOP" --json analyze caf71.aiff
[ "$(pyget <(printf '%s' "$OUT") '" ".join(j["files"][0]["layout"]["channels"]), j["files"][0]["layout"]["source"]')" = "FL FR FC LFE SL SR BL BR file" ] ||
  fail "7.1 CAF into AIFF: $OUT"; pass
# Where the output cannot declare it (CAF, W64 have no layout libsndfile writes; WAV's mask has
# no place for the side pair before the back pair), one warning says so; the audio is the same.
for out in side51.caf side51.w64 caf71.wav; do
  src=side51.wav; [ $out = caf71.wav ] && src=t71.caf
  expect_exit 0 "$TAPEOP" convert $src -o $out
  W=$(grep '^tapeop: warning:' <<<"$ERR" | grep 'channel layout' || true)
  [ "$(printf '%s\n' "$W" | wc -l)" = 1 ] &&
    grep -Eq "^tapeop: warning: $out: the input's channel layout (5\.1\(side\) \(FL FR FC LFE SL SR\)|7\.1 \(FL FR FC LFE SL SR BL BR\)) cannot be declared in (caf|w64|wav in this channel order): written without" <<<"$W" ||
    fail "$out: layout loss not said: $ERR"; pass
done
# A recipe's WAV intermediate of that CAF keeps its layout within the job: the loudness step
# weighs the LFE 0 (read as 1.0, the loud LFE made it land 14.6 LU low), and the output, which
# cannot declare the order either, reads -26 when its layout is named.
printf 'convert rate=44100\nloudness target=-26\noutput {name}-r.wav\n' >r71.recipe
expect_exit 0 "$TAPEOP" run r71.recipe t71.caf -o r71
grep -q "r71/t71-r.wav: the input's channel layout 7.1 .* cannot be declared in wav" <<<"$ERR" ||
  fail "recipe output: layout loss not said: $ERR"; pass
if grep -q "tapeop-work" <<<"$ERR"; then fail "a warning names an intermediate: $ERR"; fi; pass
near "$(reads_as "FL+FR+FC+LFE+SL+SR+BL+BR" r71/t71-r.wav)" -26 0.1 ||
  fail "recipe through an intermediate: $(reads_as "FL+FR+FC+LFE+SL+SR+BL+BR" r71/t71-r.wav)"; pass
# Nothing is said where the output's default order is the input's (5.1(side) is FLAC's).
expect_exit 0 "$TAPEOP" convert side51.wav -o side51.flac
if grep -q 'channel layout' <<<"$ERR"; then fail "FLAC 5.1(side): $ERR"; fi; pass

# EBU Tech 3341 case 6: 5.0, L R C Ls Rs at -28 -28 -24 -30 -30 dBFS: -23.0 LUFS, with the
# surrounds at BL/BR (5.0) and at SL/SR (5.0(side)).
case6="0.0398107*sin(2*PI*1000*t)|0.0398107*sin(2*PI*1000*t)|0.0630957*sin(2*PI*1000*t)"
case6="$case6|0.0316228*sin(2*PI*1000*t)|0.0316228*sin(2*PI*1000*t)"
for l in 5.0 "5.0(side)"; do
  ffmpeg -v error -y -f lavfi -i "aevalsrc=$case6:s=48000:d=20:c=$l" -c:a pcm_s24le case6.wav
  near "$(reads case6.wav)" -23.0 0.1 || fail "Tech 3341 case 6 ($l) reads $(reads case6.wav), want -23.0"; pass
done
# 7.1.4 (ffmpeg 5.1 has no name for it): every channel at -30 dBFS, sum of weights 11.82:
# 10*log10(11.82 * 0.001 / 2) = -22.28 LUFS.
l714="FL+FR+FC+LFE+BL+BR+SL+SR+TFL+TFR+TBL+TBR"
s30="0.0316228*sin(2*PI*1000*t)"
ffmpeg -v error -y -f lavfi -i "aevalsrc=$(printf "$s30|%.0s" {1..11})$s30:s=48000:d=6:c=$l714" -c:a pcm_s24le t714.wav
"$TAPEOP" --json analyze t714.wav >a714.json
[ "$(pyget a714.json 'j["files"][0]["layout"]["name"]')" = 7.1.4 ] || fail "7.1.4 not recognised: $(cat a714.json)"; pass
near "$(reads t714.wav)" -22.28 0.1 || fail "7.1.4 reads $(reads t714.wav), want -22.28"; pass

# analyze --json reports the layout it used: name, positions, source, weights.
"$TAPEOP" --json analyze t71.wav >a71.json
[ "$(pyget a71.json '" ".join(j["files"][0]["layout"]["channels"])')" = "FL FR FC LFE BL BR SL SR" ] || fail "7.1 positions: $(cat a71.json)"; pass
[ "$(pyget a71.json 'j["files"][0]["layout"]["source"]')" = file ] || fail "7.1 source not file"; pass
[ "$(pyget a71.json '",".join("%g" % w for w in j["files"][0]["layout"]["weights"])')" = "1,1,1,0,1,1,1.41,1.41" ] || fail "7.1 weights: $(cat a71.json)"; pass

# A 5.1 reading agrees with ffmpeg's ebur128 filter (which weights 5.1 the same way), on
# tones of different levels and frequencies in every channel, the LFE loud.
six="0.3*sin(2*PI*440*t)|0.2*sin(2*PI*660*t)|0.25*sin(2*PI*1500*t)|0.9*sin(2*PI*40*t)"
six="$six|0.1*sin(2*PI*3000*t)*(1+sin(2*PI*0.5*t))|0.15*sin(2*PI*220*t)"
ffmpeg -v error -y -f lavfi -i "aevalsrc=$six:s=48000:d=12:c=5.1" -c:a pcm_s24le s51.wav
ff=$(ffmpeg -nostats -i s51.wav -af ebur128 -f null - 2>&1 | grep -A1 'Integrated loudness' | sed -n 's/ *I: *\(-[0-9.]*\) LUFS/\1/p')
near "$(reads s51.wav)" "$ff" 0.1 || fail "5.1 reads $(reads s51.wav), ffmpeg ebur128 $ff"; pass

# Outputs keep the mask: gain, convert (same channel count) and master, to WAV, RF64 and
# FLAC (FLAC: the WAVEFORMATEXTENSIBLE_CHANNEL_MASK comment where its own order differs).
"$TAPEOP" -q gain t71.wav -o g71.wav --db -1
[ "$(layout_of g71.wav)" = 7.1 ] || fail "gain output layout: $(layout_of g71.wav)"; pass
mi=$(mediainfo --Inform="Audio;%ChannelLayout%" g71.wav)
[ "$mi" = "L R C LFE Lb Rb Ls Rs" ] || fail "mediainfo reads the gain output as '$mi'"; pass
"$TAPEOP" -q convert back.wav -o c51.flac --bits 16
[ "$(layout_of c51.flac)" = 5.1 ] || fail "convert to FLAC layout: $(layout_of c51.flac)"; pass
[ "$(metaflac --show-tag=WAVEFORMATEXTENSIBLE_CHANNEL_MASK c51.flac)" = "WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x3F" ] || fail "FLAC mask comment missing"; pass
"$TAPEOP" -q convert side.wav -o c51s.flac
[ "$(metaflac --show-tag=WAVEFORMATEXTENSIBLE_CHANNEL_MASK c51s.flac)" = "" ] || fail "FLAC's own 5.1(side) order got a mask comment"; pass
[ "$(layout_of c51s.flac)" = "5.1(side)" ] || fail "FLAC 5.1(side): $(layout_of c51s.flac)"; pass
"$TAPEOP" -q convert c51.flac -o back2.wav
[ "$(layout_of back2.wav)" = 5.1 ] || fail "FLAC -> WAV layout: $(layout_of back2.wav)"; pass
"$TAPEOP" -q convert t21.wav -o c21.rf64
[ "$(layout_of c21.rf64)" = 2.1 ] || fail "RF64 output layout: $(layout_of c21.rf64)"; pass
# (a quieter LFE than t71's, so that +3 dB of gain stays under the ceiling)
make 7.1 "$tone|0|0|0.3*sin(2*PI*50*t)|0|0|0|0" q71.wav
"$TAPEOP" -q master q71.wav -o m71.wav --target -20
[ "$(layout_of m71.wav)" = 7.1 ] || fail "master output layout: $(layout_of m71.wav)"; pass
near "$(reads m71.wav)" -20 0.1 || fail "master of 7.1 reads $(reads m71.wav), want -20"; pass
# A fold-down to stereo has no 7.1 mask to keep.
"$TAPEOP" -q convert t71.wav -o down.wav --channels 2
"$TAPEOP" --json analyze down.wav >down.json
[ "$(pyget down.json 'j["files"][0]["layout"]["name"]')" = stereo ] || fail "fold-down layout: $(cat down.json)"; pass

# Every measuring command uses the weights: normalize and gainstage of the 7.1 with a loud LFE
# gain by what the front channel reads (-23.01 LUFS -> -20: +3.01 dB; FL peak -20 -> -16.99).
"$TAPEOP" --json normalize q71.wav -o n71.wav --lufs -20 >n71.json
"$TAPEOP" --json analyze n71.wav >an71.json
near "$(pyget an71.json 'j["files"][0]["channels_detail"][0]["sample_peak_dbfs"]')" -16.99 0.05 || fail "normalize of 7.1 gained wrongly: $(cat n71.json)"; pass
"$TAPEOP" -q gainstage q71.wav -o staged --target lufs:-20
near "$(reads staged/q71.wav)" -20 0.1 || fail "gainstage of 7.1 reads $(reads staged/q71.wav), want -20"; pass
"$TAPEOP" --json check t21.wav --spec ebu-r128 >c21.json || true
# check: the 2.1 at -23.01 LUFS meets EBU R128's -23 +-0.5; counting the LFE would not.
[ "$(pyget c21.json '[f["check"] for f in j["files"][0]["findings"] if f["check"]=="loudness"]')" = "[]" ] || fail "check of 2.1 counts the LFE: $(cat c21.json)"; pass
"$TAPEOP" --json --channel-weights 1,1,1 check t21.wav --spec ebu-r128 >c21w.json || true
ones21=$("$TAPEOP" --json --channel-weights 1,1,1 analyze t21.wav | json_num integrated_lufs)
near "$(pyget c21w.json '[f["value"] for f in j["files"][0]["findings"] if f["check"]=="loudness"][0]')" "$ones21" 0.01 || fail "check ignores --channel-weights: $(cat c21w.json)"; pass

# Without a mask (sox writes none): 8 channels measure at 1.0 each, with a warning on stderr,
# once per file, naming the file; --layout / --channel-weights name what the file does not.
sox t71.wav -t wavpcm plain8.wav # WAVE_FORMAT_PCM: no mask
expect_exit 0 "$TAPEOP" --json analyze plain8.wav
ones=$("$TAPEOP" --json --channel-weights 1,1,1,1,1,1,1,1 analyze t71.wav | json_num integrated_lufs)
near "$(json_num integrated_lufs <<<"$OUT")" "$ones" 0.001 || fail "unmasked 8 channels should weigh 1.0 each ($ones): $OUT"; pass
warns=$(grep -c "warning: plain8.wav: 8 channels without a channel layout" <<<"$ERR" || true)
[ "$warns" = 1 ] || fail "want one warning naming the file, got: $ERR"; pass
grep -q '"warnings": \[$' <<<"$OUT" || fail "analyze --json: no warnings array with an entry: $OUT"; pass
[ "$(pyget <(printf '%s' "$OUT") 'j["files"][0]["layout"]["source"]')" = default ] || fail "source not default"; pass
# Two passes over the file (normalize measures, then renders): still one warning.
expect_exit 0 "$TAPEOP" normalize plain8.wav -o n8.wav --lufs -20
[ "$(grep -c "warning: plain8.wav" <<<"$ERR" || true)" = 1 ] || fail "normalize warned more than once: $ERR"; pass
expect_exit 0 "$TAPEOP" -q analyze plain8.wav
[ -z "$ERR" ] || fail "--quiet printed: $ERR"; pass
# --layout names it: the LFE is out again, no warning, source "option".
expect_exit 0 "$TAPEOP" --json --layout 7.1 analyze plain8.wav
near "$(json_num integrated_lufs <<<"$OUT")" -23.01 0.1 || fail "--layout 7.1: $OUT"; pass
[ -z "$ERR" ] || fail "--layout still warns: $ERR"; pass
[ "$(pyget <(printf '%s' "$OUT") 'j["files"][0]["layout"]["source"]')" = option ] || fail "source not option"; pass
# --channel-weights: the LFE at 0 and FL at 2 (+3.01 dB): -20.0 LUFS.
expect_exit 0 "$TAPEOP" --json --channel-weights 2,1,1,0,1,1,1,1 analyze plain8.wav
near "$(json_num integrated_lufs <<<"$OUT")" -20.0 0.1 || fail "--channel-weights: $OUT"; pass
# It also applies to measuring commands: normalize with --layout gains like the 7.1 above.
sox q71.wav -t wavpcm plain8q.wav
"$TAPEOP" -q --layout 7.1 normalize plain8q.wav -o n8l.wav --lufs -20
"$TAPEOP" --json analyze n8l.wav >an8l.json
near "$(pyget an8l.json 'j["files"][0]["channels_detail"][0]["sample_peak_dbfs"]')" -16.99 0.05 || fail "normalize --layout 7.1 gained wrongly"; pass
# ...and the output declares the layout it was told.
[ "$(layout_of n8l.wav)" = 7.1 ] || fail "--layout output layout: $(layout_of n8l.wav)"; pass
# A count that does not match the file: one line naming the file and both counts, exit 2.
expect_exit 2 "$TAPEOP" --layout 5.1 analyze plain8.wav
expect_one_line_error 'plain8.wav.*--layout 5.1 has 6 channels, the file has 8'
expect_exit 2 "$TAPEOP" --channel-weights 1,1 analyze t21.wav
expect_one_line_error 't21.wav.*--channel-weights gives 2 weights, the file has 3 channels'
# A bad name or weight: usage error, exit 2, nothing done.
expect_exit 2 "$TAPEOP" --layout 9.9 analyze t21.wav
expect_one_line_error '--layout: unknown layout .9\.9. \(known: mono stereo 2\.1'
expect_exit 2 "$TAPEOP" --channel-weights 1,one,1 analyze t21.wav
expect_one_line_error "--channel-weights: 'one' is not a weight"
# A fold-down of an overridden file: the stereo intermediate and output, read back for the
# loudness step's verification, do not trip over --layout (it describes the inputs).
printf 'convert channels=stereo\nloudness target=-20\noutput {name}-st.wav\n' >fold.recipe
expect_exit 0 "$TAPEOP" --layout 7.1 run fold.recipe plain8q.wav -o folded
[ "$(layout_of folded/plain8q-st.wav)" != 7.1 ] || fail "fold-down: $(layout_of folded/plain8q-st.wav)"; pass
near "$(reads folded/plain8q-st.wav)" -20 0.1 || fail "fold-down reads $(reads folded/plain8q-st.wav)"; pass
finish
