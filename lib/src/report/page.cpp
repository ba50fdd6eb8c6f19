#include "tapeop/report/page.hpp"

#include "detail.hpp"

#include "tapeop/report/master_page.hpp"

#include "tapeop/layout.hpp"
#include "tapeop/numbers.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tapeop::report {

namespace detail {

std::string esc(const std::string& s) {
    std::string o;
    for (const char c : s) {
        switch (c) {
        case '&':
            o += "&amp;";
            break;
        case '<':
            o += "&lt;";
            break;
        case '>':
            o += "&gt;";
            break;
        case '"':
            o += "&quot;";
            break;
        default:
            o += c;
        }
    }
    return o;
}

std::string num(double v, int decimals) {
    return fixed(v, decimals);
}

std::string level(double v, int decimals) {
    return fixed(v, decimals); // as analyze prints: "-14.21", "-inf"
}

double tick_step(double duration_s) {
    const double steps[] = {0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200};
    for (const double s : steps)
        if (duration_s / s <= 10)
            return s;
    return 14400;
}

std::string svg_open(const std::string& title, const std::string& id, double h) {
    return "<svg class=\"plot\" id=\"" + id + "\" viewBox=\"0 0 " + num(svg_w, 0) + " " +
           num(h, 0) + "\" role=\"img\" aria-label=\"" + esc(title) + "\"><title>" + esc(title) +
           "</title>\n";
}

// Frame, time ticks (mm:ss) and level ticks every `db_step`, with the axis names.
std::string axes(const TimeAxis& t, const Axis& a, double db_step, const std::string& unit) {
    std::string s = "<rect class=\"frame\" x=\"" + num(left, 0) + "\" y=\"" + num(top, 0) +
                    "\" width=\"" + num(width, 0) + "\" height=\"" + num(height, 0) + "\"/>\n";
    const double step = tick_step(t.duration_s);
    for (double v = 0; v <= t.duration_s + 1e-9; v += step) {
        const std::string x = num(t.x(v));
        s += "<line class=\"grid\" x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + num(top, 0) +
             "\" y2=\"" + num(top + height, 0) + "\"/><text class=\"tick\" x=\"" + x + "\" y=\"" +
             num(top + height + 14, 0) + "\" text-anchor=\"middle\">" + axis_time(v) + "</text>\n";
    }
    for (double v = std::ceil(a.lo / db_step) * db_step; v <= a.hi + 1e-9; v += db_step) {
        const std::string y = num(a.y(v));
        s += "<line class=\"grid\" x1=\"" + num(left, 0) + "\" x2=\"" + num(left + width, 0) +
             "\" y1=\"" + y + "\" y2=\"" + y + "\"/><text class=\"tick\" x=\"" + num(left - 4, 0) +
             "\" y=\"" + num(a.y(v) + 4) + "\" text-anchor=\"end\">" + num(v, 0) + "</text>\n";
    }
    s += "<text class=\"axis\" x=\"" + num(left + width / 2, 0) + "\" y=\"" +
         num(top + height + 30, 0) + "\" text-anchor=\"middle\">time (mm:ss)</text>";
    s += "<text class=\"axis\" transform=\"translate(14 " + num(top + height / 2, 0) +
         ") rotate(-90)\" text-anchor=\"middle\">" + esc(unit) + "</text>\n";
    return s;
}

// A polyline through the steps (x: the step's middle); -inf values sit on the bottom.
std::string curve(const std::vector<float>& v, const std::vector<double>& start_s, double step_s,
                  const TimeAxis& t, const Axis& a, const std::string& cls) {
    std::string pts;
    for (std::size_t k = 0; k < v.size(); ++k) {
        const double x = t.x(std::min(start_s[k] + step_s / 2, t.duration_s));
        pts += num(x) + "," + num(a.y(std::isfinite(v[k]) ? v[k] : a.lo)) + " ";
    }
    if (!pts.empty())
        pts.pop_back();
    return "<polyline class=\"" + cls + "\" points=\"" + pts + "\"/>\n";
}

std::string hlines(const Axis& a, const std::vector<HLine>& lines) {
    std::string s;
    struct Label {
        double want;
        std::size_t order;
    };
    std::vector<Label> labels;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string y = num(a.y(lines[i].value));
        s += "<line class=\"" + lines[i].cls + "\" x1=\"" + num(left, 0) + "\" x2=\"" +
             num(left + width, 0) + "\" y1=\"" + y + "\" y2=\"" + y + "\"/>\n";
        if (!lines[i].label.empty())
            labels.push_back({a.y(lines[i].value) - 4, i});
    }
    // Top to bottom (ties: in the order given), each at least label_pitch under the one above
    // and inside the plot; then, from the bottom up, back inside where the last went under.
    std::stable_sort(labels.begin(), labels.end(),
                     [](const Label& x, const Label& y) { return x.want < y.want; });
    std::vector<double> at(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i)
        at[i] = std::max(labels[i].want, i ? at[i - 1] + label_pitch : top + 11);
    const double lowest = top + height - 3;
    for (std::size_t i = labels.size(); i-- > 0;)
        at[i] = std::min(at[i], i + 1 < labels.size() ? at[i + 1] - label_pitch : lowest);
    for (std::size_t i = 0; i < labels.size(); ++i)
        s += "<text class=\"label\" x=\"" + num(left + width - 4, 0) + "\" y=\"" + num(at[i]) +
             "\" text-anchor=\"end\">" + esc(lines[labels[i].order].label) + "</text>\n";
    return s;
}

