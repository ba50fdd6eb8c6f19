// tapeop analyze FILE... [--album] [--series [STEP]] [--csv FILE]: loudness and level
// measurements (DESIGN.md §3 JSON), and the time series behind them (analysis/series.hpp).
#include "batch.hpp"
#include "common.hpp"

#include "tapeop/analysis/analyze.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/text_file.hpp"
#include "tapeop/numbers.hpp"
#include "tapeop/units.hpp"

#include <cstdio>
#include <iostream>
#include <optional>

namespace tapeop::cli {
namespace {

struct AnalyzeOptions {
    std::vector<std::string> files;
    bool album = false;
    std::optional<std::string> series; // --series [STEP]: "" takes the default step
    std::string csv;
};

constexpr double default_series_step_s = 0.1;

double series_step(const std::string& text) {
    try {
        return parse_value(text, {Unit::s, Unit::ms}, "--series");
    } catch (const UsageError& e) {
        throw UsageError(std::string("--series: ") + e.what());
    }
}

Json json_levels(const std::vector<float>& v) {
    Json a = Json::array();
    for (const float x : v)
        a.push_back(json_level(x));
    return a;
}

Json json_samples(const std::vector<float>& v) {
    Json a = Json::array();
    for (const float x : v)
        a.push_back(json_number(x, 6));
    return a;
}

// The "series" block of a file: the file-wide readings per step, then the channels'.
Json series_json(const analysis::Series& s) {
    Json start = Json::array();
    for (const double t : s.start_s)
        start.push_back(json_number(t, 3));
    Json j = {{"step_s", json_number(s.step_s, 3)},
              {"steps", s.size()},
              {"start_s", start},
              {"momentary_lufs", json_levels(s.momentary_lufs)},
              {"short_term_lufs", json_levels(s.short_term_lufs)},
              {"momentary_max_lufs", json_levels(s.momentary_max_lufs)},
              {"short_term_max_lufs", json_levels(s.short_term_max_lufs)},
              {"true_peak_dbtp", json_levels(analysis::peak_over_channels(s.true_peak_dbtp))},
              {"sample_peak_dbfs", json_levels(analysis::peak_over_channels(s.sample_peak_dbfs))},
              {"rms_dbfs", json_levels(analysis::rms_over_channels(s.rms_dbfs))}};
    Json ch = Json::array();
    for (std::size_t c = 0; c < static_cast<std::size_t>(s.channels); ++c)
        ch.push_back({{"true_peak_dbtp", json_levels(s.true_peak_dbtp[c])},
                      {"sample_peak_dbfs", json_levels(s.sample_peak_dbfs[c])},
                      {"rms_dbfs", json_levels(s.rms_dbfs[c])},
                      {"min", json_samples(s.min[c])},
                      {"max", json_samples(s.max[c])}});
    j["channels"] = ch;
    return j;
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string q = "\"";
    for (const char c : text)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// One row per file, step and channel ("tidy" data: loads as is into a spreadsheet, pandas or
// R); the loudness columns are the file's and repeat on each channel's row. Silence: -inf.
std::string series_csv(const std::vector<std::optional<analysis::FileAnalysis>>& results) {
    std::string out = "path,start_s,momentary_lufs,short_term_lufs,momentary_max_lufs,"
                      "short_term_max_lufs,channel,true_peak_dbtp,sample_peak_dbfs,rms_dbfs,min,"
                      "max\n";
    for (const auto& r : results) {
        if (!r || !r->series)
            continue;
        const analysis::Series& s = *r->series;
        const std::string path = csv_field(r->info.path);
        for (std::size_t k = 0; k < s.size(); ++k) {
            const std::string head =
                path + "," + fixed(s.start_s[k], 3) + "," + fixed(s.momentary_lufs[k], 4) + "," +
                fixed(s.short_term_lufs[k], 4) + "," + fixed(s.momentary_max_lufs[k], 4) + "," +
                fixed(s.short_term_max_lufs[k], 4) + ",";
            for (std::size_t c = 0; c < static_cast<std::size_t>(s.channels); ++c)
                out += head + std::to_string(c + 1) + "," + fixed(s.true_peak_dbtp[c][k], 4) + "," +
                       fixed(s.sample_peak_dbfs[c][k], 4) + "," + fixed(s.rms_dbfs[c][k], 4) + "," +
                       fixed(s.min[c][k], 6) + "," + fixed(s.max[c][k], 6) + "\n";
        }
    }
    return out;
}

// The layout the loudness was measured with: positions, where they came from, the weights.
Json layout_json(const ChannelLayout& l) {
    Json positions = Json::array();
    for (Position p : l.positions)
        positions.push_back(std::string(position_name(p)));
    Json weights = Json::array();
    for (double w : l.weights)
        weights.push_back(json_number(w));
    return {{"name", l.name},
            {"channels", positions},
            {"source", std::string(layout_source_name(l.source))},
            {"weights", weights}};
}

Json file_json(const analysis::FileAnalysis& a) {
    Json f = {{"path", a.info.path},
              {"format", a.info.format},
              {"subtype", a.info.subtype},
              {"sample_rate", a.info.sample_rate},
              {"channels", a.info.channels},
              {"frames", a.info.frames},
              {"duration_s", a.info.duration_s()},
              {"integrated_lufs", json_level(a.integrated_lufs)},
              {"loudness_range_lu", json_level(a.loudness_range_lu)},
              {"true_peak_dbtp", json_level(a.true_peak_dbtp)},
              {"sample_peak_dbfs", json_level(a.sample_peak_dbfs)},
              {"momentary_max_lufs", json_level(a.momentary_max_lufs)},
              {"short_term_max_lufs", json_level(a.short_term_max_lufs)},
              {"rms_dbfs", json_level(a.rms_dbfs)},
              {"dc_offset", a.dc_offset},
              {"clipped_samples", a.clipped_samples}};
    Json ch = Json::array();
    for (const auto& c : a.channels)
        ch.push_back({{"sample_peak_dbfs", json_level(c.sample_peak_dbfs)},
                      {"true_peak_dbtp", json_level(c.true_peak_dbtp)},
                      {"rms_dbfs", json_level(c.rms_dbfs)},
                      {"dc_offset", c.dc_offset},
                      {"clipped_samples", c.clipped_samples}});
    f["channels_detail"] = ch;
    f["layout"] = layout_json(a.info.layout);
    f["warnings"] = Json::array();
    if (!a.info.layout.warning.empty())
        f["warnings"].push_back(a.info.layout.warning);
    return f;
}

void print_table(const std::vector<std::optional<analysis::FileAnalysis>>& results,
                 const std::optional<analysis::AlbumAnalysis>& album) {
    std::printf("%-32s %9s %7s %8s %8s %9s %9s %8s %7s\n", "file", "LUFS", "LRA", "dBTP", "peak",
                "M max", "S max", "RMS", "clips");
    for (const auto& r : results) {
        if (!r)
            continue;
        std::string name = r->info.path;
        if (name.size() > 32)
            name = "..." + name.substr(name.size() - 29);
        std::printf(
            "%-32s %9s %7s %8s %8s %9s %9s %8s %7llu\n", name.c_str(),
            text_level(r->integrated_lufs).c_str(), text_level(r->loudness_range_lu, 1).c_str(),
            text_level(r->true_peak_dbtp).c_str(), text_level(r->sample_peak_dbfs).c_str(),
            text_level(r->momentary_max_lufs).c_str(), text_level(r->short_term_max_lufs).c_str(),
            text_level(r->rms_dbfs).c_str(), static_cast<unsigned long long>(r->clipped_samples));
    }
    if (album)
        std::printf(
            "%-32s %9s %7s %8s %8s\n", "(album)", text_level(album->integrated_lufs).c_str(),
            text_level(album->loudness_range_lu, 1).c_str(),
            text_level(album->true_peak_dbtp).c_str(), text_level(album->sample_peak_dbfs).c_str());
}

int run_analyze(const AnalyzeOptions& o, const GlobalOptions& g) {
    const std::size_t n = o.files.size();
    std::vector<std::optional<analysis::FileAnalysis>> results(n);
    analysis::AnalyzeExtras extras;
    if (o.series)
        extras.series_step_s = o.series->empty() ? default_series_step_s : series_step(*o.series);
    else if (!o.csv.empty())
        extras.series_step_s = default_series_step_s;
    if ((o.series || !o.csv.empty()) && !(extras.series_step_s > 0.0))
        throw UsageError("--series: the step must be over 0, got '" + *o.series + "'");
    const FileBatch batch =
        for_each_file(g, o.files, [&](std::size_t i, const passes::Progress& done, Progress&) {
            results[i] = analysis::analyze_file(o.files[i], done, extras);
        });
    if (!o.csv.empty()) { // the rows of the files that could be read
        io::ensure_parent_folder(o.csv);
        io::write_text_file(o.csv, series_csv(results));
    }
    const std::vector<std::string>& errors = batch.errors;
    const std::size_t failed = batch.failed();
    std::optional<analysis::AlbumAnalysis> album;
    if (o.album && failed < n) {
        std::vector<const analysis::FileAnalysis*> ok;
        for (const auto& r : results)
            if (r)
                ok.push_back(&*r);
        album = analysis::analyze_album(ok);
    }
    if (g.json) {
        Json out = json_envelope();
        out["files"] = Json::array();
        for (std::size_t i = 0; i < n; ++i) {
            if (results[i]) {
                out["files"].push_back(file_json(*results[i]));
                if (results[i]->series) // after analyze's keys, its own block
                    out["files"].back()["series"] = series_json(*results[i]->series);
            } else
                out["files"].push_back({{"path", o.files[i]}, {"error", errors[i]}});
        }
        if (album)
            out["album"] = {{"integrated_lufs", json_level(album->integrated_lufs)},
                            {"loudness_range_lu", json_level(album->loudness_range_lu)},
                            {"true_peak_dbtp", json_level(album->true_peak_dbtp)},
                            {"sample_peak_dbfs", json_level(album->sample_peak_dbfs)}};
        print_json(out);
    } else if (!g.quiet && failed < n) {
        print_table(results, album);
    }
    return batch.exit_code();
}

} // namespace

void register_analyze(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<AnalyzeOptions>();
    auto* sub = app.add_subcommand(
        "analyze", "Measure loudness (integrated, range, momentary/short-term max), true peak, "
                   "sample peak, RMS, DC offset and clipping");
    sub->add_option("files", opts->files, "Audio files")->required();
    sub->add_flag("--album", opts->album,
                  "Also measure all files together as one album (loudness of the whole, not an "
                  "average)");
    sub->add_option("--series", opts->series,
                    "Also record the time series behind the figures, per STEP (default 100ms; "
                    "10ms steps, bare numbers are seconds): momentary and short-term loudness, "
                    "true and sample peak, RMS, min/max per channel (in --json: \"series\")")
        ->expected(0, 1)
        ->default_str("");
    sub->add_option("--csv", opts->csv,
                    "Write the time series as CSV (one row per file, step and channel; implies "
                    "--series)");
    sub->footer(
        "Levels: LUFS (EBU R128 / ITU-R BS.1770-5), dBTP (4x oversampled true peak), dBFS "
        "(sample peak; RMS where a full-scale sine is -3.01 dBFS). Silence is -inf (null in "
        "JSON). Exit 0 all analyzed, 1 some files failed, 2 none could be analyzed.");
    sub->callback(
        [opts, &ctx] { ctx.action = [opts, &ctx] { return run_analyze(*opts, ctx.global); }; });
}

} // namespace tapeop::cli
