#include "tapeop/report/master_page.hpp"

#include "detail.hpp"

#include "tapeop/io/format.hpp"
#include "tapeop/numbers.hpp"
#include "tapeop/units.hpp"

#include <cmath>

namespace tapeop::report {

using namespace detail;

namespace {

const char* const master_css =
    R"(.before{stroke:#56B4E9;stroke-width:1.5;stroke-dasharray:5 3}.before-integrated{stroke:#56B4E9;stroke-width:1.5;stroke-dasharray:1 3}
.before-peak{stroke:#56B4E9;stroke-width:1.5;stroke-dasharray:5 3}.gr{stroke:#D55E00;stroke-width:1.2;fill:none}.gr-max{stroke:#000;stroke-width:1;stroke-dasharray:6 3}
.passes td:first-child{text-align:right}
)";

double gain_db(float linear) {
    return linear > 0.0f ? 20.0 * std::log10(double(linear)) : -200.0;
}

// Short-term loudness before and after on one axis, with both integrated values.
std::string loudness_overlay(const analysis::FileAnalysis& before,
                             const analysis::FileAnalysis& after,
                             const passes::DeliverableReport& d, const TimeAxis& t,
                             double tolerance_lu, const std::string& id) {
    const auto& sb = *before.series;
    const auto& sa = *after.series;
    double peak = d.target_lufs + tolerance_lu;
    for (const double v : {before.short_term_max_lufs, after.short_term_max_lufs})
        if (std::isfinite(v))
            peak = std::max(peak, v);
    const double hi = std::ceil((peak + 3.0) / 6.0) * 6.0;
    const Axis ax{hi - 48.0, hi};
    std::string svg = svg_open("Loudness", id) + axes(t, ax, 6, "loudness (LUFS)");
    const double y1 = ax.y(d.target_lufs + tolerance_lu), y2 = ax.y(d.target_lufs - tolerance_lu);
    svg += "<rect class=\"band\" x=\"" + num(left, 0) + "\" y=\"" + num(y1) + "\" width=\"" +
           num(width, 0) + "\" height=\"" + num(std::max(y2 - y1, 1.0)) + "\"/>\n";
    svg += curve(sb.short_term_lufs, sb.start_s, sb.step_s, t, ax, "before");
    svg += curve(sa.short_term_lufs, sa.start_s, sa.step_s, t, ax, "short-term");
    // The target is named in the legend ("after" sits on it); the labels are laid out apart.
    std::vector<HLine> lines = {{d.target_lufs, "target", ""}};
    if (std::isfinite(before.integrated_lufs))
        lines.push_back({before.integrated_lufs, "before-integrated",
                         "before " + level(before.integrated_lufs) + " LUFS"});
    if (std::isfinite(d.after.integrated_lufs))
        lines.push_back({d.after.integrated_lufs, "integrated",
                         "after " + level(d.after.integrated_lufs) + " LUFS"});
    svg += hlines(ax, lines) + "</svg>\n";
    return svg + legend({{"before", "before: short-term (3 s), the input"},
                         {"short-term", "after: short-term (3 s), as written"},
                         {"before-integrated", "integrated before"},
                         {"integrated", "integrated after"},
                         {"target", "target " + num(d.target_lufs, 1) + " LUFS +-" +
                                        num(tolerance_lu, 2) + " LU"}});
}

std::string peak_overlay(const analysis::FileAnalysis& before, const analysis::FileAnalysis& after,
                         const passes::DeliverableReport& d, const TimeAxis& t,
                         const std::string& id) {
    const auto& sb = *before.series;
    const auto& sa = *after.series;
    const Axis ax{-36.0, 3.0};
    std::string svg = svg_open("True peak", id) + axes(t, ax, 6, "true peak (dBTP)");
    svg += curve(analysis::peak_over_channels(sb.true_peak_dbtp), sb.start_s, sb.step_s, t, ax,
                 "before-peak");
    svg += curve(analysis::peak_over_channels(sa.true_peak_dbtp), sa.start_s, sa.step_s, t, ax,
                 "true-peak");
    svg += hline(ax, d.ceiling_dbtp, "ceiling", "ceiling " + num(d.ceiling_dbtp, 1) + " dBTP");
    svg += "</svg>\n";
    return svg + legend({{"before-peak", "before (max per column, all channels)"},
                         {"true-peak", "after, as written"},
                         {"ceiling", "ceiling"}});
}

// Per column the range of the limiter's gain reduction (smallest to largest), as vertical
// strokes from 0 dB down; the file's largest reduction as a line.
std::string gain_reduction_plot(const passes::DeliverableReport& d, const TimeAxis& t,
                                const std::string& id) {
    const dsp::GainTrace& g = *d.gain_trace;
    double deepest = d.limiter.max_gain_reduction_db;
    for (const float v : g.min_gain())
        deepest = std::max(deepest, -gain_db(v));
    const double range = std::max(3.0, std::ceil((deepest + 0.5) / 3.0) * 3.0);
    const Axis ax{-range, 0.0};
    const double db_step = range <= 6 ? 1 : range <= 18 ? 3 : 6;
    std::string svg =
        svg_open("Limiter gain reduction", id) + axes(t, ax, db_step, "gain reduction (dB)");
    std::string path;
    for (std::size_t k = 0; k < g.size(); ++k) {
        const double most = -gain_db(g.min_gain()[k]), least = -gain_db(g.max_gain()[k]);
        if (!(most >= 0.005)) // no reduction in this column (to the page's resolution)
            continue;
        const double x = t.x(std::min((double(k) + 0.5) * g.step_s(), t.duration_s));
        path +=
            "M" + num(x) + " " + num(ax.y(-std::max(least, 0.0))) + "V" + num(ax.y(-most) + 0.3);
    }
    if (!path.empty())
        svg += "<path class=\"gr\" d=\"" + path + "\"/>\n";
    if (d.limiter.max_gain_reduction_db > 0.0)
        svg += hline(ax, -d.limiter.max_gain_reduction_db, "gr-max",
                     "max " + fixed(d.limiter.max_gain_reduction_db, 2) + " dB");
    svg += "</svg>\n";
    return svg + legend({{"gr", "gain reduction, smallest to largest per column"},
                         {"gr-max", "largest reduction"}});
}

std::string td(const std::string& v, const std::string& key = {}) {
    return "<td" + (key.empty() ? std::string() : " data-key=\"" + key + "\"") + ">" + esc(v) +
           "</td>";
}

// The numbers master prints, one column per stage.
std::string summary(const MasterPage& p) {
    const passes::MasterReport& m = *p.master;
    const bool chain = m.pre_chain.integrated_lufs != m.before.integrated_lufs ||
                       m.pre_chain.true_peak_dbtp != m.before.true_peak_dbtp;
    std::string s = "<table class=\"summary master\"><tr><th></th><th>input</th>";
    if (chain)
        s += "<th>after the chain</th>";
    for (const auto& d : m.deliverables)
        s += "<th>" + esc(d.path) + "</th>";
    s += "</tr>\n";
    struct Row {
        const char* name;
        const char* key;
        double passes::Measurement::*field;
        int decimals;
        const char* unit;
    };
    const Row rows[] = {
        {"integrated", "integrated_lufs", &passes::Measurement::integrated_lufs, 2, " LUFS"},
        {"loudness range", "loudness_range_lu", &passes::Measurement::loudness_range_lu, 1, " LU"},
        {"true peak", "true_peak_dbtp", &passes::Measurement::true_peak_dbtp, 2, " dBTP"},
        {"sample peak", "sample_peak_dbfs", &passes::Measurement::sample_peak_dbfs, 2, " dBFS"}};
    for (const Row& r : rows) {
        s += std::string("<tr><th>") + r.name + "</th>" +
             td(level(m.before.*r.field, r.decimals) + r.unit, std::string("before.") + r.key);
        if (chain)
            s += td(level(m.pre_chain.*r.field, r.decimals) + r.unit,
                    std::string("after_chain.") + r.key);
        for (std::size_t k = 0; k < m.deliverables.size(); ++k)
            s += td(level(m.deliverables[k].after.*r.field, r.decimals) + r.unit,
                    "outputs." + std::to_string(k) + ".after." + r.key);
        s += "</tr>\n";
    }
    const std::string blank = chain ? "<td></td><td></td>" : "<td></td>";
    auto per_output = [&](const char* name, auto&& value) {
        s += std::string("<tr><th>") + name + "</th>" + blank;
        for (std::size_t k = 0; k < m.deliverables.size(); ++k)
            s += value(m.deliverables[k], "outputs." + std::to_string(k) + ".");
        s += "</tr>\n";
    };
    using D = passes::DeliverableReport;
    per_output("target", [](const D& d, const std::string& k) {
        return td(fixed(d.target_lufs, 1) + " LUFS", k + "target_lufs");
    });
    per_output("ceiling", [](const D& d, const std::string& k) {
        return td(fixed(d.ceiling_dbtp, 1) + " dBTP", k + "ceiling_dbtp");
    });
    per_output("format", [](const D& d, const std::string&) {
        return td(std::string(io::sample_format_name(d.spec.sample_format)) + ", " +
                  std::to_string(d.spec.sample_rate) + " Hz, " + std::to_string(d.spec.channels) +
                  " ch" + (d.dithered ? ", dithered" : ""));
    });
    per_output("gain", [](const D& d, const std::string& k) {
        return td(fixed(d.gain_db, 2, true) + " dB", k + "gain_db");
    });
    per_output("limiter ceiling", [](const D& d, const std::string& k) {
        return td(fixed(d.limiter_ceiling_dbtp, 2) + " dBTP", k + "limiter.ceiling_dbtp");
    });
    per_output("limiter max", [](const D& d, const std::string& k) {
        return td(fixed(d.limiter.max_gain_reduction_db, 2) + " dB",
                  k + "limiter.max_gain_reduction_db");
    });
    per_output("limiter average", [](const D& d, const std::string& k) {
        return td(fixed(d.limiter.average_gain_reduction_db, 2) + " dB",
                  k + "limiter.average_gain_reduction_db");
    });
    per_output("limiter active", [](const D& d, const std::string& k) {
        return td(fixed(100.0 * d.limiter.active_share, 1) + " %", k + "limiter.active_share");
    });
    per_output("render passes", [](const D& d, const std::string& k) {
        return td(std::to_string(d.render_passes), k + "render_passes");
    });
    return s + "</table>\n";
}

std::string passes_table(const passes::MasterReport& m) {
    std::string s = "<table class=\"passes\"><tr><th>#</th><th>pass</th><th>what</th></tr>\n";
    int n = 1;
    auto row = [&](const std::string& what, const std::string& detail) {
        s += "<tr><td>" + std::to_string(n++) + "</td><td>" + esc(what) + "</td><td>" +
             esc(detail) + "</td></tr>\n";
    };
    row("analysis", "the input read once: loudness, LRA and true peak before (and after the "
                    "pre-chain), the limiter's loudness-vs-gain model");
    for (const auto& d : m.deliverables) {
        for (int k = 1; k <= d.render_passes; ++k)
            row("render " + std::to_string(k) + " of " + std::to_string(d.render_passes),
                d.path +
                    (k == d.render_passes
                         ? ": committed, gain " + fixed(d.gain_db, 2, true) +
                               " dB, limiter ceiling " + fixed(d.limiter_ceiling_dbtp, 2) + " dBTP"
                         : ": off target or over the ceiling, rendered again"));
        const bool lossy = io::container_for_path(d.path).lossy;
        row("verification", d.path + ": " +
                                (lossy ? "decoded after writing and measured"
                                       : "measured on the samples as written") +
                                ": " + level(d.after.integrated_lufs) + " LUFS, " +
                                level(d.after.true_peak_dbtp) + " dBTP (target " +
                                fixed(d.target_lufs, 1) + " LUFS, ceiling " +
                                fixed(d.ceiling_dbtp, 1) + " dBTP)");
    }
    s += "</table>\n<p class=\"note\">" + std::to_string(m.passes) +
         " passes over the input (1 analysis + every render pass). The curves on this page come "
         "from one more read of the input and of each deliverable.</p>\n";
    return s;
}

bool checks_pass(const MasterPage& p) {
    for (const auto& [name, r] : p.checks)
        if (!r.pass())
            return false;
    return true;
}

// The overview row the index of a run copies (see master_page.hpp).
std::string index_row(const MasterPage& p) {
    const auto& d = p.master->deliverables.front();
    std::optional<bool> pass;
    if (!p.checks.empty())
        pass = checks_pass(p);
    return index_row_table(d.path, d.after.integrated_lufs, d.after.true_peak_dbtp, pass,
                           FileSection{p.outputs.front(), {}, {}, {}});
}

} // namespace

MasterPage collect_master_page(const passes::MasterReport& master) {
    MasterPage p;
    p.master = &master;
    analysis::AnalyzeExtras extras;
    extras.series_columns = plot_columns;
    p.input = analysis::analyze_file(master.input, {}, extras);
    for (const auto& d : master.deliverables)
        p.outputs.push_back(analysis::analyze_file(d.path, {}, extras));
    p.title = "tapeop master: " + master.input;
    return p;
}

std::string render_master_page(const MasterPage& p) {
    const passes::MasterReport& m = *p.master;
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>" +
                    esc(p.title) + "</title><style>" + css + master_css +
                    "</style></head><body>\n<h1>" + esc(p.title) + "</h1>\n";
    h += "<p class=\"note\">Loudness per ITU-R BS.1770 / EBU R128 (LUFS), true peak 4x oversampled "
         "(dBTP). The figures are master's own (its --json, at the precision printed); curves "
         "are reduced to one point per column.</p>\n";
    if (!m.deliverables.empty() && !p.outputs.empty())
        h += index_row(p);
    h += "<h2 id=\"summary\">Before and after</h2>\n" + summary(p);
    h += "<h3>Passes</h3>\n" + passes_table(m);
    for (const auto& [name, r] : p.checks)
        if (r.readable())
            h += findings_table(r, name + " (" + r.path + ")");
    if (!m.warnings.empty()) {
        h += "<h3>Warnings</h3>\n<ul>";
        for (const auto& w : m.warnings)
            h += "<li>" + esc(w) + "</li>";
        h += "</ul>\n";
    }
    const TimeAxis t{m.info.duration_s()};
    for (std::size_t k = 0; k < m.deliverables.size() && k < p.outputs.size(); ++k) {
        const passes::DeliverableReport& d = m.deliverables[k];
        const analysis::FileAnalysis& a = p.outputs[k];
        const std::string n = std::to_string(k + 1);
        h += "<section class=\"file\" id=\"output-" + n + "\" data-path=\"" + esc(d.path) +
             "\">\n<h2>" + esc(d.path) + "</h2>\n";
        if (p.input.series && a.series) {
            h += "<h3>Loudness</h3>\n" +
                 loudness_overlay(p.input, a, d, t, p.tolerance_lu, "loudness-" + n);
            h += "<h3>True peak</h3>\n" + peak_overlay(p.input, a, d, t, "true-peak-" + n);
        }
        if (d.gain_trace)
            h += "<h3>Limiter gain reduction</h3>\n" +
                 gain_reduction_plot(d, t, "gain-reduction-" + n);
        if (a.series)
            h += "<h3>Waveform</h3>\n" + waveform_plot(FileSection{a, {}, {}, {}},
                                                       TimeAxis{a.info.duration_s()},
                                                       "waveform-" + n);
        h += "</section>\n";
    }
    return h + "</body></html>\n";
}

} // namespace tapeop::report
