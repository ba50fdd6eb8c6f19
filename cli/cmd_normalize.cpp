// tapeop normalize IN... -o OUT (--peak|--true-peak|--rms|--lufs LEVEL) [--ceiling DBTP] [--album]
// The registry's `normalize` step: measure, then one pure gain (per file, or per album).
#include "common.hpp"
#include "stems_common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/parallel.hpp"
#include "tapeop/passes/normalize.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace tapeop::cli {
namespace {

struct NormalizeOptions {
    std::vector<std::string> inputs;
    std::string output;
    std::optional<std::string> peak, true_peak, rms, lufs, ceiling;
    bool album = false;
    OutputOptions out;
};

// The analyze key a mode's level is reported under (before/after objects).
const char* level_key(passes::NormalizeMode m) {
    switch (m) {
    case passes::NormalizeMode::peak:
        return "sample_peak_dbfs";
    case passes::NormalizeMode::true_peak:
        return "true_peak_dbtp";
    case passes::NormalizeMode::rms:
        return "rms_dbfs";
    case passes::NormalizeMode::lufs:
        return "integrated_lufs";
    }
    return "level";
}

// What the first pass measured: peaks always, RMS and loudness in their modes.
Json before_json(const passes::LevelScan& s) {
    Json b = {{"sample_peak_dbfs", json_level(s.sample_peak_dbfs)},
              {"true_peak_dbtp", json_level(s.true_peak_dbtp)}};
    if (!std::isnan(s.rms_dbfs))
        b["rms_dbfs"] = json_level(s.rms_dbfs);
    if (!std::isnan(s.integrated_lufs))
        b["integrated_lufs"] = json_level(s.integrated_lufs);
    return b;
}

struct Row {
    std::optional<passes::LevelScan> scan;
    std::optional<passes::NormalizeResult> result;
    std::string output;
    std::string error;
    std::vector<std::string> warnings;
};

passes::NormalizeSettings settings_from(const NormalizeOptions& o) {
    int given = 0;
    std::string mode, level;
    for (const auto& [name, value] :
         {std::pair{"peak", o.peak}, {"true-peak", o.true_peak}, {"rms", o.rms}, {"lufs", o.lufs}})
        if (value) {
            ++given;
            mode = name;
            level = *value;
        }
    if (given != 1)
        throw UsageError("normalize needs exactly one of --peak, --true-peak, --rms or --lufs");
    try {
        return passes::normalize_settings_from(
            step_params("normalize", {{"mode", mode}, {"level", level}, {"ceiling", o.ceiling}}));
    } catch (const UsageError& e) {
        // "--level" is the mode's option here.
        std::string m = e.message();
        if (m.rfind("--level", 0) == 0)
            m.replace(0, 7, "--" + mode);
        throw UsageError(m);
    }
}

int run_normalize(const NormalizeOptions& o, const GlobalOptions& g) {
    const passes::NormalizeSettings s = settings_from(o);
    const passes::OutputSettings out = o.out.settings();
    const std::size_t n = o.inputs.size();
    const bool out_is_dir = io::prepare_output(o.output, n);
    std::vector<Row> rows(n);
    std::vector<int> rates(n, 0);
    double total_s = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        rows[i].output = io::output_path_for(o.inputs[i], o.output, out_is_dir);
        io::refuse_overwriting_inputs(rows[i].output, o.inputs, false);
        try {
            const io::FileInfo fi = io::probe(o.inputs[i]);
            rates[i] = fi.sample_rate;
            total_s += 2 * fi.duration_s();
        } catch (const Error&) {
        }
    }
    Progress progress(g, n, total_s);
    auto advance = [&](std::size_t i) {
        return [&, i, last = std::int64_t{0}](std::int64_t done) mutable {
            if (rates[i] > 0)
                progress.advance(o.inputs[i], double(done - last) / rates[i]);
            last = done;
        };
    };
    // Pass 1: measure every file (all of them first in album mode).
    parallel_for(n, g.jobs, [&](std::size_t i) {
        try {
            rows[i].scan = passes::scan_levels(o.inputs[i], s.mode, advance(i));
        } catch (const std::exception& e) {
            rows[i].error = error_line(e, o.inputs[i]);
        }
    });
    std::optional<double> album_gain;
    double album_before = 0.0;
    if (o.album) {
        std::vector<const passes::LevelScan*> scans;
        for (const auto& r : rows)
            if (r.scan)
                scans.push_back(&*r.scan);
        if (scans.size() < n) {
            // An album gain from part of the album would be wrong for all of it.
            for (auto& r : rows)
                if (r.error.empty())
                    r.error = "not normalized: another file of the album could not be read";
        } else {
            album_before = passes::album_level(scans, s.mode);
            try {
                album_gain = passes::gain_to_reach(album_before, s.level, "the album");
            } catch (const Error& e) {
                for (auto& r : rows)
                    r.error = e.what();
            }
        }
    }
    // Pass 2: gain (and limiter when asked and needed) into the outputs.
    parallel_for(n, g.jobs, [&](std::size_t i) {
        Row& r = rows[i];
        if (!r.scan || !r.error.empty()) {
            progress.job_done(o.inputs[i], false);
            return;
        }
        try {
            const double gain =
                album_gain ? *album_gain
                           : passes::gain_to_reach(r.scan->level(s.mode), s.level, o.inputs[i]);
            r.result = passes::render_normalized(*r.scan, gain, s, r.output, out, advance(i));
            const auto& gr = r.result->gain;
            if (gr.clipped_samples > 0)
                r.warnings.push_back(std::to_string(gr.clipped_samples) +
                                     " samples clipped at full scale");
            else if (gr.sample_peak_after_dbfs > 0.0)
                r.warnings.push_back("sample peak " + text_level(gr.sample_peak_after_dbfs) +
                                     " dBFS is over full scale");
            if (!s.ceiling_dbtp && gr.true_peak_after_dbtp > 0.0)
                r.warnings.push_back("true peak " + text_level(gr.true_peak_after_dbtp) +
                                     " dBTP is over 0 dBTP");
            progress.job_done(o.inputs[i], true);
        } catch (const std::exception& e) {
            r.error = error_line(e, o.inputs[i]);
            progress.job_done(o.inputs[i], false);
        }
    });
    progress.finish();

