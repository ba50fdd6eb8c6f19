#include "tapeop/dsp/limiter.hpp"

#include "tapeop/dsp/float_kernels.hpp"

#include "tapeop/analysis/true_peak.hpp"

#include "tapeop/error.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tapeop::dsp {

namespace {

// ITU-R BS.1770-4 Annex 2, 48-tap 4x interpolator (analysis::Oversampler4x's table), as
// four phases of 12 taps: phase p at input frame n is sum_k kPhase[p][k] * x[n - k], the value
// at time n - 6 + (2p + 1) / 8 (the prototype's centre is 5.875 frames back).
const std::array<std::array<double, 12>, 4> kPhase = [] {
    const auto& h = analysis::Oversampler4x::coefficients();
    std::array<std::array<double, 12>, 4> phases{};
    for (std::size_t p = 0; p < 4; ++p)
        for (std::size_t k = 0; k < 12; ++k)
            phases[p][k] = h[p + 4 * k];
    return phases;
}();

// 1 - 2^-40: a release gain this close to 1 is 1 (BoxMean's resolution).
constexpr double unity_snap = 1.0 - 1.0 / 1099511627776.0;

// Statistics count a frame as limited when its gain reduction is at least 0.01 dB (the
// exponential release approaches 1 for a long time after it stopped mattering).
const double active_gain = std::pow(10.0, -0.01 / 20.0);

} // namespace

Limiter::Limiter(const LimiterSettings& s) : settings_(s) {
    if (!(s.lookahead_ms >= 0.1 && s.lookahead_ms <= 50.0))
        throw UsageError("limiter look-ahead must be between 0.1 and 50 ms");
    if (!(s.release_ms >= 0.0))
        throw UsageError("limiter release must be >= 0 ms");
    if (!(s.margin_db >= 0.0 && s.margin_db <= 6.0))
        throw UsageError("limiter margin must be between 0 and 6 dB");
    if (!(s.ceiling_dbtp <= 0.0 && s.ceiling_dbtp >= -60.0))
        throw UsageError("limiter ceiling must be between -60 and 0 dBTP");
}

