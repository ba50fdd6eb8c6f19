#pragma once
// A block consumer on a worker thread: push() copies the block into a free slot of a
// BlockQueue (waiting while all six are in use, so memory is fixed) and returns; the worker
// hands the blocks to `consume` in order. So the caller prepares its next block while the
// consumer works on the last one, on another core, and the consumer sees exactly the blocks
// it would have seen in the caller's thread.
//
// An exception thrown by `consume` stops the worker; the next push() or drain() rethrows it.
// Without a thread to be had, push() calls `consume` itself.
#include "tapeop/audio_buffer.hpp"

#include <functional>
#include <memory>

namespace tapeop {

class BackgroundSink {
  public:
    using Consumer = std::function<void(AudioView)>;
    // `name`: the worker's thread name (up to 15 characters; shown by top -H and profilers).
    BackgroundSink(std::size_t channels, Consumer consume, const char* name);
    ~BackgroundSink(); // cancels and joins; blocks not consumed yet are dropped
    BackgroundSink(const BackgroundSink&) = delete;
    BackgroundSink& operator=(const BackgroundSink&) = delete;

    void push(AudioView block);
    // The same without the copy: fill the returned buffer (capacity default_block_frames,
    // set its frames), use it read-only if you like, then hand it over with submit(). It is
    // not touched by the worker until submit(), and not by the caller after.
    AudioBuffer& next_block();
    void submit();
    // Waits until every pushed block has been consumed; rethrows the worker's error. Later
    // push() calls consume in the caller's thread.
    void drain();

  private:
    struct Worker;
    [[noreturn]] void rethrow_failure();
    std::unique_ptr<Worker> worker_;
    Consumer consume_;
    std::size_t channels_;
    AudioBuffer inline_block_; // next_block() without a worker
    AudioBuffer* next_ = nullptr;
};

// Whether BackgroundSink starts worker threads (on by default); off, push() consumes in the
// caller's thread. Process-wide (the CLI's --no-pipeline); set it before work starts.
void set_background_threads(bool on);
bool background_threads();

} // namespace tapeop
