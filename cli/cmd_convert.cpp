// tapeop convert IN... -o OUT [--rate HZ] [--bits 16|24|32|float] [--channels mono|stereo|N]
// [--dither auto|tpdf|shaped|none]: rate (libsoxr), sample format (dithered when reducing),
// channel layout and container, through passes::render_file.
#include "batch.hpp"
#include "common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/passes/render.hpp"
#include "tapeop/units.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

namespace tapeop::cli {
namespace {

struct ConvertOptions {
    std::vector<std::string> inputs;
    std::string output;
    std::optional<std::string> channels;
    OutputOptions out;
};

passes::OutputSettings settings_from(const ConvertOptions& o) {
    passes::OutputSettings s = o.out.settings();
    if (o.channels) {
        const std::string& c = *o.channels;
        if (c == "mono")
            s.channels = 1;
        else if (c == "stereo")
            s.channels = 2;
        else {
            std::size_t used = 0;
            int n = 0;
            try {
                n = std::stoi(c, &used);
            } catch (...) {
                used = 0;
            }
            if (used != c.size() || n < 1 || n > 64)
                throw UsageError("--channels " + c +
                                 ": expected mono, stereo or a count from 1 to 64");
            s.channels = n;
        }
    }
    return s;
}

int run_convert(const ConvertOptions& o, const GlobalOptions& g) {
    const passes::OutputSettings settings = settings_from(o);
    const std::size_t n = o.inputs.size();
    const bool dir = io::prepare_output(o.output, n);
    std::vector<std::string> outputs(n);
    for (std::size_t i = 0; i < n; ++i) {
        outputs[i] = io::output_path_for(o.inputs[i], o.output, dir, o.out.extension());
        io::container_for_path(outputs[i]);
        io::refuse_overwriting_inputs(outputs[i], o.inputs, o.out.in_place);
    }
    std::vector<std::optional<passes::RenderResult>> results(n);
    const FileBatch batch =
        for_each_file(g, o.inputs, [&](std::size_t i, const passes::Progress& done, Progress&) {
            io::AudioReader reader(o.inputs[i]);
            dsp::Chain chain;
            results[i] = passes::render_file(reader, chain, outputs[i], settings, {}, done);
        });
    const std::vector<std::string>& errors = batch.errors;
    if (g.json) {
        Json out = json_envelope();
        out["files"] = Json::array();
        for (std::size_t i = 0; i < n; ++i) {
            if (!results[i]) {
                out["files"].push_back({{"input", o.inputs[i]}, {"error", errors[i]}});
                continue;
            }
            const auto& r = *results[i];
            out["files"].push_back({{"input", o.inputs[i]},
                                    {"output", r.path},
                                    {"sample_rate", r.spec.sample_rate},
                                    {"channels", r.spec.channels},
                                    {"subtype", io::sample_format_name(r.spec.sample_format)},
                                    {"frames", r.frames},
                                    {"dithered", r.dithered},
                                    {"clipped_samples", r.clipped_samples}});
        }
        print_json(out);
    } else if (!g.quiet) {
        for (const auto& r : results)
            if (r)
                std::printf("%s: %d Hz, %d ch, %s, %lld frames%s\n", r->path.c_str(),
                            r->spec.sample_rate, r->spec.channels,
                            std::string(io::sample_format_name(r->spec.sample_format)).c_str(),
                            static_cast<long long>(r->frames), r->dithered ? ", dithered" : "");
    }
    for (const auto& r : results)
        if (r && r->clipped_samples > 0 && !g.quiet)
            std::cerr << "tapeop: warning: " << r->clipped_samples
                      << " samples clamped at full scale in " << r->path << "\n";
    return batch.exit_code();
}

} // namespace

void register_convert(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<ConvertOptions>();
    auto* sub = app.add_subcommand("convert",
                                   "Change sample rate (libsoxr, very high quality), sample format "
                                   "(dithered when reducing), channels or container");
    sub->add_option("inputs", o->inputs, "Input files")->required();
    sub->add_option("-o,--output", o->output, "Output file, or folder for several inputs")
        ->required();
    OutputHelp help;
    help.rate = "Sample rate: 44100, 48k, 96kHz (default: keep)";
    help.bits = "Sample format: 16, 24, 32 or float (default: keep)";
    help.dither = "auto (TPDF when the audio changes into 16/24-bit), tpdf, shaped, none";
    add_output_options(sub, o->out, out_rate | out_bits, help);
    sub->add_option("--channels", o->channels,
                    "mono (average), stereo, or a count (default: keep)");
    add_output_options(sub, o->out, out_dither | out_ext | out_in_place, help);
    sub->footer("The container follows the output's extension (" + io::known_extensions() +
                "). An unchanged copy into the same format is bit-identical. Exit 0 all converted, "
                "1 some failed, "
                "2 none.");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_convert(*o, ctx.global); }; });
}

} // namespace tapeop::cli