void Limiter::prepare(const StreamSpec& spec, std::size_t) {
    channels_ = static_cast<std::size_t>(spec.channels);
    lookahead_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(
                                              settings_.lookahead_ms * 0.001 * spec.sample_rate)));
    target_ = db_to_gain(settings_.ceiling_dbtp - settings_.margin_db);
    release_coeff_ = one_pole_coeff(settings_.release_ms, spec.sample_rate);
    // libebur128 1.2 (ebur128.c, interp_create): 49 taps, sinc(m pi / factor) times a Hann
    // window, m = j - 24; tap j belongs to phase j % factor at delay j / factor.
    factor_ = spec.sample_rate < 96000 ? 4 : spec.sample_rate < 192000 ? 2 : 0;
    constexpr int hann_taps = 49;
    if (factor_ > 0) {
        hann_len_ = (hann_taps + factor_ - 1) / factor_;
        hann_.assign((factor_ - 1) * hann_len_, 0.0);
        for (int j = 0; j < hann_taps; ++j) {
            const double m = double(j) - (hann_taps - 1) / 2.0;
            const double x = m * std::numbers::pi / double(factor_);
            double c = std::abs(m) > 1e-6 ? std::sin(x) / x : 1.0;
            c *= 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * j / (hann_taps - 1)));
            const std::size_t f = std::size_t(j) % factor_, idx = std::size_t(j) / factor_;
            if (f > 0)
                hann_[(f - 1) * hann_len_ + idx] = c;
        }
        hann_delay_ = std::size_t((hann_taps - 1) / 2) / factor_; // 6 or 12
    } else {
        hann_len_ = 0;
        hann_.clear();
        hann_delay_ = 0;
    }
    // Every estimate covers [m, m+1], m = n - detect_delay_: the near-ideal one needs the most
    // future; the BS.1770 phases run on the window ending at m + 6, the Hann ones at m +
    // hann_delay_.
    detect_delay_ = IdealPeak8x::future;
    hist_len_ = std::max({detect_delay_ + IdealPeak8x::past + 1, detect_delay_ - 6 + 12,
                          detect_delay_ - hann_delay_ + hann_len_});
    // Per channel: the last latency_frames() inputs, then a block's.
    delay_len_ = latency_frames() + block_frames;
    delay_.assign(channels_ * delay_len_, 0.0f);
    peak_.assign(block_frames, 0.0);
    needed_.assign(block_frames, 0.0);
    held_.assign(block_frames, 0.0);
    hold_.resize(lookahead_ + 1);
    smooth_.resize(lookahead_ + 1);
    // Fast path: the bound S, the float windows, and the screens' folded taps: the
    // interpolators are linear-phase, so their phases come in mirrored pairs (BS.1770: 0 and
    // 3, 1 and 2; the Hann sinc at 4x: 1 and 3, with 2 mirrored in itself; at 2x: 1 in itself),
    // which the float screen evaluates with half the multiplications (float_kernels.hpp).
    max_sum_abs_ = 0.0;
    mirror_error_ = 0.0;
    mirrored_.clear();
    auto fold = [&](const double* hp, const double* hq, std::size_t len, std::size_t offset) {
        Mirrored f;
        f.offset = offset;
        for (std::size_t k = 0; k < len / 2; ++k) {
            f.fe.push_back(float(hp[k] + hq[k]));
            if (hq != hp)
                f.fo.push_back(float(hp[k] - hq[k]));
        }
        // The fold takes h_q[k] as h_p[len - 1 - k]: what the computed taps miss of that
        // (last-bit differences of the window's cosines) joins the screen's slack.
        for (std::size_t k = 0; k < len; ++k)
            mirror_error_ = std::max(mirror_error_, std::abs(hq[k] - hp[len - 1 - k]));
        mirrored_.push_back(std::move(f));
    };
    for (const auto& ph : kPhase) {
        double sum = 0.0;
        for (double h : ph)
            sum += std::abs(h);
        max_sum_abs_ = std::max(max_sum_abs_, sum);
    }
    for (std::size_t p = 0; p + 1 < factor_; ++p) {
        double sum = 0.0;
        for (std::size_t k = 0; k < hann_len_; ++k)
            sum += std::abs(hann_[p * hann_len_ + k]);
        max_sum_abs_ = std::max(max_sum_abs_, sum);
    }
    fold(kPhase[0].data(), kPhase[3].data(), 12, detect_delay_ - 6);
    fold(kPhase[1].data(), kPhase[2].data(), 12, detect_delay_ - 6);
    // The Hann phases have 12 (4x) or 24 (2x) non-zero taps of their hann_len_ (13, 25).
    const std::size_t hann_taps_nonzero = hann_len_ - 1;
    if (factor_ == 4) {
        fold(&hann_[0], &hann_[2 * hann_len_], hann_taps_nonzero, detect_delay_ - hann_delay_);
        fold(&hann_[hann_len_], &hann_[hann_len_], hann_taps_nonzero, detect_delay_ - hann_delay_);
    } else if (factor_ == 2) {
        fold(&hann_[0], &hann_[0], hann_taps_nonzero, detect_delay_ - hann_delay_);
    }
    max_sum_abs_ *= 1.0 + 1e-12;
    max_gain_ = std::max({max_sum_abs_, ideal_.max_gain(), dac_.max_gain()});
    // Rounding slack per unit of M (see screen_chunk): the folded 4x evaluation (pair sums and
    // differences, taps, products, six or twelve terms, |e| + |o|) errs by < 20 * 2^-24 * S * M,
    // 2e-6 S covers it with room, plus the taps' mirror error; the near-ideal ones state theirs.
    slack4_ = 2e-6 * max_sum_abs_ + 24.0 * mirror_error_;
    slack8_ = std::max(ideal_.float_error_bound(1.0), dac_.float_error_bound(1.0));
    detect_.assign(channels_, Detect{});
    for (Detect& d : detect_) {
        d.fwin.assign(hist_len_ - 1 + chunk_frames, 0.0f);
        d.best4.assign(chunk_frames, 0.0f);
        d.best8.assign(chunk_frames, 0.0f);
        d.ideal_out.assign(chunk_frames, 0.0f);
        d.bound.assign(chunk_frames, 0.0f);
        d.interp.assign(block_frames, 0.0);
        d.sample.assign(block_frames, 0.0);
    }
    reset();
}

void Limiter::reset() {
    for (Detect& d : detect_) {
        std::fill(d.fwin.begin(), d.fwin.end(), 0.0f);
        d.piece_max = d.prev_max[0] = d.prev_max[1] = d.prev_max[2] = 0.0f;
        d.piece_fill = 0;
    }
    std::fill(delay_.begin(), delay_.end(), 0.0f);
    prev_interp_peak_ = 0.0;
    release_gain_ = 1.0;
    hold_.reset(1.0);
    smooth_.reset(1.0);
    min_gain_ = gain_product_ = 1.0;
    gain_exponent_ = 0;
    active_ = frames_ = 0;
    unity_run_ = 0;
    idle_ = true;
}

