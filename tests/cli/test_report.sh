#!/usr/bin/env bash
# tapeop report: a self-contained page, checked in a real browser (headless Chromium): the
# titled plots and analyze's values (levels, layout, per-channel detail, warnings, the metadata
# info reads) are in the DOM, the findings are check's, the set overview has a row per file,
# the plots' axes, target bands, ceiling, finding and clipping marks sit where their values
# say, labels never overlap, the screenshot is not blank, the page references nothing on the
# network, the same input gives the same bytes. The page is read by report_page.py.
source "$(dirname "$0")/lib.sh"
need_browser
need_tools sox flac metaflac
T="$TAPEOP"
RP="$(dirname "$0")/report_page.py"

"$T" -q generate music -o song.wav --duration 20 --level -16 --seed 2
"$T" -q generate music -o song16.wav --duration 20 --level -16 --seed 2 --bits 16
"$T" -q gain song16.wav -o hot.wav --db 8 2>/dev/null # 16-bit and clipped: clipping marks
"$T" -q generate sine -o tone.wav --duration 6 --level -6 --channels 1
# Metadata: a Broadcast WAVE take (bext, INFO title and artist, two cue markers), a FLAC with
# title, artist, album and ISRC; 8 channels without a channel mask (analyze warns).
"$T" -q generate music -o short.wav --duration 4 --level -20 --seed 3
python3 "$(dirname "$0")/bwf.py" make short.wav take.wav 1767398400 48000 144000
flac -s -f -o tagged.flac short.wav
metaflac --set-tag=TITLE="Night Drive" --set-tag=ARTIST="The Band" --set-tag=ALBUM="Roads" \
  --set-tag=ISRC=USRC17607839 tagged.flac
"$T" -q generate sine -o eight.wav --duration 3 --level -20 --channels 8
sox eight.wav -t wavpcm plain8.wav # WAVE_FORMAT_PCM: no mask
FILES=(song.wav hot.wav tone.wav take.wav tagged.flac plain8.wav)

"$T" -q report "${FILES[@]}" -o out/page.html --spec ebu-r128 2>/dev/null
[ -s out/page.html ] || fail "no page"; pass
no_temporaries out

# Deterministic: the same inputs give the same bytes.
"$T" -q report "${FILES[@]}" -o out/again.html --spec ebu-r128 2>/dev/null
cmp -s out/page.html out/again.html || fail "two runs gave different pages"; pass

# Self-contained: no script, style sheet, font or image from anywhere.
PAGE=$(cat out/page.html)
if grep -Eiq '(src|href)=["'"'"']?(https?:)?//|@import|url\(|<script|<link|<img' <<<"$PAGE"; then
  fail "the page references something outside itself"
fi
pass

"$T" --json analyze "${FILES[@]}" > analyze.json 2>/dev/null
"$T" --json check "${FILES[@]}" --spec ebu-r128 > check.json 2>/dev/null || true
"$T" --json info "${FILES[@]}" > info.json
python3 - analyze.json info.json <<'PY' || fail "the material lacks what the page must show"
import json, sys
an = {f["path"]: f for f in json.load(open(sys.argv[1]))["files"]}
info = {f["path"]: f for f in json.load(open(sys.argv[2]))["files"]}
assert an["hot.wav"]["clipped_samples"] > 0 and an["song.wav"]["clipped_samples"] == 0
assert an["plain8.wav"]["warnings"], an["plain8.wav"]
assert info["take.wav"]["bext"] and len(info["take.wav"]["cues"]) == 2
assert set(info["tagged.flac"]["tags"]) >= {"TITLE", "ARTIST", "ALBUM", "ISRC"}
PY
pass

# check_page PAGE: everything the page shows against analyze's, check's and info's JSON.
check_page() {
  python3 "$RP" values "$1" analyze.json check.json info.json || return 1
  python3 "$RP" overview "$1" analyze.json check.json || return 1
  python3 "$RP" plots "$1" analyze.json check.json || return 1
}
check_page out/page.html || fail "page values differ from analyze/check/info"; pass

# Clipping marks: per channel one at each column whose min or max reaches the clipping level
# (16-bit: 32767/32768), none where no sample does. The page's step: the 10 ms multiple that
# gives at most 800 columns (report/page.hpp), 30 ms for 20 s.
"$T" --json analyze hot.wav --series 30ms > hot-series.json
"$T" --json analyze song.wav --series 30ms > song-series.json
marks=$(python3 "$RP" clips out/page.html 1 hot-series.json 0.99996948) || fail "clipping marks of hot.wav"
[ "$marks" -gt 0 ] || fail "no clipping mark on hot.wav's waveform"; pass
marks=$(python3 "$RP" clips out/page.html 0 song-series.json 0.99996948) || fail "clipping marks of song.wav"
[ "$marks" = 0 ] || fail "song.wav has no clipped sample, yet $marks marks"; pass

