#include "tapeop/dsp/filters.hpp"

#include <cassert>
#include <cmath>
#include <numbers>

namespace tapeop::dsp {

std::vector<double> butterworth_qs(int order) {
    assert(order >= 2 && order % 2 == 0);
    // Butterworth poles at angles (2k - 1) pi / (2N) from the negative real axis;
    // a conjugate pair at angle theta is a section with Q = 1 / (2 cos theta).
    std::vector<double> qs;
    for (int k = 1; k <= order / 2; ++k)
        qs.push_back(1.0 / (2.0 * std::cos((2.0 * k - 1.0) * std::numbers::pi / (2.0 * order))));
    return qs;
}

FilterCascade::FilterCascade(std::vector<SectionSpec> sections) : specs_(std::move(sections)) {}

void FilterCascade::prepare(const StreamSpec& spec, std::size_t) {
    sample_rate_ = spec.sample_rate;
    channels_ = spec.channels;
    coeffs_.clear();
    for (const auto& s : specs_)
        coeffs_.push_back(design_biquad(s.type, sample_rate_, s.freq_hz, s.q, s.gain_db));
    state_.assign(static_cast<std::size_t>(channels_) * specs_.size(), BiquadState{});
}

void FilterCascade::reset() {
    for (auto& s : state_) s = BiquadState{};
}

void FilterCascade::process(AudioView io) {
    assert(io.channels() == static_cast<std::size_t>(channels_));
    const std::size_t ns = coeffs_.size();
    if (ns == 0) return;
    for (std::size_t ch = 0; ch < io.channels(); ++ch) {
        BiquadState* st = state_.data() + ch * ns;
        float* x = io.channel(ch);
        // Sample by sample through all sections so the signal stays double between them.
        for (std::size_t i = 0; i < io.frames(); ++i) {
            double v = x[i];
            for (std::size_t s = 0; s < ns; ++s) v = st[s].tick(coeffs_[s], v);
            x[i] = static_cast<float>(v);
        }
    }
}

double FilterCascade::magnitude_db(double freq_hz) const {
    double db = 0.0;
    for (const auto& c : coeffs_) db += c.magnitude_db(freq_hz, sample_rate_);
    return db;
}

static FilterCascade butterworth(BiquadType type, double freq_hz, Slope slope) {
    std::vector<SectionSpec> sections;
    for (double q : butterworth_qs(static_cast<int>(slope) / 6))
        sections.push_back({type, freq_hz, q, 0.0});
    return FilterCascade(std::move(sections));
}

FilterCascade make_highpass(double freq_hz, Slope slope) {
    return butterworth(BiquadType::highpass, freq_hz, slope);
}
FilterCascade make_lowpass(double freq_hz, Slope slope) {
    return butterworth(BiquadType::lowpass, freq_hz, slope);
}
FilterCascade make_eq_band(BiquadType type, double freq_hz, double gain_db, double q) {
    return FilterCascade({{type, freq_hz, q, gain_db}});
}

} // namespace tapeop::dsp
