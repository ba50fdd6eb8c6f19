#!/usr/bin/env python3
"""Reads a report page (tapeop's own bytes, or Chromium's --dump-dom of it) for the report
tests and checks what it shows against analyze --json, check --json and info --json.

  report_page.py values PAGE ANALYZE.json CHECK.json INFO.json
      Per file section: the summary (analyze's levels at its text precision, the layout, DC
      offset, clipping, the per-channel detail, the warnings, the metadata that matters), the
      titled plots, and the findings exactly as check gives them.
  report_page.py overview PAGE ANALYZE.json [CHECK.json]
      The set overview: one row per file, in order, with analyze's levels, check's verdict
      and a small waveform whose columns span the file's peak level.
  report_page.py plots PAGE ANALYZE.json [CHECK.json]
      The plots' axes (time ticks as mm:ss at their x, level ticks evenly spaced, the axis
      names), the finding marks (one per timed finding on each timeline, at its time's x), the
      line labels (never overlapping).
  report_page.py labels PAGE
      On every plot of the page, the line labels never overlap and stay inside the plot.
  report_page.py lines PAGE FILE_INDEX PLOT CLASS VALUE [CLASS VALUE...]
      On the FILE_INDEX-th section's PLOT (its <title>), the line or band of each CLASS sits
      at VALUE on the plot's level axis ("band:CLASS" for a band: VALUE is "lo..hi"); "!CLASS"
      with VALUE "-": no element of that class.
  report_page.py clips PAGE FILE_INDEX SERIES.json CLIP_LEVEL
      The waveform's clipping marks: per channel, one at each column (step of the series
      given, analyze --series at the page's step) whose min or max reaches CLIP_LEVEL, none
      elsewhere. JSON gives min and max to 6 places: CLIP_LEVEL must be a code of a 16-bit
      file (codes 3e-5 apart) for the comparison to be exact.
"""
import html.parser
import json
import re
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []
        self.parts = []  # text and child nodes, in order

    def text(self):
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def all(self, tag=None, cls=None, **attrs):
        out = []
        for n in self.iter():
            if n is self or (tag and n.tag != tag):
                continue
            if cls and cls not in n.attrs.get("class", "").split():
                continue
            if any(n.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def first(self, tag=None, cls=None, **attrs):
        found = self.all(tag, cls, **attrs)
        return found[0] if found else None


class Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, d):
        self.cur.parts.append(d)


def parse(path):
    b = Builder()
    b.feed(open(path, encoding="utf-8").read())
    return b.root


def sections(doc):
    return doc.all("section", cls="file")


def plot(section, title):
    for svg in section.all("svg", cls="plot"):
        t = svg.first("title")
        if t is not None and t.text().strip() == title:
            return svg
    raise AssertionError(f"no plot titled {title!r} in {section.attrs.get('data-path')}")


def shown(v, d):
    return "-inf" if v is None else f"{v:.{d}f}"


def same_level(text, v, d):
    """`text` is JSON's `v` printed to `d` places: equal, or (JSON rounds to 4 places itself)
    within half a last place of it."""
    if v is None or text in ("-inf", "inf", "+inf"):
        return text == shown(v, d)
    return len(text.split(".")[-1]) == d and abs(float(text) - v) <= 0.5 * 10 ** -d + 0.00005 + 1e-9


def fnum(s):
    return float(s)


def frame(svg):
    r = svg.first("rect", cls="frame")
    return fnum(r.attrs["x"]), fnum(r.attrs["y"]), fnum(r.attrs["width"]), fnum(r.attrs["height"])


