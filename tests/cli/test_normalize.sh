#!/usr/bin/env bash
# tapeop gain / normalize end to end: targets reached, album keeps level differences, ceiling,
# batch with a failing input (exit 1), usage errors (exit 2).
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate music -o a.wav --duration 4 --seed 1 --level -20
"$TAPEOP" -q generate music -o b.wav --duration 4 --seed 2 --level -28
mkdir out album lim

expect_exit 0 "$TAPEOP" gain a.wav -o g.wav --db -6
expect_exit 0 "$TAPEOP" --json analyze a.wav; pa=$(printf '%s' "$OUT" | json_num sample_peak_dbfs)
expect_exit 0 "$TAPEOP" --json analyze g.wav; pg=$(printf '%s' "$OUT" | json_num sample_peak_dbfs)
near "$(awk -v a="$pa" -v b="$pg" 'BEGIN{print a-b}')" 6 0.001 || fail "gain -6 dB gave $pa -> $pg"; pass

expect_exit 0 "$TAPEOP" -q normalize a.wav b.wav -o out --peak -1
for f in out/a.wav out/b.wav; do
  expect_exit 0 "$TAPEOP" --json analyze "$f"
  near "$(printf '%s' "$OUT" | json_num sample_peak_dbfs)" -1 0.001 || fail "$f peak"; pass
done
# The worker threads change nothing: the same bytes with --no-pipeline.
expect_exit 0 "$TAPEOP" -q --no-pipeline normalize a.wav -o np.wav --peak -1
cmp -s out/a.wav np.wav || fail "--no-pipeline output differs"; pass
expect_exit 0 "$TAPEOP" -q normalize a.wav -o t.wav --lufs -16
expect_exit 0 "$TAPEOP" --json analyze t.wav
near "$(printf '%s' "$OUT" | json_num integrated_lufs)" -16 0.05 || fail "lufs target"; pass

# Album: one gain; differences kept.
expect_exit 0 "$TAPEOP" --json normalize a.wav b.wav -o album --lufs -16 --album
g1=$(printf '%s' "$OUT" | grep -o '"gain_db": [-0-9.e]*' | sed -n 1p); g2=$(printf '%s' "$OUT" | grep -o '"gain_db": [-0-9.e]*' | sed -n 2p)
[ "$g1" = "$g2" ] || fail "album gains differ: $g1 $g2"; pass
expect_exit 0 "$TAPEOP" --json analyze a.wav b.wav --album; la=$(printf '%s' "$OUT" | grep -o '"integrated_lufs": [-0-9.e]*' | sed -n 1p | sed 's/.*: //'); lb=$(printf '%s' "$OUT" | grep -o '"integrated_lufs": [-0-9.e]*' | sed -n 2p | sed 's/.*: //')
expect_exit 0 "$TAPEOP" --json analyze album/a.wav album/b.wav --album
na=$(printf '%s' "$OUT" | grep -o '"integrated_lufs": [-0-9.e]*' | sed -n 1p | sed 's/.*: //'); nb=$(printf '%s' "$OUT" | grep -o '"integrated_lufs": [-0-9.e]*' | sed -n 2p | sed 's/.*: //'); nal=$(printf '%s' "$OUT" | grep -o '"integrated_lufs": [-0-9.e]*' | sed -n 3p | sed 's/.*: //')
near "$(awk -v a="$la" -v b="$lb" -v c="$na" -v d="$nb" 'BEGIN{print (a-b)-(c-d)}')" 0 0.001 || fail "album difference changed"; pass
near "$nal" -16 0.05 || fail "album loudness $nal"; pass

# Ceiling: the limiter keeps the true peak under it; without it, a warning.
expect_exit 0 "$TAPEOP" -q normalize a.wav -o lim/a.wav --lufs -9 --ceiling -1
expect_exit 0 "$TAPEOP" --json analyze lim/a.wav
awk -v t="$(printf '%s' "$OUT" | json_num true_peak_dbtp)" 'BEGIN{exit !(t <= -1.0)}' || fail "ceiling passed"; pass
expect_exit 0 "$TAPEOP" normalize a.wav -o hot.wav --lufs -6 --bits 16
grep -q 'warning' <<<"$ERR" || fail "no clipping warning"; pass

# A failing input in a batch: exit 1, the others written.
mkdir part; printf 'not audio' > junk.wav
expect_exit 1 "$TAPEOP" -q normalize a.wav junk.wav -o part --peak -3
[ -f part/a.wav ] && [ ! -e part/junk.wav ] || fail "batch outputs"; pass
# Usage: exactly one target.
expect_exit 2 "$TAPEOP" normalize a.wav -o x.wav --peak -1 --rms -20
expect_one_line_error 'exactly one'
expect_exit 2 "$TAPEOP" normalize a.wav -o x.wav --lufs -14Hz
expect_one_line_error 'lufs'
[ ! -e x.wav ] || fail "partial output"; pass
no_temporaries .
finish
