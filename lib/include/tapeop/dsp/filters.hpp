#pragma once
// Filters built from cookbook biquads: Butterworth high/low-pass with a selectable slope, and
// single EQ bands (peaking, shelves, notch). A FilterCascade runs its sections one after the
// other, per sample, with double state.
//
// Butterworth of order N = slope / 6 dB/oct (12 -> 2, 24 -> 4, 48 -> 8) as N/2 second-order
// sections with Q_k = 1 / (2 cos((2k - 1) pi / (2N))), k = 1..N/2 (the pole angles of the
// Butterworth polynomial; e.g. Zolzer, "DAFX", 2nd ed., sec. 2.2). Every slope is -3.01 dB at f0.
#include "tapeop/dsp/biquad.hpp"

#include <vector>

namespace tapeop::dsp {

enum class Slope { db12 = 12, db24 = 24, db48 = 48 };

// The Q of each section of a Butterworth filter of `order` (even, >= 2).
std::vector<double> butterworth_qs(int order);

struct SectionSpec {
    BiquadType type;
    double freq_hz;
    double q;
    double gain_db = 0.0;
};

class FilterCascade : public Processor {
  public:
    explicit FilterCascade(std::vector<SectionSpec> sections);

    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override;
    void process(AudioView io) override;
    // Every section a peaking or shelving band at 0 dB (their numerator equals their
    // denominator: H(z) = 1), or no section at all; process() then leaves the samples alone.
    bool is_identity() const override;

    // Sum of the sections' magnitudes, in dB. Valid after prepare().
    double magnitude_db(double freq_hz) const;
    const std::vector<SectionSpec>& sections() const { return specs_; }

  private:
    std::vector<SectionSpec> specs_;
    std::vector<BiquadCoeffs> coeffs_;
    std::vector<BiquadState> state_; // channel-major: state_[ch * sections + s]
    double sample_rate_ = 48000.0;
    int channels_ = 0;
};

// Butterworth high-pass / low-pass at `freq_hz` (the -3 dB point).
FilterCascade make_highpass(double freq_hz, Slope slope = Slope::db12);
FilterCascade make_lowpass(double freq_hz, Slope slope = Slope::db12);
// One EQ band: peaking (bell), low/high shelf, or notch (gain ignored).
FilterCascade make_eq_band(BiquadType type, double freq_hz, double gain_db, double q = 1.0);

} // namespace tapeop::dsp
