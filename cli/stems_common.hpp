#pragma once
// Shared by the stem-prep subcommands (gain, normalize, gainstage, mix, trim, split): step
// parameters from CLI options through the registry, output settings, and the multi-file runner.
#include "common.hpp"
#include "progress.hpp"

#include "tapeop/passes/render.hpp"
#include "tapeop/steps/registry.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tapeop::cli {

// Options as typed, by registry key; unset ones take the registry's defaults.
using StepOptions = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Parses `options` as the registry step `step` would ("key=value" words), so the CLI and a
// recipe give the same values. Errors name the option as --key.
steps::ParamValues step_params(const std::string& step, const StepOptions& options);

struct OutputOptions {
    std::optional<std::string> bits;
    std::string dither = "auto";
};
void add_output_options(CLI::App* sub, OutputOptions& o);
passes::OutputSettings output_settings(const OutputOptions& o);

// Runs job(i, output_path) for every input on the global -j threads. One input writes to
// `output` (a file, or a folder when it is one); several need a folder. Each failure is
// printed as one line; returns the exit code: 0 all done, 1 some failed, 2 none could be done.
// `job` returns false to count as failed without an exception (its message printed by it).
struct BatchJob {
    std::string input;
    std::string output;
    std::string error;
};
int run_batch(const GlobalOptions& g, const std::vector<std::string>& inputs, const std::string& output,
              const std::string& verb, const std::function<void(std::size_t, BatchJob&, Progress&)>& job,
              std::vector<BatchJob>* jobs_out = nullptr);

// "-1.00" style levels and "+3.20" style gains.
std::string text_gain(double db);

} // namespace tapeop::cli
