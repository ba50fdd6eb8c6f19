#!/usr/bin/env bash
# tapeop check: a messy generated stem session (one defect per stem) against the stem spec,
# exit codes, --json per DESIGN.md §3, --junit, -j invariance, spec errors.
source "$(dirname "$0")/lib.sh"

gen() { "$TAPEOP" -q generate music --duration 20 --level -24 "$@"; }
mkdir session && cd session
gen -o clean1.wav --seed 1
gen -o clean2.wav --seed 2
gen -o base3.wav --seed 3 && sox base3.wav clipped.wav gain 14 2>/dev/null   # hard clipping
gen -o base4.wav --seed 4 && sox base4.wav dc.wav dcshift 0.01               # DC -40 dBFS
gen -o base5.wav --seed 5 && sox base5.wav inverted.wav remix 1 1v-1         # R inverted
"$TAPEOP" -q generate silence -o silent.wav --duration 20
# Hum on a dialogue stem: it shows in the pauses (under dense music's bass it is masked).
"$TAPEOP" -q generate dialogue --duration 20 --level -24 --seed 6 -o base6.wav
sox -n -r 48000 -b 24 -c 2 hum50.wav synth 20 sine 50 vol 0.003               # -50 dBFS
sox -m -v 1 base6.wav -v 1 hum50.wav hum.wav
gen -o rate.wav --seed 7 --rate 44100
gen -o mono.wav --seed 8 --channels 1
rm base*.wav hum50.wav
cd ..

# Text report: "FAIL  file  (...)" then "      severity check message" lines -> "file check severity".
expect_exit 1 "$TAPEOP" --no-progress check session/*.wav --spec stem --junit junit.xml
found=$(printf '%s\n' "$OUT" | awk '/^(PASS|FAIL)  /{f=$2; sub(".*/","",f)} /^      (error|warning) /{print f, $2, $1}' | sort)
want=$(sort <<'WANT'
clipped.wav clipping error
clipped.wav sample_peak error
dc.wav dc_offset error
inverted.wav polarity error
silent.wav silence error
hum.wav hum error
rate.wav sample_rate error
rate.wav stem_mismatch error
mono.wav stem_mismatch warning
WANT
)
[ "$found" = "$want" ] || fail "findings differ from the defects planted:
--- found
$found
--- planted
$want"
pass
grep -q '^PASS  session/clean1.wav' <<<"$OUT" || fail "clean1 did not pass"
grep -q '^PASS  session/mono.wav' <<<"$OUT" || fail "a mono stem is a warning, not a failure"
grep -q 'hum .*50 Hz mains hum' <<<"$OUT" || fail "hum frequency not named"
grep -Eq 'clipping .* at [0-9]{2}:[0-9]{2}\.[0-9]{3} \(ch [12]\)' <<<"$OUT" || fail "no timestamps for clipping"
grep -q '^9 file(s): 3 passed, 6 failed$' <<<"$OUT" || fail "summary line"
pass

# JUnit: one testcase per file and check, failures for error findings, written atomically.
[ -s junit.xml ] || fail "no junit.xml"
xmllint --noout junit.xml 2>/dev/null || ! command -v xmllint >/dev/null || fail "junit.xml is not well-formed"
grep -q '<testsuite name="tapeop check --spec stem" tests="[0-9]*" failures="8" errors="0"' junit.xml || fail "junit counts"
grep -q 'classname="session/hum.wav" name="hum">' junit.xml || fail "no hum testcase"
grep -q 'classname="session/clean1.wav" name="clipping"/>' junit.xml || fail "passing testcases missing"
no_temporaries .
pass

# --json exactly per DESIGN.md §3, and identical at any -j.
expect_exit 1 "$TAPEOP" --json -j 1 check session/*.wav --spec stem
j1=$OUT
expect_exit 1 "$TAPEOP" --json -j 4 check session/*.wav --spec stem
[ "$j1" = "$OUT" ] || fail "-j 1 and -j 4 differ"
pass
if command -v jq >/dev/null; then
  [ "$(jq -r '[.tool, .spec, (.files | length)] | @tsv' <<<"$j1")" = "$(printf 'tapeop\tstem\t9')" ] || fail "envelope"
  [ "$(jq -c '.files[0] | keys_unsorted' <<<"$j1")" = '["path","pass","findings"]' ] || fail "file keys"
  [ "$(jq -c '[.files[].findings[] | keys_unsorted] | unique' <<<"$j1")" = '[["check","severity","message","value","limit","at_s"]]' ] || fail "finding keys"
  [ "$(jq -r '.files[] | select(.path == "session/dc.wav") | .findings[0] | "\(.check) \(.severity) \(.limit)"' <<<"$j1")" = "dc_offset error -60" ] || fail "dc finding"
  [ "$(jq -r '.files[] | select(.path == "session/inverted.wav") | .findings[0].value < -0.9' <<<"$j1")" = true ] || fail "polarity value"
  [ "$(jq -r '[.files[] | select(.pass)] | length' <<<"$j1")" = 3 ] || fail "pass count"
  pass
fi

# All clean: exit 0. An unreadable input among others: exit 1 (2 only when nothing could be
# checked), the others still checked and reported.
expect_exit 0 "$TAPEOP" check session/clean1.wav session/clean2.wav --spec stem
echo "not audio" > broken.wav
expect_exit 1 "$TAPEOP" --json check session/clean1.wav broken.wav session/dc.wav --spec stem
expect_one_line_error "broken.wav"
grep -q '"path": "session/dc.wav"' <<<"$OUT" || fail "other files not reported next to an unreadable one"
grep -q '"check": "dc_offset"' <<<"$OUT" || fail "dc.wav not checked next to an unreadable one"

# Delivery specs by name; a user spec by path; spec errors with file:line:col, exit 2.
"$TAPEOP" -q generate music -o loud.wav --duration 10 --level -14
expect_exit 1 "$TAPEOP" check loud.wav --spec ebu-r128
grep -q 'loudness .*over -22.00 LUFS' <<<"$OUT" || fail "ebu-r128 loudness"
expect_exit 0 "$TAPEOP" check loud.wav --spec spotify
printf 'use spotify\ntrue_peak max=-6 dBTP\n' > my.spec
expect_exit 1 "$TAPEOP" check loud.wav --spec ./my.spec
expect_exit 2 "$TAPEOP" check loud.wav --spec nonesuch
expect_one_line_error "unknown spec 'nonesuch' \(stock specs: amazon-music, apple-music, apple-podcasts, atsc-a85, cd, ebu-r128, spotify, stem, youtube"
printf 'loudness -23 LUFS\ntrue_peak maxx=-1 dBTP\n' > bad.spec
expect_exit 2 "$TAPEOP" check loud.wav --spec bad.spec
expect_one_line_error "^tapeop: bad.spec:2:11: true_peak: unknown parameter 'maxx'"
expect_exit 2 "$TAPEOP" check loud.wav
finish
