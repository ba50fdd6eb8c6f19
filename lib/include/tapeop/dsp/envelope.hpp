#pragma once
// Dynamics parts shared by the compressor and the limiter (cf. cycfi/q and Signalsmith dsp:
// detector -> gain computer in dB -> apply). All state is double; nothing here allocates
// after construction / resize().
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tapeop::dsp {

// One-pole smoothing coefficient for time constant `time_ms` at `sample_rate`: a step is
// followed to 1 - 1/e (63.2 %) after `time_ms`. alpha = exp(-1 / (tau * fs)); 0 ms -> 0
// (no smoothing). Giannoulis, Massberg, Reiss, JAES 60(6) 2012, eq. (7).
double one_pole_coeff(double time_ms, double sample_rate);

// Static compressor curve with a quadratic soft knee, Giannoulis/Massberg/Reiss 2012, eq. (4).
struct GainComputer {
    double threshold_db = -20.0;
    double ratio = 2.0;   // >= 1; infinity is a limiter
    double knee_db = 0.0; // full knee width W (threshold +- W/2)

    // Output level for input level `x_db` (both dB).
    double output_db(double x_db) const {
        const double over = x_db - threshold_db;
        if (2.0 * over < -knee_db)
            return x_db;
        if (knee_db > 0.0 && 2.0 * std::abs(over) <= knee_db) {
            const double t = over + knee_db / 2.0;
            return x_db + (1.0 / ratio - 1.0) * t * t / (2.0 * knee_db);
        }
        return threshold_db + over / ratio;
    }
    // Gain change (<= 0 dB) for input level `x_db`.
    double gain_db(double x_db) const { return output_db(x_db) - x_db; }
};

// Branching one-pole smoother ("smooth branching" detector, Giannoulis et al. 2012, eq. (17)):
// rises with the attack coefficient, falls with the release coefficient.
class BranchingSmoother {
  public:
    void set(double attack_coeff, double release_coeff) {
        attack_ = attack_coeff;
        release_ = release_coeff;
    }
    void reset(double value = 0.0) { y_ = value; }
    double tick(double x) {
        const double a = x > y_ ? attack_ : release_;
        y_ = a * y_ + (1.0 - a) * x;
        return y_;
    }
    double value() const { return y_; }

  private:
    double attack_ = 0.0, release_ = 0.0, y_ = 0.0;
};

// Minimum of the last `window` values pushed (a monotonic deque in a ring buffer: amortised
// O(1) per sample). Before `window` values were pushed, the minimum of those pushed so far
// combined with the initial value given to reset(). The ring's size is a power of two, so
// positions wrap with a mask rather than a division (this runs once per frame in the limiter).
class MovingMin {
  public:
    void resize(std::size_t window) {
        assert(window >= 1);
        window_ = window;
        std::size_t cap = 1;
        while (cap < window + 1)
            cap *= 2;
        mask_ = cap - 1;
        vals_.assign(cap, 0.0);
        idx_.assign(cap, 0);
    }
    void reset(double initial) {
        head_ = tail_ = 0;
        t_ = 0;
        // Seed with `initial` as if it had filled the window.
        push_back(initial, 0);
        t_ = 0;
    }
    double push(double v) {
        ++t_;
        // Drop the front when it left the window, and every back value >= v.
        while (size() > 0 && vals_[back_pos()] >= v)
            --tail_;
        push_back(v, t_);
        if (idx_[head_ & mask_] + window_ <= t_)
            ++head_;
        return vals_[head_ & mask_];
    }

  private:
    std::size_t size() const { return tail_ - head_; }
    std::size_t back_pos() const { return (tail_ - 1) & mask_; }
    void push_back(double v, std::uint64_t t) {
        vals_[tail_ & mask_] = v;
        idx_[tail_ & mask_] = t;
        ++tail_;
    }
    std::size_t window_ = 1, mask_ = 0;
    std::vector<double> vals_;
    std::vector<std::uint64_t> idx_;
    std::size_t head_ = 0, tail_ = 0;
    std::uint64_t t_ = 0;
};

// The same minimum over blocks of values at once (van Herk / Gil-Werman: per segment of
// `window` values a running minimum from each end; every output is the minimum of two of them):
// three comparisons per value and no branch to mispredict, for the limiter's peak hold. Values
// before the first are `initial` (as MovingMin after reset(initial)).
class BlockMovingMin {
  public:
    void resize(std::size_t window) {
        assert(window >= 1);
        window_ = window;
        buf_.clear();
        fwd_.clear();
        bwd_.clear();
    }
    void reset(double initial) { buf_.assign(window_ - 1, initial); }
    // out[k] = min(in[k - window + 1 .. k]), earlier values from before this call; n >= 1.
    void process(const double* in, std::size_t n, double* out) {
        const std::size_t w = window_, len = w - 1 + n;
        buf_.resize(len);
        std::copy(in, in + n, buf_.begin() + std::ptrdiff_t(w - 1));
        fwd_.resize(len);
        bwd_.resize(len);
        for (std::size_t s = 0; s < len; s += w) {
            const std::size_t e = std::min(len, s + w);
            double m = buf_[s];
            for (std::size_t i = s; i < e; ++i)
                fwd_[i] = m = std::min(m, buf_[i]);
            m = buf_[e - 1];
            for (std::size_t i = e; i-- > s;)
                bwd_[i] = m = std::min(m, buf_[i]);
        }
        // The window ending at buf_ index i = k + w - 1 starts at k: within one segment, or the
        // tail of one and the head of the next.
        for (std::size_t k = 0; k < n; ++k)
            out[k] = std::min(bwd_[k], fwd_[k + w - 1]);
        std::copy(buf_.end() - std::ptrdiff_t(w - 1), buf_.end(), buf_.begin());
        buf_.resize(w - 1);
    }

  private:
    std::size_t window_ = 1;
    std::vector<double> buf_, fwd_, bwd_;
};

// Mean of the last `length` values, exact: values in [0, 1] are floored to 2^-40 steps and
// summed in integers, so the running sum never drifts (bit-identical over hours of audio)
// and the mean of `length` ones is exactly 1.0.
class BoxMean {
  public:
    static constexpr double scale = 1099511627776.0; // 2^40
    void resize(std::size_t length) {
        assert(length >= 1);
        ring_.assign(length, 0);
        inv_len_ = 1.0 / static_cast<double>(length);
        full_ = scale_u64() * length;
    }
    void reset(double initial) {
        const auto q = quantize(initial);
        for (auto& r : ring_)
            r = q;
        sum_ = q * ring_.size();
        pos_ = 0;
    }
    // The quantized value actually stored for `v` (<= v): floor(v 2^40), which the conversion's
    // truncation is for v >= 0 (no call to floor in the limiter's per-frame path).
    static std::uint64_t quantize(double v) {
        assert(v >= 0.0 && v <= 1.0);
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(v * scale));
    }
    double push(double v) {
        const auto q = quantize(v);
        sum_ += q;
        sum_ -= ring_[pos_];
        ring_[pos_] = q;
        if (++pos_ == ring_.size())
            pos_ = 0;
        if (sum_ == full_)
            return 1.0;
        // sum_ < 2^63: exact through int64; / 2^40 is exact.
        return static_cast<double>(static_cast<std::int64_t>(sum_)) / scale * inv_len_;
    }

  private:
    static constexpr std::uint64_t scale_u64() { return std::uint64_t{1} << 40; }
    std::vector<std::uint64_t> ring_;
    std::uint64_t sum_ = 0, full_ = 0;
    std::size_t pos_ = 0;
    double inv_len_ = 1.0;
};

} // namespace tapeop::dsp
