#include "progress.hpp"

#include "tapeop/units.hpp"

#include <cstdio>
#include <unistd.h>

namespace tapeop::cli {

Progress::Progress(const GlobalOptions& g, std::size_t total_jobs, double total_audio_s)
    : total_jobs_(total_jobs), total_audio_s_(total_audio_s), start_(std::chrono::steady_clock::now()) {
    if (g.quiet || g.json || g.no_progress) return;
    terminal_ = ::isatty(STDERR_FILENO) != 0;
    lines_ = !terminal_ && g.progress;
}

Progress::~Progress() { finish(); }

void Progress::advance(const std::string& name, double audio_s) {
    if (!terminal_) return;
    std::lock_guard lock(mutex_);
    done_audio_s_ += audio_s;
    draw(name, false);
}

void Progress::job_done(const std::string& name, bool ok) {
    if (!terminal_ && !lines_) return;
    std::lock_guard lock(mutex_);
    ++done_jobs_;
    if (lines_) {
        std::fprintf(stderr, "[%zu/%zu] %s %s\n", done_jobs_, total_jobs_, ok ? "done" : "FAILED",
                     name.c_str());
        return;
    }
    draw(name, true);
}

void Progress::draw(const std::string& name, bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    drawn_ = true;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double speed = elapsed > 0 ? done_audio_s_ / elapsed : 0.0;
    const double eta = speed > 0 ? (total_audio_s_ - done_audio_s_) / speed : 0.0;
    std::string shown = name.size() > 40 ? "..." + name.substr(name.size() - 37) : name;
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %s  %.0fx realtime  ETA %s", done_jobs_, total_jobs_,
                 shown.c_str(), speed, format_timestamp(eta > 0 ? eta : 0).c_str());
    std::fflush(stderr);
}

void Progress::finish() {
    std::lock_guard lock(mutex_);
    if (terminal_ && drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        drawn_ = false;
    }
}

} // namespace tapeop::cli
