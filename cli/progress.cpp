#include "progress.hpp"

#include "tapeop/units.hpp"

#include <cstdio>
#include <unistd.h>

namespace tapeop::cli {

Progress::Progress(const GlobalOptions& g, std::size_t total_jobs, double total_audio_s,
                   bool lines_without_terminal)
    : total_jobs_(total_jobs), total_audio_s_(total_audio_s),
      start_(std::chrono::steady_clock::now()) {
    if (g.quiet || g.json || g.no_progress)
        return;
    terminal_ = ::isatty(STDERR_FILENO) != 0;
    lines_ = !terminal_ && (g.progress || lines_without_terminal);
}

Progress::~Progress() {
    finish();
}

void Progress::started(const std::string& name) {
    if (!terminal_)
        return;
    std::lock_guard lock(mutex_);
    current_ = name;
    draw(true);
}

void Progress::advance(const std::string& name, double audio_s) {
    if (!terminal_)
        return;
    std::lock_guard lock(mutex_);
    done_audio_s_ += audio_s;
    current_ = name;
    draw(false);
}

void Progress::job_done(const std::string& name, bool ok, const std::string& detail) {
    if (!terminal_ && !lines_)
        return;
    std::lock_guard lock(mutex_);
    ++done_jobs_;
    if (lines_)
        return line(ok ? "done" : "FAILED", name, detail);
    draw(true);
}

void Progress::job_skipped(const std::string& name, double audio_s) {
    if (!terminal_ && !lines_)
        return;
    std::lock_guard lock(mutex_);
    ++done_jobs_;
    total_audio_s_ -= audio_s;
    if (lines_)
        return line("up to date", name, {});
    draw(false);
}

void Progress::line(const char* status, const std::string& name, const std::string& detail) {
    std::fprintf(stderr, "[%zu/%zu] %s %s%s%s\n", done_jobs_, total_jobs_, status, name.c_str(),
                 detail.empty() ? "" : "  ", detail.c_str());
    std::fflush(stderr);
}

void Progress::draw(bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100))
        return;
    last_draw_ = now;
    drawn_ = true;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double speed = elapsed > 0 ? done_audio_s_ / elapsed : 0.0;
    const double left = total_audio_s_ - done_audio_s_;
    const std::string eta = speed > 0 ? format_timestamp(left > 0 ? left / speed : 0.0) : "--";
    const std::string shown =
        current_.size() > 40 ? "..." + current_.substr(current_.size() - 37) : current_;
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %s  %.0fx realtime  ETA %s", done_jobs_, total_jobs_,
                 shown.c_str(), speed, eta.c_str());
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
