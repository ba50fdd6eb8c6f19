#include "batch.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/parallel.hpp"

#include <iostream>

namespace tapeop::cli {

std::size_t FileBatch::failed() const {
    std::size_t n = 0;
    for (const auto& e : errors)
        n += e.empty() ? 0 : 1;
    return n;
}

int FileBatch::exit_code() const {
    const std::size_t f = failed();
    return f == 0 ? 0 : f == errors.size() ? 2 : 1;
}

FileBatch for_each_file(const GlobalOptions& g, const std::vector<std::string>& files,
                        const FileWork& work) {
    const std::size_t n = files.size();
    double total_s = 0.0;
    std::vector<int> rates(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        try {
            const io::FileInfo fi = io::probe(files[i]);
            total_s += fi.duration_s();
            rates[i] = fi.sample_rate;
        } catch (const Error&) {
            // the job reports it
        }
    }
    Progress progress(g, n, total_s);
    FileBatch batch;
    batch.errors.resize(n);
    parallel_for(n, g.jobs, [&](std::size_t i) {
        std::int64_t last = 0;
        const passes::Progress frames_done = [&](std::int64_t done) {
            if (done < last)
                last = 0; // the next pass over the file
            if (rates[i] > 0)
                progress.advance(files[i], double(done - last) / rates[i]);
            last = done;
        };
        try {
            work(i, frames_done, progress);
            progress.job_done(files[i], true);
        } catch (const std::exception& e) {
            batch.errors[i] = error_line(e, files[i]);
            progress.job_done(files[i], false);
        }
    });
    progress.finish();
    for (const auto& e : batch.errors)
        if (!e.empty())
            std::cerr << "tapeop: " << e << "\n";
    return batch;
}

} // namespace tapeop::cli
