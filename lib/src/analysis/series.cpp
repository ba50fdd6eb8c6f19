#include "tapeop/analysis/series.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tapeop::analysis {

namespace {

constexpr float neg_inf = -std::numeric_limits<float>::infinity();

float to_db(double linear) {
    return linear > 0.0 ? static_cast<float>(20.0 * std::log10(linear)) : neg_inf;
}

} // namespace

namespace {

// Squares summed in four double lanes, lane = the frame's index in the file mod 4, each lane
// in time order: the same sums however the blocks are cut, with or without SIMD (the same
// multiplies and adds), four times as fast as one chain of adds. The range is order-free.
void accumulate(const float* x, std::size_t n, std::uint64_t first_frame,
                std::array<double, 4>& lanes, float& lo, float& hi) {
    std::size_t i = 0;
    for (; i < n && ((first_frame + i) & 3u) != 0; ++i) {
        lanes[(first_frame + i) & 3u] += static_cast<double>(x[i]) * x[i];
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
#if defined(__SSE2__)
    __m128d q01 = _mm_set_pd(lanes[1], lanes[0]), q23 = _mm_set_pd(lanes[3], lanes[2]);
    __m128 vlo = _mm_set1_ps(lo), vhi = _mm_set1_ps(hi);
    for (; i + 4 <= n; i += 4) {
        const __m128 v = _mm_loadu_ps(x + i);
        const __m128d a = _mm_cvtps_pd(v), b = _mm_cvtps_pd(_mm_movehl_ps(v, v));
        q01 = _mm_add_pd(q01, _mm_mul_pd(a, a));
        q23 = _mm_add_pd(q23, _mm_mul_pd(b, b));
        vlo = _mm_min_ps(vlo, v);
        vhi = _mm_max_ps(vhi, v);
    }
    _mm_storel_pd(&lanes[0], q01);
    _mm_storeh_pd(&lanes[1], q01);
    _mm_storel_pd(&lanes[2], q23);
    _mm_storeh_pd(&lanes[3], q23);
    alignas(16) float l4[4], h4[4];
    _mm_store_ps(l4, vlo);
    _mm_store_ps(h4, vhi);
    for (int k = 0; k < 4; ++k) {
        lo = std::min(lo, l4[k]);
        hi = std::max(hi, h4[k]);
    }
#endif
    for (; i < n; ++i) {
        lanes[(first_frame + i) & 3u] += static_cast<double>(x[i]) * x[i];
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
}

} // namespace

SeriesCollector::SeriesCollector(int channels, int sample_rate, double step_s) {
    if (!(step_s > 0.0) || step_s > 3600.0)
        throw UsageError("series step must be over 0 and at most 3600 s, got " +
                         std::to_string(step_s));
    subblocks_per_step_ =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(step_s * 100.0)));
    s_.sample_rate = sample_rate;
    s_.channels = channels;
    s_.step_s = static_cast<double>(subblocks_per_step_) / 100.0;
    const auto n = static_cast<std::size_t>(channels);
    s_.true_peak_dbtp.resize(n);
    s_.sample_peak_dbfs.resize(n);
    s_.rms_dbfs.resize(n);
    s_.min.resize(n);
    s_.max.resize(n);
    sum_sq_.assign(n, {0.0, 0.0, 0.0, 0.0});
    lo_.assign(n, std::numeric_limits<float>::infinity());
    hi_.assign(n, neg_inf);
    momentary_max_ = short_term_max_ = neg_inf;
}

std::int64_t SeriesCollector::step_frames_nominal() const {
    return static_cast<std::int64_t>(subblocks_per_step_) * s_.sample_rate / 100;
}

// The loudness meter's sub-block boundary (analysis/loudness.hpp): floor(k * rate / 100).
std::uint64_t SeriesCollector::boundary(std::uint64_t subblock) const {
    return subblock * static_cast<std::uint64_t>(s_.sample_rate) / 100;
}

