#include "tapeop/dsp/dither.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <cmath>
#include <emmintrin.h>
#include <string>

namespace tapeop::dsp {

Dither::Dither(const DitherSettings& s) : settings_(s) {
    if (s.bits < 8 || s.bits > 24)
        throw UsageError("dither bit depth must be between 8 and 24, not " +
                         std::to_string(s.bits));
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
        const std::uint64_t seed = settings_.seed ^ (0x9e3779b97f4a7c15ULL * (c + 1));
        ch_[c] = Channel{Xoshiro256(seed), Xoshiro128Plus4(seed), 0.0, 0.0, {}, 0};
    }
}

void Dither::tpdf4(Xoshiro128Plus4& rng, double* d, std::size_t n) {
    auto& st = rng.state();
    __m128i s0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(st[0].data()));
    __m128i s1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(st[1].data()));
    __m128i s2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(st[2].data()));
    __m128i s3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(st[3].data()));
    // One step of xoshiro128+ in all four lanes (Xoshiro128Plus4::next).
    auto step = [&] {
        const __m128i result = _mm_add_epi32(s0, s3);
        const __m128i t = _mm_slli_epi32(s1, 9);
        s2 = _mm_xor_si128(s2, s0);
        s3 = _mm_xor_si128(s3, s1);
        s1 = _mm_xor_si128(s1, s2);
        s0 = _mm_xor_si128(s0, s3);
        s2 = _mm_xor_si128(s2, t);
        s3 = _mm_or_si128(_mm_slli_epi32(s3, 11), _mm_srli_epi32(s3, 21));
        return result;
    };
    const __m128d unit = _mm_set1_pd(0x1.0p-24);
    for (std::size_t i = 0; i < n; i += 4) {
        const __m128i a = _mm_srli_epi32(step(), 8);
        const __m128i b = _mm_srli_epi32(step(), 8);
        const __m128i diff = _mm_sub_epi32(a, b); // exact: both in [0, 2^24)
        _mm_storeu_pd(d + i, _mm_mul_pd(_mm_cvtepi32_pd(diff), unit));
        _mm_storeu_pd(
            d + i + 2,
            _mm_mul_pd(_mm_cvtepi32_pd(_mm_shuffle_epi32(diff, _MM_SHUFFLE(1, 0, 3, 2))), unit));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(st[0].data()), s0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(st[1].data()), s1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(st[2].data()), s2);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(st[3].data()), s3);
}

void Dither::process(AudioView io) {
    const double lo = -scale_, hi = scale_ - 1.0;
    const NoiseShaping shaping = settings_.shaping;
    if (shaping == NoiseShaping::none) {
        // Plain TPDF (or plain rounding), the common case: the random values are drawn first,
        // four at a time, then the arithmetic runs over contiguous arrays and vectorizes.
        constexpr std::size_t chunk = 256;
        double d[chunk + 4] = {};
        for (std::size_t c = 0; c < io.channels(); ++c) {
            Channel& st = ch_[c];
            float* x = io.channel(c);
            for (std::size_t at = 0; at < io.frames(); at += chunk) {
                const std::size_t n = std::min(chunk, io.frames() - at);
                if (settings_.dither) {
                    // The values left over from the last group of four first, then new groups;
                    // what this chunk does not use waits for the next one.
                    const std::size_t k = std::min(st.spare_count, n);
                    std::copy_n(st.spare.begin(), k, d);
                    std::copy(st.spare.begin() + std::ptrdiff_t(k),
                              st.spare.begin() + std::ptrdiff_t(st.spare_count), st.spare.begin());
                    st.spare_count -= k;
                    const std::size_t drawn = (n - k + 3) & ~std::size_t(3);
                    tpdf4(st.rng4, d + k, drawn);
                    if (drawn > n - k) {
                        std::copy(d + n, d + k + drawn,
                                  st.spare.begin() + std::ptrdiff_t(st.spare_count));
                        st.spare_count += k + drawn - n;
                    }
                }
                float* y = x + at;
                // Two lanes of double in SSE2 (GCC leaves this loop scalar at -O2); the same
                // operations in the same order as the scalar tail, so the results are identical.
                const __m128d vscale = _mm_set1_pd(scale_), vlsb = _mm_set1_pd(lsb_);
                const __m128d wlo = _mm_set1_pd(lo - 1.0), whi = _mm_set1_pd(hi + 1.0);
                const __m128d qlo = _mm_set1_pd(lo), qhi = _mm_set1_pd(hi),
                              magic = _mm_set1_pd(0x1.8p52);
                std::size_t i = 0;
                for (; i + 2 <= n; i += 2) {
                    const __m128d v = _mm_cvtps_pd(
                        _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(y + i))));
                    __m128d w = _mm_add_pd(_mm_mul_pd(v, vscale), _mm_loadu_pd(d + i));
                    w = _mm_min_pd(_mm_max_pd(w, wlo), whi);
                    __m128d q = _mm_sub_pd(_mm_add_pd(w, magic), magic);
                    q = _mm_min_pd(_mm_max_pd(q, qlo), qhi);
                    _mm_store_sd(reinterpret_cast<double*>(y + i),
                                 _mm_castps_pd(_mm_cvtpd_ps(_mm_mul_pd(q, vlsb))));
                }
                for (; i < n; ++i) {
                    const double w = std::clamp(double(y[i]) * scale_ + d[i], lo - 1.0, hi + 1.0);
                    const double q = std::clamp((w + 0x1.8p52) - 0x1.8p52, lo, hi);
                    y[i] = static_cast<float>(q * lsb_);
                }
            }
        }
        return;
    }
    for (std::size_t c = 0; c < io.channels(); ++c) {
        Channel& st = ch_[c];
        float* x = io.channel(c);
        for (std::size_t i = 0; i < io.frames(); ++i) {
            // Work in LSB units: v is the value to quantise after error feedback.
            double v = double(x[i]) * scale_;
            if (shaping == NoiseShaping::first_order)
                v -= st.e1; // E(z)(1 - z^-1)
            else if (shaping == NoiseShaping::second_order)
                v -= 2.0 * st.e1 - st.e2; // (1 - z^-1)^2
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