# The ceiling: ebu-r128's -1 dBTP; the spec's target band -23 +-1 LU, no --target band.
python3 "$RP" lines out/page.html 0 "True peak" ceiling -1 >/dev/null || fail "ceiling line"; pass
python3 "$RP" lines out/page.html 0 Loudness band:band -24..-22 target -23 '!user-target' - '!band:user-band' - \
  integrated "$(python3 -c 'import json;print([f for f in json.load(open("analyze.json"))["files"] if f["path"]=="song.wav"][0]["integrated_lufs"])')" \
  >/dev/null || fail "spec band"; pass

# --target alone: its band (+-1 LU) and line, labelled as --target; the default ceiling.
"$T" -q report song.wav -o t.html --target -18
L=$(python3 "$RP" lines t.html 0 Loudness band:user-band -19..-17 user-target -18 '!target' - '!band:band' -) ||
  fail "--target band"
grep -qx -- "--target -18.0 LUFS" <<<"$L" || fail "--target line not labelled: $L"; pass
L=$(python3 "$RP" lines t.html 0 "True peak" ceiling -1) || fail "default ceiling"
grep -qx "ceiling (default) -1.0 dBTP" <<<"$L" || fail "default ceiling label: $L"; pass

# A spec with its own numbers (ATSC A/85: -24 LKFS +-2, -2 dBTP) and --target beside it: both
# bands drawn and labelled, the verdict and findings still the spec's own (check's).
"$T" -q report song.wav -o both.html --spec atsc-a85 --target -16
L=$(python3 "$RP" lines both.html 0 Loudness band:band -26..-22 target -24 band:user-band -17..-15 user-target -16) ||
  fail "spec band and --target band"
grep -qx "atsc-a85 target -24.0 LUFS" <<<"$L" && grep -qx -- "--target -16.0 LUFS" <<<"$L" ||
  fail "the two targets are not both labelled: $L"; pass
python3 "$RP" lines both.html 0 "True peak" ceiling -2 >/dev/null || fail "atsc-a85 ceiling"; pass
grep -q "the verdict checks the spec's" both.html || fail "the page does not say which target the verdict uses"; pass
"$T" --json check song.wav --spec atsc-a85 > check-atsc.json || true
"$T" --json analyze song.wav > analyze-song.json
"$T" --json info song.wav > info-song.json
python3 "$RP" values both.html analyze-song.json check-atsc.json info-song.json ||
  fail "--target changed the verdict or the findings"; pass

# Labels never overlap: integrated on --target (a file normalized to it).
"$T" -q normalize song.wav -o n18.wav --lufs -18
"$T" -q report n18.wav -o close.html --target -18 --spec ebu-r128
"$T" --json analyze n18.wav > analyze-n18.json
python3 "$RP" plots close.html analyze-n18.json || fail "labels overlap"; pass

# A set without a spec: the overview has no verdict column.
"$T" -q report song.wav tone.wav -o set.html
python3 "$RP" overview set.html <("$T" --json analyze song.wav tone.wav) || fail "overview without spec"; pass

# In the browser: the same values in the DOM, a picture, no request.
browser --dump-dom "file://$WORK/out/page.html" > dom.html
[ -s dom.html ] || fail "chromium dumped no DOM"; pass
check_page dom.html || fail "values in the browser's DOM differ from analyze/check/info"; pass

browser --screenshot="$WORK/shot.png" "file://$WORK/out/page.html"
[ -s shot.png ] || fail "no screenshot"; pass
python3 "$(dirname "$0")/png_colours.py" shot.png 8 || fail "the screenshot is blank"
pass
no_page_requests "file://$WORK/out/page.html"

# A failed report leaves an existing page alone; unreadable inputs are one-line errors.
printf 'not audio\n' > bad.wav
cp out/page.html keep.html
expect_exit 2 "$T" report bad.wav -o out/page.html
cmp -s out/page.html keep.html || fail "a failed report changed the existing page"; pass
expect_exit 1 "$T" report song.wav bad.wav -o out/partial.html
[ -s out/partial.html ] || fail "no page for the readable files"; pass
no_temporaries out
finish
