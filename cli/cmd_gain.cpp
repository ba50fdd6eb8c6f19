// tapeop gain IN... -o OUT --db X: a fixed gain (the registry's `gain` step).
#include "common.hpp"
#include "stems_common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/passes/normalize.hpp"

#include <cstdio>
#include <iostream>

namespace tapeop::cli {
namespace {

struct GainOptions {
    std::vector<std::string> inputs;
    std::string output;
    std::string db;
    OutputOptions out;
};

int run_gain(const GainOptions& o, const GlobalOptions& g) {
    const steps::ParamValues v = step_params("gain", {{"db", o.db}});
    const double gain_db = v.number("db");
    const passes::OutputSettings out = o.out.settings();
    std::vector<std::optional<passes::GainResult>> results(o.inputs.size());
    std::vector<BatchJob> jobs;
    const int code = run_batch(
        g, o.inputs, o.output,
        [&](std::size_t i, BatchJob& j, const passes::Progress& done) {
            results[i] = passes::render_gain(j.input, j.output, gain_db, out, std::nullopt,
                                             std::nullopt, done);
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
            j["files"].push_back({{"input", jobs[i].input},
                                  {"output", jobs[i].output},
                                  {"gain_db", json_level(r.gain_db)},
                                  {"after",
                                   {{"sample_peak_dbfs", json_level(r.sample_peak_after_dbfs)},
                                    {"true_peak_dbtp", json_level(r.true_peak_after_dbtp)}}},
                                  {"clipped_samples", r.clipped_samples}});
        }
        print_json(j);
    } else if (!g.quiet) {
        for (std::size_t i = 0; i < jobs.size(); ++i)
            if (results[i])
                std::printf("%s -> %s: %s dB, peak %s dBFS, true peak %s dBTP\n",
                            jobs[i].input.c_str(), jobs[i].output.c_str(),
                            text_gain(gain_db).c_str(),
                            text_level(results[i]->sample_peak_after_dbfs).c_str(),
                            text_level(results[i]->true_peak_after_dbtp).c_str());
    }
    for (std::size_t i = 0; i < jobs.size(); ++i)
        if (results[i] && results[i]->clipped_samples > 0)
            std::cerr << "tapeop: warning: " << jobs[i].output << ": "
                      << results[i]->clipped_samples << " samples clipped at full scale\n";
    return code;
}

} // namespace

void register_gain(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<GainOptions>();
    auto* sub = app.add_subcommand("gain", "Change the level by a fixed amount (dB)");
    sub->add_option("inputs", o->inputs, "Audio files")->required();
    sub->add_option("-o,--output", o->output, "Output file, or a folder for several inputs")
        ->required();
    sub->add_option("--db", o->db, "Gain in dB: -3, +2.5, 6dB")->required();
    add_output_options(sub, o->out, out_bits | out_dither);
    sub->footer("A plain multiply: nothing else changes. Warns when an integer output clips.\n"
                "Example: tapeop gain take1.wav take2.wav -o gained/ --db -3");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_gain(*o, ctx.global); }; });
}

} // namespace tapeop::cli
