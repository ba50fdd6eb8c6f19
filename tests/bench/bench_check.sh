#!/usr/bin/env bash
# QC speed: `tapeop check` (one pass: loudness, true peak, levels and every detector) against
# `tapeop analyze` (the meters alone) on the same generated 10-minute 48 kHz 24-bit stereo
# file. The goal: check time <= 1.5 x analyze time.
source "$(dirname "$0")/lib.sh"
f="$BENCH_DIR/bench-10min.wav"
[ -f "$f" ] || "$TAPEOP" -q generate music -o "$f" --duration 600 --rate 48000 --channels 2 --bits 24
dur=600

echo "== check vs analyze, 10 min 48 kHz 24-bit stereo, one job (median of $BENCH_REPS)"
t_an=$(median_time "$TAPEOP" -q -j 1 analyze "$f")
# check exits 1 when the file fails the spec; time it regardless.
t_ebu=$(median_time bash -c '"$0" -q -j 1 check "$1" --spec ebu-r128 || [ $? = 1 ]' "$TAPEOP" "$f")
t_stem=$(median_time bash -c '"$0" -q -j 1 check "$1" --spec stem || [ $? = 1 ]' "$TAPEOP" "$f")
row "tapeop analyze" "$t_an" "$(xrt $dur "$t_an")"
row "check --spec ebu-r128 (meters + detectors)" "$t_ebu" "$(xrt $dur "$t_ebu")"
row "check --spec stem (levels + detectors)" "$t_stem" "$(xrt $dur "$t_stem")"
echo "  ratio: check (ebu-r128) takes $(ratio "$t_ebu" "$t_an")x the time of analyze (goal <= 1.50)"
