#pragma once
// Look-ahead, true-peak aware brickwall limiter (after Signalsmith-Audio/basics limiter.h).
//
// Per frame (all channels linked, so the stereo image never moves):
//  1. peak estimate p[m] = max over channels of |x[m]| and of the interpolated values in
//     (m-1, m) and (m, m+1) by two interpolators: the BS.1770-4 Annex 2 4x interpolator
//     (48 taps, 12 per phase) and the one libebur128 1.2 measures with (49-tap Hann-windowed
//     sinc, 4x below 96 kHz, 2x below 192 kHz, none above; ebur128.c interp_create), so that
//     both meters read the output at or under the ceiling;
//  2. needed gain d[m] = min(1, c / p[m]) with c = ceiling - margin;
//  3. moving minimum of d over L + 1 frames (peak hold), L = look-ahead in frames;
//  4. exponential release toward 1 (never above the hold's value);
//  5. box filter (moving mean) over L + 1 frames;
//  6. the audio, delayed by L + 6 frames, is multiplied by that gain.
// Steps 3-5 guarantee gain[m] <= d[m] for every frame (each of the L + 1 values averaged is
// a minimum over a window containing m), so every sample and every 4x-interpolated value is
// under c as long as the gain is locally constant; the smooth gain (it moves at most
// 1/(L+1) of its depth per frame) makes the remaining error tiny, and `margin_db` covers it
// as well as the differences between true-peak meters (a 4x BS.1770 meter reads up to ~0.1
// dB under the ideal true peak, so a better meter may read up to ~0.1 dB more). Measured on
// the torture signals of tests/unit/test_limiter.cpp (fs/4 sine at 45 deg, squares, clipped
// noise, bursts and clicks, +12 dB overs, 20 kHz sine; 44.1 to 192 kHz): the output reads at
// most ceiling - margin + 0.003 dB by libebur128 and by the BS.1770 interpolator, so the
// default margin of 0.1 dB leaves ~0.1 dB for meters closer to the ideal true peak.
//
// latency_frames() = L + D: the look-ahead plus the interpolators' future context D (6 frames
// below 96 kHz, 12 from 96 kHz to 192 kHz).
// A signal whose peaks stay under c passes bit-exact (gain exactly 1.0), apart from the delay.
#include "tapeop/dsp/envelope.hpp"
#include "tapeop/dsp/processor.hpp"

#include <array>
#include <vector>

namespace tapeop::dsp {

struct LimiterSettings {
    double ceiling_dbtp = -1.0;
    double lookahead_ms = 3.0; // 0.1 .. 50
    double release_ms = 80.0;  // >= 0
    double margin_db = 0.1;    // detection runs against ceiling - margin; >= 0
};

struct LimiterStats {
    double max_gain_reduction_db = 0.0;
    // A frame counts as active when its gain reduction is >= 0.01 dB.
    double average_gain_reduction_db = 0.0; // over the active frames
    double active_share = 0.0;              // share of active frames (0..1)
    std::uint64_t frames = 0;
};

class Limiter : public Processor {
public:
    // Throws UsageError for out-of-range settings.
    explicit Limiter(const LimiterSettings& settings);

    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override;
    void process(AudioView io) override;
    std::size_t latency_frames() const override { return lookahead_ + detect_delay_; }

    const LimiterSettings& settings() const { return settings_; }
    std::size_t lookahead_frames() const { return lookahead_; }
    // Statistics over the frames output since reset() (includes the latency's leading frames).
    LimiterStats stats() const;

private:
    LimiterSettings settings_;
    double target_ = 1.0; // linear ceiling - margin
    double release_coeff_ = 0.0;
    std::size_t channels_ = 0;
    std::size_t lookahead_ = 0;

    // libebur128-style interpolator: phases 1..factor-1 (phase 0 is the sample itself),
    // dense, `hann_len_` taps each, applied to the window w[k] = x[n - k].
    std::size_t factor_ = 0;
    std::size_t hann_len_ = 0;
    std::vector<double> hann_; // (factor - 1) x hann_len_
    std::size_t detect_delay_ = 6;
    // Per channel: the last `hist_len_` input samples, stored twice (ring of 2 * hist_len_)
    // so a contiguous window always exists.
    std::size_t hist_len_ = 12;
    std::vector<double> history_;
    std::size_t hist_pos_ = 0;
    // Per channel: audio delay line of latency_frames() + 1 frames.
    std::vector<float> delay_;
    std::size_t delay_len_ = 0, delay_pos_ = 0;

    double prev_interp_peak_ = 0.0;
    double release_gain_ = 1.0;
    MovingMin hold_;
    BoxMean smooth_;

    double max_gr_db_ = 0.0, sum_gr_db_ = 0.0;
    std::uint64_t active_ = 0, frames_ = 0;
};

} // namespace tapeop::dsp