def level_axis(svg):
    """value -> y from the level ticks (right-aligned tick labels left of the frame)."""
    ticks = [(fnum(t.text()), fnum(t.attrs["y"]) - 4) for t in svg.all("text", cls="tick")
             if t.attrs.get("text-anchor") == "end" and re.fullmatch(r"-?\d+", t.text().strip())]
    assert len(ticks) >= 3, ("too few level ticks", ticks)
    ticks.sort()
    (v0, y0), (v1, y1) = ticks[0], ticks[-1]
    slope = (y1 - y0) / (v1 - v0)
    assert slope < 0, "levels must rise upwards"
    # Evenly spaced, on one straight line (0.06: one decimal printed).
    for v, y in ticks:
        assert abs(y0 + slope * (v - v0) - y) <= 0.06, ("level tick off the axis", v, y)
    steps = {round(b[0] - a[0], 6) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1, ("uneven level ticks", ticks)
    return lambda v: y0 + slope * (v - v0), lambda y: v0 + (y - y0) / slope


def parse_time(label):
    m = re.fullmatch(r"(?:(\d+):)?(\d\d):(\d\d(?:\.\d)?)", label)
    assert m, ("not a mm:ss time", label)
    h = int(m.group(1) or 0)
    assert m.group(1) is None or int(m.group(2)) < 60
    return h * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def time_ticks(svg):
    return [(t.text().strip(), fnum(t.attrs["x"])) for t in svg.all("text", cls="tick")
            if t.attrs.get("text-anchor") == "middle"]


def load_files(path):
    return json.load(open(path))["files"]


# ---- values -------------------------------------------------------------------------------

def check_values(page, analyze_json, check_json, info_json):
    doc = parse(page)
    an = {f["path"]: f for f in load_files(analyze_json)}
    ck = {f["path"]: f for f in load_files(check_json)} if check_json != "-" else {}
    info = {f["path"]: f for f in load_files(info_json)}
    secs = {s.attrs["data-path"]: s for s in sections(doc)}
    assert set(secs) == set(an), (set(secs), set(an))
    for path, f in an.items():
        s = secs[path]
        summary = s.first("table", cls="summary")
        vals = {td.attrs["data-key"]: td.text() for td in summary.all("td") if "data-key" in td.attrs}
        first = {k: v.split()[0] if v.split() else "" for k, v in vals.items()}
        for key, d in [("integrated_lufs", 2), ("loudness_range_lu", 1), ("true_peak_dbtp", 2),
                       ("sample_peak_dbfs", 2), ("momentary_max_lufs", 2),
                       ("short_term_max_lufs", 2), ("rms_dbfs", 2)]:
            assert same_level(first[key], f[key], d), (path, key, vals[key], f[key])
        assert first["clipped_samples"] == str(f["clipped_samples"]), (path, vals["clipped_samples"])
        # DC offset: the mean to 6 places (as check prints it), then its level.
        assert abs(fnum(first["dc_offset"]) - f["dc_offset"]) <= 5e-7 + 1e-12, (path, vals["dc_offset"], f["dc_offset"])
        # The layout analyze measured with: name, where it came from, per channel the position
        # and the weight.
        lay = f["layout"]
        assert vals["layout.name"] == lay["name"], (path, vals["layout.name"], lay)
        assert first["layout.source"] == lay["source"], (path, vals["layout.source"], lay)
        rows = s.first("table", cls="channels").all("tr")[1:]
        assert len(rows) == f["channels"] == len(f["channels_detail"]), (path, len(rows))
        for c, (tr, d) in enumerate(zip(rows, f["channels_detail"])):
            assert tr.attrs["data-channel"] == str(c + 1)
            cell = {td.attrs["data-key"]: td.text() for td in tr.all("td") if "data-key" in td.attrs}
            cf = {k: v.split()[0] for k, v in cell.items()}
            assert cell["position"] == lay["channels"][c], (path, c, cell, lay)
            assert fnum(cell["weight"]) == lay["weights"][c], (path, c, cell, lay)
            for key in ("sample_peak_dbfs", "true_peak_dbtp", "rms_dbfs"):
                assert same_level(cf[key], d[key], 2), (path, c, key, cell[key], d[key])
            assert abs(fnum(cf["dc_offset"]) - d["dc_offset"]) <= 5e-7 + 1e-12, (path, c, cell, d)
            assert cf["clipped_samples"] == str(d["clipped_samples"]), (path, c, cell, d)
        warned = [li.text() for ul in s.all("ul", cls="warnings") for li in ul.all("li")]
        assert warned == f["warnings"], (path, warned, f["warnings"])
        # The metadata that matters, as info reads it.
        m = info[path]
        for tag in ("TITLE", "ARTIST", "ALBUM", "ISRC"):
            want = "; ".join(m["tags"].get(tag, []))
            assert vals.get("tags." + tag, "") == want, (path, tag, vals.get("tags." + tag), want)
        b = m["bext"]
        if b is None:
            assert not any(k.startswith("bext.") for k in vals), (path, vals)
        else:
            for k in ("originator", "origination_date", "origination_time"):
                assert vals["bext." + k] == b[k], (path, k, vals["bext." + k], b[k])
            tc, samples = re.fullmatch(r"(\d\d):(\d\d):(\d\d\.\d\d\d) \((\d+) samples since midnight\)",
                                       vals["bext.time_reference"]).group(0, 4)
            hh, mm, ss = tc.split()[0].split(":")
            seconds = int(hh) * 3600 + int(mm) * 60 + float(ss)
            assert int(samples) == b["time_reference"], (path, vals["bext.time_reference"], b)
            assert abs(seconds - b["time_reference"] / m["sample_rate"]) <= 0.0005, (path, tc, b)
        assert first["cues"] == str(len(m["cues"])), (path, vals["cues"], m["cues"])
        titles = [svg.first("title").text() for svg in s.all("svg", cls="plot")]
        want = ["Loudness", "True peak", "Waveform", "Spectrum"]
        if f["channels"] == 2:
            want.append("Spectrum, mid and side")
        assert titles == want, (path, titles)
        # The findings are check's, in check's order: name, time, severity, message exactly;
        # value and limit as printed (2 decimals; JSON rounds them itself, hence 0.006).
        if path not in ck:
            assert not s.all("tr", cls="finding-row"), path
            continue
        got = s.all("tr", cls="finding-row")
        fs = ck[path]["findings"]
        want = [(x["check"], "" if x["at_s"] is None else f"{x['at_s']:.3f}") for x in fs]
        assert [(r.attrs["data-check"], r.attrs["data-at"]) for r in got] == want, (path, want)
        for r, x in zip(got, fs):
            cells = [td.text() for td in r.all("td")]
            assert cells[2] == x["severity"] and cells[6] == x["message"], (path, cells, x)
            for sv, v in ((cells[4], x["value"]), (cells[5], x["limit"])):
                assert (sv == "-") == (v is None) and (v is None or abs(fnum(sv) - v) <= 0.006), (path, cells, x)
        verdict = s.first("h2").first("span")
        assert verdict.text() == ("PASS" if ck[path]["pass"] else "FAIL"), (path, verdict.text())


# ---- overview -----------------------------------------------------------------------------

def check_overview(page, analyze_json, check_json=None):
    doc = parse(page)
    files = load_files(analyze_json)
    ck = {f["path"]: f for f in load_files(check_json)} if check_json else {}
    h = doc.first("h2", id="overview")
    assert h is not None, "no overview heading"
    table = doc.first("table", cls="overview")
    head = [th.text() for th in table.all("tr")[0].all("th")]
    rows = table.all("tr")[1:]
    assert len(rows) == len(files), (len(rows), len(files))
    secs = sections(doc)
    for i, (tr, f) in enumerate(zip(rows, files)):
        a = tr.first("a")
        assert a.text() == f["path"], (a.text(), f["path"])
        # The link leads to that file's section.
        target = a.attrs["href"].lstrip("#")
        assert secs[i].attrs["id"] == target and secs[i].attrs["data-path"] == f["path"], (target, f["path"])
        vals = {td.attrs["data-key"]: td.text() for td in tr.all("td") if "data-key" in td.attrs}
        for key, d in [("integrated_lufs", 2), ("loudness_range_lu", 1), ("true_peak_dbtp", 2),
                       ("sample_peak_dbfs", 2)]:
            assert same_level(vals[key], f[key], d), (f["path"], key, vals[key], f[key])
        if ck:
            assert "QC" in head, head
            span = tr.first("span")
            assert span.text() == ("PASS" if ck[f["path"]]["pass"] else "FAIL"), (f["path"], span.text())
        else:
            assert "QC" not in head and tr.first("span") is None, head
        mini = tr.first("svg", cls="mini")
        assert mini is not None and mini.first("title").text() == "Waveform (overview)", f["path"]
        h_px = fnum(mini.attrs["height"])
        d = mini.first("path").attrs["d"]
        cols = [(fnum(x), fnum(y0), fnum(y1)) for x, y0, y1 in
                re.findall(r"M([-0-9.]+) ([-0-9.]+)V([-0-9.]+)", d)]
        assert len(cols) == int(fnum(mini.attrs["width"])), (f["path"], len(cols))
        assert all(b > a for a, b in zip([c[0] for c in cols], [c[0] for c in cols[1:]]))
        # Each column spans +-(largest |sample| there) around the middle, so the tallest
        # column is the file's sample peak (0.1: printed to one decimal, +0.3 drawn below).
        peak = 10 ** (f["sample_peak_dbfs"] / 20) if f["sample_peak_dbfs"] is not None else 0.0
        tallest = max(y1 - y0 for _, y0, y1 in cols) - 0.3
        assert abs(tallest - min(peak, 1.0) * h_px) <= 0.15, (f["path"], tallest, peak)
        for _, y0, y1 in cols:
            assert abs((y0 + y1 - 0.3) / 2 - h_px / 2) <= 0.1, (f["path"], y0, y1)


# ---- plots --------------------------------------------------------------------------------

def check_plots(page, analyze_json, check_json=None):
    doc = parse(page)
    an = {f["path"]: f for f in load_files(analyze_json)}
    ck = {f["path"]: f for f in load_files(check_json)} if check_json else {}
    units = {"Loudness": "loudness (LUFS)", "True peak": "peak (dBTP)",
             "Waveform": "sample (full scale)"}
    marks_seen = 0
    for s in sections(doc):
        path = s.attrs["data-path"]
        dur = an[path]["duration_s"]
        timed = [(i + 1, x) for i, x in enumerate(ck.get(path, {}).get("findings", []))
                 if x["at_s"] is not None]
        for title, unit in units.items():
            svg = plot(s, title)
            x0, top, w, h = frame(svg)
            names = [t.text() for t in svg.all("text", cls="axis")]
            assert names == ["time (mm:ss)", unit], (path, title, names)
            ticks = time_ticks(svg)
            assert ticks and ticks[0][0] == "00:00", (path, title, ticks[:2])
            times = [parse_time(lbl) for lbl, _ in ticks]
            assert all(b > a for a, b in zip(times, times[1:])) and times[-1] <= dur + 1e-6, (path, title, ticks)
            # Each label stands at its time's x (0.05: one decimal printed; labels are rounded
            # to the second from 10 s on, so from there the label's second holds the tick).
            for (lbl, x), t in zip(ticks, times):
                at = (x - x0) / w * dur
                assert abs(at - t) <= (0.6 if t >= 10 else 0.06 * dur / w + 0.01), (path, title, lbl, x, at)
            if title != "Waveform":
                level_axis(svg)
            # One mark per timed finding, numbered as in the findings table, at its time.
            marks = svg.all("g", cls="finding")
            assert len(marks) == len(timed), (path, title, len(marks), len(timed))
            for g, (n, x) in zip(marks, timed):
                assert g.first("title").text().startswith(f"{n}. {x['check']} at "), (path, g.first("title").text())
                assert g.first("text").text() == str(n)
                line = g.first("line")
                want = x0 + w * min(max(x["at_s"] / dur, 0.0), 1.0)
                assert fnum(line.attrs["x1"]) == fnum(line.attrs["x2"]), line.attrs
                # x printed to 0.1, the time in JSON to 1 ms.
                assert abs(fnum(line.attrs["x1"]) - want) <= 0.051 + w * 0.0005 / dur, (path, title, n, line.attrs["x1"], want)
                marks_seen += 1
    check_labels(page)
    if ck:
        assert marks_seen > 0, "no finding mark checked"


def check_labels(page):
    """Line labels never overlap (11 px text: baselines at least 12 apart; they share their
    right end) and stay inside the plot."""
    for svg in parse(page).all("svg", cls="plot"):
        _, top, _, h = frame(svg)
        ys = sorted(fnum(t.attrs["y"]) for t in svg.all("text", cls="label"))
        title = svg.first("title").text()
        assert all(b - a >= 12 for a, b in zip(ys, ys[1:])), (title, "labels overlap", ys)
        assert all(top + 9 <= y <= top + h for y in ys), (title, ys, top, h)


def check_lines(page, index, title, specs):
    doc = parse(page)
    svg = plot(sections(doc)[int(index)], title)
    y_of, v_of = level_axis(svg)
    x0, top, w, h = frame(svg)
    labels = [t.text() for t in svg.all("text", cls="label")]
    for cls, value in zip(specs[::2], specs[1::2]):
        if cls.startswith("!"):
            name = cls[1:].split(":")[-1]
            assert not svg.all(cls=name), (title, cls, "present")
            continue
        if cls.startswith("band:"):
            lo, hi = (float(v) for v in value.split(".."))
            r = svg.first("rect", cls=cls[5:])
            assert r is not None, (title, cls)
            y1, hh = fnum(r.attrs["y"]), fnum(r.attrs["height"])
            assert abs(v_of(y1) - hi) <= 0.05 and abs(v_of(y1 + hh) - lo) <= 0.05, (title, cls, v_of(y1), v_of(y1 + hh))
            assert abs(fnum(r.attrs["x"]) - x0) < 0.01 and abs(fnum(r.attrs["width"]) - w) < 0.01
            continue
        line = svg.first("line", cls=cls)
        assert line is not None, (title, cls, "missing")
        assert line.attrs["y1"] == line.attrs["y2"], line.attrs
        assert abs(v_of(fnum(line.attrs["y1"])) - float(value)) <= 0.05, (title, cls, v_of(fnum(line.attrs["y1"])), value)
        assert abs(fnum(line.attrs["x1"]) - x0) < 0.01 and abs(fnum(line.attrs["x2"]) - x0 - w) < 0.01
    print("\n".join(labels))


def check_clips(page, index, series_json, clip_level):
    doc = parse(page)
    svg = plot(sections(doc)[int(index)], "Waveform")
    x0, _, w, _ = frame(svg)
    f = load_files(series_json)[0]
    s = f["series"]
    dur = f["duration_s"]
    clip = float(clip_level)
    # The clip marks follow the waveform path of their channel.
    per_channel, c = [], -1
    for n in svg.children:
        if n.tag == "path" and "wave" in n.attrs.get("class", ""):
            per_channel.append([])
            c += 1
        elif n.tag == "path" and "clip" in n.attrs.get("class", ""):
            per_channel[c] = [fnum(x) for x in re.findall(r"M([-0-9.]+) [-0-9.]+v3", n.attrs["d"])]
    assert len(per_channel) == len(s["channels"]), (len(per_channel), len(s["channels"]))
    total = 0
    for c, ch in enumerate(s["channels"]):
        want = [round(x0 + w * min(t + s["step_s"] / 2, dur) / dur, 1)
                for t, lo, hi in zip(s["start_s"], ch["min"], ch["max"]) if max(-lo, hi) >= clip - 5e-7]
        got = per_channel[c]
        assert len(got) == len(want), (c, len(got), len(want))
        assert all(abs(a - b) <= 0.051 for a, b in zip(got, want)), (c, got[:5], want[:5])
        total += len(got)
    print(total)


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    try:
        if what == "values":
            check_values(*args)
        elif what == "overview":
            check_overview(*args)
        elif what == "plots":
            check_plots(*args)
        elif what == "labels":
            check_labels(*args)
        elif what == "lines":
            check_lines(args[0], args[1], args[2], args[3:])
        elif what == "clips":
            check_clips(*args)
        else:
            sys.exit(f"report_page.py: unknown check {what}")
    except (AssertionError, KeyError, AttributeError, IndexError) as e:
        print(f"report_page.py {what}: {e}", file=sys.stderr)
        sys.exit(1)
