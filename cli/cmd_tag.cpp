// tapeop tag FILE... [--album] [--dry-run]: loudness tags written in place (ReplayGain 2.0,
// R128 for Opus, bext v2 for WAV); the audio is not touched (lib/tag/write_tags.hpp).
#include "batch.hpp"
#include "common.hpp"

#include "tapeop/analysis/analyze.hpp"
#include "tapeop/error.hpp"
#include "tapeop/tag/write_tags.hpp"

#include <cstdio>
#include <iostream>
#include <optional>

namespace tapeop::cli {
namespace {

struct TagOptions {
    std::vector<std::string> files;
    bool album = false;
    bool dry_run = false;
};

Json levels_json(const tag::Levels& l, bool maxima) {
    Json j = {{"integrated_lufs", json_level(l.integrated_lufs)},
              {"loudness_range_lu", json_level(l.loudness_range_lu)},
              {"true_peak_dbtp", json_level(l.true_peak_dbtp)},
              {"sample_peak_dbfs", json_level(l.sample_peak_dbfs)}};
    if (maxima) {
        j["momentary_max_lufs"] = json_level(l.momentary_max_lufs);
        j["short_term_max_lufs"] = json_level(l.short_term_max_lufs);
    }
    return j;
}

Json edit_json(const std::string& path, const analysis::FileAnalysis& a, const tag::TagEdit& e) {
    Json tags = Json::object(), previous = Json::object();
    for (const auto& [k, v] : e.tags)
        tags[k] = v;
    for (const auto& [k, v] : e.previous)
        previous[k] = v ? Json(*v) : Json(nullptr);
    return {{"input", path},
            {"format", a.info.format},
            {"scheme", std::string(tag::scheme_name(e.scheme))},
            {"tags", tags},
            {"previous", previous},
            {"removed", e.removed},
            {"changed", e.changed},
            {"written", e.written},
            {"before", levels_json(tag::levels_of(a), true)}};
}

void print_edit(const std::string& path, const tag::TagEdit& e, bool dry_run) {
    std::string line;
    for (const auto& [k, v] : e.tags)
        line += (line.empty() ? "" : ", ") + k + "=" + v;
    for (const auto& k : e.removed)
        line += ", " + k + " removed";
    const char* what = !e.changed ? "unchanged" : dry_run ? "would write" : "written";
    std::printf("%s: %s (%s)\n", path.c_str(), line.c_str(), what);
}

int run_tag(const TagOptions& o, const GlobalOptions& g) {
    const std::size_t n = o.files.size();
    std::vector<std::optional<analysis::FileAnalysis>> measured(n);
    std::vector<std::optional<tag::TagEdit>> edits(n);
    auto write_one = [&](std::size_t i, const tag::Levels* album) {
        const tag::Levels track = tag::levels_of(*measured[i]);
        edits[i] = tag::tag_file(measured[i]->info, track, album, o.dry_run);
    };
    // Without --album each file is measured and tagged in one job; with it every file is
    // measured first, since the album figures need them all.
    FileBatch batch =
        for_each_file(g, o.files, [&](std::size_t i, const passes::Progress& done, Progress&) {
            measured[i] = analysis::analyze_file(o.files[i], done);
            tag::scheme_for(measured[i]->info); // an untaggable file fails before any write
            if (!o.album)
                write_one(i, nullptr);
        });
    std::optional<tag::Levels> album;
    std::string album_error;
    if (o.album && batch.failed() == 0) {
        std::vector<const analysis::FileAnalysis*> all;
        for (const auto& m : measured)
            all.push_back(&*m);
        album = tag::levels_of(analysis::analyze_album(all));
        GlobalOptions quiet = g;
        quiet.no_progress = true;
        batch =
            for_each_file(quiet, o.files, [&](std::size_t i, const passes::Progress&, Progress&) {
                write_one(i, &*album);
            });
    } else if (o.album) {
        // Album figures without every track would be wrong for all of them: nothing written.
        album_error = "album not tagged: " + std::to_string(batch.failed()) + " of " +
                      std::to_string(n) + " files could not be measured";
        std::cerr << "tapeop: " << album_error << "\n";
    }
    if (g.json) {
        Json out = json_envelope();
        out["dry_run"] = o.dry_run;
        out["files"] = Json::array();
        for (std::size_t i = 0; i < n; ++i) {
            if (edits[i])
                out["files"].push_back(edit_json(o.files[i], *measured[i], *edits[i]));
            else
                out["files"].push_back(
                    {{"input", o.files[i]},
                     {"error", batch.errors[i].empty() ? album_error : batch.errors[i]}});
        }
        if (album)
            out["album"] = levels_json(*album, false);
        print_json(out);
    } else if (!g.quiet) {
        for (std::size_t i = 0; i < n; ++i)
            if (edits[i])
                print_edit(o.files[i], *edits[i], o.dry_run);
    }
    if (!album_error.empty())
        return batch.failed() == n ? 2 : 1;
    return batch.exit_code();
}

} // namespace

void register_tag(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<TagOptions>();
    auto* sub = app.add_subcommand(
        "tag", "Write loudness tags in place (ReplayGain 2.0, R128 for Opus, bext v2 for WAV) "
               "without changing the audio");
    sub->add_option("files", opts->files,
                    "Audio files (FLAC, Ogg Vorbis, MP3, MP4/M4A, Opus, WAV, RF64)")
        ->required();
    sub->add_flag("--album", opts->album,
                  "Also write album gain and peak: all files measured together as one album "
                  "(nothing is written when a file cannot be measured)");
    sub->add_flag("--dry-run", opts->dry_run, "Measure and show the tags; write nothing");
    sub->footer(
        "FLAC, Ogg Vorbis (Vorbis comments), MP3 (ID3v2 TXXX) and MP4/M4A (iTunes freeform "
        "atoms ----:com.apple.iTunes:...): REPLAYGAIN_TRACK_GAIN = -18 - "
        "integrated loudness (\"%.2f dB\"), REPLAYGAIN_TRACK_PEAK = true peak as a linear "
        "value, as loudgain writes them; with --album REPLAYGAIN_ALBUM_GAIN/PEAK. Opus: "
        "R128_TRACK_GAIN (and R128_ALBUM_GAIN), Q7.8 relative to -23 LUFS (RFC 7845); the "
        "header's output gain is left as it is. WAV/RF64: bext version 2 loudness fields (EBU "
        "Tech 3285). Each file is replaced atomically by an edited copy; a file that already "
        "holds these values is not touched. Exit 0 all tagged, 1 some failed, 2 none.");
    sub->callback(
        [opts, &ctx] { ctx.action = [opts, &ctx] { return run_tag(*opts, ctx.global); }; });
}

} // namespace tapeop::cli
