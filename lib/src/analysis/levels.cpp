#include "tapeop/analysis/levels.hpp"

#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <emmintrin.h>
#include <limits>

namespace tapeop::analysis {

float peak_abs(const float* x, std::size_t n) {
    const __m128 sign = _mm_set1_ps(-0.0f);
    __m128 m0 = _mm_setzero_ps(), m1 = _mm_setzero_ps();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        m0 = _mm_max_ps(m0, _mm_andnot_ps(sign, _mm_loadu_ps(x + i)));
        m1 = _mm_max_ps(m1, _mm_andnot_ps(sign, _mm_loadu_ps(x + i + 4)));
    }
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, _mm_max_ps(m0, m1));
    float p = std::max(std::max(lanes[0], lanes[1]), std::max(lanes[2], lanes[3]));
    for (; i < n; ++i)
        p = std::max(p, std::fabs(x[i]));
    return p;
}

LevelMeter::LevelMeter(int channels, double clip_threshold)
    : ch_(static_cast<std::size_t>(channels)), clip_threshold_(clip_threshold) {}

void LevelMeter::add(AudioView block) {
    const std::size_t n = block.frames();
    for (std::size_t c = 0; c < ch_.size() && c < block.channels(); ++c) {
        const float* x = block.channel(c);
        // Per-block float peak and double sums (exact enough for 1e9 frames).
        float peak = 0.0f;
        double sum = 0.0, sum_sq = 0.0;
        std::uint64_t clipped = 0;
        const float thr = static_cast<float>(clip_threshold_);
        std::size_t i = 0;
#if defined(__SSE2__)
        // Four samples at a time, the sums in four double lanes (GCC keeps such reductions
        // scalar at -O2). Blocks are short enough for 32-bit lane counts.
        if (n <= (std::size_t(1) << 30)) {
            const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff)),
                         vthr = _mm_set1_ps(thr);
            __m128 vpeak = _mm_setzero_ps();
            __m128d s_lo = _mm_setzero_pd(), s_hi = _mm_setzero_pd(), q_lo = _mm_setzero_pd(),
                    q_hi = _mm_setzero_pd();
            __m128i counts = _mm_setzero_si128(); // minus the clipped samples, per lane
            for (; i + 4 <= n; i += 4) {
                const __m128 v = _mm_loadu_ps(x + i);
                const __m128 a = _mm_and_ps(v, abs_mask);
                vpeak = _mm_max_ps(vpeak, a);
                counts = _mm_add_epi32(counts, _mm_castps_si128(_mm_cmpge_ps(a, vthr)));
                const __m128d lo = _mm_cvtps_pd(v), hi = _mm_cvtps_pd(_mm_movehl_ps(v, v));
                s_lo = _mm_add_pd(s_lo, lo);
                s_hi = _mm_add_pd(s_hi, hi);
                q_lo = _mm_add_pd(q_lo, _mm_mul_pd(lo, lo));
                q_hi = _mm_add_pd(q_hi, _mm_mul_pd(hi, hi));
            }
            alignas(16) float p4[4];
            alignas(16) double d2[2];
            alignas(16) std::int32_t c4[4];
            _mm_store_ps(p4, vpeak);
            for (float p : p4)
                peak = p > peak ? p : peak;
            _mm_store_pd(d2, _mm_add_pd(s_lo, s_hi));
            sum = d2[0] + d2[1];
            _mm_store_pd(d2, _mm_add_pd(q_lo, q_hi));
            sum_sq = d2[0] + d2[1];
            _mm_store_si128(reinterpret_cast<__m128i*>(c4), counts);
            for (std::int32_t k : c4)
                clipped += static_cast<std::uint64_t>(-static_cast<std::int64_t>(k));
        }
#endif
        for (; i < n; ++i) {
            const float a = std::fabs(x[i]);
            peak = a > peak ? a : peak;
            sum += x[i];
            sum_sq += double(x[i]) * double(x[i]);
            clipped += a >= thr ? 1u : 0u;
        }
        Channel& s = ch_[c];
        s.peak = std::max(s.peak, double(peak));
        s.sum += sum;
        s.sum_sq += sum_sq;
        s.clipped += clipped;
    }
    frames_ += n;
}

void LevelMeter::reset() {
    for (auto& c : ch_)
        c = Channel{};
    frames_ = 0;
}

double LevelMeter::sample_peak(int channel) const {
    return ch_.at(static_cast<std::size_t>(channel)).peak;
}

double LevelMeter::sample_peak_dbfs(int channel) const {
    return gain_to_db(sample_peak(channel));
}

double LevelMeter::sample_peak_dbfs() const {
    double p = 0.0;
    for (const auto& c : ch_)
        p = std::max(p, c.peak);
    return gain_to_db(p);
}

double LevelMeter::rms_dbfs(int channel) const {
    if (frames_ == 0)
        return -std::numeric_limits<double>::infinity();
    return power_to_db(ch_.at(static_cast<std::size_t>(channel)).sum_sq / double(frames_));
}

double LevelMeter::rms_dbfs() const {
    if (frames_ == 0 || ch_.empty())
        return -std::numeric_limits<double>::infinity();
    double s = 0.0;
    for (const auto& c : ch_)
        s += c.sum_sq;
    return power_to_db(s / (double(frames_) * double(ch_.size())));
}

double LevelMeter::dc_offset(int channel) const {
    return frames_ ? ch_.at(static_cast<std::size_t>(channel)).sum / double(frames_) : 0.0;
}

double LevelMeter::dc_offset() const {
    if (ch_.empty())
        return 0.0;
    double s = 0.0;
    for (std::size_t c = 0; c < ch_.size(); ++c)
        s += dc_offset(static_cast<int>(c));
    return s / double(ch_.size());
}

std::uint64_t LevelMeter::clipped_samples(int channel) const {
    return ch_.at(static_cast<std::size_t>(channel)).clipped;
}

std::uint64_t LevelMeter::clipped_samples() const {
    std::uint64_t n = 0;
    for (const auto& c : ch_)
        n += c.clipped;
    return n;
}

} // namespace tapeop::analysis