std::string hline(const Axis& a, double v, const std::string& cls, const std::string& label) {
    return hlines(a, {{v, cls, label}});
}

// Findings with a time, as numbered markers (their number in the findings table).
std::string finding_marks(const std::optional<qc::FileReport>& qc, const TimeAxis& t) {
    std::string s;
    if (!qc)
        return s;
    for (std::size_t i = 0; i < qc->findings.size(); ++i) {
        const qc::Finding& f = qc->findings[i];
        if (!std::isfinite(f.at_s))
            continue;
        const std::string x = num(t.x(f.at_s));
        s += "<g class=\"finding\"><title>" + std::to_string(i + 1) + ". " + esc(f.check) + " at " +
             format_timestamp(f.at_s) + ": " + esc(f.message) + "</title><line x1=\"" + x +
             "\" x2=\"" + x + "\" y1=\"" + num(top, 0) + "\" y2=\"" + num(top + height, 0) +
             "\"/><text x=\"" + x + "\" y=\"" + num(top + 10, 0) + "\" dx=\"3\">" +
             std::to_string(i + 1) + "</text></g>\n";
    }
    return s;
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& items) {
    std::string s = "<p class=\"legend\">";
    for (const auto& [cls, text] : items)
        s += "<span><svg width=\"28\" height=\"10\" aria-hidden=\"true\"><line class=\"" + cls +
             "\" x1=\"0\" x2=\"28\" y1=\"5\" y2=\"5\"/></svg> " + esc(text) + "</span> ";
    return s + "</p>\n";
}

// A target band: target +- tolerance, shaded (the spec's) or outlined (--target's).
std::string band(const Axis& a, double target, double tolerance, const std::string& cls) {
    const double y1 = a.y(target + tolerance), y2 = a.y(target - tolerance);
    return "<rect class=\"" + cls + "\" x=\"" + num(left, 0) + "\" y=\"" + num(y1) + "\" width=\"" +
           num(width, 0) + "\" height=\"" + num(std::max(y2 - y1, 1.0)) + "\"/>\n";
}

std::string loudness_plot(const FileSection& f, const PageOptions& o, const TimeAxis& t,
                          const std::string& id) {
    const auto& a = f.analysis;
    const auto& s = *a.series;
    double peak = std::isfinite(a.momentary_max_lufs) ? a.momentary_max_lufs : -20.0;
    if (o.spec_target_lufs)
        peak = std::max(peak, *o.spec_target_lufs + o.spec_tolerance_lu);
    if (o.target_lufs)
        peak = std::max(peak, *o.target_lufs + o.target_tolerance_lu);
    const double hi = std::ceil((peak + 3.0) / 6.0) * 6.0;
    const Axis ax{hi - 48.0, hi};
    std::string svg = svg_open("Loudness", id) + axes(t, ax, 6, "loudness (LUFS)");
    std::vector<HLine> lines;
    std::vector<std::pair<std::string, std::string>> items = {
        {"short-term", "short-term (3 s)"},
        {"momentary", "momentary (400 ms), max per column"},
        {"integrated", "integrated"}};
    // The spec's band is what the verdict checks; --target is the producer's own, drawn beside
    // it and named as such.
    if (o.spec_target_lufs) {
        svg += band(ax, *o.spec_target_lufs, o.spec_tolerance_lu, "band");
        lines.push_back({*o.spec_target_lufs, "target",
                         o.spec_name + " target " + num(*o.spec_target_lufs, 1) + " LUFS"});
        items.push_back({"target", o.spec_name + " target +-" + num(o.spec_tolerance_lu, 1) +
                                       " LU (the QC verdict)"});
    }
    if (o.target_lufs) {
        svg += band(ax, *o.target_lufs, o.target_tolerance_lu, "user-band");
        lines.push_back(
            {*o.target_lufs, "user-target", "--target " + num(*o.target_lufs, 1) + " LUFS"});
        items.push_back({"user-target", "--target +-" + num(o.target_tolerance_lu, 1) + " LU" +
                                            (o.spec_target_lufs ? " (drawn only)" : "")});
    }
    svg += curve(s.momentary_max_lufs, s.start_s, s.step_s, t, ax, "momentary");
    svg += curve(s.short_term_lufs, s.start_s, s.step_s, t, ax, "short-term");
    if (std::isfinite(a.integrated_lufs))
        lines.push_back(
            {a.integrated_lufs, "integrated", "integrated " + level(a.integrated_lufs) + " LUFS"});
    svg += hlines(ax, lines) + finding_marks(f.qc, t) + "</svg>\n";
    return svg + legend(items);
}

