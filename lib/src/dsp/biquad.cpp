#include "tapeop/dsp/biquad.hpp"

#include <cassert>
#include <cmath>
#include <complex>
#include <numbers>

namespace tapeop::dsp {

double BiquadCoeffs::magnitude_db(double freq_hz, double sample_rate) const {
    // H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2) at z = e^{jw}.
    const double w = 2.0 * std::numbers::pi * freq_hz / sample_rate;
    const std::complex<double> z1 = std::polar(1.0, -w), z2 = std::polar(1.0, -2.0 * w);
    const std::complex<double> num = b0 + b1 * z1 + b2 * z2;
    const std::complex<double> den = 1.0 + a1 * z1 + a2 * z2;
    return 20.0 * std::log10(std::abs(num) / std::abs(den));
}

BiquadCoeffs design_biquad(BiquadType type, double sample_rate, double freq_hz, double q,
                           double gain_db) {
    assert(freq_hz > 0.0 && freq_hz < sample_rate / 2.0 && q > 0.0);
    // RBJ Audio EQ Cookbook: w0 = 2 pi f0 / Fs, alpha = sin(w0) / (2 Q), A = 10^(dBgain / 40).
    const double w0 = 2.0 * std::numbers::pi * freq_hz / sample_rate;
    const double cw = std::cos(w0), sw = std::sin(w0);
    const double alpha = sw / (2.0 * q);
    const double A = std::pow(10.0, gain_db / 40.0);
    const double sqA2alpha = 2.0 * std::sqrt(A) * alpha;
    double b0 = 1, b1 = 0, b2 = 0, a0 = 1, a1 = 0, a2 = 0;
    switch (type) {
    case BiquadType::lowpass:
        b0 = (1.0 - cw) / 2.0, b1 = 1.0 - cw, b2 = (1.0 - cw) / 2.0;
        a0 = 1.0 + alpha, a1 = -2.0 * cw, a2 = 1.0 - alpha;
        break;
    case BiquadType::highpass:
        b0 = (1.0 + cw) / 2.0, b1 = -(1.0 + cw), b2 = (1.0 + cw) / 2.0;
        a0 = 1.0 + alpha, a1 = -2.0 * cw, a2 = 1.0 - alpha;
        break;
    case BiquadType::peaking:
        b0 = 1.0 + alpha * A, b1 = -2.0 * cw, b2 = 1.0 - alpha * A;
        a0 = 1.0 + alpha / A, a1 = -2.0 * cw, a2 = 1.0 - alpha / A;
        break;
    case BiquadType::notch:
        b0 = 1.0, b1 = -2.0 * cw, b2 = 1.0;
        a0 = 1.0 + alpha, a1 = -2.0 * cw, a2 = 1.0 - alpha;
        break;
    case BiquadType::low_shelf:
        b0 = A * ((A + 1) - (A - 1) * cw + sqA2alpha);
        b1 = 2 * A * ((A - 1) - (A + 1) * cw);
        b2 = A * ((A + 1) - (A - 1) * cw - sqA2alpha);
        a0 = (A + 1) + (A - 1) * cw + sqA2alpha;
        a1 = -2 * ((A - 1) + (A + 1) * cw);
        a2 = (A + 1) + (A - 1) * cw - sqA2alpha;
        break;
    case BiquadType::high_shelf:
        b0 = A * ((A + 1) + (A - 1) * cw + sqA2alpha);
        b1 = -2 * A * ((A - 1) + (A + 1) * cw);
        b2 = A * ((A + 1) + (A - 1) * cw - sqA2alpha);
        a0 = (A + 1) - (A - 1) * cw + sqA2alpha;
        a1 = 2 * ((A - 1) - (A + 1) * cw);
        a2 = (A + 1) - (A - 1) * cw - sqA2alpha;
        break;
    }
    return BiquadCoeffs{b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

Biquad::Biquad(BiquadType type, double freq_hz, double q, double gain_db)
    : type_(type), freq_hz_(freq_hz), q_(q), gain_db_(gain_db) {}

void Biquad::prepare(const StreamSpec& spec, std::size_t) {
    sample_rate_ = spec.sample_rate;
    coeffs_ = design_biquad(type_, sample_rate_, freq_hz_, q_, gain_db_);
    state_.assign(static_cast<std::size_t>(spec.channels), BiquadState{});
}

void Biquad::reset() {
    for (auto& s : state_)
        s = BiquadState{};
}

void Biquad::process(AudioView io) {
    assert(io.channels() == state_.size());
    if (is_identity())
        return;
    const BiquadCoeffs c = coeffs_;
    for (std::size_t ch = 0; ch < io.channels(); ++ch) {
        BiquadState s = state_[ch];
        float* x = io.channel(ch);
        for (std::size_t i = 0; i < io.frames(); ++i)
            x[i] = static_cast<float>(s.tick(c, x[i]));
        state_[ch] = s;
    }
}

double Biquad::magnitude_db(double freq_hz) const {
    return coeffs_.magnitude_db(freq_hz, sample_rate_);
}

} // namespace tapeop::dsp
