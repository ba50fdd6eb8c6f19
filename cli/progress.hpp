#pragma once
// Progress for long jobs, on stderr. On a terminal: one updating line (jobs done/total, the
// file being worked on, x-realtime, ETA). Not on a terminal: one line per finished job, when
// --progress asks for it or the command always wants it (`run`: a log of a farm job should say
// what it did). Never with --quiet, --json or --no-progress. Thread-safe: jobs report from
// worker threads.
#include "common.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace tapeop::cli {

class Progress {
  public:
    // `total_audio_s`: seconds of audio the whole run will process (for x-realtime and ETA).
    // `lines_without_terminal`: one line per finished job even without --progress.
    Progress(const GlobalOptions& g, std::size_t total_jobs, double total_audio_s,
             bool lines_without_terminal = false);
    ~Progress();
    // A job starts: its file is the one shown.
    void started(const std::string& name);
    // Audio seconds processed by a job since its last call; `name` is the job's file.
    void advance(const std::string& name, double audio_s);
    // `detail` follows the name on a finished job's line ("1.2 s, 52x realtime").
    void job_done(const std::string& name, bool ok, const std::string& detail = {});
    // A job with nothing to do (up to date): it counts as done, its audio leaves the ETA.
    void job_skipped(const std::string& name, double audio_s);
    // Clears the updating line (call before printing results).
    void finish();

  private:
    void line(const char* status, const std::string& name, const std::string& detail);
    void draw(bool force);
    bool terminal_ = false;
    bool lines_ = false;
    std::size_t total_jobs_;
    std::size_t done_jobs_ = 0;
    double total_audio_s_;
    double done_audio_s_ = 0.0;
    std::string current_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_{};
    bool drawn_ = false;
    std::mutex mutex_;
};

} // namespace tapeop::cli
