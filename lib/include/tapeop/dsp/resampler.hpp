#pragma once
// Streaming sample-rate conversion with libsoxr at very high quality (SOXR_VHQ: 28-bit
// precision, linear phase, passband to 0.913 of Nyquist), one thread (determinism).
//
// Not a Processor: the length changes. Output comes in pieces of at most block_frames()
// frames whatever the ratio (a 1 kHz header resampled to 768 kHz must not allocate 768x its
// input block): feed() a block, then drain() until it returns no frames; at the end of input
// call finish() once and drain() again. process()/flush() with a sink do that loop. In total the
// output has exactly round(in_frames * out_rate / in_rate) frames, and output frame 0 is aligned
// with input frame 0 (libsoxr removes its own filter delay; the end is padded with zeros or trimmed
// to the exact length).
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

    // Output pieces are at most this many frames (the internal buffer, allocated once).
    static constexpr std::size_t block_frames = 8192;

    // Hands `in` (channels() channels) to the resampler. Its samples must stay valid until
    // drain() has returned an empty view. Does not allocate.
    void feed(AudioView in);
    // End of input: drain() then returns the remaining frames, so that the total is exact.
    // Call once, after the last feed() has been drained.
    void finish();
    // The next up to block_frames output frames (a view into the internal buffer, valid
    // until the next call); empty once the fed input is used up (or, after finish(), once the
    // exact total is out). Does not allocate.
    AudioView drain();

    // feed(in), then sink(AudioView) for each piece.
    template <class Sink> void process(AudioView in, Sink&& sink) {
        feed(in);
        for (AudioView v = drain(); v.frames() > 0; v = drain())
            sink(v);
    }
    // finish(), then sink(AudioView) for each piece of the tail.
    template <class Sink> void flush(Sink&& sink) {
        finish();
        for (AudioView v = drain(); v.frames() > 0; v = drain())
            sink(v);
    }
    // Collecting forms (tests, short signals): `out` is replaced by the whole output of this
    // block and grows to hold it, so memory follows in.frames() x ratio. Pipelines use the
    // sink forms above.
    void process(AudioView in, AudioBuffer& out);
    void flush(AudioBuffer& out);
    // Ready for a new signal.
    void reset();

    int channels() const { return channels_; }
    double ratio() const { return out_rate_ / in_rate_; }
    std::uint64_t input_frames() const { return in_total_; }
    std::uint64_t output_frames() const { return out_total_; }

  private:
    struct Deleter {
        void operator()(soxr* s) const;
    };
    std::uint64_t expected_total() const;
    void collect(AudioBuffer& out);

    std::unique_ptr<soxr, Deleter> soxr_;
    int channels_;
    double in_rate_, out_rate_;
    std::uint64_t in_total_ = 0, out_total_ = 0;
    bool flushed_ = false, soxr_done_ = false;
    AudioView pending_; // fed input not yet taken by libsoxr
    std::size_t pending_at_ = 0;
    AudioBuffer out_; // block_frames, allocated in the constructor
    std::vector<const void*> in_ptrs_;
    std::vector<void*> out_ptrs_;
};

} // namespace tapeop::dsp
