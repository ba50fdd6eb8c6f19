#!/usr/bin/env bash
# master --report: one page per master, checked in headless Chromium. The page's figures are
# master's JSON at the printed precision; the master's bytes do not change with --report; the
# same input gives the same page; the titled plots (Loudness, True peak, Limiter gain reduction,
# Waveform) are there; nothing is loaded from the network; the screenshot is not blank.
source "$(dirname "$0")/lib.sh"
need_browser
T="$TAPEOP"

# Quiet verses, a loud chorus: at -10 LUFS the limiter works in the chorus only.
"$T" -q generate music -o song.wav --duration 20 --level -20 --seed 2

"$T" --json master song.wav -o plain.wav --target -10 --deliver spotify:sp.mp3 > plain.json 2>/dev/null
"$T" --json master song.wav -o with.wav --target -10 --deliver spotify:sp2.mp3 --report out/song.html > with.json 2>/dev/null
[ -s out/song.html ] || fail "no page"; pass
cmp -s plain.wav with.wav || fail "the master's bytes differ with --report"; pass
cmp -s sp.mp3 sp2.mp3 || fail "the MP3 deliverable's bytes differ with --report"; pass
grep -q '"report": "out/song.html"' with.json || fail "the JSON does not name the page"; pass
no_temporaries out

# Deterministic: a second run writes the same bytes.
"$T" -q master song.wav -o with.wav --target -10 --deliver spotify:sp2.mp3 --report out/again.html 2>/dev/null
cmp -s out/song.html out/again.html || fail "two runs gave different pages"; pass

PAGE=$(cat out/song.html)
if grep -Eiq '(src|href)=["'"'"']?(https?:)?//|@import|url\(|<script|<link|<img' <<<"$PAGE"; then
  fail "the page references something outside itself"
fi
pass

check_page() { # check_page DOM.html: every data-key value equals master's JSON, printed as shown
  python3 - "$1" with.json <<'PY'
import html.parser, json, sys
dom = open(sys.argv[1]).read()
f = json.load(open(sys.argv[2]))["files"][0]

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.key = None; self.vals = {}; self.titles = []; self.in_title = False
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "td" and "data-key" in a: self.key = a["data-key"]
        if tag == "title": self.in_title = True
    def handle_endtag(self, tag):
        if tag == "td": self.key = None
        if tag == "title": self.in_title = False
    def handle_data(self, d):
        if self.key and "." in self.key: self.vals[self.key] = d.split()[0]
        if self.in_title: self.titles.append(d.strip())

p = P(); p.feed(dom)
def get(path):
    v = f
    for k in path.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    return v
decimals = {"loudness_range_lu": 1, "target_lufs": 1, "ceiling_dbtp": 1, "active_share": 1}
checked = 0
for key, shown in p.vals.items():
    want = get(key)
    last = key.split(".")[-1]
    if last == "render_passes":
        assert shown == str(want), (key, shown, want); checked += 1; continue
    if last == "active_share": want = 100 * want
    d = 2 if key.endswith("limiter.ceiling_dbtp") else decimals.get(last, 2)
    text = "-inf" if want is None else f"{want:.{d}f}"
    if last == "gain_db": text = f"{want:+.{d}f}"
    # The page prints the exact value, the JSON rounds to 4 decimals first: a tie may round
    # either way, so the two agree within half the printed step plus the JSON's rounding.
    if text == "-inf" or shown == "-inf":
        assert shown == text, (key, shown, text)
    else:
        assert abs(float(shown) - want) <= 0.5 * 10 ** -d + 1e-4, (key, shown, text)
    checked += 1
need = ["before.integrated_lufs", "before.true_peak_dbtp", "outputs.0.after.integrated_lufs",
        "outputs.0.after.true_peak_dbtp", "outputs.1.after.integrated_lufs",
        "outputs.1.after.true_peak_dbtp", "outputs.0.limiter.max_gain_reduction_db",
        "outputs.0.render_passes"]
for k in need: assert k in p.vals, (k, sorted(p.vals))
assert checked >= 28, checked
for title in ["Loudness", "True peak", "Limiter gain reduction", "Waveform"]:
    assert p.titles.count(title) == 2, (title, p.titles)  # one per deliverable
# The limiter worked (9-10 dB in the chorus): the gain-reduction plot draws it.
assert f["outputs"][0]["limiter"]["max_gain_reduction_db"] > 3
assert '<path class="gr" d="M' in dom
PY
}
check_page out/song.html || fail "page values differ from master's JSON"; pass

# The gain reduction is where the limiter worked: none in the quiet first 4 s (the verse at
# -20 LUFS + 13 dB stays under the ceiling), some in the chorus.
python3 - out/song.html <<'PY' || fail "gain reduction drawn in the wrong place"
import re, sys
dom = open(sys.argv[1]).read()
svg = dom[dom.index('id="gain-reduction-1"'):]
svg = svg[:svg.index("</svg>")]
d = re.search(r'<path class="gr" d="([^"]+)"', svg).group(1)
xs = [float(m) for m in re.findall(r"M([0-9.]+) ", d)]
# Plot x: 56 + 800 * t / 20 s.
assert min(xs) > 56 + 800 * 3.0 / 20, min(xs)
assert max(xs) > 56 + 800 * 15.0 / 20, max(xs)
PY
pass

# Labels never overlap: a master already near its target has the before, after and target
# lines on top of each other.
"$T" -q generate music -o near.wav --duration 8 --level -14 --seed 5
"$T" -q master near.wav -o near-m.wav --target -14 --report near.html 2>/dev/null
python3 "$(dirname "$0")/report_page.py" labels near.html || fail "labels overlap on the master page"; pass
python3 "$(dirname "$0")/report_page.py" labels out/song.html || fail "labels overlap on the master page"; pass

# Several inputs need {name} in the path.
"$T" -q generate sine -o tone.wav --duration 3 --level -20
expect_exit 2 "$T" -q master song.wav tone.wav -o many/ --report one.html
"$T" -q master song.wav tone.wav -o many/ --report many/{name}.html 2>/dev/null
[ -s many/song.html ] && [ -s many/tone.html ] || fail "no page per input"; pass

browser --dump-dom "file://$WORK/out/song.html" > dom.html
[ -s dom.html ] || fail "chromium dumped no DOM"; pass
check_page dom.html || fail "values in the browser's DOM differ from master's JSON"; pass
browser --screenshot="$WORK/shot.png" "file://$WORK/out/song.html"
[ -s shot.png ] || fail "no screenshot"; pass
python3 "$(dirname "$0")/png_colours.py" shot.png 8 || fail "the screenshot is blank"; pass
no_page_requests "file://$WORK/out/song.html"
finish
