#!/usr/bin/env bash
# run --report: one page per job (DIR/reports/OUTPUT.html) and DIR/index.html with one row per
# job; the pages are outputs for the manifest (a re-run skips every job and the pages stay,
# unchanged); the same bytes at -j1, -j2 and with --no-pipeline; the master page's figures are
# the run's JSON; the check verdict is in the index; Chromium loads the pages.
source "$(dirname "$0")/lib.sh"
need_browser
T="$TAPEOP"

"$T" -q generate music -o a.wav --duration 8 --level -20 --seed 3
"$T" -q generate music -o b.wav --duration 8 --level -24 --seed 4
printf 'loudness target=-14 LUFS ceiling=-1 dBTP\noutput {name}-m.wav\ncheck spotify\n' > m.recipe
printf 'gain 3 dB\noutput {name}-g.flac\n' > g.recipe

"$T" --json -j1 run m.recipe a.wav b.wav -o out --report > run1.json
for f in out/index.html out/reports/a-m.wav.html out/reports/b-m.wav.html; do
  [ -s "$f" ] || fail "missing $f"
done
pass
cp -r out first
python3 - run1.json <<'PY' || fail "JSON: index or pages not listed"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["index"] == "out/index.html", j["index"]
for job in j["jobs"]:
    paths = [o["path"] for o in job["outputs"]]
    assert any(p.endswith(".html") for p in paths), paths
PY
pass

# Nothing changed: every job is skipped, the pages are still there and the same.
"$T" --json -j2 run m.recipe a.wav b.wav -o out --report > run2.json
python3 -c "import json,sys; j=json.load(open('run2.json')); assert all(x['status']=='up-to-date' for x in j['jobs']), [x['status'] for x in j['jobs']]" ||
  fail "a re-run with nothing changed rendered again"
pass
cmp -s out/reports/a-m.wav.html first/reports/a-m.wav.html || fail "the page changed on a skip"; pass
# A page removed: that job renders again (the page is one of its outputs).
rm out/reports/b-m.wav.html
"$T" --json run m.recipe a.wav b.wav -o out --report > run3.json
python3 -c "import json; j={x['name']:x['status'] for x in json.load(open('run3.json'))['jobs']}; assert j=={'a':'up-to-date','b':'ok'}, j" ||
  fail "a missing page did not make its job run again"
pass
cmp -s out/reports/b-m.wav.html first/reports/b-m.wav.html || fail "the page differs after a re-render"; pass

# -j2 and --no-pipeline in a fresh folder of the same name: the same bytes.
rm -rf out
"$T" -q -j2 run m.recipe a.wav b.wav -o out --report
for f in index.html reports/a-m.wav.html reports/b-m.wav.html; do
  cmp -s "out/$f" "first/$f" || fail "-j2 gave a different $f"
done
pass
rm -rf out
"$T" -q -j1 --no-pipeline run m.recipe a.wav b.wav -o out --report
for f in index.html reports/a-m.wav.html reports/b-m.wav.html; do
  cmp -s "out/$f" "first/$f" || fail "--no-pipeline gave a different $f"
done
pass

# The figures: the index rows and the pages show the run's after-levels; the verdict is PASS.
python3 - first/index.html first/reports/a-m.wav.html run1.json <<'PY' || fail "index/page values"
import html.parser, json, sys
idx, page, run = open(sys.argv[1]).read(), open(sys.argv[2]).read(), json.load(open(sys.argv[3]))
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.job = None; self.key = None; self.vals = {}; self.links = {}
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "tr" and "data-job" in a: self.job = a["data-job"]; self.vals[self.job] = {}
        if tag == "a" and self.job: self.links[self.job] = a["href"]
        if tag == "td" and "data-key" in a: self.key = a["data-key"]
    def handle_endtag(self, tag):
        if tag == "td": self.key = None
    def handle_data(self, d):
        if self.key and self.job: self.vals[self.job][self.key] = d.split()[0]
p = P(); p.feed(idx)
assert p.links == {"a": "reports/a-m.wav.html", "b": "reports/b-m.wav.html"}, p.links
for job in run["jobs"]:
    after = job["outputs"][0]["after"]
    v = p.vals[job["name"]]
    # Printed at 2 decimals from the exact value; the JSON has 4 (rounded): within 0.0051.
    for k in ("integrated_lufs", "true_peak_dbtp"):
        assert abs(float(v[k]) - after[k]) <= 0.0051, (k, v, after)
assert idx.count('<span class="pass">PASS</span>') == 2, "verdicts"
assert "<svg class=\"mini\"" in idx
for t in ["Loudness", "True peak", "Limiter gain reduction", "Waveform"]:
    assert f"<title>{t}</title>" in page, t
assert "QC against spotify" in page
PY
pass

# A recipe without loudness: the report page of the outputs (with its spectrum).
"$T" -q run g.recipe a.wav b.wav -o plain --report -j2
P=$(cat plain/reports/a-g.flac.html)
grep -q '<title>Spectrum</title>' <<<"$P" || fail "no spectrum on a plain job's page"; pass
I=$(cat plain/index.html)
grep -q 'href="reports/b-g.flac.html"' <<<"$I" || fail "index does not link b"; pass
if grep -Eiq '(src|href)=["'"'"']?(https?:)?//|@import|url\(|<script|<link|<img' <<<"$I$P"; then
  fail "a page references something outside itself"
fi
pass

for f in first/index.html first/reports/a-m.wav.html; do
  browser --dump-dom "file://$WORK/$f" > dom.html
  D=$(cat dom.html)
  grep -q '<svg class="mini"' <<<"$D" || fail "no waveform in the browser's DOM of $f"
  browser --screenshot="$WORK/shot.png" "file://$WORK/$f"
  python3 "$(dirname "$0")/png_colours.py" shot.png 8 || fail "blank screenshot of $f"
  no_page_requests "file://$WORK/$f"
done
pass
finish
