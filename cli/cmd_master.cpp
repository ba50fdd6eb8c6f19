// tapeop master IN... -o OUT [--preset NAME] [--target LUFS] [--ceiling DBTP] [--deliver
// PRESET:PATH]... Thin: options -> passes::master_file -> print. The EQ/compressor options are
// registry steps.
#include "batch.hpp"
#include "common.hpp"

#include "tapeop/batch/stale_temps.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/text_file.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/passes/master.hpp"
#include "tapeop/presets.hpp"
#include "tapeop/report/master_page.hpp"
#include "tapeop/report/page.hpp"
#include "tapeop/steps/registry.hpp"
#include "tapeop/units.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

namespace tapeop::cli {
namespace {

struct MasterOptions {
    std::vector<std::string> inputs;
    std::string output;
    std::optional<std::string> target, ceiling, preset, highpass, compress, tolerance;
    std::vector<std::string> eq, deliver;
    OutputOptions out;
    std::string report; // --report PAGE.html (several inputs: with {name})
};

struct Plan {
    const steps::Registry& registry = steps::builtin_registry();
    std::vector<std::pair<const steps::StepSpec*, steps::ParamValues>> chain;
    passes::LoudnessSettings loudness;
    // Per input: deliverables (paths resolved at run time from these templates).
    struct Target {
        std::string path; // -o OUT, or a --deliver path (may hold {name})
        bool from_o = false;
        passes::Deliverable d;
    };
    std::vector<Target> targets;
};

// The deliverable's settings: `given` (the options typed) over the preset's (with_preset).
void apply_delivery(passes::Deliverable& d, const DeliveryValues& given,
                    const DeliveryPreset* preset) {
    if (preset)
        d.preset = std::string(preset->name);
    const DeliveryValues v = with_preset(given, preset);
    d.target_lufs = v.target_lufs;
    d.ceiling_dbtp = v.ceiling_dbtp;
    if (v.sample_rate)
        d.output.sample_rate = v.sample_rate;
    if (v.bits)
        d.output.bits = v.bits;
}

Plan make_plan(const MasterOptions& o) {
    Plan plan;
    auto add_step = [&](const char* name, const std::string& text, const char* option) {
        const steps::StepSpec& spec = plan.registry.get(name);
        try {
            plan.chain.emplace_back(&spec, steps::parse_option(spec, text));
        } catch (const UsageError& e) {
            throw UsageError(std::string(option) + " '" + text + "': " + e.message());
        }
    };
    if (o.highpass)
        add_step("highpass", *o.highpass, "--highpass");
    for (const auto& e : o.eq)
        add_step("eq", e, "--eq");
    if (o.compress)
        add_step("compress", *o.compress, "--compress");

    // --target, --ceiling and --tolerance are the `loudness` step's parameters (units, ranges).
    const steps::ParamValues lv = step_params(
        "loudness", {{"target", o.target}, {"ceiling", o.ceiling}, {"tolerance", o.tolerance}});
    auto& ls = plan.loudness;
    ls.target_lufs = lv.number("target");
    ls.ceiling_dbtp = lv.number("ceiling");
    ls.tolerance_lu = lv.number("tolerance");
    const passes::OutputSettings common = o.out.settings();

    DeliveryValues given;
    if (lv.given("target"))
        given.target_lufs = ls.target_lufs;
    if (lv.given("ceiling"))
        given.ceiling_dbtp = ls.ceiling_dbtp;
    given.sample_rate = common.sample_rate;
    given.bits = common.bits;
    if (!o.output.empty()) {
        Plan::Target t;
        t.path = o.output;
        t.from_o = true;
        t.d.output = common;
        apply_delivery(t.d, given, o.preset ? &find_preset(*o.preset) : nullptr);
        plan.targets.push_back(t);
    } else if (o.preset) {
        throw UsageError("--preset applies to -o OUT; for deliverables use --deliver PRESET:PATH");
    }
    for (const auto& spec : o.deliver) {
        const auto colon = spec.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size())
            throw UsageError("--deliver '" + spec +
                             "': expected PRESET:PATH (e.g. spotify:song-spotify.flac)");
        Plan::Target t;
        t.path = spec.substr(colon + 1);
        t.d.output.dither = common.dither;
        apply_delivery(t.d, {}, &find_preset(spec.substr(0, colon)));
        io::container_for_path(t.path); // a bad extension is a usage error now, not per file
        plan.targets.push_back(t);
    }
    if (plan.targets.empty())
        throw UsageError("nothing to write: give -o OUT and/or --deliver PRESET:PATH");
    if (!o.report.empty()) {
        if (o.inputs.size() > 1 && o.report.find("{name}") == std::string::npos)
            throw UsageError("--report " + o.report +
                             ": with several inputs the path needs {name} (the input's stem)");
        ls.gain_trace_columns = report::plot_columns;
    }
    if (o.inputs.size() > 1)
        for (const auto& t : plan.targets)
            if (!t.from_o && t.path.find("{name}") == std::string::npos)
                throw UsageError("--deliver " + t.path +
                                 ": with several inputs the path needs {name} (the input's stem)");
    return plan;
}

std::string resolve(const Plan::Target& t, const std::string& input, bool out_is_dir,
                    const MasterOptions& o) {
    if (t.from_o)
        return io::output_path_for(input, t.path, out_is_dir, o.out.extension());
    std::string p = t.path;
    const std::string stem = std::filesystem::path(input).stem().string();
    for (auto at = p.find("{name}"); at != std::string::npos;
         at = p.find("{name}", at + stem.size()))
        p.replace(at, 6, stem);
    return p;
}

Json measurement_json(const passes::Measurement& m) {
    return {{"integrated_lufs", json_level(m.integrated_lufs)},
            {"loudness_range_lu", json_level(m.loudness_range_lu)},
            {"true_peak_dbtp", json_level(m.true_peak_dbtp)},
            {"sample_peak_dbfs", json_level(m.sample_peak_dbfs)}};
}

Json report_json(const passes::MasterReport& r) {
    Json f = {{"input", r.input}, {"before", measurement_json(r.before)}};
    if (r.pre_chain.integrated_lufs != r.before.integrated_lufs ||
        r.pre_chain.true_peak_dbtp != r.before.true_peak_dbtp)
        f["after_chain"] = measurement_json(r.pre_chain);
    f["passes"] = r.passes;
    Json outs = Json::array();
    for (const auto& d : r.deliverables) {
        Json j = {{"path", d.path},
                  {"preset", d.preset.empty() ? Json(nullptr) : Json(d.preset)},
                  {"target_lufs", d.target_lufs},
                  {"ceiling_dbtp", d.ceiling_dbtp},
                  {"sample_rate", d.spec.sample_rate},
                  {"channels", d.spec.channels},
                  {"subtype", io::sample_format_name(d.spec.sample_format)},
                  {"dithered", d.dithered},
                  {"after", measurement_json(d.after)},
                  {"gain_db", json_level(d.gain_db)},
                  {"limiter",
                   {{"ceiling_dbtp", json_level(d.limiter_ceiling_dbtp)},
                    {"max_gain_reduction_db", json_level(d.limiter.max_gain_reduction_db)},
                    {"average_gain_reduction_db", json_level(d.limiter.average_gain_reduction_db)},
                    {"active_share", d.limiter.active_share}}},
                  {"render_passes", d.render_passes},
                  {"warnings", d.warnings}};
        outs.push_back(j);
    }
    f["outputs"] = outs;
    f["warnings"] = r.warnings;
    return f;
}

void print_report(const passes::MasterReport& r) {
    std::printf("%s\n", r.input.c_str());
    std::printf("  before:   %8s LUFS  LRA %5s LU  %7s dBTP\n",
                text_level(r.before.integrated_lufs).c_str(),
                text_level(r.before.loudness_range_lu, 1).c_str(),
                text_level(r.before.true_peak_dbtp).c_str());
    if (r.pre_chain.integrated_lufs != r.before.integrated_lufs)
        std::printf("  chain:    %8s LUFS  LRA %5s LU  %7s dBTP\n",
                    text_level(r.pre_chain.integrated_lufs).c_str(),
                    text_level(r.pre_chain.loudness_range_lu, 1).c_str(),
                    text_level(r.pre_chain.true_peak_dbtp).c_str());
    for (const auto& d : r.deliverables) {
        std::printf("  -> %s%s%s (target %.1f LUFS, ceiling %.1f dBTP; %d Hz %s)\n", d.path.c_str(),
                    d.preset.empty() ? "" : " [", d.preset.empty() ? "" : (d.preset + "]").c_str(),
                    d.target_lufs, d.ceiling_dbtp, d.spec.sample_rate,
                    std::string(io::sample_format_name(d.spec.sample_format)).c_str());
        std::printf("     after:  %8s LUFS  LRA %5s LU  %7s dBTP\n",
                    text_level(d.after.integrated_lufs).c_str(),
                    text_level(d.after.loudness_range_lu, 1).c_str(),
                    text_level(d.after.true_peak_dbtp).c_str());
        std::printf(
            "     gain %+.2f dB; limiter max %.2f dB, average %.2f dB, active %.1f%% of the time; "
            "%d render pass%s\n",
            d.gain_db, d.limiter.max_gain_reduction_db, d.limiter.average_gain_reduction_db,
            100.0 * d.limiter.active_share, d.render_passes, d.render_passes == 1 ? "" : "es");
    }
    std::printf("  passes over the input: %d\n", r.passes);
}

int run_master(const MasterOptions& o, const GlobalOptions& g) {
    const Plan plan = make_plan(o);
    const std::size_t n = o.inputs.size();
    // -o: a folder (several inputs, an existing folder, "DIR/") is created when missing.
    const bool out_is_dir = !o.output.empty() && io::prepare_output(o.output, n);

    // Resolve every output path up front: a clash with an input is a usage error.
    std::vector<std::vector<passes::Deliverable>> jobs(n);
    for (std::size_t i = 0; i < n; ++i)
        for (const auto& t : plan.targets) {
            passes::Deliverable d = t.d;
            d.path = resolve(t, o.inputs[i], out_is_dir, o);
            io::refuse_overwriting_inputs(d.path, o.inputs, o.out.in_place);
            io::ensure_parent_folder(d.path); // --deliver paths may name a new folder
            jobs[i].push_back(d);
        }
    // What a killed master left (its verification copies, the writer's temporaries) goes now.
    std::set<std::string> folders;
    for (const auto& job : jobs)
        for (const auto& d : job)
            folders.insert(std::filesystem::path(d.path).parent_path().string());
    for (const auto& dir : folders)
        batch::remove_stale_temporaries(dir.empty() ? "." : dir);

    const passes::ChainBuilder builder = [&plan](dsp::Chain& chain, const dsp::StreamSpec& spec) {
        steps::StepContext ctx;
        ctx.stream = spec;
        for (const auto& [spec_ptr, values] : plan.chain)
            chain.add(spec_ptr->make(values, ctx));
    };
    // --report: one page per input, resolved and checked against the inputs up front.
    std::vector<std::string> pages(n);
    if (!o.report.empty())
        for (std::size_t i = 0; i < n; ++i) {
            Plan::Target t;
            t.path = o.report;
            pages[i] = resolve(t, o.inputs[i], false, o);
            io::refuse_overwriting_inputs(pages[i], o.inputs, false);
            for (const auto& d : jobs[i])
                if (d.path == pages[i])
                    throw UsageError("--report would overwrite a deliverable", pages[i]);
            io::ensure_parent_folder(pages[i]);
        }
    std::vector<std::optional<passes::MasterReport>> reports(n);
    const FileBatch batch =
        for_each_file(g, o.inputs, [&](std::size_t i, const passes::Progress& done, Progress&) {
            reports[i] = passes::master_file(o.inputs[i], builder, plan.loudness, jobs[i], done);
            if (!pages[i].empty()) {
                report::MasterPage page = report::collect_master_page(*reports[i]);
                page.tolerance_lu = plan.loudness.tolerance_lu;
                io::write_text_file(pages[i], report::render_master_page(page));
            }
        });
    const std::vector<std::string>& errors = batch.errors;
    if (!g.quiet)
        for (const auto& r : reports)
            if (r)
                for (const auto& w : r->warnings)
                    std::cerr << "tapeop: warning: " << w << "\n";
    if (g.json) {
        Json out = json_envelope();
        out["files"] = Json::array();
        for (std::size_t i = 0; i < n; ++i) {
            out["files"].push_back(reports[i] ? report_json(*reports[i])
                                              : Json{{"input", o.inputs[i]}, {"error", errors[i]}});
            if (reports[i] && !pages[i].empty() && errors[i].empty())
                out["files"].back()["report"] = pages[i];
        }
        print_json(out);
    } else if (!g.quiet) {
        for (const auto& r : reports)
            if (r)
                print_report(*r);
    }
    return batch.exit_code();
}

} // namespace