std::string true_peak_plot(const FileSection& f, const PageOptions& o, const TimeAxis& t,
                           const std::string& id) {
    const auto& s = *f.analysis.series;
    const Axis ax{-36.0, 3.0};
    const double ceiling = o.ceiling_dbtp.value_or(-1.0);
    std::string svg = svg_open("True peak", id) + axes(t, ax, 6, "peak (dBTP)");
    svg += curve(analysis::peak_over_channels(s.sample_peak_dbfs), s.start_s, s.step_s, t, ax,
                 "sample-peak");
    svg += curve(analysis::peak_over_channels(s.true_peak_dbtp), s.start_s, s.step_s, t, ax,
                 "true-peak");
    svg += hline(ax, ceiling, "ceiling",
                 std::string(o.ceiling_dbtp ? "ceiling " : "ceiling (default) ") + num(ceiling, 1) +
                     " dBTP");
    svg += finding_marks(f.qc, t) + "</svg>\n";
    return svg + legend({{"true-peak", "true peak (max per column, all channels)"},
                         {"sample-peak", "sample peak"},
                         {"ceiling", "ceiling"}});
}

// min/max per column per channel as vertical strokes (as audiowaveform draws), one lane per
// channel; columns that reach the clipping level get a mark above the lane.
std::string waveform_plot(const FileSection& f, const TimeAxis& t, const std::string& id) {
    const auto& a = f.analysis;
    const auto& s = *a.series;
    const double clip = analysis::clip_threshold(a.info.sample_format);
    const std::size_t C = static_cast<std::size_t>(s.channels);
    const double lane = height / double(std::max<std::size_t>(C, 1));
    std::string svg = svg_open("Waveform", id);
    svg += "<rect class=\"frame\" x=\"" + num(left, 0) + "\" y=\"" + num(top, 0) + "\" width=\"" +
           num(width, 0) + "\" height=\"" + num(height, 0) + "\"/>\n";
    const double step = tick_step(t.duration_s);
    for (double v = 0; v <= t.duration_s + 1e-9; v += step)
        svg += "<text class=\"tick\" x=\"" + num(t.x(v)) + "\" y=\"" + num(top + height + 14, 0) +
               "\" text-anchor=\"middle\">" + axis_time(v) + "</text>";
    svg += "<text class=\"axis\" x=\"" + num(left + width / 2, 0) + "\" y=\"" +
           num(top + height + 30, 0) + "\" text-anchor=\"middle\">time (mm:ss)</text>\n";
    for (std::size_t c = 0; c < C; ++c) {
        const double mid = top + lane * (double(c) + 0.5), half = lane * 0.45;
        std::string d, clips;
        for (std::size_t k = 0; k < s.size(); ++k) {
            const double x = t.x(std::min(s.start_s[k] + s.step_s / 2, t.duration_s));
            const double lo = std::clamp<double>(s.min[c][k], -1.0, 1.0),
                         hi = std::clamp<double>(s.max[c][k], -1.0, 1.0);
            d += "M" + num(x) + " " + num(mid - hi * half) + "V" + num(mid - lo * half + 0.3);
            if (std::max(-double(s.min[c][k]), double(s.max[c][k])) >= clip)
                clips += "M" + num(x) + " " + num(mid - half - 3) + "v3";
        }
        svg += "<path class=\"wave\" stroke=\"" + std::string(channel_colours[c % 6]) + "\" d=\"" +
               d + "\"/>\n";
        if (!clips.empty())
            svg += "<path class=\"clip\" d=\"" + clips + "\"><title>clipping</title></path>\n";
        svg += "<text class=\"tick\" x=\"" + num(left - 4, 0) + "\" y=\"" + num(mid + 4) +
               "\" text-anchor=\"end\">ch " + std::to_string(c + 1) + "</text>\n";
    }
    svg += "<text class=\"axis\" transform=\"translate(14 " + num(top + height / 2, 0) +
           ") rotate(-90)\" text-anchor=\"middle\">sample (full scale)</text>\n";
    svg += finding_marks(f.qc, t) + "</svg>\n";
    std::string lg = "<p class=\"legend\">";
    for (std::size_t c = 0; c < C; ++c)
        lg += "<span><svg width=\"14\" height=\"10\" aria-hidden=\"true\"><rect width=\"14\" "
              "height=\"10\" fill=\"" +
              std::string(channel_colours[c % 6]) + "\"/></svg> channel " + std::to_string(c + 1) +
              "</span> ";
    lg += "<span><svg width=\"14\" height=\"10\" aria-hidden=\"true\"><path class=\"clip\" "
          "d=\"M7 0v10\"/></svg> at or over the clipping level (" +
          std::to_string(a.clipped_samples) + " clipped samples)</span></p>\n";
    return svg + lg;
}

