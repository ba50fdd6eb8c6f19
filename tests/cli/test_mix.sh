#!/usr/bin/env bash
# tapeop mix end to end: stem settings after colons, polarity null, trim of a clipping bus,
# mixed rates, JSON, errors (exit 2, one line, no file).
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate music -o a.wav --duration 3 --seed 1
"$TAPEOP" -q generate music -o b.wav --duration 2 --seed 2 --level -26
"$TAPEOP" -q generate sine -o m.wav --channels 1 --duration 1 --rate 44100

# Polarity-inverted copy: exact digital silence.
expect_exit 0 "$TAPEOP" mix a.wav a.wav:polarity=invert -o null.wav
expect_exit 0 "$TAPEOP" --json analyze null.wav
grep -q '"sample_peak_dbfs": null' <<<"$OUT" || fail "inverted mix is not silent"; pass

# Settings after colons, mixed rates, padded to the longest stem.
expect_exit 0 "$TAPEOP" --json mix a.wav b.wav:gain=-2dB:pan=L20 m.wav:pan=R30:offset=100ms -o mix.wav
[ "$(printf '%s' "$OUT" | json_num frames)" = 144000 ] || fail "mix length"; pass
grep -q '"resampled": \[' <<<"$OUT" || fail "no resampled list"; pass
grep -q 'm.wav' <<<"$OUT" || fail "m.wav not reported as resampled"; pass

# A clipping bus is trimmed to -1 dBFS; --no-trim reports clipped samples.
expect_exit 0 "$TAPEOP" --json mix a.wav:gain=16dB b.wav:gain=16dB -o hot.wav
grep -q '"trimmed": true' <<<"$OUT" || fail "not trimmed"; pass
expect_exit 0 "$TAPEOP" --json analyze hot.wav
near "$(printf '%s' "$OUT" | json_num sample_peak_dbfs)" -1 0.01 || fail "trimmed peak not at -1 dBFS"; pass
expect_exit 0 "$TAPEOP" mix a.wav:gain=16dB b.wav:gain=16dB -o hot2.wav --no-trim --headroom -3
grep -q 'samples clipped' <<<"$ERR" || fail "--no-trim did not report clipping"; pass

# Mono mix; the same command twice gives the same bytes.
expect_exit 0 "$TAPEOP" -q mix a.wav b.wav -o mono1.wav --channels mono
expect_exit 0 "$TAPEOP" -q mix a.wav b.wav -o mono2.wav --channels mono
cmp -s mono1.wav mono2.wav || fail "mix is not deterministic"; pass

# Errors: one line, exit 2, no output.
expect_exit 2 "$TAPEOP" mix a.wav missing.wav -o bad.wav
expect_one_line_error 'missing.wav'
[ ! -e bad.wav ] || fail "partial output"; pass
expect_exit 2 "$TAPEOP" mix a.wav:pan=Q10 -o bad.wav
expect_one_line_error 'pan'
expect_exit 2 "$TAPEOP" mix a.wav:gian=3 -o bad.wav
expect_one_line_error "did you mean 'gain'"
expect_exit 2 "$TAPEOP" mix a.wav -o a.wav
expect_one_line_error 'a.wav'
no_temporaries .
finish
