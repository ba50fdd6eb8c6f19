#pragma once
// True peak per ITU-R BS.1770-4 Annex 2: 4x oversampling with a 48-tap polyphase FIR
// interpolator (12 taps per phase), per channel, in dBTP.
//
// The fast path is exact with respect to the reference interpolator: a block is only
// interpolated where it could raise the running maximum (a bound of sum|h| times the local
// sample peak), and the inner loop is written to vectorize. Tested against libebur128.
#include "tapeop/audio_buffer.hpp"

#include <array>
#include <cstddef>
#include <vector>

namespace tapeop::analysis {

// The 4x interpolator, usable on its own (the true-peak limiter detects with it).
class Oversampler4x {
public:
    static constexpr std::size_t taps_per_phase = 12;
    static constexpr std::size_t phases = 4;
    // The 48 coefficients of BS.1770-4 Annex 2, phase p = coefficients [p, p+4, p+8, ...].
    static const std::array<double, 48>& coefficients();
};

class TruePeakMeter {
public:
    TruePeakMeter(int channels, int sample_rate);
    void add(AudioView block);
    void reset();
    // Linear (1.0 = 0 dBTP) and dBTP (-infinity for silence), per channel and overall.
    double true_peak(int channel) const;
    double true_peak() const;
    double true_peak_dbtp(int channel) const;
    double true_peak_dbtp() const;

private:
    int channels_;
    std::vector<std::vector<float>> history_; // last taps_per_phase-1 samples per channel
    std::vector<double> peak_;
};

} // namespace tapeop::analysis
