#pragma once
// Plain level statistics per channel: sample peak, RMS, DC offset (mean), and clipped samples
// (samples at full scale: the largest code of an integer format, or |x| >= 1 for float).
// RMS convention: a full-scale sine reads -3.01 dBFS (AES17 would say 0 dB; we follow the
// plain mean-square definition, like SoX and ffmpeg astats).
#include "tapeop/audio_buffer.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tapeop::analysis {

// max |x[i]| over n samples (0 for n == 0), SSE2: GCC does not vectorize this reduction at -O2.
float peak_abs(const float* x, std::size_t n);

class LevelMeter {
  public:
    // `clip_threshold`: a sample with |x| >= this counts as clipped (for 16-bit: 32767/32768).
    LevelMeter(int channels, double clip_threshold = 1.0);
    void add(AudioView block);
    void reset();

    double sample_peak(int channel) const;      // linear
    double sample_peak_dbfs(int channel) const; // -inf for silence
    double sample_peak_dbfs() const;            // all channels
    double rms_dbfs(int channel) const;
    double rms_dbfs() const; // mean square over all channels
    double dc_offset(int channel) const;
    double dc_offset() const; // mean of the channels' offsets
    std::uint64_t clipped_samples(int channel) const;
    std::uint64_t clipped_samples() const;
    std::uint64_t frames() const { return frames_; }

  private:
    struct Channel {
        double peak = 0.0;
        double sum = 0.0;
        double sum_sq = 0.0;
        std::uint64_t clipped = 0;
    };
    std::vector<Channel> ch_;
    double clip_threshold_;
    std::uint64_t frames_ = 0;
};

} // namespace tapeop::analysis
