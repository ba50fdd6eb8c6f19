#pragma once
// Progress for long jobs, on stderr. On a terminal: one updating line (jobs done/total,
// current file, x-realtime, ETA). Not on a terminal, with --progress: one line per finished
// job. Never with --quiet or --json. Thread-safe: jobs report from worker threads.
#include "common.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace tapeop::cli {

class Progress {
public:
    // `total_audio_s`: seconds of audio the whole run will process (for x-realtime and ETA).
    Progress(const GlobalOptions& g, std::size_t total_jobs, double total_audio_s);
    ~Progress();
    // Audio seconds processed by a job since its last call; `name` is the job's file.
    void advance(const std::string& name, double audio_s);
    void job_done(const std::string& name, bool ok);
    // Clears the updating line (call before printing results).
    void finish();

private:
    void draw(const std::string& name, bool force);
    bool terminal_ = false;
    bool lines_ = false;
    std::size_t total_jobs_;
    std::size_t done_jobs_ = 0;
    double total_audio_s_;
    double done_audio_s_ = 0.0;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_{};
    bool drawn_ = false;
    std::mutex mutex_;
};

} // namespace tapeop::cli