void register_master(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<MasterOptions>();
    auto* sub = app.add_subcommand(
        "master",
        "Master to a loudness target: optional EQ and compression, then gain and a true-peak "
        "limiter, iterated until on target; dither; write");
    sub->add_option("inputs", o->inputs, "Input files")->required();
    sub->add_option(
        "-o,--output", o->output,
        "Output file (one input) or existing folder (several: stem + extension of the input, "
        "or --ext)");
    sub->add_option("--target", o->target,
                    "Integrated loudness target, LUFS (default -14, or the preset's)");
    sub->add_option("--ceiling", o->ceiling,
                    "True-peak ceiling, dBTP (default -1, or the preset's)");
    sub->add_option("--preset", o->preset,
                    "Target, ceiling, rate and bits of a platform: " + preset_names());
    sub->add_option(
        "--deliver", o->deliver,
        "Another deliverable from the same master: PRESET:PATH (repeatable; with several inputs "
        "PATH needs {name}), e.g. cd:{name}-cd.wav");
    sub->add_option(
        "--eq", o->eq,
        "An EQ band (repeatable), e.g. \"peak 3kHz -1.5dB q=1\", \"lowshelf 100Hz 2dB\"");
    sub->add_option("--highpass", o->highpass, "High-pass first, e.g. 25Hz or \"30Hz slope=24\"");
    sub->add_option("--compress", o->compress,
                    "Compressor before the loudness stage, e.g. \"threshold=-20dBFS ratio=2\"");
    OutputHelp help;
    help.rate = "Output sample rate (default: the input's)";
    help.bits = "Output sample format: 16, 24, 32 or float (default: the input's)";
    help.dither = "auto (TPDF when reducing to 16/24-bit), tpdf, shaped or none";
    add_output_options(sub, o->out, out_rate | out_bits | out_dither | out_ext, help);
    sub->add_option("--tolerance", o->tolerance, "How close to the target, LU (default 0.1)");
    add_output_options(sub, o->out, out_in_place, help);
    sub->add_option("--report", o->report,
                    "Also write a self-contained HTML page of the master: loudness and true peak "
                    "before and after, the limiter's gain reduction, each deliverable's verified "
                    "figures, the passes (several inputs: the path needs {name})");
    sub->footer(
        "Presets (target LUFS / ceiling dBTP): spotify -14/-1, apple-music -16/-1, youtube -14/-1, "
        "amazon-music -14/-2, tidal -14/-1, deezer -15/-1, ebu-r128 -23/-1, atsc-a85 -24/-2, "
        "apple-podcasts -16/-1 (44.1 kHz), cd (--target / -1, 44.1 kHz 16-bit dithered).\n"
        "Every output is measured as written (MP3/Ogg/Opus: decoded) and rewritten until it is "
        "within "
        "the tolerance of its target and at or under its ceiling. Exit 0 all done, 1 some inputs "
        "failed, 2 none could be done.");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_master(*o, ctx.global); }; });
}

} // namespace tapeop::cli
