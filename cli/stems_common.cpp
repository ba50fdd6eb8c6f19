#include "stems_common.hpp"

#include "batch.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/parallel.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace tapeop::cli {

int run_batch(const GlobalOptions& g, const std::vector<std::string>& inputs,
              const std::string& output,
              const std::function<void(std::size_t, BatchJob&, const passes::Progress&)>& job,
              std::vector<BatchJob>* jobs_out) {
    const bool out_is_dir = io::prepare_output(output, inputs.size());
    std::vector<BatchJob> jobs(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        jobs[i].input = inputs[i];
        jobs[i].output = io::output_path_for(inputs[i], output, out_is_dir);
        io::refuse_overwriting_inputs(jobs[i].output, inputs, false);
        for (std::size_t k = 0; k < i; ++k)
            if (jobs[k].output == jobs[i].output)
                throw UsageError("two inputs would be written to the same file", jobs[i].output);
    }
    const FileBatch batch =
        for_each_file(g, inputs, [&](std::size_t i, const passes::Progress& done, Progress&) {
            job(i, jobs[i], done);
        });
    for (std::size_t i = 0; i < jobs.size(); ++i)
        jobs[i].error = batch.errors[i];
    if (jobs_out)
        *jobs_out = std::move(jobs);
    return batch.exit_code();
}

} // namespace tapeop::cli
