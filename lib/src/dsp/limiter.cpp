#include "tapeop/dsp/limiter.hpp"

#include "tapeop/error.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tapeop::dsp {

namespace {

// ITU-R BS.1770-4 Annex 2, 48-tap 4x interpolator, as four phases of 12 taps.
// Private copy: analysis::Oversampler4x (branch `meter`) holds the same table; unify on merge.
// Phase p at input frame n: sum_k kPhase[p][k] * x[n - k], i.e. the value at time
// n - 6 + (2p + 1) / 8 (the prototype's centre is 5.875 frames back).
constexpr std::array<std::array<double, 12>, 4> kPhase{{
    {0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875,
     0.1373291015625, 0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250,
     0.0148925781250, -0.0083007812500},
    {-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500,
     0.4650878906250, 0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625,
     0.0330810546875, -0.0189208984375},
    {-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125,
     0.7797851562500, 0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000,
     0.0292968750000, -0.0291748046875},
    {-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750,
     0.9721679687500, 0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125,
     0.0109863281250, 0.0017089843750},
}};

// Largest |value| of the four BS.1770 phases; w[0] is the newest sample, w[11] the oldest.
double bs1770_peak(const double* w) {
    double peak = 0.0;
    for (const auto& ph : kPhase) {
        double acc = 0.0;
        for (std::size_t k = 0; k < 12; ++k) acc += ph[k] * w[k];
        peak = std::max(peak, std::abs(acc));
    }
    return peak;
}

// 1 - 2^-40: a release gain this close to 1 is 1 (BoxMean's resolution).
constexpr double unity_snap = 1.0 - 1.0 / 1099511627776.0;

// Largest |value| of the Hann-sinc phases (`count` phases of `len` taps).
double hann_peak(const double* coeffs, std::size_t count, std::size_t len, const double* w) {
    double peak = 0.0;
    for (std::size_t p = 0; p < count; ++p) {
        const double* h = coeffs + p * len;
        double acc = 0.0;
        for (std::size_t k = 0; k < len; ++k) acc += h[k] * w[k];
        peak = std::max(peak, std::abs(acc));
    }
    return peak;
}

// Statistics count a frame as limited when its gain reduction is at least 0.01 dB (the
// exponential release approaches 1 for a long time after it stopped mattering).
const double active_gain = std::pow(10.0, -0.01 / 20.0);

} // namespace

Limiter::Limiter(const LimiterSettings& s) : settings_(s) {
    if (!(s.lookahead_ms >= 0.1 && s.lookahead_ms <= 50.0))
        throw UsageError("limiter look-ahead must be between 0.1 and 50 ms");
    if (!(s.release_ms >= 0.0)) throw UsageError("limiter release must be >= 0 ms");
    if (!(s.margin_db >= 0.0 && s.margin_db <= 6.0))
        throw UsageError("limiter margin must be between 0 and 6 dB");
    if (!(s.ceiling_dbtp <= 0.0 && s.ceiling_dbtp >= -60.0))
        throw UsageError("limiter ceiling must be between -60 and 0 dBTP");
}

void Limiter::prepare(const StreamSpec& spec, std::size_t) {
    channels_ = static_cast<std::size_t>(spec.channels);
    lookahead_ = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::lround(settings_.lookahead_ms * 0.001 * spec.sample_rate)));
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
            if (f > 0) hann_[(f - 1) * hann_len_ + idx] = c;
        }
        detect_delay_ = std::size_t((hann_taps - 1) / 2) / factor_; // 6 or 12
    } else {
        hann_len_ = 0;
        hann_.clear();
        detect_delay_ = 6;
    }
    // The BS.1770 phases are evaluated on w + (detect_delay_ - 6) so both cover (m, m+1).
    hist_len_ = std::max(hann_len_, detect_delay_ - 6 + 12);
    history_.assign(channels_ * 2 * hist_len_, 0.0);
    delay_len_ = latency_frames() + 1;
    delay_.assign(channels_ * delay_len_, 0.0f);
    hold_.resize(lookahead_ + 1);
    smooth_.resize(lookahead_ + 1);
    reset();
}

void Limiter::reset() {
    std::fill(history_.begin(), history_.end(), 0.0);
    std::fill(delay_.begin(), delay_.end(), 0.0f);
    hist_pos_ = 0;
    delay_pos_ = 0;
    prev_interp_peak_ = 0.0;
    release_gain_ = 1.0;
    hold_.reset(1.0);
    smooth_.reset(1.0);
    max_gr_db_ = sum_gr_db_ = 0.0;
    active_ = frames_ = 0;
}

void Limiter::process(AudioView io) {
    assert(io.channels() == channels_);
    const std::size_t n = io.frames();
    for (std::size_t i = 0; i < n; ++i) {
        // 1. Push the new frame; x[m] with m = n - detect_delay_ is the frame the peak
        // estimate is for, and interp the peak over (m, m + 1).
        const std::size_t H = hist_len_, D = detect_delay_;
        hist_pos_ = hist_pos_ == 0 ? H - 1 : hist_pos_ - 1;
        double interp = 0.0, sample = 0.0;
        for (std::size_t c = 0; c < channels_; ++c) {
            double* h = history_.data() + c * 2 * H;
            const double x = io.channel(c)[i];
            h[hist_pos_] = x;
            h[hist_pos_ + H] = x;
            const double* w = h + hist_pos_; // w[k] = x[n - k]
            interp = std::max(interp, bs1770_peak(w + (D - 6)));
            if (factor_ > 0)
                interp = std::max(interp, hann_peak(hann_.data(), factor_ - 1, hann_len_, w));
            sample = std::max(sample, std::abs(w[D]));
            delay_[c * delay_len_ + delay_pos_] = static_cast<float>(x);
        }
        const double peak = std::max({sample, interp, prev_interp_peak_});
        prev_interp_peak_ = interp;
        // 2.-5. Needed gain, hold, release, smoothing.
        const double needed = peak > target_ ? target_ / peak : 1.0;
        const double held = hold_.push(needed);
        double rel = release_gain_ + (1.0 - release_gain_) * (1.0 - release_coeff_);
        if (rel > unity_snap) rel = 1.0;
        release_gain_ = std::min(held, rel);
        const double gain = smooth_.push(release_gain_);
        // 6. Apply to the frame that entered latency_frames() ago.
        std::size_t out_pos = delay_pos_ + 1;
        if (out_pos == delay_len_) out_pos = 0;
        for (std::size_t c = 0; c < channels_; ++c) {
            const float x = delay_[c * delay_len_ + out_pos];
            io.channel(c)[i] = gain == 1.0 ? x : static_cast<float>(x * gain);
        }
        delay_pos_ = out_pos;
        ++frames_;
        if (gain < active_gain) {
            const double gr = -20.0 * std::log10(gain);
            ++active_;
            sum_gr_db_ += gr;
            max_gr_db_ = std::max(max_gr_db_, gr);
        }
    }
}

LimiterStats Limiter::stats() const {
    LimiterStats s;
    s.frames = frames_;
    s.max_gain_reduction_db = max_gr_db_;
    s.average_gain_reduction_db = active_ ? sum_gr_db_ / double(active_) : 0.0;
    s.active_share = frames_ ? double(active_) / double(frames_) : 0.0;
    return s;
}

} // namespace tapeop::dsp
