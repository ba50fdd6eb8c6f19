#pragma once
// The multi-file loop every file command shares: probe the files (for the progress total),
// run one job per file on the global -j threads, record each job's error instead of stopping,
// print the errors one line each, and give the exit code (0 all done, 1 some failed, 2 none).
#include "common.hpp"
#include "progress.hpp"

#include "tapeop/passes/render.hpp"

#include <functional>
#include <string>
#include <vector>

namespace tapeop::cli {

struct FileBatch {
    std::vector<std::string> errors; // per file; empty when it succeeded
    std::size_t failed() const;
    int exit_code() const;
};

// `frames_done` reports progress in frames of file i (a new pass may start again from 0).
using FileWork =
    std::function<void(std::size_t i, const passes::Progress& frames_done, Progress& progress)>;

FileBatch for_each_file(const GlobalOptions& g, const std::vector<std::string>& files,
                        const FileWork& work);

} // namespace tapeop::cli
