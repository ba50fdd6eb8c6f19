#!/usr/bin/env bash
# Channel layouts from the file (WAVE_FORMAT_EXTENSIBLE masks written by ffmpeg) weight the
# loudness as ITU-R BS.1770-5 does by position: LFE excluded, surrounds 1.41, others 1.0.
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
finish
