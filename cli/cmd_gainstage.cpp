// tapeop gainstage STEM... -o DIR: conform stems for a mixing session (passes/gainstage.hpp).
#include "common.hpp"
#include "stems_common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/passes/gainstage.hpp"
#include "tapeop/text/words.hpp"
#include "tapeop/units.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace tapeop::cli {
namespace {

struct GainstageOptions {
    std::vector<std::string> stems;
    std::string output;
    std::optional<std::string> target, max_peak, silence;
    bool no_dc = false;
    OutputOptions out;
};

// The analyze key a target kind's level is reported under (before/after objects).
const char* level_key(passes::StageKind k) {
    switch (k) {
    case passes::StageKind::rms:
        return "rms_dbfs";
    case passes::StageKind::peak:
        return "sample_peak_dbfs";
    case passes::StageKind::lufs:
        return "integrated_lufs";
    }
    return "level";
}

int run_gainstage(const GainstageOptions& o, const GlobalOptions& g) {
    const steps::ParamValues v = step_params(
        "gainstage", {{"target", o.target},
                      {"max_peak", o.max_peak},
                      {"silence", o.silence},
                      {"dc", o.no_dc ? std::optional<std::string>("no") : std::nullopt}});
    passes::GainstageSettings s = passes::gainstage_settings_from(v);
    const passes::OutputSettings out = o.out.settings();
    s.dither = out.dither;
    s.bits = out.bits;
    if (out.sample_rate)
        s.rate = *out.sample_rate;
    double total_s = 0.0;
    for (const auto& p : o.stems)
        try {
            total_s += 2 * io::probe(p).duration_s();
        } catch (const Error&) {
        }
    Progress progress(g, o.stems.size(), total_s);
    const passes::GainstageReport rep =
        passes::gainstage(o.stems, s, o.output, g.jobs,
                          [&](const std::string& p, double sec) { progress.advance(p, sec); });
    for (const auto& st : rep.stems)
        progress.job_done(st.path, st.error.empty());
    progress.finish();
    for (const auto& st : rep.stems)
        if (!st.error.empty())
            std::cerr << "tapeop: " << st.error << "\n";

    const std::string unit = s.kind == passes::StageKind::lufs ? "LUFS" : "dBFS";
    if (g.json) {
        Json j = json_envelope();
        j["target"] = {{"kind", std::string(passes::stage_kind_name(s.kind))}, {"level", s.level}};
        j["max_peak_dbfs"] = s.max_peak_dbfs ? Json(*s.max_peak_dbfs) : Json(nullptr);
        j["sample_rate"] = rep.rate;
        j["subtype"] = std::string(io::sample_format_name(rep.format));
        j["frames"] = rep.frames;
        j["files"] = Json::array();
        for (const auto& st : rep.stems) {
            if (!st.error.empty()) {
                j["files"].push_back({{"input", st.path}, {"error", st.error}});
                continue;
            }
            Json after = {{level_key(s.kind), json_level(st.level_after)}};
            after["sample_peak_dbfs"] = json_level(st.peak_after_dbfs);
            j["files"].push_back({{"input", st.path},
                                  {"output", st.output},
                                  {"rate_in", st.rate_in},
                                  {"rate_out", st.rate_out},
                                  {"before", {{level_key(s.kind), json_level(st.level_before)}}},
                                  {"gain_db", json_level(st.gain_db)},
                                  {"after", after},
                                  {"silent", st.silent},
                                  {"peak_limited", st.peak_limited},
                                  {"dc_removed", st.dc_removed},
                                  {"notes", st.notes}});
        }
        print_json(j);
    } else if (!g.quiet) {
        std::printf("%-28s %13s %9s %8s %9s %9s  %s\n", ("stem (" + unit + ")").c_str(),
                    "rate in/out", "before", "gain", "after", "peak", "notes");
        for (const auto& st : rep.stems) {
            if (!st.error.empty())
                continue;
            std::string name = st.path;
            if (name.size() > 28)
                name = "..." + name.substr(name.size() - 25);
            const std::string rates =
                std::to_string(st.rate_in) + "/" + std::to_string(st.rate_out);
            std::printf("%-28s %13s %9s %8s %9s %9s  %s\n", name.c_str(), rates.c_str(),
                        text_level(st.level_before).c_str(), text_gain(st.gain_db).c_str(),
                        text_level(st.level_after).c_str(), text_level(st.peak_after_dbfs).c_str(),
                        text::join(st.notes).c_str());
        }
        if (rep.rate > 0)
            std::printf("%zu stems -> %s: %d Hz, %s, %s each\n", rep.stems.size() - rep.failed(),
                        o.output.c_str(), rep.rate,
                        std::string(io::sample_format_name(rep.format)).c_str(),
                        format_timestamp(double(rep.frames) / rep.rate).c_str());
    }
    if (rep.failed() == 0)
        return 0;
    return rep.failed() == rep.stems.size() ? 2 : 1;
}

} // namespace

void register_gainstage(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<GainstageOptions>();
    auto* sub = app.add_subcommand(
        "gainstage",
        "Conform stems for a mix: one rate and format, DC removed, levels set, same length");
    sub->add_option("stems", o->stems, "Stem files")->required();
    sub->add_option("-o,--output", o->output, "Folder for the conformed stems (same names)")
        ->required();
    sub->add_option("--target", o->target, "Level target: rms:-18 (default), peak:-6 or lufs:-20");
    sub->add_option("--max-peak", o->max_peak,
                    "Highest sample peak after the gain, dBFS (default -6; rms and lufs targets)");
    OutputHelp help;
    help.rate = "Sample rate (default: the most common among the stems)";
    help.bits = "Sample format: 16, 24, 32 or float (default: the widest among the stems)";
    help.dither = "auto, tpdf, shaped or none";
    add_output_options(sub, o->out, out_rate | out_bits, help);
    sub->add_option("--silence", o->silence,
                    "Stems peaking under this (dBFS, default -60) are left unchanged and flagged");
    sub->add_flag("--no-dc", o->no_dc, "Keep DC offsets");
    add_output_options(sub, o->out, out_dither, help);
    sub->footer("Every stem starts at 0 and is padded with silence to the longest. --json prints "
                "the table as JSON.\n"
                "Example: tapeop gainstage stems/*.wav -o prepped/ --rate 48k --bits 24");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_gainstage(*o, ctx.global); }; });
}

} // namespace tapeop::cli
