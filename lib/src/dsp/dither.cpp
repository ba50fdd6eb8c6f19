#include "tapeop/dsp/dither.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <cmath>
#include <emmintrin.h>
#include <string>

namespace tapeop::dsp {


Dither::Dither(const DitherSettings& s) : settings_(s) {
    if (s.bits < 8 || s.bits > 24)
        throw UsageError("dither bit depth must be between 8 and 24, not " + std::to_string(s.bits));
    scale_ = std::ldexp(1.0, s.bits - 1);
    lsb_ = 1.0 / scale_;
}

void Dither::prepare(const StreamSpec& spec, std::size_t) {
    ch_.assign(static_cast<std::size_t>(spec.channels), Channel{});
    reset();
}

void Dither::reset() {
    for (std::size_t c = 0; c < ch_.size(); ++c) {
        // Distinct, reproducible stream per channel.
        ch_[c] = Channel{Xoshiro256(settings_.seed ^ (0x9e3779b97f4a7c15ULL * (c + 1))), 0.0, 0.0};
    }
}

void Dither::process(AudioView io) {
    const double lo = -scale_, hi = scale_ - 1.0;
    const NoiseShaping shaping = settings_.shaping;
    if (shaping == NoiseShaping::none && settings_.dither) {
        // Plain TPDF, the common case: the random values are drawn first (in the same order as
        // the general loop below, so the output is identical), then the arithmetic runs over
        // contiguous arrays and vectorizes.
        constexpr std::size_t chunk = 256;
        double d[chunk];
        for (std::size_t c = 0; c < io.channels(); ++c) {
            Xoshiro256 rng = ch_[c].rng;
            float* x = io.channel(c);
            for (std::size_t at = 0; at < io.frames(); at += chunk) {
                const std::size_t n = std::min(chunk, io.frames() - at);
                for (std::size_t i = 0; i < n; ++i) d[i] = tpdf(rng);
                float* y = x + at;
                // Two lanes of double in SSE2 (GCC leaves this loop scalar at -O2); the same
                // operations in the same order as the scalar tail, so the results are identical.
                const __m128d vscale = _mm_set1_pd(scale_), vlsb = _mm_set1_pd(lsb_);
                const __m128d wlo = _mm_set1_pd(lo - 1.0), whi = _mm_set1_pd(hi + 1.0);
                const __m128d qlo = _mm_set1_pd(lo), qhi = _mm_set1_pd(hi), magic = _mm_set1_pd(0x1.8p52);
                std::size_t i = 0;
                for (; i + 2 <= n; i += 2) {
                    const __m128d v = _mm_cvtps_pd(_mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(y + i))));
                    __m128d w = _mm_add_pd(_mm_mul_pd(v, vscale), _mm_loadu_pd(d + i));
                    w = _mm_min_pd(_mm_max_pd(w, wlo), whi);
                    __m128d q = _mm_sub_pd(_mm_add_pd(w, magic), magic);
                    q = _mm_min_pd(_mm_max_pd(q, qlo), qhi);
                    _mm_store_sd(reinterpret_cast<double*>(y + i), _mm_castps_pd(_mm_cvtpd_ps(_mm_mul_pd(q, vlsb))));
                }
                for (; i < n; ++i) {
                    const double w = std::clamp(double(y[i]) * scale_ + d[i], lo - 1.0, hi + 1.0);
                    const double q = std::clamp((w + 0x1.8p52) - 0x1.8p52, lo, hi);
                    y[i] = static_cast<float>(q * lsb_);
                }
            }
            ch_[c].rng = rng;
        }
        return;
    }
    for (std::size_t c = 0; c < io.channels(); ++c) {
        Channel& st = ch_[c];
        float* x = io.channel(c);
        for (std::size_t i = 0; i < io.frames(); ++i) {
            // Work in LSB units: v is the value to quantise after error feedback.
            double v = double(x[i]) * scale_;
            if (shaping == NoiseShaping::first_order) v -= st.e1;            // E(z)(1 - z^-1)
            else if (shaping == NoiseShaping::second_order) v -= 2.0 * st.e1 - st.e2; // (1 - z^-1)^2
            const double d = settings_.dither ? tpdf(st.rng) : 0.0;
            // nearbyint (half to even) by the 1.5 * 2^52 trick: exact for |x| < 2^51, no libm call.
            const double w = std::clamp(v + d, lo - 1.0, hi + 1.0);
            const double q = std::clamp((w + 0x1.8p52) - 0x1.8p52, lo, hi);
            // Total error fed back; clamped so a full-scale overload cannot make it run away.
            const double e = std::clamp(q - v, -4.0, 4.0);
            st.e2 = st.e1;
            st.e1 = e;
            x[i] = static_cast<float>(q * lsb_);
        }
    }
}

} // namespace tapeop::dsp
