// tapeop split IN -o DIR: cut a long recording into takes at silences (the registry's `split`).
#include "common.hpp"
#include "stems_common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/passes/trim.hpp"
#include "tapeop/units.hpp"

#include <cstdio>

namespace tapeop::cli {

void add_fade_options(CLI::App* sub, std::optional<std::string>& in,
                      std::optional<std::string>& out,
                      std::optional<std::string>& curve); // cmd_trim.cpp

namespace {

struct SplitOptions {
    std::string input;
    std::string output;
    std::optional<std::string> silence, pad, min_gap, min_take, fade_in, fade_out, curve;
    OutputOptions out;
};

int run_split(const SplitOptions& o, const GlobalOptions& g) {
    const passes::SplitSettings s =
        passes::split_settings_from(step_params("split", {{"silence", o.silence},
                                                          {"pad", o.pad},
                                                          {"min_gap", o.min_gap},
                                                          {"min_take", o.min_take},
                                                          {"fade_in", o.fade_in},
                                                          {"fade_out", o.fade_out},
                                                          {"curve", o.curve}}));
    const io::FileInfo fi = io::probe(o.input);
    const double rate = fi.sample_rate;
    const std::vector<passes::Take> takes =
        passes::split_file(o.input, o.output, s, o.out.settings());
    if (g.json) {
        Json j = json_envelope();
        j["input"] = o.input;
        j["outputs"] = Json::array();
        for (std::size_t k = 0; k < takes.size(); ++k)
            j["outputs"].push_back({{"path", takes[k].output},
                                    {"take", k + 1},
                                    {"start_s", takes[k].range.start / rate},
                                    {"end_s", takes[k].range.end / rate},
                                    {"duration_s", takes[k].range.frames() / rate},
                                    {"start_frame", takes[k].range.start},
                                    {"end_frame", takes[k].range.end}});
        print_json(j);
    } else if (!g.quiet) {
        std::printf("%-5s %-12s %-12s %-12s %s\n", "take", "start", "end", "length", "file");
        for (std::size_t k = 0; k < takes.size(); ++k)
            std::printf("%-5zu %-12s %-12s %-12s %s\n", k + 1,
                        format_timestamp(takes[k].range.start / rate).c_str(),
                        format_timestamp(takes[k].range.end / rate).c_str(),
                        format_timestamp(takes[k].range.frames() / rate).c_str(),
                        takes[k].output.c_str());
    }
    return 0;
}

} // namespace

void register_split(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<SplitOptions>();
    auto* sub = app.add_subcommand("split", "Split a long recording into takes at silences");
    sub->add_option("input", o->input, "Audio file")->required();
    sub->add_option("-o,--output", o->output, "Folder for the takes: {name}-take01.wav, ...")
        ->required();
    sub->add_option("--silence", o->silence,
                    "Threshold: samples at or under it are silence (default -60dBFS)");
    sub->add_option("--min-gap", o->min_gap, "Shortest silence between takes (default 2s)");
    sub->add_option("--min-take", o->min_take,
                    "Drop bursts of audio shorter than this (default 0: keep all)");
    sub->add_option("--pad", o->pad, "Silence kept around each take (default 200ms)");
    add_fade_options(sub, o->fade_in, o->fade_out, o->curve);
    add_output_options(sub, o->out, out_bits | out_dither);
    sub->footer("Prints a table of the takes' start and end times (--json too).\n"
                "Example: tapeop split session.wav -o takes/ --min-gap 3s --silence -55dBFS");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_split(*o, ctx.global); }; });
}

} // namespace tapeop::cli