namespace {

// One bar per band and row, the rows side by side within each band, a legend naming them and
// the numbers in a table under the plot.
std::string band_plot(const analysis::Spectrum& sp, const std::vector<std::vector<double>>& rows,
                      const std::vector<std::string>& names, const char* const* colours,
                      const std::string& title, const std::string& id) {
    const std::size_t bands = sp.centre_hz.size();
    const Axis ax{-96.0, 0.0};
    std::string svg = svg_open(title, id);
    svg += "<rect class=\"frame\" x=\"" + num(left, 0) + "\" y=\"" + num(top, 0) + "\" width=\"" +
           num(width, 0) + "\" height=\"" + num(height, 0) + "\"/>\n";
    const double bw = width / double(bands);
    for (double v = -96; v <= 0; v += 12)
        svg += "<line class=\"grid\" x1=\"" + num(left, 0) + "\" x2=\"" + num(left + width, 0) +
               "\" y1=\"" + num(ax.y(v)) + "\" y2=\"" + num(ax.y(v)) +
               "\"/><text class=\"tick\" x=\"" + num(left - 4, 0) + "\" y=\"" + num(ax.y(v) + 4) +
               "\" text-anchor=\"end\">" + num(v, 0) + "</text>\n";
    for (std::size_t b = 0; b < bands; b += 3)
        svg += "<text class=\"tick\" x=\"" + num(left + bw * (double(b) + 0.5)) + "\" y=\"" +
               num(top + height + 14, 0) + "\" text-anchor=\"middle\">" + sp.nominal[b] + "</text>";
    const std::size_t C = rows.size();
    const double cw = bw * 0.8 / double(std::max<std::size_t>(C, 1));
    for (std::size_t c = 0; c < C; ++c) {
        std::string d;
        for (std::size_t b = 0; b < bands; ++b) {
            if (!std::isfinite(rows[c][b]))
                continue;
            const double x = left + bw * double(b) + bw * 0.1 + cw * double(c);
            d += "M" + num(x + cw / 2) + " " + num(top + height) + "V" + num(ax.y(rows[c][b]));
        }
        svg += "<path class=\"bars\" stroke=\"" + std::string(colours[c % 6]) +
               "\" stroke-width=\"" + num(std::max(cw - 1, 1.0)) + "\" d=\"" + d + "\"/>\n";
    }
    svg += "<text class=\"axis\" x=\"" + num(left + width / 2, 0) + "\" y=\"" +
           num(top + height + 30, 0) +
           "\" text-anchor=\"middle\">1/3-octave band (Hz)</text><text class=\"axis\" "
           "transform=\"translate(14 " +
           num(top + height / 2, 0) +
           ") rotate(-90)\" text-anchor=\"middle\">band level (dB re full scale)</text>\n</svg>\n";
    std::string lg = "<p class=\"legend\">";
    for (std::size_t c = 0; c < C; ++c)
        lg += "<span><svg width=\"14\" height=\"10\" aria-hidden=\"true\"><rect width=\"14\" "
              "height=\"10\" fill=\"" +
              std::string(colours[c % 6]) + "\"/></svg> " + esc(names[c]) + "</span> ";
    lg += "</p>\n";
    std::string t = "<details><summary>band levels (dB)</summary><table class=\"bands\"><tr>"
                    "<th>Hz</th>";
    for (std::size_t c = 0; c < C; ++c)
        t += "<th>" + esc(names[c]) + "</th>";
    t += "</tr>";
    for (std::size_t b = 0; b < bands; ++b) {
        t += "<tr><td>" + sp.nominal[b] + "</td>";
        for (std::size_t c = 0; c < C; ++c)
            t += "<td>" + num(rows[c][b], 1) + "</td>";
        t += "</tr>";
    }
    return svg + lg + t + "</table></details>\n";
}

} // namespace

