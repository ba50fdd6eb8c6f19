#include "tapeop/dsp/filters.hpp"

#include <cassert>
#include <cmath>
#include <numbers>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
    for (auto& s : state_)
        s = BiquadState{};
}

bool FilterCascade::is_identity() const {
    for (const auto& s : specs_) {
        const bool band = s.type == BiquadType::peaking || s.type == BiquadType::low_shelf ||
                          s.type == BiquadType::high_shelf;
        if (!band || s.gain_db != 0.0)
            return false;
    }
    return true;
}

void FilterCascade::process(AudioView io) {
    assert(io.channels() == static_cast<std::size_t>(channels_));
    const std::size_t ns = coeffs_.size();
    if (ns == 0 || is_identity())
        return;
    std::size_t ch = 0;
#if defined(__SSE2__)
    // Two channels at once, one per lane of an SSE2 register: the same operations in the same
    // order as BiquadState::tick, so each channel's output is bit-identical to the scalar loop.
    for (; ch + 2 <= io.channels(); ch += 2) {
        BiquadState* sa = state_.data() + ch * ns;
        BiquadState* sb = sa + ns;
        float* xa = io.channel(ch);
        float* xb = io.channel(ch + 1);
        constexpr std::size_t max_sections = 16;
        if (ns > max_sections)
            break; // (a cascade this long takes the scalar loop)
        __m128d s1[max_sections], s2[max_sections];
        for (std::size_t k = 0; k < ns; ++k) {
            s1[k] = _mm_set_pd(sb[k].s1, sa[k].s1);
            s2[k] = _mm_set_pd(sb[k].s2, sa[k].s2);
        }
        for (std::size_t i = 0; i < io.frames(); ++i) {
            __m128d v = _mm_set_pd(double(xb[i]), double(xa[i]));
            for (std::size_t k = 0; k < ns; ++k) {
                const BiquadCoeffs& c = coeffs_[k];
                const __m128d y = _mm_add_pd(_mm_mul_pd(_mm_set1_pd(c.b0), v), s1[k]);
                s1[k] = _mm_add_pd(
                    _mm_sub_pd(_mm_mul_pd(_mm_set1_pd(c.b1), v), _mm_mul_pd(_mm_set1_pd(c.a1), y)),
                    s2[k]);
                s2[k] =
                    _mm_sub_pd(_mm_mul_pd(_mm_set1_pd(c.b2), v), _mm_mul_pd(_mm_set1_pd(c.a2), y));
                v = y;
            }
            const __m128 f = _mm_cvtpd_ps(v);
            xa[i] = _mm_cvtss_f32(f);
            xb[i] = _mm_cvtss_f32(_mm_shuffle_ps(f, f, _MM_SHUFFLE(1, 1, 1, 1)));
        }
        for (std::size_t k = 0; k < ns; ++k) {
            alignas(16) double t[2];
            _mm_store_pd(t, s1[k]);
            sa[k].s1 = t[0];
            sb[k].s1 = t[1];
            _mm_store_pd(t, s2[k]);
            sa[k].s2 = t[0];
            sb[k].s2 = t[1];
        }
    }
#endif
    for (; ch < io.channels(); ++ch) {
        BiquadState* st = state_.data() + ch * ns;
        float* x = io.channel(ch);
        // Sample by sample through all sections so the signal stays double between them.
        for (std::size_t i = 0; i < io.frames(); ++i) {
            double v = x[i];
            for (std::size_t s = 0; s < ns; ++s)
                v = st[s].tick(coeffs_[s], v);
            x[i] = static_cast<float>(v);
        }
    }
}

double FilterCascade::magnitude_db(double freq_hz) const {
    double db = 0.0;
    for (const auto& c : coeffs_)
        db += c.magnitude_db(freq_hz, sample_rate_);
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