void SeriesCollector::add(AudioView block, LoudnessMeter& loudness, TruePeakMeter& true_peak) {
    const std::size_t n = block.frames();
    const std::size_t C = static_cast<std::size_t>(s_.channels);
    std::size_t pos = 0;
    while (pos < n) {
        const std::uint64_t next = boundary(subblocks_done_ + 1);
        const auto take =
            static_cast<std::size_t>(std::min<std::uint64_t>(next - frames_fed_, n - pos));
        const AudioView part = block.sub(pos, take);
        loudness.add(part);
        true_peak.add(part);
        for (std::size_t c = 0; c < C; ++c)
            accumulate(part.channel(c), take, frames_fed_, sum_sq_[c], lo_[c], hi_[c]);
        pos += take;
        frames_fed_ += take;
        if (frames_fed_ == next) {
            ++subblocks_done_;
            // Full windows only, as the meter's own maxima (40 and 300 sub-blocks).
            if (subblocks_done_ >= 40)
                momentary_max_ =
                    std::max(momentary_max_, static_cast<float>(loudness.momentary_lufs()));
            if (subblocks_done_ >= 300)
                short_term_max_ =
                    std::max(short_term_max_, static_cast<float>(loudness.short_term_lufs()));
            if (subblocks_done_ % subblocks_per_step_ == 0) {
                s_.momentary_lufs.push_back(static_cast<float>(loudness.momentary_lufs()));
                s_.short_term_lufs.push_back(static_cast<float>(loudness.short_term_lufs()));
                end_step(true_peak);
                true_peak.start_window();
            }
        }
    }
}

void SeriesCollector::finish(const TruePeakMeter& true_peak) {
    if (frames_fed_ == step_start_frame_)
        return;
    // The meter's readings stand as of its last full sub-block.
    s_.momentary_lufs.push_back(s_.momentary_lufs.empty() ? neg_inf : s_.momentary_lufs.back());
    s_.short_term_lufs.push_back(s_.short_term_lufs.empty() ? neg_inf : s_.short_term_lufs.back());
    end_step(true_peak);
}

void SeriesCollector::end_step(const TruePeakMeter& true_peak) {
    const std::uint64_t frames = frames_fed_ - step_start_frame_;
    s_.start_s.push_back(static_cast<double>(step_start_frame_) / s_.sample_rate);
    s_.momentary_max_lufs.push_back(momentary_max_);
    s_.short_term_max_lufs.push_back(short_term_max_);
    for (std::size_t c = 0; c < static_cast<std::size_t>(s_.channels); ++c) {
        const int ci = static_cast<int>(c);
        s_.true_peak_dbtp[c].push_back(to_db(true_peak.window_true_peak(ci)));
        s_.sample_peak_dbfs[c].push_back(to_db(true_peak.window_sample_peak(ci)));
        const auto& q = sum_sq_[c];
        const double ms =
            frames > 0 ? ((q[0] + q[1]) + (q[2] + q[3])) / static_cast<double>(frames) : 0.0;
        s_.rms_dbfs[c].push_back(ms > 0.0 ? static_cast<float>(10.0 * std::log10(ms)) : neg_inf);
        s_.min[c].push_back(lo_[c]);
        s_.max[c].push_back(hi_[c]);
        sum_sq_[c] = {0.0, 0.0, 0.0, 0.0};
        lo_[c] = std::numeric_limits<float>::infinity();
        hi_[c] = neg_inf;
    }
    momentary_max_ = short_term_max_ = neg_inf;
    step_start_frame_ = frames_fed_;
}

std::vector<float> peak_over_channels(const std::vector<std::vector<float>>& per_channel_db) {
    std::vector<float> out;
    for (const auto& ch : per_channel_db) {
        if (out.empty())
            out.assign(ch.size(), neg_inf);
        for (std::size_t k = 0; k < ch.size() && k < out.size(); ++k)
            out[k] = std::max(out[k], ch[k]);
    }
    return out;
}

std::vector<float> rms_over_channels(const std::vector<std::vector<float>>& per_channel_db) {
    if (per_channel_db.empty())
        return {};
    std::vector<double> ms(per_channel_db.front().size(), 0.0);
    for (const auto& ch : per_channel_db)
        for (std::size_t k = 0; k < ch.size() && k < ms.size(); ++k)
            ms[k] += std::pow(10.0, static_cast<double>(ch[k]) / 10.0); // -inf dB adds 0
    std::vector<float> out(ms.size());
    const double n = static_cast<double>(per_channel_db.size());
    for (std::size_t k = 0; k < ms.size(); ++k)
        out[k] = ms[k] > 0.0 ? static_cast<float>(10.0 * std::log10(ms[k] / n)) : neg_inf;
    return out;
}

} // namespace tapeop::analysis