void Limiter::process(AudioView io) {
    assert(io.channels() == channels_);
    for (std::size_t first = 0; first < io.frames(); first += block_frames) {
        const std::size_t count = std::min(block_frames, io.frames() - first);
        for (std::size_t c = 0; c < channels_; ++c)
            detect(c, io.channel(c) + first, count);
        envelope(io, first, count);
    }
}

void Limiter::detect(std::size_t c, const float* x, std::size_t n) {
    for (std::size_t i0 = 0; i0 < n; i0 += chunk_frames)
        screen_chunk(detect_[c], x + i0, std::min(chunk_frames, n - i0), i0);
}

void Limiter::envelope(AudioView io, std::size_t first, std::size_t count) {
    // 1. The frames' peaks: over the channels, the sample and the interpolated peaks of the
    // intervals on both sides of each frame. A skipped interpolation is <= target_; 0.0 stands
    // for it (only compared with target_). Then the needed gain.
    double* interp = peak_.data();
    double* needed = needed_.data();
    std::copy_n(detect_[0].interp.data(), count, interp);
    std::copy_n(detect_[0].sample.data(), count, needed);
    for (std::size_t c = 1; c < channels_; ++c) {
        const double* ci = detect_[c].interp.data();
        const double* cs = detect_[c].sample.data();
        for (std::size_t k = 0; k < count; ++k) {
            interp[k] = std::max(interp[k], ci[k]);
            needed[k] = std::max(needed[k], cs[k]);
        }
    }
    for (std::size_t k = 0; k < count; ++k) {
        const double before = k > 0 ? interp[k - 1] : prev_interp_peak_;
        const double peak = std::max({needed[k], interp[k], before});
        needed[k] = peak > target_ ? target_ / peak : 1.0;
    }
    prev_interp_peak_ = interp[count - 1];
    // 3. The hold, over every frame (an idle stretch has needed gains of 1, as the unity run
    // before it: the same minima as if the hold had been reset to 1 on waking up).
    double* held = held_.data();
    hold_.process(needed, count, held);
    // 4.-5. Release and smoothing: the gain of each frame. (The state in locals: members
    // would be stored and loaded again every frame.)
    double* gains = interp; // the peaks are no longer needed
    double release = release_gain_;
    std::size_t unity_run = unity_run_;
    bool idle = idle_;
    const bool fast = fast_path_;
    const double keep = 1.0 - release_coeff_;
    for (std::size_t k = 0; k < count; ++k) {
        const double need = needed[k];
        double gain = 1.0;
        if (!(fast && idle && need == 1.0)) {
            if (fast && idle) {
                // Leaving the idle state: every value in the smoothing window is 1.
                smooth_.reset(1.0);
                idle = false;
                unity_run = 0;
            }
            double rel = release + (1.0 - release) * keep;
            if (rel > unity_snap)
                rel = 1.0;
            release = std::min(held[k], rel);
            gain = smooth_.push(release);
            if (need == 1.0 && release == 1.0) {
                if (++unity_run >= lookahead_ + 1)
                    idle = true;
            } else {
                unity_run = 0;
            }
        }
        gains[k] = gain;
    }
    release_gain_ = release;
    unity_run_ = unity_run;
    idle_ = idle;
    // 6. Applied to the frames that entered latency_frames() ago: each channel's line holds the
    // last latency_frames() inputs, then this block's. (x * 1.0 is x: unity gain is exact.)
    const std::size_t latency = latency_frames();
    for (std::size_t c = 0; c < channels_; ++c) {
        float* line = delay_.data() + c * delay_len_;
        float* out = io.channel(c) + first;
        std::copy_n(out, count, line + latency);
        for (std::size_t k = 0; k < count; ++k)
            out[k] = static_cast<float>(double(line[k]) * gains[k]);
        std::copy(line + count, line + count + latency, line);
    }
    frames_ += count;
    if (trace_)
        for (std::size_t k = 0; k < count; ++k)
            trace_->add(gains[k]);
    double min_gain = min_gain_, product = gain_product_;
    std::uint64_t active = active_;
    for (std::size_t k = 0; k < count; ++k) {
        const double gain = gains[k];
        if (gain < active_gain) {
            // The sum of the reductions in dB is -20 log10 of the product of the gains: kept
            // as mantissa and binary exponent (one multiplication per frame, not a log10).
            ++active;
            min_gain = std::min(min_gain, gain);
            product *= gain;
            if (product < 0x1p-512) {
                int e = 0;
                product = std::frexp(product, &e);
                gain_exponent_ += e;
            }
        }
    }
    min_gain_ = min_gain;
    gain_product_ = product;
    active_ = active;
}

