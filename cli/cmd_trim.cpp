// tapeop trim IN... -o OUT: head/tail silence or cut by times, with optional fades (the
// registry's `trim` step).
#include "common.hpp"
#include "stems_common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/passes/trim.hpp"
#include "tapeop/units.hpp"

#include <cstdio>

namespace tapeop::cli {
namespace {

struct TrimOptions {
    std::vector<std::string> inputs;
    std::string output;
    std::optional<std::string> silence, pad, start, end, duration, fade_in, fade_out, curve;
    OutputOptions out;
};

int run_trim(const TrimOptions& o, const GlobalOptions& g) {
    const passes::TrimSettings s =
        passes::trim_settings_from(step_params("trim", {{"silence", o.silence},
                                                        {"pad", o.pad},
                                                        {"start", o.start},
                                                        {"end", o.end},
                                                        {"duration", o.duration},
                                                        {"fade_in", o.fade_in},
                                                        {"fade_out", o.fade_out},
                                                        {"curve", o.curve}}));
    const passes::OutputSettings out = o.out.settings();
    std::vector<std::optional<passes::TrimResult>> results(o.inputs.size());
    std::vector<BatchJob> jobs;
    const int code = run_batch(
        g, o.inputs, o.output,
        [&](std::size_t i, BatchJob& j, const passes::Progress& done) {
            results[i] = passes::trim_file(j.input, j.output, s, out, done);
        },
        &jobs);
    if (g.json) {
        Json j = json_envelope();
        j["files"] = Json::array();
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            if (!results[i]) {
                j["files"].push_back({{"input", jobs[i].input}, {"error", jobs[i].error}});
                continue;
            }
            const auto& r = *results[i];
            const double rate = r.input.sample_rate;
            j["files"].push_back({{"input", jobs[i].input},
                                  {"output", jobs[i].output},
                                  {"start_s", double(r.kept.start) / rate},
                                  {"end_s", double(r.kept.end) / rate},
                                  {"duration_s", double(r.kept.frames()) / rate},
                                  {"start_frame", r.kept.start},
                                  {"end_frame", r.kept.end},
                                  {"removed_head_s", double(r.kept.start) / rate},
                                  {"removed_tail_s", double(r.input.frames - r.kept.end) / rate}});
        }
        print_json(j);
    } else if (!g.quiet) {
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            if (!results[i])
                continue;
            const auto& r = *results[i];
            const double rate = r.input.sample_rate;
            std::printf("%s -> %s: kept %s to %s (%s); removed %s at the head, %s at the tail\n",
                        jobs[i].input.c_str(), jobs[i].output.c_str(),
                        format_timestamp(r.kept.start / rate).c_str(),
                        format_timestamp(r.kept.end / rate).c_str(),
                        format_timestamp(r.kept.frames() / rate).c_str(),
                        format_timestamp(r.kept.start / rate).c_str(),
                        format_timestamp((r.input.frames - r.kept.end) / rate).c_str());
        }
    }
    return code;
}

} // namespace

void add_fade_options(CLI::App* sub, std::optional<std::string>& in,
                      std::optional<std::string>& out, std::optional<std::string>& curve) {
    sub->add_option("--fade-in", in, "Fade-in over the start of what is kept: 10ms, 0.5s");
    sub->add_option("--fade-out", out, "Fade-out over the end of what is kept");
    sub->add_option("--curve", curve, "Fade shape: linear (default), equal-power or log");
}

void register_trim(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<TrimOptions>();
    auto* sub = app.add_subcommand(
        "trim", "Trim silence at head and tail, or cut by times; optional fades");
    sub->add_option("inputs", o->inputs, "Audio files")->required();
    sub->add_option("-o,--output", o->output, "Output file, or a folder for several inputs")
        ->required();
    sub->add_option("--silence", o->silence,
                    "Threshold: samples at or under it are silence (default -60dBFS)");
    sub->add_option("--pad", o->pad, "Silence kept before and after the audio (default 200ms)");
    sub->add_option("--start", o->start, "Cut by times instead: keep from here (s or ms)");
    sub->add_option("--end", o->end, "... up to here");
    sub->add_option("--duration", o->duration, "... or for this long");
    add_fade_options(sub, o->fade_in, o->fade_out, o->curve);
    add_output_options(sub, o->out, out_bits | out_dither);
    sub->footer(
        "Without fades the kept samples are copied bit for bit.\n"
        "Examples: tapeop trim take.wav -o take-trimmed.wav --silence -50dBFS --pad 100ms\n"
        "          tapeop trim long.wav -o clip.wav --start 30s --duration 10s --fade-out 500ms");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_trim(*o, ctx.global); }; });
}

} // namespace tapeop::cli