std::string spectrum_plot(const FileSection& f, const std::string& id) {
    const auto& sp = *f.spectrum;
    std::vector<std::string> names;
    for (std::size_t c = 0; c < sp.db.size(); ++c)
        names.push_back("channel " + std::to_string(c + 1));
    return band_plot(sp, sp.db, names, channel_colours, "Spectrum", id);
}

std::string mid_side_plot(const FileSection& f, const std::string& id) {
    static const char* const colours[] = {blue, vermillion};
    return band_plot(*f.spectrum, f.spectrum->mid_side_db, {"mid (L+R)/2", "side (L\u2212R)/2"},
                     colours, "Spectrum, mid and side", id);
}

std::string verdict(const FileSection& f) {
    if (!f.qc)
        return "";
    return f.qc->pass() ? "<span class=\"pass\">PASS</span>" : "<span class=\"fail\">FAIL</span>";
}

namespace {

// A number as --json rounds it (4 places), without trailing zeros: "1", "1.41".
std::string short_number(double v) {
    std::string t = fixed(v, 4);
    if (t.find('.') != std::string::npos) {
        t.erase(t.find_last_not_of('0') + 1);
        if (t.back() == '.')
            t.pop_back();
    }
    return t == "-0" ? "0" : t;
}

// A DC offset as check prints it: the mean, and its level.
std::string dc_text(double mean) {
    return fixed(mean, 6, true) + " (" + level(20.0 * std::log10(std::fabs(mean))) + " dBFS)";
}

const char* source_text(LayoutSource s) {
    switch (s) {
    case LayoutSource::file:
        return " (the file's channel mask)";
    case LayoutSource::option:
        return " (--layout or --channel-weights)";
    default:
        return " (the usual order for the channel count)";
    }
}

// Frames since midnight as a time of day, hh:mm:ss.mmm.
std::string time_of_day(std::uint64_t frames, int rate) {
    const std::uint64_t ms = rate > 0 ? (frames * 1000 + static_cast<std::uint64_t>(rate) / 2) /
                                            static_cast<std::uint64_t>(rate)
                                      : 0;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu.%03llu",
                  static_cast<unsigned long long>(ms / 3600000),
                  static_cast<unsigned long long>(ms / 60000 % 60),
                  static_cast<unsigned long long>(ms / 1000 % 60),
                  static_cast<unsigned long long>(ms % 1000));
    return buf;
}

// A summary row; `text`: words, not a number (left-aligned).
std::string row(const std::string& k, const std::string& v, const std::string& key = {},
                bool text = false) {
    return "<tr><th>" + esc(k) + "</th><td" + (key.empty() ? "" : " data-key=\"" + key + "\"") +
           (text ? " class=\"text\"" : "") + ">" + esc(v) + "</td></tr>";
}

// The metadata that matters to whoever receives the file: what it is (tags), where it comes
// from (bext originator, date, time, time reference) and its markers.
std::string metadata_rows(const io::Metadata& m, int rate) {
    std::string s;
    for (const auto& [tag, name] : {std::pair<const char*, const char*>{"TITLE", "title"},
                                    {"ARTIST", "artist"},
                                    {"ALBUM", "album"},
                                    {"ISRC", "ISRC"}}) {
        const auto it = m.tags.find(tag);
        if (it == m.tags.end() || it->second.empty())
            continue;
        std::string v;
        for (const auto& x : it->second)
            v += (v.empty() ? "" : "; ") + x;
        s += row(name, v, std::string("tags.") + tag, true);
    }
    if (m.bext) {
        const io::Bext& b = *m.bext;
        s += row("originator", b.originator, "bext.originator", true);
        s += row("origination date", b.origination_date, "bext.origination_date");
        s += row("origination time", b.origination_time, "bext.origination_time");
        s += row("time reference",
                 time_of_day(b.time_reference, rate) + " (" + std::to_string(b.time_reference) +
                     " samples since midnight)",
                 "bext.time_reference");
    }
    s += row("cue markers", std::to_string(m.cues.size()), "cues");
    return s;
}

} // namespace

