// tapeop analyze FILE... [--album]: loudness and level measurements (DESIGN.md §3 JSON).
#include "batch.hpp"
#include "common.hpp"

#include "tapeop/analysis/analyze.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"

#include <cstdio>
#include <iostream>
#include <optional>

namespace tapeop::cli {
namespace {

struct AnalyzeOptions {
    std::vector<std::string> files;
    bool album = false;
};

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
    const FileBatch batch =
        for_each_file(g, o.files, [&](std::size_t i, const passes::Progress& done, Progress&) {
            results[i] = analysis::analyze_file(o.files[i], done);
        });
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
            if (results[i])
                out["files"].push_back(file_json(*results[i]));
            else
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
    sub->footer(
        "Levels: LUFS (EBU R128 / ITU-R BS.1770-4), dBTP (4x oversampled true peak), dBFS "
        "(sample peak; RMS where a full-scale sine is -3.01 dBFS). Silence is -inf (null in "
        "JSON). Exit 0 all analyzed, 1 some files failed, 2 none could be analyzed.");
    sub->callback(
        [opts, &ctx] { ctx.action = [opts, &ctx] { return run_analyze(*opts, ctx.global); }; });
}

} // namespace tapeop::cli
