#!/usr/bin/env bash
# analyze --series / --csv: the time series behind analyze's figures, from the same pass.
# Its maxima are analyze's maxima; its loudness curve is ffmpeg's ebur128 meter's.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"

"$T" -q generate music -o m.wav --duration 8 --level -16 --seed 4
"$T" -q generate sine -o tone.wav --duration 2.345 --level -6 --channels 1

# At a 10 ms step the per-step maxima are read at every meter update: their largest values are
# analyze's momentary / short-term maxima (0.05 LU), true and sample peak (0.01 dB, float
# rounding of the per-step values).
"$T" --json analyze m.wav --series 10ms > m10.json
python3 - m10.json <<'PY' || fail "series maxima differ from analyze's"
import json, sys
f = json.load(open(sys.argv[1]))["files"][0]
s = f["series"]
def top(k): return max(x for x in s[k] if x is not None)
assert s["step_s"] == 0.01 and s["steps"] == 800 == len(s["start_s"]), (s["step_s"], s["steps"])
for key, tol in [("momentary_max_lufs", 0.05), ("short_term_max_lufs", 0.05),
                 ("true_peak_dbtp", 0.01), ("sample_peak_dbfs", 0.01)]:
    assert abs(top(key) - f[key]) <= tol, (key, top(key), f[key])
for c, ch in enumerate(s["channels"]):
    assert abs(max(ch["true_peak_dbtp"]) - f["channels_detail"][c]["true_peak_dbtp"]) <= 0.01
    assert max(ch["max"]) > 0 > min(ch["min"])
    assert all(lo <= hi for lo, hi in zip(ch["min"], ch["max"]))
PY
pass

# The default step is 100 ms; a last partial step covers the end (2.345 s: 24 steps).
"$T" --json analyze tone.wav --series > tone.json
python3 - tone.json <<'PY' || fail "default step / partial last step"
import json, sys
s = json.load(open(sys.argv[1]))["files"][0]["series"]
assert s["step_s"] == 0.1 and s["steps"] == 24, (s["step_s"], s["steps"])
assert abs(s["start_s"][-1] - 2.3) < 1e-9
# A -6 dBFS sine: every full step's sample peak within 0.01 dB of -6, RMS -9.01 dBFS.
assert all(abs(p + 6.0) < 0.01 for p in s["sample_peak_dbfs"][:-1]), s["sample_peak_dbfs"][:3]
assert all(abs(r + 9.0103) < 0.01 for r in s["rms_dbfs"][:-1]), s["rms_dbfs"][:3]
PY
pass

# Independent meter: ffmpeg's ebur128 prints momentary and short-term loudness every 100 ms
# (one decimal), at the end of each 100 ms; ours is the reading at the end of each step.
if command -v ffmpeg >/dev/null; then
  "$T" --json analyze m.wav --series 100ms > m100.json
  ffmpeg -hide_banner -nostats -i m.wav -af ebur128=framelog=info -f null - 2> ff.txt || true
  python3 - m100.json ff.txt <<'PY' || fail "series loudness differs from ffmpeg ebur128"
import json, re, sys
s = json.load(open(sys.argv[1]))["files"][0]["series"]
ff = [(float(t), float(m), float(st)) for t, m, st in
      re.findall(r"t: *([0-9.]+) .*?M: *(-?[0-9.]+) S: *(-?[0-9.]+)", open(sys.argv[2]).read())]
assert len(ff) >= 70, len(ff)
n = 0
for t, m, st in ff:
    k = int(round(t * 10)) - 1 # the step ending at t
    if t < 3.05 or k >= s["steps"]:
        continue # ffmpeg reads partial windows differently (-120.7)
    assert abs(s["momentary_lufs"][k] - m) <= 0.051, (t, s["momentary_lufs"][k], m)
    assert abs(s["short_term_lufs"][k] - st) <= 0.051, (t, s["short_term_lufs"][k], st)
    n += 1
assert n >= 40, n
PY
  pass
fi

# --csv: one row per step and channel, the same numbers as the JSON; written atomically.
"$T" -q analyze m.wav tone.wav --series 100ms --csv out/series.csv
[ -f out/series.csv ] || fail "no CSV"
python3 - out/series.csv m100.json <<'PY' || fail "CSV rows or values"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
m = [r for r in rows if r["path"] == "m.wav"]
t = [r for r in rows if r["path"] == "tone.wav"]
assert len(m) == 80 * 2 and len(t) == 24, (len(m), len(t))
s = json.load(open(sys.argv[2]))["files"][0]["series"]
for r in m[:40]:
    k = int(round(float(r["start_s"]) * 10)); c = int(r["channel"]) - 1
    assert abs(float(r["short_term_lufs"]) - (s["short_term_lufs"][k] if s["short_term_lufs"][k] is not None else float("-inf"))) < 1e-3 or r["short_term_lufs"] == "-inf"
    assert abs(float(r["true_peak_dbtp"]) - s["channels"][c]["true_peak_dbtp"][k]) < 1e-3
PY
pass
no_temporaries out

# Plain analyze has no series; bad steps are usage errors.
"$T" --json analyze m.wav > plain.json
grep -q '"series"' plain.json && fail "series without --series"; pass
expect_exit 2 "$T" analyze m.wav --series 0
expect_one_line_error "--series"
expect_exit 2 "$T" analyze m.wav --series 2h
expect_one_line_error "series"
finish
