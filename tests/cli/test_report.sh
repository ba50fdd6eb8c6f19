#!/usr/bin/env bash
# tapeop report: a self-contained page, checked in a real browser (headless Chromium): the
# titled plots and analyze's values are in the DOM, the findings are check's, the screenshot is
# not blank, the page references nothing on the network, the same input gives the same bytes.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"

"$T" -q generate music -o song.wav --duration 20 --level -16 --seed 2
"$T" -q gain song.wav -o hot.wav --db 8 2>/dev/null # clips: a finding with a time
"$T" -q generate sine -o tone.wav --duration 6 --level -6 --channels 1

"$T" -q report song.wav hot.wav tone.wav -o out/page.html --spec ebu-r128
[ -s out/page.html ] || fail "no page"; pass
no_temporaries out

# Deterministic: the same inputs give the same bytes.
"$T" -q report song.wav hot.wav tone.wav -o out/again.html --spec ebu-r128
cmp -s out/page.html out/again.html || fail "two runs gave different pages"; pass

# Self-contained: no script, style sheet, font or image from anywhere.
PAGE=$(cat out/page.html)
if grep -Eiq '(src|href)=["'"'"']?(https?:)?//|@import|url\(|<script|<link|<img' <<<"$PAGE"; then
  fail "the page references something outside itself"
fi
pass

"$T" --json analyze song.wav hot.wav tone.wav > analyze.json
"$T" --json check song.wav hot.wav tone.wav --spec ebu-r128 > check.json || true

check_page() { # check_page DOM.html: values and findings against analyze's and check's JSON
  python3 - "$1" analyze.json check.json <<'PY'
import html.parser, json, sys
dom = open(sys.argv[1]).read()
an = {f["path"]: f for f in json.load(open(sys.argv[2]))["files"]}
ck = {f["path"]: f for f in json.load(open(sys.argv[3]))["files"]}

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.path = None; self.key = None; self.vals = {}; self.rows = {}
        self.titles = {}; self.in_title = False; self.svg_depth = 0; self.verdict = {}
        self.cells = None; self.cell = None
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "section": self.path = a.get("data-path"); self.vals[self.path] = {}; self.rows[self.path] = []; self.titles[self.path] = []
        if tag == "td" and "data-key" in a and self.path: self.key = a["data-key"]
        if tag == "tr" and a.get("class") == "finding-row":
            self.cells = []; self.rows[self.path].append((a["data-check"], a["data-at"], self.cells))
        if tag == "td" and self.cells is not None: self.cell = ""
        if tag == "title" and self.path: self.in_title = True
    def handle_endtag(self, tag):
        if tag == "td":
            self.key = None
            if self.cell is not None: self.cells.append(self.cell); self.cell = None
        if tag == "tr": self.cells = None
        if tag == "title": self.in_title = False
    def handle_data(self, d):
        if self.key and self.path: self.vals[self.path][self.key] = d.split()[0]
        if self.cell is not None: self.cell += d
        if self.in_title and self.path and d.strip() in ("Loudness", "True peak", "Waveform", "Spectrum", "Spectrum, mid and side"): self.titles[self.path].append(d.strip())

p = P(); p.feed(dom)
assert set(p.vals) == set(an), (set(p.vals), set(an))
def shown(v, d):
    return "-inf" if v is None else f"{v:.{d}f}"
for path, f in an.items():
    v = p.vals[path]
    for key, d in [("integrated_lufs", 2), ("loudness_range_lu", 1), ("true_peak_dbtp", 2),
                   ("sample_peak_dbfs", 2), ("momentary_max_lufs", 2), ("short_term_max_lufs", 2),
                   ("rms_dbfs", 2)]:
        assert v[key] == shown(f[key], d), (path, key, v[key], f[key])
    assert v["clipped_samples"] == str(f["clipped_samples"]), (path, v["clipped_samples"])
    titles = ["Loudness", "True peak", "Waveform", "Spectrum"]
    if f["channels"] == 2: titles.append("Spectrum, mid and side")
    assert p.titles[path] == titles, p.titles[path]
    # The findings are check's, in check's order: name, time, severity, message exactly; value
    # and limit as printed (2 decimals; JSON rounds them itself, hence 0.006).
    want = [(x["check"], "" if x["at_s"] is None else f"{x['at_s']:.3f}") for x in ck[path]["findings"]]
    assert [r[:2] for r in p.rows[path]] == want, (path, p.rows[path], want)
    for (_, _, cells), x in zip(p.rows[path], ck[path]["findings"]):
        assert cells[2] == x["severity"] and cells[6] == x["message"], (path, cells, x)
        for shown_v, v in ((cells[4], x["value"]), (cells[5], x["limit"])):
            assert (shown_v == "-") == (v is None) and (v is None or abs(float(shown_v) - v) <= 0.006), (path, cells, x)
assert any(at for r in p.rows.values() for _, at, _ in r), "no finding with a time"
PY
}
check_page out/page.html || fail "page values differ from analyze/check"; pass

if ! command -v chromium >/dev/null; then
  echo "SKIP: chromium not installed; the browser checks did not run"
  finish; exit 0
fi
browser --dump-dom "file://$WORK/out/page.html" > dom.html
[ -s dom.html ] || fail "chromium dumped no DOM"; pass
check_page dom.html || fail "values in the browser's DOM differ from analyze/check"; pass

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