std::string summary_table(const FileSection& f) {
    const auto& a = f.analysis;
    const io::FileInfo& fi = a.info;
    const ChannelLayout& l = fi.layout;
    std::string s = "<table class=\"summary\">";
    s += row("format", fi.format + " " + fi.subtype + ", " + std::to_string(fi.sample_rate) +
                           " Hz, " + std::to_string(fi.channels) + " ch");
    s += row("duration", format_timestamp(fi.duration_s()));
    s += row("layout", l.name, "layout.name", true);
    s += row("layout from", std::string(layout_source_name(l.source)) + source_text(l.source),
             "layout.source", true);
    s += row("integrated", level(a.integrated_lufs) + " LUFS", "integrated_lufs");
    s += row("loudness range", level(a.loudness_range_lu, 1) + " LU", "loudness_range_lu");
    s += row("true peak", level(a.true_peak_dbtp) + " dBTP", "true_peak_dbtp");
    s += row("sample peak", level(a.sample_peak_dbfs) + " dBFS", "sample_peak_dbfs");
    s += row("momentary max", level(a.momentary_max_lufs) + " LUFS", "momentary_max_lufs");
    s += row("short-term max", level(a.short_term_max_lufs) + " LUFS", "short_term_max_lufs");
    s += row("RMS", level(a.rms_dbfs) + " dBFS", "rms_dbfs");
    s += row("DC offset", dc_text(a.dc_offset), "dc_offset");
    s += row("clipped samples", std::to_string(a.clipped_samples), "clipped_samples");
    s += metadata_rows(f.metadata, fi.sample_rate);
    s += "</table>\n";
    // Per channel, as analyze --json's channels_detail, with the position and loudness weight
    // the layout gives it.
    s += "<table class=\"channels\"><tr><th>channel</th><th>position</th><th>weight</th>"
         "<th>sample peak</th><th>true peak</th><th>RMS</th><th>DC offset</th>"
         "<th>clipped</th></tr>\n";
    for (std::size_t c = 0; c < a.channels.size(); ++c) {
        const analysis::ChannelDetail& d = a.channels[c];
        auto cell = [](const std::string& v, const char* key) {
            return "<td data-key=\"" + std::string(key) + "\">" + esc(v) + "</td>";
        };
        s += "<tr data-channel=\"" + std::to_string(c + 1) + "\"><td>" + std::to_string(c + 1) +
             "</td>" +
             cell(c < l.positions.size() ? std::string(position_name(l.positions[c])) : "",
                  "position") +
             cell(c < l.weights.size() ? short_number(l.weights[c]) : "", "weight") +
             cell(level(d.sample_peak_dbfs) + " dBFS", "sample_peak_dbfs") +
             cell(level(d.true_peak_dbtp) + " dBTP", "true_peak_dbtp") +
             cell(level(d.rms_dbfs) + " dBFS", "rms_dbfs") +
             cell(dc_text(d.dc_offset), "dc_offset") +
             cell(std::to_string(d.clipped_samples), "clipped_samples") + "</tr>\n";
    }
    s += "</table>\n";
    // analyze's warnings (--json "warnings"): the layout's assumption, when it made one.
    if (!l.warning.empty())
        s += "<ul class=\"warnings\"><li>" + esc(l.warning) + "</li></ul>\n";
    return s;
}

std::string findings_table(const qc::FileReport& r, const std::string& spec) {
    std::string s = "<h3>QC against " + esc(spec) + ": " +
                    (r.pass() ? std::string("<span class=\"pass\">PASS</span>")
                              : std::string("<span class=\"fail\">FAIL</span>")) +
                    "</h3>\n";
    if (r.findings.empty())
        return s + "<p>No findings.</p>\n";
    s += "<table class=\"findings\"><tr><th>#</th><th>check</th><th>severity</th><th>at</th>"
         "<th>value</th><th>limit</th><th>message</th></tr>\n";
    for (std::size_t i = 0; i < r.findings.size(); ++i) {
        const qc::Finding& f = r.findings[i];
        s += "<tr class=\"finding-row\" data-check=\"" + esc(f.check) + "\" data-at=\"" +
             (std::isfinite(f.at_s) ? fixed(f.at_s, 3) : std::string()) + "\"><td>" +
             std::to_string(i + 1) + "</td><td>" + esc(f.check) + "</td><td class=\"" +
             std::string(qc::severity_name(f.severity)) + "\">" +
             std::string(qc::severity_name(f.severity)) + "</td><td>" +
             (std::isfinite(f.at_s) ? format_timestamp(f.at_s) : std::string("-")) + "</td><td>" +
             (std::isfinite(f.value) ? fixed(f.value, 2) : std::string("-")) + "</td><td>" +
             (std::isfinite(f.limit) ? fixed(f.limit, 2) : std::string("-")) + "</td><td>" +
             esc(f.message) + "</td></tr>\n";
    }
    return s + "</table>\n";
}

