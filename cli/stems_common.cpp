#include "stems_common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/parallel.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace tapeop::cli {

steps::ParamValues step_params(const std::string& step, const StepOptions& options) {
    static const steps::Registry registry = steps::builtin_registry();
    const steps::StepSpec& spec = registry.get(step);
    std::vector<std::string> words;
    for (const auto& [key, value] : options)
        if (value) words.push_back(key + "=" + *value);
    std::size_t at = 0;
    try {
        return steps::parse_params(spec, words, &at);
    } catch (const UsageError& e) {
        std::string key = at < words.size() ? words[at].substr(0, words[at].find('=')) : "";
        std::replace(key.begin(), key.end(), '_', '-');
        throw UsageError(key.empty() ? e.message() : "--" + key + ": " + e.message());
    }
}

void add_output_options(CLI::App* sub, OutputOptions& o) {
    sub->add_option("--bits", o.bits, "Output sample format: 16, 24, 32 or float (default: as the input)");
    sub->add_option("--dither", o.dither,
                    "auto (TPDF when the audio changed and the output is 16/24-bit), tpdf, shaped, none");
}

passes::OutputSettings output_settings(const OutputOptions& o) {
    passes::OutputSettings s;
    if (o.bits) s.bits = io::parse_bits(*o.bits);
    s.dither = passes::parse_dither(o.dither);
    return s;
}

int run_batch(const GlobalOptions& g, const std::vector<std::string>& inputs, const std::string& output,
              const std::string& verb, const std::function<void(std::size_t, BatchJob&, Progress&)>& job,
              std::vector<BatchJob>* jobs_out) {
    std::error_code ec;
    const bool out_is_dir = std::filesystem::is_directory(output, ec);
    if (inputs.size() > 1 && !out_is_dir)
        throw UsageError("with several inputs -o must name an existing folder", output);
    std::vector<BatchJob> jobs(inputs.size());
    double total_s = 0.0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        jobs[i].input = inputs[i];
        jobs[i].output = io::output_path_for(inputs[i], output, out_is_dir);
        io::refuse_overwriting_inputs(jobs[i].output, inputs, false);
        for (std::size_t k = 0; k < i; ++k)
            if (jobs[k].output == jobs[i].output)
                throw UsageError("two inputs would be written to the same file", jobs[i].output);
        try {
            total_s += io::probe(inputs[i]).duration_s();
        } catch (const Error&) {
            // reported by the job
        }
    }
    Progress progress(g, inputs.size(), total_s);
    parallel_for(jobs.size(), g.jobs, [&](std::size_t i) {
        try {
            job(i, jobs[i], progress);
            progress.job_done(jobs[i].input, true);
        } catch (const Error& e) {
            jobs[i].error = e.what();
            progress.job_done(jobs[i].input, false);
        }
    });
    progress.finish();
    std::size_t failed = 0;
    for (const auto& j : jobs)
        if (!j.error.empty()) {
            std::cerr << "tapeop: " << j.error << "\n";
            ++failed;
        }
    (void)verb;
    if (jobs_out) *jobs_out = std::move(jobs);
    return failed == 0 ? 0 : failed == inputs.size() ? 2 : 1;
}

std::string text_gain(double db) {
    if (!std::isfinite(db)) return text_level(db);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.2f", db);
    return buf;
}

} // namespace tapeop::cli
