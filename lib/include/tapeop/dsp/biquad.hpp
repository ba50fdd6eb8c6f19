#pragma once
// Second-order IIR sections from the RBJ Audio EQ Cookbook (R. Bristow-Johnson), run in
// transposed direct form II with double state, one state per channel.
//
// Frequencies in Hz, gains in dB, Q dimensionless. A section's response is fixed at
// prepare() (it needs the sample rate); magnitude_db() evaluates |H(e^jw)| from the
// coefficients, so tests can compare what the filter does with what it should do.
#include "tapeop/dsp/processor.hpp"

#include <vector>

namespace tapeop::dsp {

enum class BiquadType { lowpass, highpass, low_shelf, high_shelf, peaking, notch };

// Normalised coefficients (a0 = 1): y = b0 x + b1 x[-1] + b2 x[-2] - a1 y[-1] - a2 y[-2].
struct BiquadCoeffs {
    double b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0;
    // |H| in dB at `freq_hz` for a stream at `sample_rate`.
    double magnitude_db(double freq_hz, double sample_rate) const;
};

// RBJ cookbook design. `gain_db` is used by the shelves and the peaking filter only; the
// shelves take Q directly (Q = 1/sqrt(2) is the cookbook's steepest monotonic shelf, S = 1).
// Preconditions (asserted): 0 < freq_hz < sample_rate / 2, q > 0.
BiquadCoeffs design_biquad(BiquadType type, double sample_rate, double freq_hz, double q,
                           double gain_db = 0.0);

// Transposed direct form II state of one section on one channel.
struct BiquadState {
    double s1 = 0.0, s2 = 0.0;
    double tick(const BiquadCoeffs& c, double x) {
        const double y = c.b0 * x + s1;
        s1 = c.b1 * x - c.a1 * y + s2;
        s2 = c.b2 * x - c.a2 * y;
        return y;
    }
};

// One cookbook section as a processor.
class Biquad : public Processor {
  public:
    Biquad(BiquadType type, double freq_hz, double q, double gain_db = 0.0);

    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override;
    void process(AudioView io) override;
    // A peaking or shelving band at 0 dB (H(z) = 1); process() then leaves the samples alone.
    bool is_identity() const override {
        return gain_db_ == 0.0 && (type_ == BiquadType::peaking || type_ == BiquadType::low_shelf ||
                                   type_ == BiquadType::high_shelf);
    }

    // Valid after prepare().
    const BiquadCoeffs& coeffs() const { return coeffs_; }
    double magnitude_db(double freq_hz) const;

  private:
    BiquadType type_;
    double freq_hz_, q_, gain_db_;
    double sample_rate_ = 48000.0;
    BiquadCoeffs coeffs_;
    std::vector<BiquadState> state_; // per channel
};

} // namespace tapeop::dsp
