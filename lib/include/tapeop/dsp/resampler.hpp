#pragma once
// Streaming sample-rate conversion with libsoxr at very high quality (SOXR_VHQ: 28-bit
// precision, linear phase, passband to 0.913 of Nyquist), one thread (determinism).
//
// Not a Processor: the length changes. Feed blocks with process(), then call flush() once at
// the end of input. In total the output has exactly round(in_frames * out_rate / in_rate)
// frames, and output frame 0 is aligned with input frame 0 (libsoxr removes its own filter
// delay; the end is padded with zeros or trimmed to the exact length).
#include "tapeop/audio_buffer.hpp"

#include <cstdint>
#include <memory>
#include <vector>

struct soxr;

namespace tapeop::dsp {

class Resampler {
  public:
    // Throws Error when libsoxr refuses the rates (the message is libsoxr's).
    Resampler(int channels, double in_rate, double out_rate);
    ~Resampler();
    Resampler(Resampler&&) noexcept;
    Resampler& operator=(Resampler&&) noexcept;

    // Resamples `in` (channels() channels) into `out`, replacing its contents; out.frames()
    // is set to the count produced (it may be 0 early on). `out` grows (allocates) only when
    // its capacity is too small for max_output_frames(in.frames()).
    void process(AudioView in, AudioBuffer& out);
    // End of input: the remaining frames, so that the total is exact. Call once.
    void flush(AudioBuffer& out);
    // Ready for a new signal.
    void reset();

    int channels() const { return channels_; }
    double ratio() const { return out_rate_ / in_rate_; }
    // An upper bound of frames process() can return for `in_frames` frames.
    std::size_t max_output_frames(std::size_t in_frames) const;
    std::uint64_t input_frames() const { return in_total_; }
    std::uint64_t output_frames() const { return out_total_; }

  private:
    struct Deleter {
        void operator()(soxr* s) const;
    };
    void ensure_capacity(AudioBuffer& out, std::size_t frames) const;
    std::uint64_t expected_total() const;

    std::unique_ptr<soxr, Deleter> soxr_;
    int channels_;
    double in_rate_, out_rate_;
    std::uint64_t in_total_ = 0, out_total_ = 0;
    bool flushed_ = false;
    std::vector<const void*> in_ptrs_;
    std::vector<void*> out_ptrs_;
};

} // namespace tapeop::dsp
