#pragma once
// Planar float audio. AudioBuffer owns its samples; AudioView borrows them.
// Counts are frames (one sample per channel), never samples.
#include <cassert>
#include <cstddef>
#include <vector>

namespace tapeop {

// A non-owning view of `channels` planar arrays of `frames` floats each.
class AudioView {
  public:
    AudioView() = default;
    AudioView(float* const* channels, std::size_t num_channels, std::size_t frames)
        : channels_(channels), num_channels_(num_channels), frames_(frames), offset_(0) {}

    std::size_t channels() const { return num_channels_; }
    std::size_t frames() const { return frames_; }
    float* channel(std::size_t c) const {
        assert(c < num_channels_);
        return channels_[c] + offset_;
    }
    float& at(std::size_t c, std::size_t f) const { return channel(c)[f]; }

    // The frames [first, first + count) of this view.
    AudioView sub(std::size_t first, std::size_t count) const {
        assert(first + count <= frames_);
        AudioView v = *this;
        v.offset_ += first;
        v.frames_ = count;
        return v;
    }

  private:
    float* const* channels_ = nullptr;
    std::size_t num_channels_ = 0;
    std::size_t frames_ = 0;
    std::size_t offset_ = 0;
};

// Owns channels x capacity floats; `frames()` is the valid length (<= capacity).
class AudioBuffer {
  public:
    AudioBuffer() = default;
    AudioBuffer(std::size_t channels, std::size_t capacity_frames) {
        resize(channels, capacity_frames);
    }
    AudioBuffer(const AudioBuffer& o) : data_(o.data_), frames_(o.frames_), capacity_(o.capacity_) {
        rebuild_pointers();
    }
    AudioBuffer& operator=(const AudioBuffer& o) {
        data_ = o.data_;
        frames_ = o.frames_;
        capacity_ = o.capacity_;
        rebuild_pointers();
        return *this;
    }
    AudioBuffer(AudioBuffer&&) = default;
    AudioBuffer& operator=(AudioBuffer&&) = default;

    // Allocates and zeroes; the valid length becomes the capacity.
    void resize(std::size_t channels, std::size_t capacity_frames) {
        capacity_ = capacity_frames;
        frames_ = capacity_frames;
        data_.assign(channels, std::vector<float>(capacity_frames, 0.0f));
        rebuild_pointers();
    }
    void set_frames(std::size_t frames) {
        assert(frames <= capacity_);
        frames_ = frames;
    }
    void clear() {
        for (auto& ch : data_)
            std::fill(ch.begin(), ch.end(), 0.0f);
    }

    std::size_t channels() const { return data_.size(); }
    std::size_t frames() const { return frames_; }
    std::size_t capacity() const { return capacity_; }
    float* channel(std::size_t c) { return data_[c].data(); }
    const float* channel(std::size_t c) const { return data_[c].data(); }

    AudioView view() { return AudioView(pointers_.data(), data_.size(), frames_); }
    operator AudioView() { return view(); }

  private:
    void rebuild_pointers() {
        pointers_.resize(data_.size());
        for (std::size_t c = 0; c < data_.size(); ++c)
            pointers_[c] = data_[c].data();
    }
    std::vector<std::vector<float>> data_;
    std::vector<float*> pointers_;
    std::size_t frames_ = 0;
    std::size_t capacity_ = 0;
};

// Default block length for streaming work.
inline constexpr std::size_t default_block_frames = 8192;

} // namespace tapeop