void Limiter::screen_chunk(Detect& d, const float* x, std::size_t m, std::size_t at) {
    // The window: the last hist_len_ - 1 samples, then the chunk. Frame j of the chunk gives
    // the estimates of the interval [i, i + 1], i = j - detect_delay_ (index past + j - D).
    const std::size_t past = hist_len_ - 1, D = detect_delay_;
    float* w = d.fwin.data();
    std::copy(x, x + m, w + past);
    // Per frame, a bound M of |x| over everything its estimates read (the 72 samples up to it):
    // the running maximum of the current 32-frame piece (aligned on the stream, not on the
    // blocks) and the maxima of the three pieces before. It sets the frame's rounding slack, so
    // the values below do not depend on how the stream is cut into blocks.
    float piece = d.piece_max, p0 = d.prev_max[0], p1 = d.prev_max[1], p2 = d.prev_max[2];
    float older = std::max({p0, p1, p2}), quiet = 0.0f;
    float* bound = d.bound.data();
    for (std::size_t j = 0; j < m;) {
        // The rest of the current piece, or of the chunk.
        const std::size_t end = std::min(m, j + (piece_frames - d.piece_fill));
        d.piece_fill += end - j;
        for (; j < end; ++j) {
            piece = std::max(piece, std::abs(x[j]));
            bound[j] = std::max(piece, older);
        }
        quiet = std::max(quiet, bound[end - 1]); // the bounds only grow within a piece
        if (d.piece_fill == piece_frames) {
            p2 = p1;
            p1 = p0;
            p0 = piece;
            older = std::max({p0, p1, p2});
            piece = 0.0f;
            d.piece_fill = 0;
        }
    }
    d.piece_max = piece;
    d.prev_max[0] = p0;
    d.prev_max[1] = p1;
    d.prev_max[2] = p2;
    const double quiet_m = quiet;
    // Skipped: a group of estimates none of which can exceed the target (each is at most the
    // exact value, <= S M, plus its rounding error plus the slack added, both <= slack(M)).
    const bool quiet4 = fast_path_ && quiet_m * (max_sum_abs_ + 2.0 * slack4_) <= target_;
    const bool quiet8 = fast_path_ && quiet_m * (max_gain_ + 2.0 * slack8_) <= target_;
    const kernels::FloatKernels& k = kernels::float_kernels();
    std::fill(d.best4.begin(), d.best4.begin() + std::ptrdiff_t(m), 0.0f);
    std::fill(d.best8.begin(), d.best8.begin() + std::ptrdiff_t(m), 0.0f);
    if (!quiet4)
        for (const Mirrored& f : mirrored_)
            k.mirrored_peaks(w + past - f.offset, m, f.fe.data(),
                             f.fo.empty() ? nullptr : f.fo.data(), f.fe.size(), d.best4.data());
    if (!quiet8) {
        // Values that cannot come near the target need no parabolic refinement (their bound
        // 1.125 x the largest 8x point is used: still an upper bound, still under the target).
        const float refine_above = fast_path_ ? float(0.999 * (target_ - slack8_ * quiet_m)) : 0.0f;
        for (const IdealPeak8x* ip : {&ideal_, &dac_}) {
            ip->interval_peaks_float(w + past - D, m, d.ideal_out.data(), d.ideal_scratch,
                                     refine_above);
            for (std::size_t j = 0; j < m; ++j)
                d.best8[j] = std::max(d.best8[j], d.ideal_out[j]);
        }
    }
    // Upper bounds of the exact values: the float values plus their error bounds. A skipped
    // group stays 0 (provably under the target, where its value does not matter).
    for (std::size_t j = 0; j < m; ++j) {
        const double mj = d.bound[j];
        const double v4 = quiet4 ? 0.0 : double(d.best4[j]) + slack4_ * mj;
        const double v8 = quiet8 ? 0.0 : double(d.best8[j]) + slack8_ * mj;
        d.interp[at + j] = std::max(v4, v8);
        d.sample[at + j] = std::abs(double(w[past + j - D]));
    }
    std::copy(w + m, w + m + past, w);
}

LimiterStats Limiter::stats() const {
    LimiterStats s;
    s.frames = frames_;
    s.max_gain_reduction_db = active_ ? -20.0 * std::log10(min_gain_) : 0.0;
    const double sum_db =
        -20.0 * (std::log10(gain_product_) + double(gain_exponent_) * std::log10(2.0));
    s.average_gain_reduction_db = active_ ? sum_db / double(active_) : 0.0;
    s.active_share = frames_ ? double(active_) / double(frames_) : 0.0;
    return s;
}

} // namespace tapeop::dsp