// A small waveform for the overview: the largest |sample| of all channels per pixel.
std::string mini_waveform(const FileSection& f) {
    const auto& s = *f.analysis.series;
    const double w = 200, h = 28;
    std::string d;
    const std::size_t n = s.size();
    for (std::size_t px = 0; px < 200 && n > 0; ++px) {
        const std::size_t k0 = px * n / 200, k1 = std::max(k0 + 1, (px + 1) * n / 200);
        double hi = 0;
        for (std::size_t k = k0; k < k1 && k < n; ++k)
            for (std::size_t c = 0; c < s.min.size(); ++c)
                hi = std::max({hi, -double(s.min[c][k]), double(s.max[c][k])});
        hi = std::min(hi, 1.0);
        d += "M" + num(double(px) + 0.5) + " " + num(h / 2 - hi * h / 2) + "V" +
             num(h / 2 + hi * h / 2 + 0.3);
    }
    return "<svg class=\"mini\" viewBox=\"0 0 " + num(w, 0) + " " + num(h, 0) + "\" width=\"" +
           num(w, 0) + "\" height=\"" + num(h, 0) + "\"><title>Waveform (overview)</title><path " +
           "stroke=\"" + std::string(blue) + "\" d=\"" + d + "\"/></svg>";
}

std::string index_row_table(const std::string& path, double integrated_lufs, double true_peak_dbtp,
                            std::optional<bool> pass, const FileSection& waveform) {
    std::string s = "<table class=\"overview\"><tr><th>output</th><th>LUFS</th><th>dBTP</th>";
    if (pass)
        s += "<th>QC</th>";
    s += "<th>waveform</th></tr>\n<tr>";
    s += index_row_begin;
    s += "<td>" + esc(path) + "</td><td data-key=\"integrated_lufs\">" + level(integrated_lufs) +
         "</td><td data-key=\"true_peak_dbtp\">" + level(true_peak_dbtp) + "</td>";
    if (pass)
        s += *pass ? "<td><span class=\"pass\">PASS</span></td>"
                   : "<td><span class=\"fail\">FAIL</span></td>";
    s += "<td>" + mini_waveform(waveform) + "</td>";
    s += index_row_end;
    return s + "</tr></table>\n";
}

extern const char* const css;
const char* const css =
    R"(body{font-family:sans-serif;margin:1.5em auto;max-width:920px;color:#000;background:#fff;line-height:1.35}
