#!/usr/bin/env bash
# tapeop trim / split end to end: 30 s head and 45 s tail silence removed to within 10 ms of the
# pad; times and fades; takes at silences with a JSON table.
source "$(dirname "$0")/lib.sh"

# 30 s silence, 2 s noise, 45 s silence (8 kHz mono keeps it small), built with mix offsets.
"$TAPEOP" -q generate silence -o tail.wav --duration 77 --rate 8000 --channels 1
"$TAPEOP" -q generate pink -o burst.wav --duration 2 --rate 8000 --channels 1 --level -20
"$TAPEOP" -q mix tail.wav burst.wav:offset=30s -o rec.wav --channels mono
expect_exit 0 "$TAPEOP" --json trim rec.wav -o trimmed.wav
near "$(printf '%s' "$OUT" | json_num start_s)" 29.8 0.010 || fail "head: $OUT"; pass
near "$(printf '%s' "$OUT" | json_num end_s)" 32.2 0.010 || fail "tail: $OUT"; pass
expect_exit 0 "$TAPEOP" --json info trimmed.wav
near "$(printf '%s' "$OUT" | json_num duration_s)" 2.4 0.010 || fail "length"; pass

expect_exit 0 "$TAPEOP" --json trim rec.wav -o cut.wav --start 29s --duration 1.5s --fade-in 10ms --fade-out 200ms --curve equal-power
near "$(printf '%s' "$OUT" | json_num duration_s)" 1.5 0.0001 || fail "times"; pass

# Split: three takes separated by 3 s gaps.
"$TAPEOP" -q mix tail.wav burst.wav:offset=1s burst.wav:offset=6s burst.wav:offset=11s -o session.wav --channels mono
mkdir takes
expect_exit 0 "$TAPEOP" --json split session.wav -o takes
[ "$(printf '%s' "$OUT" | grep -c '"take":')" = 3 ] || fail "takes: $OUT"; pass
near "$(printf '%s' "$OUT" | json_num start_s)" 0.8 0.010 || fail "take 1 start"; pass
[ -f takes/session-take01.wav ] && [ -f takes/session-take03.wav ] || fail "take files"; pass
expect_exit 0 "$TAPEOP" split session.wav -o takes --min-gap 10s
grep -q 'take' <<<"$OUT" || fail "no table"; pass

expect_exit 1 "$TAPEOP" -q trim rec.wav tail.wav -o takes
expect_one_line_error 'silent'
expect_exit 2 "$TAPEOP" trim rec.wav -o x.wav --pad 5parsecs
expect_one_line_error 'pad'
[ ! -e x.wav ] || fail "partial output"; pass
no_temporaries .
finish
