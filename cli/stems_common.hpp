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

// Runs job(i, job, frames_done) for every input (cli/batch.hpp's for_each_file) after
// choosing each output: one input writes to `output` (a file, or a folder when it is one);
// several need a folder. Returns the exit code: 0 all done, 1 some failed, 2 none could be done.
struct BatchJob {
    std::string input;
    std::string output;
    std::string error;
};
int run_batch(const GlobalOptions& g, const std::vector<std::string>& inputs,
              const std::string& output,
              const std::function<void(std::size_t, BatchJob&, const passes::Progress&)>& job,
              std::vector<BatchJob>* jobs_out = nullptr);

} // namespace tapeop::cli