h1{font-size:1.5em}h2{font-size:1.25em;border-top:2px solid #000;padding-top:.5em;margin-top:2em}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #999;padding:2px 8px;text-align:left;font-variant-numeric:tabular-nums}
td[data-key]{text-align:right;white-space:nowrap}.summary th{font-weight:normal;background:#eee}
svg.plot{width:100%;height:auto;display:block;margin:.3em 0}svg.plot text{font-size:11px;font-family:sans-serif}
.frame{fill:none;stroke:#000;stroke-width:1}.grid{stroke:#ccc;stroke-width:.5}.tick{fill:#000}.axis{fill:#000;font-weight:bold}.label{fill:#000;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
polyline{fill:none;stroke-linejoin:round}
.short-term{stroke:#0072B2;stroke-width:2}.momentary{stroke:#E69F00;stroke-width:1;stroke-dasharray:3 2}
.integrated{stroke:#000;stroke-width:1.5;stroke-dasharray:8 4}.target{stroke:#009E73;stroke-width:1;stroke-dasharray:2 3}
.band{fill:#009E73;fill-opacity:.15}.true-peak{stroke:#CC79A7;stroke-width:2}.sample-peak{stroke:#56B4E9;stroke-width:1;stroke-dasharray:1 2}
.ceiling{stroke:#D55E00;stroke-width:1.5;stroke-dasharray:10 3 2 3}.wave{stroke-width:1;fill:none}.bars{fill:none}
.clip{stroke:#D55E00;stroke-width:2;fill:none}.finding line{stroke:#D55E00;stroke-width:1;stroke-dasharray:2 2}.finding text{fill:#D55E00;font-weight:bold}
.legend{font-size:.85em;margin:0 0 1em}.legend span{margin-right:1.2em;white-space:nowrap}.legend line{stroke-width:2}
.pass{color:#009E73;font-weight:bold}.fail{color:#D55E00;font-weight:bold}.error{font-weight:bold}
.note{font-size:.85em;color:#333}.warnings li::before{content:"warning: ";font-weight:bold}
td.text{text-align:left}.user-target{stroke:#CC79A7;stroke-width:1.5;stroke-dasharray:6 2 1 2}
.user-band{fill:#CC79A7;fill-opacity:.08;stroke:#CC79A7;stroke-width:.8;stroke-dasharray:4 2}
@media print{body{max-width:none;margin:0}h2{break-before:page}svg.plot,table{break-inside:avoid}details{display:block}details>*{display:block}}
)";

} // namespace detail

using namespace detail;

std::string axis_time(double seconds) {
    const long total = std::lround(std::max(0.0, seconds));
    const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
    char buf[32];
    if (h > 0)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", h, m, s);
    else
        std::snprintf(buf, sizeof buf, "%02ld:%02ld", m, s);
    if (seconds < 10 && std::fabs(seconds - std::round(seconds)) > 1e-6)
        std::snprintf(buf, sizeof buf, "00:%04.1f", seconds);
    return buf;
}

void apply_spec(const qc::Spec& spec, PageOptions& o) {
    o.spec_name = spec.name;
    const qc::Rule& loud = spec.rule("loudness");
    if (loud.enabled && loud.has("target")) {
        o.spec_target_lufs = loud.number("target");
        o.spec_tolerance_lu = loud.has("tolerance") ? loud.number("tolerance") : 1.0;
    }
    const qc::Rule& tp = spec.rule("true_peak");
    if (tp.enabled && tp.has("max"))
        o.ceiling_dbtp = tp.number("max");
}

std::string render_page(const std::vector<FileSection>& files, const PageOptions& o) {
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>" +
                    esc(o.title) + "</title><style>" + css + "</style></head><body>\n<h1>" +
                    esc(o.title) + "</h1>\n";
    h += "<p class=\"note\">Loudness per ITU-R BS.1770 / EBU R128 (LUFS), true peak 4x oversampled "
         "(dBTP). Curves are reduced to one point per column (the maximum where it matters).";
    if (!o.spec_name.empty())
        h += " QC spec: " + esc(o.spec_name) + ".";
    if (o.target_lufs && o.spec_target_lufs)
        h += " The loudness plots draw --target " + num(*o.target_lufs, 1) +
             " LUFS beside the spec's target " + num(*o.spec_target_lufs, 1) + " LUFS +-" +
             num(o.spec_tolerance_lu, 1) + " LU; the verdict checks the spec's.";
    h += "</p>\n";
    if (o.index_row && !files.empty()) {
        const auto& a = files.front().analysis;
        std::optional<bool> pass;
        for (const auto& f : files)
            if (f.qc)
                pass = pass.value_or(true) && f.qc->pass();
        h += index_row_table(a.info.path, a.integrated_lufs, a.true_peak_dbtp, pass, files.front());
    }
    if (files.size() > 1) {
        h += "<h2 id=\"overview\">Overview</h2>\n<table class=\"overview\"><tr><th>file</th>"
             "<th>LUFS</th><th>LRA</th><th>dBTP</th><th>peak</th>";
        if (!o.spec_name.empty())
            h += "<th>QC</th>";
        h += "<th>waveform</th></tr>\n";
        for (std::size_t i = 0; i < files.size(); ++i) {
            const auto& a = files[i].analysis;
            h += "<tr><td><a href=\"#file-" + std::to_string(i + 1) + "\">" + esc(a.info.path) +
                 "</a></td><td data-key=\"integrated_lufs\">" + level(a.integrated_lufs) +
                 "</td><td data-key=\"loudness_range_lu\">" + level(a.loudness_range_lu, 1) +
                 "</td><td data-key=\"true_peak_dbtp\">" + level(a.true_peak_dbtp) +
                 "</td><td data-key=\"sample_peak_dbfs\">" + level(a.sample_peak_dbfs) + "</td>";
            if (!o.spec_name.empty())
                h += "<td>" + verdict(files[i]) + "</td>";
            h += "<td>" + mini_waveform(files[i]) + "</td></tr>\n";
        }
        h += "</table>\n";
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        const FileSection& f = files[i];
        const std::string n = std::to_string(i + 1);
        h += "<section class=\"file\" id=\"file-" + n + "\" data-path=\"" +
             esc(f.analysis.info.path) + "\">\n<h2>" + esc(f.analysis.info.path) + " " +
             verdict(f) + "</h2>\n";
        h += summary_table(f);
        if (f.qc && f.qc->readable())
            h += findings_table(*f.qc, o.spec_name);
        const TimeAxis t{f.analysis.info.duration_s()};
        if (f.analysis.series) {
            h += "<h3>Loudness</h3>\n" + loudness_plot(f, o, t, "loudness-" + n);
            h += "<h3>True peak</h3>\n" + true_peak_plot(f, o, t, "true-peak-" + n);
            h += "<h3>Waveform</h3>\n" + waveform_plot(f, t, "waveform-" + n);
        }
        if (f.spectrum) {
            h += "<h3>Spectrum</h3>\n" + spectrum_plot(f, "spectrum-" + n);
            if (!f.spectrum->mid_side_db.empty())
                h += "<h3>Spectrum, mid and side</h3>\n" +
                     mid_side_plot(f, "spectrum-mid-side-" + n);
        }
        h += "</section>\n";
    }
    return h + "</body></html>\n";
}

} // namespace tapeop::report
