#include "tapeop/background.hpp"

#include "tapeop/block_queue.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <pthread.h>
#include <string>
#include <system_error>
#include <thread>

namespace tapeop {

namespace {
std::atomic<bool> background_enabled{true};
} // namespace

void set_background_threads(bool on) {
    background_enabled.store(on);
}

bool background_threads() {
    return background_enabled.load();
}

struct BackgroundSink::Worker {
    BlockQueue<AudioBuffer> queue{6};
    std::thread thread;
    std::exception_ptr error; // written by the worker before it cancels the queue

    void stop() noexcept {
        queue.cancel();
        if (thread.joinable())
            thread.join();
    }
};

BackgroundSink::BackgroundSink(std::size_t channels, Consumer consume, const char* name)
    : consume_(std::move(consume)), channels_(channels) {
    if (!background_enabled.load())
        return;
    auto w = std::make_unique<Worker>();
    for (AudioBuffer& b : w->queue.slots())
        b.resize(channels, default_block_frames);
    Worker* raw = w.get();
    const std::string thread_name = std::string(name).substr(0, 15);
    try {
        w->thread = std::thread([this, raw, thread_name] {
            pthread_setname_np(pthread_self(), thread_name.c_str());
            for (;;) {
                AudioBuffer* b = raw->queue.front();
                if (!b)
                    return;
                try {
                    consume_(b->view());
                } catch (...) {
                    raw->error = std::current_exception();
                    raw->queue.cancel();
                    return;
                }
                raw->queue.pop();
            }
        });
        worker_ = std::move(w);
    } catch (const std::system_error&) {
        // No thread to be had: push() consumes in the caller's thread.
    }
}

BackgroundSink::~BackgroundSink() {
    if (worker_)
        worker_->stop();
}

void BackgroundSink::push(AudioView block) {
    if (!worker_) {
        consume_(block);
        return;
    }
    for (std::size_t at = 0; at < block.frames(); at += default_block_frames) {
        const std::size_t n = std::min(default_block_frames, block.frames() - at);
        AudioBuffer* b = worker_->queue.acquire();
        if (!b)
            rethrow_failure(); // the worker failed
        b->set_frames(n);
        for (std::size_t c = 0; c < channels_; ++c)
            std::copy_n(block.channel(c) + at, n, b->channel(c));
        worker_->queue.publish();
    }
}

void BackgroundSink::rethrow_failure() {
    worker_->stop();
    const std::exception_ptr e = worker_->error;
    worker_.reset();
    std::rethrow_exception(e);
}

AudioBuffer& BackgroundSink::next_block() {
    if (!worker_) {
        if (inline_block_.channels() != channels_)
            inline_block_.resize(channels_, default_block_frames);
        next_ = &inline_block_;
    } else {
        next_ = worker_->queue.acquire();
        if (!next_)
            rethrow_failure(); // the worker failed
    }
    return *next_;
}

void BackgroundSink::submit() {
    if (!next_)
        return;
    if (worker_ && next_ != &inline_block_) {
        next_ = nullptr;
        worker_->queue.publish();
        return;
    }
    AudioBuffer* b = next_;
    next_ = nullptr;
    consume_(b->view());
}

void BackgroundSink::drain() {
    if (!worker_)
        return;
    worker_->queue.close();
    if (worker_->thread.joinable())
        worker_->thread.join();
    const std::exception_ptr e = worker_->error;
    worker_.reset();
    if (e)
        std::rethrow_exception(e);
}

} // namespace tapeop
