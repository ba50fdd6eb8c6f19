#!/usr/bin/env bash
# Every command's --json (and the manifest a run writes) validates against its JSON Schema in
# docs/schema/ (draft 2020-12, python3-jsonschema); the schemas catch a renamed or missing key.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
S="$TAPEOP_SOURCE_DIR/docs/schema"
V="python3 $TAPEOP_SOURCE_DIR/tests/cli/validate_json.py"

# valid NAME FILE: FILE validates against docs/schema/NAME.json.
valid() { $V "$S/$1.json" "$2" || fail "$2 does not match docs/schema/$1.json"; pass; }
# jsonof NAME CMD...: runs `tapeop --json CMD...` (any exit code), keeps stdout in NAME.json.
jsonof() { local n=$1; shift; "$T" --json "$@" >"$n.json" 2>/dev/null || true; [ -s "$n.json" ] || fail "$n: no JSON"; }

"$T" -q generate music -o a.wav --duration 6 --level -20
"$T" -q generate pink -o b.wav --duration 4 --rate 44100
"$T" -q generate silence -o gap.wav --duration 3
"$T" -q generate music -o c.wav --duration 3 --level -18 --seed 3
sox a.wav gap.wav c.wav takes.wav
printf 'not audio\n' > bad.wav

jsonof info info a.wav bad.wav;                     valid info info.json
jsonof analyze analyze --album a.wav b.wav;         valid analyze analyze.json
jsonof analyze_err analyze a.wav bad.wav;           valid analyze analyze_err.json
jsonof analyze_series analyze a.wav b.wav --series 250ms; valid analyze analyze_series.json
jsonof check check a.wav b.wav --spec ebu-r128;     valid check check.json
jsonof check_err check a.wav bad.wav --spec cd;     valid check check_err.json
jsonof gain gain a.wav b.wav -o gained --db -3;     valid gain gain.json
jsonof gain_err gain a.wav bad.wav -o gained2 --db -3; valid gain gain_err.json
for mode in "--lufs -23" "--peak -1" "--true-peak -2 --ceiling -2" "--rms -20"; do
  jsonof normalize normalize a.wav b.wav -o norm $mode; valid normalize normalize.json
done
jsonof normalize_album normalize a.wav b.wav -o norma --lufs -20 --album; valid normalize normalize_album.json
grep -q '"album"' normalize_album.json || fail "normalize --album: no album object"; pass
jsonof convert convert a.wav b.wav -o conv --rate 48000 --bits 16; valid convert convert.json
jsonof trim trim takes.wav -o trimmed.wav --start 1s --duration 2s; valid trim trim.json
jsonof split split takes.wav -o split;             valid split split.json
for target in rms:-18 peak:-6 lufs:-20; do
  jsonof gainstage gainstage a.wav b.wav -o staged --target $target; valid gainstage gainstage.json
done
jsonof mix mix a.wav b.wav:gain=-3dB:pan=L30 -o mix.wav; valid mix mix.json
jsonof master master a.wav -o master.wav --deliver cd:a-cd.wav; valid master master.json
jsonof run run master-streaming a.wav c.wav -o run;  valid run run.json
valid manifest run/tapeop-manifest.json
jsonof run2 run master-streaming a.wav c.wav -o run; valid run run2.json # up to date
cp a.wav t.wav; "$T" -q convert c.wav -o t.flac
jsonof tag tag --album t.wav t.flac;                 valid tag tag.json
jsonof tag_dry tag --dry-run t.flac;                 valid tag tag_dry.json
jsonof tag_err tag t.flac bad.wav;                   valid tag tag_err.json
jsonof report report a.wav b.wav -o page.html;     valid report report.json
jsonof report_spec report a.wav bad.wav -o page2.html --spec ebu-r128; valid report report_spec.json
grep -q '"findings": {' report_spec.json || fail "report --spec: no findings counts"; pass
grep -q '"status": "up-to-date"' run2.json || fail "second run not up to date"; pass

# Every document carries the envelope.
for f in info analyze check gain normalize convert trim split gainstage mix master run tag report; do
  grep -q '"schema": 1' "$f.json" || fail "$f.json: no \"schema\": 1"; pass
done

# The schemas are strict enough: a renamed or missing key is caught.
sed 's/"input":/"path":/' gain.json > gain_renamed.json
$V "$S/gain.json" gain_renamed.json --expect-invalid || fail "gain schema accepts files[].path"; pass
sed 's/"input":/"path":/' report.json > report_renamed.json
$V "$S/report.json" report_renamed.json --expect-invalid || fail "report schema accepts files[].path"; pass
sed 's/"integrated_lufs":/"lufs":/' master.json > master_renamed.json
$V "$S/master.json" master_renamed.json --expect-invalid || fail "master schema accepts a renamed level"; pass
sed 's/"outputs":/"takes":/' split.json > split_renamed.json
$V "$S/split.json" split_renamed.json --expect-invalid || fail "split schema accepts takes"; pass
grep -v '"schema":' analyze.json > analyze_noschema.json
$V "$S/analyze.json" analyze_noschema.json --expect-invalid || fail "analyze schema accepts no schema number"; pass
sed 's/"xxh3":/"hash":/' run/tapeop-manifest.json > manifest_renamed.json
$V "$S/manifest.json" manifest_renamed.json --expect-invalid || fail "manifest schema accepts a renamed hash"; pass
finish