    std::size_t failed = 0;
    for (const auto& r : rows)
        if (!r.error.empty()) {
            std::cerr << "tapeop: " << r.error << "\n";
            ++failed;
        }
    for (const auto& r : rows)
        for (const auto& w : r.warnings)
            std::cerr << "tapeop: warning: " << r.output << ": " << w << "\n";
    const std::string unit(passes::mode_unit(s.mode));
    if (g.json) {
        Json j = json_envelope();
        j["mode"] = std::string(passes::mode_name(s.mode));
        j["target"] = s.level;
        j["files"] = Json::array();
        for (std::size_t i = 0; i < n; ++i) {
            const Row& r = rows[i];
            if (!r.result) {
                j["files"].push_back({{"input", o.inputs[i]}, {"error", r.error}});
                continue;
            }
            const auto& x = *r.result;
            Json after = {{"sample_peak_dbfs", json_level(x.gain.sample_peak_after_dbfs)},
                          {"true_peak_dbtp", json_level(x.gain.true_peak_after_dbtp)}};
            // RMS and loudness after a pure gain are before + gain (measured again when limited).
            if (!after.contains(level_key(s.mode)))
                after[level_key(s.mode)] = json_level(x.level_after);
            j["files"].push_back({{"input", o.inputs[i]},
                                  {"output", r.output},
                                  {"before", before_json(x.before)},
                                  {"gain_db", json_level(x.gain.gain_db)},
                                  {"after", after},
                                  {"limited", x.gain.limited},
                                  {"clipped_samples", x.gain.clipped_samples},
                                  {"warnings", r.warnings}});
        }
        if (album_gain)
            j["album"] = {{"before", {{level_key(s.mode), json_level(album_before)}}},
                          {"gain_db", json_level(*album_gain)},
                          {"after", {{level_key(s.mode), json_level(album_before + *album_gain)}}}};
        print_json(j);
    } else if (!g.quiet) {
        std::printf("%-32s %9s %8s %9s %9s %9s  %s\n", ("file (" + unit + ")").c_str(), "before",
                    "gain", "after", "peak", "dBTP", "notes");
        for (std::size_t i = 0; i < n; ++i) {
            const Row& r = rows[i];
            if (!r.result)
                continue;
            std::string name = o.inputs[i];
            if (name.size() > 32)
                name = "..." + name.substr(name.size() - 29);
            std::string notes = r.result->gain.limited ? "limited" : "";
            if (!r.warnings.empty())
                notes += (notes.empty() ? "" : ", ") + std::string("CLIPS");
            std::printf("%-32s %9s %8s %9s %9s %9s  %s\n", name.c_str(),
                        text_level(r.result->before.level(s.mode)).c_str(),
                        text_gain(r.result->gain.gain_db).c_str(),
                        text_level(r.result->level_after).c_str(),
                        text_level(r.result->gain.sample_peak_after_dbfs).c_str(),
                        text_level(r.result->gain.true_peak_after_dbtp).c_str(), notes.c_str());
        }
        if (album_gain)
            std::printf("%-32s %9s %8s %9s\n", "(album)", text_level(album_before).c_str(),
                        text_gain(*album_gain).c_str(),
                        text_level(album_before + *album_gain).c_str());
    }
    if (failed == 0)
        return 0;
    return failed == n ? 2 : 1;
}

} // namespace

void register_normalize(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<NormalizeOptions>();
    auto* sub = app.add_subcommand(
        "normalize", "Set the level with one pure gain: peak, true peak, RMS or loudness");
    sub->add_option("inputs", o->inputs, "Audio files")->required();
    sub->add_option("-o,--output", o->output, "Output file, or a folder for several inputs")
        ->required();
    sub->add_option("--peak", o->peak, "Sample peak target, dBFS (e.g. -1)");
    sub->add_option("--true-peak", o->true_peak,
                    "True-peak target, dBTP (BS.1770-5, 4x oversampled)");
    sub->add_option("--rms", o->rms, "RMS target, dBFS (a full-scale sine is -3.01 dBFS)");
    sub->add_option("--lufs", o->lufs, "Integrated loudness target, LUFS (BS.1770-5)");
    sub->add_option("--ceiling", o->ceiling,
                    "True-peak ceiling, dBTP: a true-peak limiter follows the gain on files that "
                    "would pass it");
    sub->add_flag("--album", o->album,
                  "One gain for all files: the album as a whole reaches the target, tracks keep "
                  "their relative levels");
    add_output_options(sub, o->out, out_bits | out_dither);
    sub->footer("The gain is a plain multiply (transparent). Without --ceiling nothing stops the "
                "result from "
                "clipping: a warning says so.\nExit 0 all done, 1 some files failed, 2 none.\n"
                "Example: tapeop normalize *.wav -o out/ --lufs -16 --ceiling -1 --album");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_normalize(*o, ctx.global); }; });
}

} // namespace tapeop::cli
