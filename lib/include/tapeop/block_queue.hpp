#pragma once
// A bounded, ordered hand-over of reusable slots from one producer thread to one consumer
// thread: the reader's read-ahead (decoding on a worker while the caller processes) and the
// output stage's background writing (dither, meters and encoding on a worker while the
// caller processes the next block).
//
// The slots are allocated once, so memory is fixed whatever the stream's length, and the
// consumer sees the slots in the order they were published: a pipeline built on it computes
// exactly what the same steps run one after the other compute, at any thread timing.
//
// A waiting side is woken only once half of the slots are ready (or free), or at the end:
// one wake-up per several blocks instead of one per block when one side is the faster.
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace tapeop {

template <typename Slot> class BlockQueue {
  public:
    explicit BlockQueue(std::size_t slots) : slots_(slots), batch_(slots / 2 > 0 ? slots / 2 : 1) {}
    BlockQueue(const BlockQueue&) = delete;
    BlockQueue& operator=(const BlockQueue&) = delete;

    // Set-up (allocation of each slot's buffers) before any thread uses the queue.
    std::vector<Slot>& slots() { return slots_; }

    // Producer: the next free slot, waiting while all are in use; nullptr once cancelled.
    Slot* acquire() {
        std::unique_lock lock(mutex_);
        if (!cancelled_ && count_ == slots_.size()) {
            producer_waits_ = true;
            free_cv_.wait(lock, [&] { return cancelled_ || count_ < slots_.size(); });
            producer_waits_ = false;
        }
        if (cancelled_)
            return nullptr;
        return &slots_[(head_ + count_) % slots_.size()];
    }
    // Producer: the slot from acquire() is ready for the consumer.
    void publish() {
        bool wake;
        {
            std::lock_guard lock(mutex_);
            ++count_;
            wake = consumer_waits_ && count_ >= batch_;
        }
        if (wake)
            ready_cv_.notify_one();
    }
    // Producer: nothing more will be published.
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_cv_.notify_one();
    }

    // Consumer: the oldest published slot, waiting while there is none; nullptr when the
    // queue is closed and empty, or cancelled.
    Slot* front() {
        std::unique_lock lock(mutex_);
        if (!cancelled_ && count_ == 0 && !closed_) {
            consumer_waits_ = true;
            ready_cv_.wait(lock, [&] { return cancelled_ || count_ > 0 || closed_; });
            consumer_waits_ = false;
        }
        if (cancelled_ || count_ == 0)
            return nullptr;
        return &slots_[head_];
    }
    // Consumer: done with the slot from front(); it becomes free.
    void pop() {
        bool wake;
        {
            std::lock_guard lock(mutex_);
            head_ = (head_ + 1) % slots_.size();
            --count_;
            wake = producer_waits_ && slots_.size() - count_ >= batch_;
        }
        if (wake)
            free_cv_.notify_one();
    }

    // Either side: wakes both; every later acquire() and front() returns nullptr.
    void cancel() {
        {
            std::lock_guard lock(mutex_);
            cancelled_ = true;
        }
        free_cv_.notify_all();
        ready_cv_.notify_all();
    }
    // Empty and open again; only while no thread uses the queue.
    void reset() {
        head_ = count_ = 0;
        closed_ = cancelled_ = false;
    }

  private:
    std::vector<Slot> slots_;
    std::mutex mutex_;
    std::condition_variable free_cv_, ready_cv_;
    std::size_t batch_;
    std::size_t head_ = 0, count_ = 0;
    bool closed_ = false, cancelled_ = false;
    bool producer_waits_ = false, consumer_waits_ = false;
};

} // namespace tapeop
