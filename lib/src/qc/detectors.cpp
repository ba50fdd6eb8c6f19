#include "tapeop/qc/detectors.hpp"

#include "kernels.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numbers>
#include <tuple>

namespace tapeop::qc {

// ---------------------------------------------------------------------------------------------
void BlockScreen::compute(AudioView block) {
    for (std::size_t c = 0; c < peak_.size() && c < block.channels(); ++c) {
        const auto pm = kernels::peak_min_abs(block.channel(c), block.frames());
        peak_[c] = pm.peak;
        min_abs_[c] = pm.min_abs;
    }
}

namespace {
template <class D> void add_screened(D& detector, AudioView block) {
    BlockScreen screen(block.channels());
    screen.compute(block);
    detector.add(block, screen);
}
} // namespace

// ---------------------------------------------------------------------------------------------
EventLog::EventLog(std::size_t keep) : keep_(keep) {
    first_.reserve(keep);
}

void EventLog::add(const Event& e) {
    if (count_ == 0 || e.magnitude > worst_.magnitude)
        worst_ = e;
    ++count_;
    total_length_ += e.length;
    longest_ = std::max(longest_, e.length);
    auto before = [](const Event& a, const Event& b) {
        return a.frame != b.frame ? a.frame < b.frame : a.channel < b.channel;
    };
    if (keep_ == 0)
        return;
    if (first_.size() == keep_) {
        if (!before(e, first_.back()))
            return;
        first_.pop_back();
    }
    first_.insert(std::upper_bound(first_.begin(), first_.end(), e, before), e);
}

EventLog merge_events(const EventLog& a, const EventLog& b, std::int64_t tolerance) {
    EventLog m(std::max(a.keep_, b.keep_));
    for (const auto& e : a.earliest())
        m.add(e);
    for (const auto& e : b.earliest()) {
        const bool seen =
            std::any_of(a.earliest().begin(), a.earliest().end(), [&](const Event& x) {
                return x.channel == e.channel && std::llabs(x.frame - e.frame) <= tolerance;
            });
        if (!seen)
            m.add(e);
    }
    // The events past the kept ones: counted (duplicates among them cannot be told).
    m.count_ += (a.count_ - a.first_.size()) + (b.count_ - b.first_.size());
    for (const EventLog* l : {&a, &b})
        if (l->count_ > 0 && l->worst_.magnitude > m.worst_.magnitude) {
            m.worst_ = l->worst_;
            m.longest_ = std::max(m.longest_, l->longest_);
        }
    return m;
}

// ---------------------------------------------------------------------------------------------
ClipDetector::ClipDetector(int channels, float threshold, int min_run, bool float_overs)
    : ch_(static_cast<std::size_t>(channels)), threshold_(threshold), min_run_(min_run),
      float_overs_(float_overs) {}

void ClipDetector::close(Channel& s, int channel) {
    if (float_overs_ && s.run_peak > 1.0f)
        overs_.add({s.run_start, channel, s.run_peak, s.run_len});
    else if (s.run_len >= min_run_)
        clips_.add({s.run_start, channel, s.run_peak, s.run_len});
    s.run_len = 0;
}

void ClipDetector::add(AudioView block) {
    add_screened(*this, block);
}

void ClipDetector::add(AudioView block, const BlockScreen& screen) {
    const std::size_t n = block.frames();
    for (std::size_t c = 0; c < ch_.size(); ++c) {
        const float* x = block.channel(c);
        Channel& s = ch_[c];
        if (screen.peak(c) < threshold_ && s.run_len == 0)
            continue; // most blocks: nowhere near
        // full scale
        for (std::size_t i = 0; i < n; ++i) {
            const float a = std::fabs(x[i]);
            if (a >= threshold_) {
                if (s.run_len == 0) {
                    s.run_start = pos_ + std::int64_t(i);
                    s.run_peak = 0.0f;
                }
                ++s.run_len;
                s.run_peak = std::max(s.run_peak, a);
            } else if (s.run_len > 0) {
                close(s, static_cast<int>(c));
            }
        }
    }
    pos_ += std::int64_t(n);
}

void ClipDetector::finish() {
    for (std::size_t c = 0; c < ch_.size(); ++c)
        if (ch_[c].run_len > 0)
            close(ch_[c], static_cast<int>(c));
}

// ---------------------------------------------------------------------------------------------
DropoutDetector::DropoutDetector(int channels, std::int64_t min_frames, std::int64_t max_frames,
                                 float loud, std::int64_t edge_frames, std::int64_t resume_frames)
    : ch_(static_cast<std::size_t>(channels)), min_(std::max<std::int64_t>(1, min_frames)),
      max_(max_frames), edge_(edge_frames), resume_(std::max(edge_frames, resume_frames)),
      loud_(loud) {
    // A non-zero run is judged against the 2 `resume_` samples before it once it is long
    // enough to count, max(min_, 2) samples after its start.
    for (auto& c : ch_)
        c.past.assign(std::size_t(2 * resume_ + std::max<std::int64_t>(min_, 2) + 1), 0.0f);
}

float DropoutDetector::past_sample(const Channel& c, const float* x, std::int64_t frame) const {
    if (frame >= pos_)
        return x[frame - pos_];
    const auto keep = std::int64_t(c.past.size());
    if (frame < 0 || frame < pos_ - keep)
        return 0.0f;
    return c.past[std::size_t(frame % keep)];
}

void DropoutDetector::look_before(Channel& c, const float* x) const {
    const std::int64_t start = c.run_start;
    const float edge = flat_top_margin * c.value;
    c.beyond_before = c.recurs_before = false;
    for (std::int64_t f = start - 2 * resume_; f < start; ++f) {
        const float v = past_sample(c, x, f);
        c.beyond_before =
            c.beyond_before || (f >= start - resume_ && (c.value > 0.0f ? v >= edge : v <= edge));
        c.recurs_before = c.recurs_before || (v == c.value && past_sample(c, x, f - 1) == v);
    }
    c.moving_before = start - slope_frames > 0;
    c.step = 0.0f;
    for (std::int64_t f = start - slope_frames; f < start && c.moving_before; ++f) {
        const float d = std::fabs(past_sample(c, x, f) - past_sample(c, x, f - 1));
        c.moving_before = d > 0.0f;
        c.step = std::max(c.step, d);
    }
}

void DropoutDetector::close_run(Channel& s, std::int64_t t, float next) {
    const bool held = s.value != 0.0f;
    if (s.run_len >= min_ && s.run_len <= max_ && s.run_start - s.loud_before <= edge_ &&
        (!held || (s.run_len >= 2 && s.moving_before))) {
        s.pending = true;
        s.cand_start = s.run_start;
        s.cand_len = s.run_len;
        s.cand_value = s.value;
        s.cand_beyond = !held || s.beyond_before;
        s.cand_jump = std::fabs(next - s.value) > jump_ratio * s.step;
        s.cand_recurs = s.recurs_before;
        s.cand_loud = false;
        s.deadline = t + resume_;
        s.decide = t + 2 * resume_;
    }
}

void DropoutDetector::scan(Channel& s, int channel, const float* x, std::size_t from,
                           std::size_t to) {
    const std::int64_t judge = std::max<std::int64_t>(min_, 2);
    for (std::size_t i = from; i < to; ++i) {
        const std::int64_t t = pos_ + std::int64_t(i);
        const float v = x[i];
        if (s.run_len > 0 && v == s.value) {
            if (++s.run_len == judge && s.value != 0.0f)
                look_before(s, x);
        } else {
            if (s.run_len > 0)
                close_run(s, t, v);
            s.value = v;
            s.run_start = t;
            s.run_len = 1;
            s.loud_before = s.last_loud;
        }
        if (std::fabs(v) >= loud_)
            s.last_loud = t;
        if (!s.pending)
            continue;
        const float edge = flat_top_margin * s.cand_value;
        if (t <= s.deadline) {
            s.cand_loud = s.cand_loud || std::fabs(v) >= loud_;
            s.cand_beyond = s.cand_beyond || (s.cand_value > 0.0f ? v >= edge : v <= edge);
        }
        s.cand_recurs = s.cand_recurs || (v == s.cand_value && t > s.cand_start + s.cand_len &&
                                          past_sample(s, x, t - 1) == v);
        // A flat top (nothing beyond it around) is a stall at the waveform's peak when the
        // audio jumps away from it and no other top holds the same value within two windows
        // (a clipping ceiling does, every period down to 25 Hz): decided after them.
        bool found = s.cand_loud && s.cand_beyond;
        bool over = t >= s.deadline && (!s.cand_loud || !s.cand_jump);
        if (!found && !over && t >= s.decide) {
            found = !s.cand_recurs;
            over = true;
        }
        if (found) {
            log_.add({s.cand_start, channel, double(s.cand_len), s.cand_len});
            held_ += s.cand_value != 0.0f;
            s.pending = false;
        } else if (over) {
            s.pending = false;
        }
    }
}

void DropoutDetector::remember(Channel& s, const float* x, std::size_t n) {
    const std::size_t keep = s.past.size();
    const std::size_t from = n - std::min(n, keep); // the block's last `keep` samples
    const std::size_t at = std::size_t((pos_ + std::int64_t(from)) % std::int64_t(keep));
    const std::size_t first = std::min(n - from, keep - at);
    std::memcpy(s.past.data() + at, x + from, first * sizeof(float));
    std::memcpy(s.past.data(), x + from + first, (n - from - first) * sizeof(float));
}

void DropoutDetector::add(AudioView block) {
    add_screened(*this, block);
}

void DropoutDetector::add(AudioView block, const BlockScreen& screen) {
    const std::size_t n = block.frames();
    constexpr std::size_t piece = 256; // skipped whole where no two neighbours are equal
    for (std::size_t c = 0; c < ch_.size() && n > 0; ++c) {
        const float* x = block.channel(c);
        Channel& s = ch_[c];
        for (std::size_t a = 0; a < n; a += piece) {
            const std::size_t b = std::min(n, a + piece);
            // No run of two equal samples can start, continue or end here (a lone zero is a
            // gap only with a 1-frame minimum): only the last sample and the last loud one
            // matter.
            if (s.run_len == 1 && !s.pending &&
                (min_ > 1 || (s.value != 0.0f && screen.min_abs(c) > 0.0f)) &&
                !kernels::any_repeat(x + a, b - a, s.value)) {
                for (std::size_t i = b - 1; i-- > a;)
                    if (std::fabs(x[i]) >= loud_) {
                        s.last_loud = pos_ + std::int64_t(i);
                        break;
                    }
                s.loud_before = s.last_loud;
                s.value = x[b - 1];
                s.run_start = pos_ + std::int64_t(b) - 1;
                if (std::fabs(s.value) >= loud_)
                    s.last_loud = s.run_start;
            } else {
                scan(s, static_cast<int>(c), x, a, b);
            }
        }
        remember(s, x, n);
    }
    pos_ += std::int64_t(n);
}

// ---------------------------------------------------------------------------------------------
namespace {
// The order-64 top band's taps for a unit spike: C(64, j) / 2^64 (the signs alternate).
std::array<double, 65> top_taps() {
    std::array<double, 65> t{};
    t[0] = std::ldexp(1.0, -64);
    for (std::size_t j = 0; j < 64; ++j)
        t[j + 1] = t[j] * double(64 - j) / double(j + 1);
    return t;
}
} // namespace

ClickDetector::ClickDetector(int channels, int sample_rate, double ratio_db, float level, int order)
    : ch_(static_cast<std::size_t>(channels)),
      sub_(static_cast<std::size_t>(std::max(32, sample_rate / 200))), // ~5 ms
      ratio_sq_(std::pow(10.0, ratio_db / 10.0)),
      order_(order == 4 || order == top_order ? order : 2) {
    // A spike of height a: |d| = 2a (2nd difference), 6a (4th), 0.099a (top band): `level`
    // speaks of the 2nd.
    near_max_ = 4;
    level_ = order_ == 4 ? 3.0f * level : level;
    if (order_ == top_order) {
        const auto taps = top_taps();
        const double centre = taps[top_order / 2];
        level_ = float(0.5 * centre) * level;
        // The taps at half the centre or more, one in `top_step` computed, and a sample each
        // side for the music under it.
        const auto wide = std::size_t(
            std::count_if(taps.begin(), taps.end(), [&](double t) { return t >= 0.5 * centre; }));
        near_max_ = 2 + (wide + top_step - 1) / top_step;
        for (std::size_t j = 0; j < top_taps_.size(); ++j) {
            const std::size_t k = j + top_skip;
            top_taps_[j] = float(k % 2 ? -taps[k] : taps[k]);
        }
        scratch_.assign(sub_ + top_order, 0.0f);
    }
    for (auto& c : ch_) {
        c.d.assign(ring * sub_, 0.0f);
        if (order_ == top_order) {
            c.x.assign(ring * sub_, 0.0f);
            c.tail.assign(top_order, 0.0f);
        }
    }
}

// The top band at every `top_step`-th frame (0 between): the band is 3 kHz wide, so a quarter
// of its samples still show a click (its peak at most 1.1 dB low), at a quarter of the cost.
void ClickDetector::top_band(Channel& s, const float* x, float* d, std::size_t n,
                             std::int64_t frame) {
    std::copy(s.tail.begin(), s.tail.end(), scratch_.begin());
    std::memcpy(scratch_.data() + top_order, x, n * sizeof(float));
    std::copy(scratch_.begin() + std::ptrdiff_t(n),
              scratch_.begin() + std::ptrdiff_t(n) + top_order, s.tail.begin());
    std::fill(d, d + n, 0.0f);
    const auto step = std::int64_t(top_step);
    static_assert(std::tuple_size_v<decltype(top_taps_)> == 32);
    kernels::dot32_every(top_taps_.data(), scratch_.data() + top_skip, d,
                         std::size_t((step - frame % step) % step), n, top_step);
}

void ClickDetector::add(AudioView block) {
    const std::size_t n = block.frames();
    for (std::size_t c = 0; c < ch_.size(); ++c) {
        const float* x = block.channel(c);
        Channel& s = ch_[c];
        if (n > 0 && !s.started) {
            s.hist.fill(x[0]); // no discontinuity at the start of the file
            std::fill(s.tail.begin(), s.tail.end(), x[0]);
            s.started = true;
        }
        std::size_t i = 0;
        while (i < n) {
            const std::size_t slot = static_cast<std::size_t>(s.index % ring);
            const std::size_t take = std::min(n - i, sub_ - s.fill);
            float* d = s.d.data() + slot * sub_ + s.fill;
            const float* xi = x + i;
            // x[j - k] for the first samples, from the history (hist[0] = the previous sample).
            auto at = [&](std::ptrdiff_t j) {
                return j >= 0 ? xi[j] : s.hist[static_cast<std::size_t>(-j - 1)];
            };
            // The file's first samples have no past: no difference there (a file that starts
            // mid-waveform is no click).
            const std::int64_t head = std::int64_t(order_) - (pos_ + std::int64_t(i));
            if (order_ == top_order) {
                std::memcpy(s.x.data() + slot * sub_ + s.fill, xi, take * sizeof(float));
                top_band(s, xi, d, take, pos_ + std::int64_t(i));
                kernels::energy_peak(d, take, s.energy[slot], s.peak[slot]);
            } else if (order_ == 4) {
                for (std::ptrdiff_t j = 0; j < std::ptrdiff_t(std::min<std::size_t>(take, 4)); ++j)
                    d[j] =
                        at(j) - 4.0f * at(j - 1) + 6.0f * at(j - 2) - 4.0f * at(j - 3) + at(j - 4);
                kernels::fourth_difference(xi, take, d, s.energy[slot], s.peak[slot]);
            } else {
                for (std::ptrdiff_t j = 0; j < std::ptrdiff_t(std::min<std::size_t>(take, 2)); ++j)
                    d[j] = at(j) - 2.0f * at(j - 1) + at(j - 2);
                kernels::second_difference(xi, take, d, s.energy[slot], s.peak[slot]);
            }
            if (head > 0) {
                for (std::int64_t j = 0; j < head && j < std::int64_t(take); ++j)
                    d[j] = 0.0f;
                s.peak[slot] = 0.0f;
                s.energy[slot] = 0.0;
                for (std::size_t j = 0; j < take; ++j) {
                    s.peak[slot] = std::max(s.peak[slot], std::fabs(d[j]));
                    s.energy[slot] += double(d[j]) * double(d[j]);
                }
            }
            std::array<float, 4> h{};
            for (std::ptrdiff_t k = 0; k < 4; ++k)
                h[std::size_t(k)] = at(std::ptrdiff_t(take) - 1 - k);
            s.hist = h;
            s.fill += take;
            i += take;
            if (s.fill == sub_)
                complete(s, static_cast<int>(c));
        }
    }
    pos_ += std::int64_t(n);
}

void ClickDetector::complete(Channel& s, int channel) {
    const std::size_t slot = static_cast<std::size_t>(s.index % ring);
    s.count[slot] = s.fill;
    const std::int64_t j = s.index;
    // Judge the sub-block `reach` back, now that its right-hand neighbours exist (before the
    // ring slot of its far left neighbour is reused).
    if (j - reach >= 0)
        evaluate(s, channel, j - reach, j);
    ++s.index;
    s.fill = 0;
    const std::size_t next = static_cast<std::size_t>(s.index % ring);
    s.energy[next] = 0.0;
    s.peak[next] = 0.0f;
    s.count[next] = 0;
    s.start[next] = s.start[slot] + std::int64_t(sub_);
}

void ClickDetector::evaluate(Channel& s, int channel, std::int64_t k, std::int64_t last) {
    s.evaluated = k + 1;
    const std::size_t slot = static_cast<std::size_t>(k % ring);
    const float m = s.peak[slot];
    if (m < level_ || s.count[slot] == 0)
        return;
    std::array<double, ring> ms{};
    std::size_t len = 0;
    for (std::int64_t b = std::max<std::int64_t>(0, k - 2); b <= std::min(last, k + 2); ++b) {
        const std::size_t sl = static_cast<std::size_t>(b % ring);
        if (s.count[sl] > 0) // the top band: one sample in `top_step` computed
            ms[len++] = s.energy[sl] / double(s.count[sl]) * (order_ == top_order ? top_step : 1);
    }
    for (std::size_t a = 1; a < len; ++a) // insertion sort of at most 5 values
        for (std::size_t b = a; b > 0 && ms[b] < ms[b - 1]; --b)
            std::swap(ms[b], ms[b - 1]);
    const double ref = ms[(len - 1) / 2]; // lower median: a click cannot raise it
    const double peak_sq = double(m) * double(m);
    if (peak_sq < ratio_sq_ * ref)
        return;
    const float* d = s.d.data() + slot * sub_;
    std::size_t near = 0, at = 0;
    bool seen = false;
    for (std::size_t i = 0; i < s.count[slot]; ++i) {
        const float a = std::fabs(d[i]);
        if (a >= 0.5f * m)
            ++near;
        if (a == m && !seen) {
            at = i;
            seen = true;
        }
    }
    if (near > near_max_)
        return; // a burst, not an isolated impulse
    if (order_ == top_order) {
        if (!isolated_wide(s, k, last, at, m) || gap_edge_wide(s, k, last, at))
            return;
        const double db = ref > 0.0 ? std::min(120.0, 10.0 * std::log10(peak_sq / ref)) : 120.0;
        const std::int64_t frame =
            std::max<std::int64_t>(0, s.start[slot] + std::int64_t(at) - top_order / 2);
        log_.add({frame, channel, db, 1});
        return;
    }
    // Isolated in time too: no other sub-block within `reach` (~20 ms, a period of 50 Hz) has an
    // impulse half as large. A sawtooth bass or a buzzing reed repeats its step every period,
    // a drum's attack rings on; a click happens once.
    for (std::int64_t b = std::max<std::int64_t>(0, k - reach); b <= std::min(last, k + reach); ++b)
        if (b != k && s.count[static_cast<std::size_t>(b % ring)] > 0 &&
            s.peak[static_cast<std::size_t>(b % ring)] >= 0.5f * m)
            return;
    // The edge of a digital-zero gap is a step too, but the gap is the dropout check's finding:
    // d is exactly 0 along a run of zeros (and nowhere in real audio for long). A spike in
    // digital silence has such runs on both sides and stays a click.
    auto d_at = [&](std::int64_t i) -> float { // d by offset from the sub-block's start
        const std::int64_t b =
            k + (i >= 0 ? i / std::int64_t(sub_) : -1 - (-1 - i) / std::int64_t(sub_));
        if (b < std::max<std::int64_t>(0, k - reach) || b > last)
            return 1.0f; // out of sight: not a zero
        const std::size_t sl = static_cast<std::size_t>(b % ring);
        const std::int64_t j = i - (b - k) * std::int64_t(sub_);
        return j < std::int64_t(s.count[sl]) ? s.d[sl * sub_ + std::size_t(j)] : 1.0f;
    };
    const std::int64_t half = order_ / 2;
    bool zeros_before = true, zeros_after = true;
    for (std::int64_t j = 0; j < std::int64_t(zero_run); ++j) {
        zeros_before = zeros_before && d_at(std::int64_t(at) - half - 1 - j) == 0.0f;
        zeros_after = zeros_after && d_at(std::int64_t(at) + half + 1 + j) == 0.0f;
    }
    if (zeros_before != zeros_after)
        return;
    // d is zero on both sides of a spike in digital silence ([1 -2 1] a: order + 1 samples),
    // and of a step from a held value into a constant or a linear ramp (a synth's sawtooth:
    // order samples or fewer, [J r-J] in the 2nd difference).
    if (zeros_before) {
        std::int64_t lo = std::int64_t(at), hi = std::int64_t(at);
        while (std::int64_t(at) - lo < order_ + 1 && d_at(lo - 1) != 0.0f)
            --lo;
        while (hi - std::int64_t(at) < order_ + 1 && d_at(hi + 1) != 0.0f)
            ++hi;
        if (hi - lo + 1 <= order_)
            return;
    }
    const double ratio_db = ref > 0.0 ? std::min(120.0, 10.0 * std::log10(peak_sq / ref)) : 120.0;
    // The impulse d peaks order/2 samples after the spike it marks (where the difference is
    // centred).
    const std::int64_t frame = std::max<std::int64_t>(0, s.start[slot] + std::int64_t(at) - half);
    log_.add({frame, channel, ratio_db, 1});
}

// The top band: no other sample within `reach` sub-blocks reaches half the peak, but for the
// click's own response (+-order + 1 samples around it), where none may exceed it.
bool ClickDetector::isolated_wide(const Channel& s, std::int64_t k, std::int64_t last,
                                  std::size_t at, float m) const {
    const std::int64_t p = k * std::int64_t(sub_) + std::int64_t(at);
    for (std::int64_t b = std::max<std::int64_t>(0, k - reach); b <= std::min(last, k + reach);
         ++b) {
        const std::size_t sl = static_cast<std::size_t>(b % ring);
        for (std::size_t i = 0; i < s.count[sl]; ++i) {
            const std::int64_t g = b * std::int64_t(sub_) + std::int64_t(i);
            const float a = std::fabs(s.d[sl * sub_ + i]);
            // Beyond the response: half the peak; within it: more than the peak (this is the
            // tail of a larger impulse, in the next sub-block, judged on its own).
            if (std::llabs(g - p) > top_order + 1 ? a >= 0.5f * m : a > m)
                return false;
        }
    }
    return true;
}

// The top band: x constant over 16 samples on one side of the spike and not the other is the
// edge of a digital-zero gap or a held value (the dropout detector's finding); a spike in
// digital silence has it on both sides and stays a click.
bool ClickDetector::gap_edge_wide(const Channel& s, std::int64_t k, std::int64_t last,
                                  std::size_t at) const {
    const std::int64_t f = k * std::int64_t(sub_) + std::int64_t(at) - top_order / 2;
    auto x_at = [&](std::int64_t g, float& v) {
        if (g < 0)
            return false;
        const std::int64_t b = g / std::int64_t(sub_);
        const std::size_t sl = static_cast<std::size_t>(b % ring);
        const std::size_t i = std::size_t(g - b * std::int64_t(sub_));
        if (b < std::max<std::int64_t>(0, k - reach) || b > last || i >= s.count[sl])
            return false;
        v = s.x[sl * sub_ + i];
        return true;
    };
    auto constant = [&](std::int64_t from) {
        float first = 0.0f, v = 0.0f;
        if (!x_at(from, first))
            return false;
        for (std::int64_t g = from + 1; g <= from + std::int64_t(zero_run); ++g)
            if (!x_at(g, v) || v != first)
                return false;
        return true;
    };
    // The band's peak sits within a few samples of the edge (the waveform cut there has its
    // own slope): look for the run starting (after) or ending (before) within +-edge_slack.
    bool before = false, after = false;
    for (std::int64_t o = -edge_slack; o <= edge_slack && !(before && after); ++o) {
        before = before || constant(f + o - std::int64_t(zero_run));
        after = after || constant(f + o);
    }
    return before != after;
}

void ClickDetector::finish() {
    for (std::size_t c = 0; c < ch_.size(); ++c) {
        Channel& s = ch_[c];
        std::int64_t last = s.index - 1;
        if (s.fill > 0) {
            s.count[static_cast<std::size_t>(s.index % ring)] = s.fill;
            last = s.index;
        }
        for (std::int64_t k = s.evaluated; k <= last; ++k)
            evaluate(s, static_cast<int>(c), k, last);
    }
}

// ---------------------------------------------------------------------------------------------
StereoDetector::StereoDetector(int sample_rate, float gate, double polarity_min, double mono_min_db)
    : window_(std::max(1, sample_rate / 10)), gate_power_(double(gate) * double(gate)),
      polarity_min_(polarity_min), mono_min_(mono_min_db) {}

void StereoDetector::add(AudioView block) {
    if (block.channels() < 2)
        return;
    const float* L = block.channel(0);
    const float* R = block.channel(1);
    const std::size_t n = block.frames();
    std::size_t i = 0;
    while (i < n) {
        const std::size_t take = std::min<std::size_t>(n - i, std::size_t(window_ - fill_));
        kernels::stereo_sums(L + i, R + i, take, ll_, rr_, mm_, ss_);
        fill_ += std::int64_t(take);
        pos_ += std::int64_t(take);
        i += take;
        if (fill_ == window_)
            close_window();
    }
}

void StereoDetector::close_window() {
    tmm_ += mm_;
    tss_ += ss_;
    const double power = (ll_ + rr_) / (2.0 * double(window_));
    if (power >= gate_power_ && power > 0.0) {
        gll_ += ll_;
        grr_ += rr_;
        gmm_ += mm_;
        gss_ += ss_;
        const std::int64_t start = pos_ - window_;
        if (ll_ > 0 && rr_ > 0 && first_polarity_ < 0 &&
            (mm_ - ss_) / 4.0 / std::sqrt(ll_ * rr_) < polarity_min_)
            first_polarity_ = start;
        if (first_mono_ < 0 &&
            10.0 * std::log10(std::max(mm_, 1e-300) / (2.0 * (ll_ + rr_))) < mono_min_)
            first_mono_ = start;
    }
    ll_ = rr_ = mm_ = ss_ = 0.0;
    fill_ = 0;
}

double StereoDetector::correlation() const {
    if (!(gll_ > 0.0) || !(grr_ > 0.0))
        return std::numeric_limits<double>::quiet_NaN();
    return std::clamp((gmm_ - gss_) / 4.0 / std::sqrt(gll_ * grr_), -1.0, 1.0);
}

double StereoDetector::mono_loss_db() const {
    if (!(gll_ + grr_ > 0.0))
        return std::numeric_limits<double>::quiet_NaN();
    if (gmm_ <= 0.0)
        return -std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(gmm_ / (2.0 * (gll_ + grr_)));
}

double StereoDetector::side_to_mid_db() const {
    const double m = tmm_ + mm_, s = tss_ + ss_;
    if (m <= 0.0 && s <= 0.0)
        return std::numeric_limits<double>::quiet_NaN();
    if (s <= 0.0)
        return -std::numeric_limits<double>::infinity();
    if (m <= 0.0)
        return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(s / m);
}

// ---------------------------------------------------------------------------------------------
namespace {
constexpr std::array<int, 2> hum_bases{50, 60};
constexpr double hum_window_s = 2.0;
// Goertzel filters around the fundamental, in Hz from it: a fine grid of +-0.5 Hz in 0.25 Hz
// steps (where the line peaks, to +-0.5%), then the floor at 1.25..3 Hz on both sides (outside
// the line's own main lobe, +-1 Hz for a 2 s Hann window). The floor is the loudest of those:
// a kick-drum pattern or a bass line puts several lines there, mains hum only one.
constexpr std::array<double, 5> hum_fine{-0.5, -0.25, 0.0, 0.25, 0.5};
constexpr std::size_t hum_floor_n = 8; // per side: 1.25, 1.5, ... 3.0 Hz
// Around each harmonic: the centre and a floor at +-1.5 and +-2.5 Hz.
constexpr std::array<double, 5> hum_harmonic_offsets{0.0, -1.5, 1.5, -2.5, 2.5};
// Window level (dB) and hum amplitude (dBFS) histograms: 0.5 dB bins from -160 dB.
constexpr double hist_floor_db = -160.0, hist_step_db = 0.5;

std::size_t hist_bin(double db, std::size_t bins) {
    const double k = std::floor((db - hist_floor_db) / hist_step_db);
    return static_cast<std::size_t>(std::clamp(k, 0.0, double(bins - 1)));
}

// The value under which `share` (0..1) of the histogram's counts lie (bin centre, dB).
double hist_quantile(const std::int64_t* h, std::size_t bins, double share) {
    std::int64_t total = 0;
    for (std::size_t k = 0; k < bins; ++k)
        total += h[k];
    const double want = share * double(total);
    std::int64_t seen = 0;
    for (std::size_t k = 0; k < bins; ++k) {
        seen += h[k];
        if (double(seen) >= want && seen > 0)
            return hist_floor_db + (double(k) + 0.5) * hist_step_db;
    }
    return hist_floor_db;
}
} // namespace

HumDetector::HumDetector(int channels, int sample_rate, float level, double prominence_db,
                         double presence)
    : channels_(channels),
      decim_(static_cast<std::size_t>(std::max(1L, std::lround(sample_rate / 4000.0)))),
      rate_d_(double(sample_rate) / double(decim_) / 2.0),
      n_(static_cast<std::size_t>(std::max(1L, std::lround(hum_window_s * rate_d_)))),
      level_(level), prominence_(std::pow(10.0, prominence_db / 10.0)), presence_(presence) {
    hann_.resize(n_);
    for (std::size_t k = 0; k < n_; ++k)
        hann_[k] = static_cast<float>(
            0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * double(k) / double(n_)));
    buf_.assign(n_, 0.0f);
    windowed_.assign(n_, 0.0);
    for (std::size_t f = 0; f < hum_bases.size(); ++f) {
        Family& fam = fam_[f];
        fam.base_hz = hum_bases[f];
        const double f0 = hum_bases[f];
        fam.fine = freqs_.size();
        for (double o : hum_fine)
            freqs_.push_back(f0 + o);
        fam.floor = freqs_.size();
        for (std::size_t k = 1; k <= hum_floor_n; ++k) {
            freqs_.push_back(f0 - 1.0 - 0.25 * double(k));
            freqs_.push_back(f0 + 1.0 + 0.25 * double(k));
        }
    }
    assert(freqs_.size() <= max_freqs);
    for (std::size_t f = 0; f < freqs_.size() && f < max_freqs; ++f)
        coef_[f] = 2.0 * std::cos(2.0 * std::numbers::pi * freqs_[f] / rate_d_);
}

void HumDetector::add(AudioView block) {
    if (rate_d_ < 800.0)
        return; // too low a rate to see 6 x 60 Hz
    const std::size_t n = block.frames();
    // The channels' sum, decimated by averaging: hum is common to all channels; one stream
    // halves the work. Each channel's stretch is summed on its own (no summed copy).
    const double scale = 1.0 / (double(decim_) * double(channels_));
    std::size_t i = 0;
    while (i < n) {
        if (acc_fill_ == 0 && n - i >= decim_) { // a whole group: the same sums, in a local
            double acc = 0.0;
            for (std::size_t c = 0; c < block.channels(); ++c)
                acc += kernels::sum(block.channel(c) + i, decim_);
            push(static_cast<float>(acc * scale));
            i += decim_;
            continue;
        }
        const std::size_t take = std::min(n - i, decim_ - acc_fill_);
        for (std::size_t c = 0; c < block.channels(); ++c)
            acc_ += kernels::sum(block.channel(c) + i, take);
        acc_fill_ += take;
        i += take;
        if (acc_fill_ == decim_) {
            push(static_cast<float>(acc_ * scale));
            acc_ = 0.0;
            acc_fill_ = 0;
        }
    }
    pos_ += std::int64_t(n);
}

// Second stage: [1 2 1]/4 (a zero at the first stage's Nyquist) and keep every other sample.
void HumDetector::push(float y) {
    odd_ = !odd_;
    if (!odd_) {
        buf_[buf_fill_] = 0.25f * (h2_ + 2.0f * h1_ + y);
        if (++buf_fill_ == n_) {
            analyse_window();
            buf_fill_ = 0;
            window_start_ += std::int64_t(2 * n_ * decim_);
        }
    }
    h2_ = h1_;
    h1_ = y;
}

void HumDetector::analyse_window() {
    double energy = 0.0;
    float peak = 0.0f;
    kernels::energy_peak(buf_.data(), n_, energy, peak);
    if (energy <= 1e-12 * double(n_))
        return; // silence (under -120 dBFS): no verdict
    ++active_;
    // The window's level under ~1 kHz: which windows are the quiet passages.
    const double level_db = 10.0 * std::log10(energy / double(n_));
    ++level_hist_[hist_bin(level_db, hist_bins)];
    // Goertzel, all frequencies of the bank, in double for the 4000-step recursion.
    for (std::size_t k = 0; k < n_; ++k)
        windowed_[k] = double(buf_[k] * hann_[k]);
    std::array<double, max_freqs> s1{}, s2{};
    kernels::goertzel(windowed_.data(), n_, coef_.data(), max_freqs, s1.data(), s2.data());
    for (std::size_t f = 0; f < max_freqs; ++f)
        power_[f] = std::max(0.0, s1[f] * s1[f] + s2[f] * s2[f] - coef_[f] * s1[f] * s2[f]);
    // Hann window: a sine of amplitude A gives |X| = A n / 4.
    auto amplitude = [&](double p) { return 4.0 * std::sqrt(p) / double(n_); };
    for (auto& fam : fam_) {
        const double* fine = power_.data() + fam.fine;
        // Floor bins alternate below / above the line: the loudest of each side, then the
        // quieter side (a bass note on one side does not hide hum; a comb of lines, from a kick
        // pattern, is on both).
        double below = 0.0, above = 0.0;
        for (std::size_t k = 0; k < 2 * hum_floor_n; k += 2) {
            below = std::max(below, power_[fam.floor + k]);
            above = std::max(above, power_[fam.floor + k + 1]);
        }
        const double floor = std::min(below, above);
        // How loud the music is next to the line: hum shows where that is quiet.
        const double floor_db = 20.0 * std::log10(std::max(amplitude(floor), 1e-12));
        ++fam.floor_hist[hist_bin(floor_db, hist_bins)];
        // The line peaks within +-0.25 Hz of the mains frequency (a local maximum of the fine
        // grid, not at its edge: a note 1 Hz away peaks at the edge).
        const std::size_t at =
            static_cast<std::size_t>(std::max_element(fine, fine + hum_fine.size()) - fine);
        if (at == 0 || at + 1 == hum_fine.size())
            continue;
        const double p0 = fine[at];
        const double a0 = amplitude(p0);
        if (!(p0 >= prominence_ * floor) || !(a0 >= level_))
            continue;
        // Where exactly: a parabola through the peak and its neighbours (in log power).
        const double l = std::log(std::max(fine[at - 1], 1e-300)), c = std::log(p0),
                     r = std::log(std::max(fine[at + 1], 1e-300));
        const double den = l - 2.0 * c + r;
        const double offset = den < 0.0 ? 0.5 * (l - r) / den : 0.0; // in 0.25 Hz steps
        const double hz = fam.base_hz + hum_fine[at] + 0.25 * std::clamp(offset, -0.5, 0.5);
        if (std::fabs(hz - fam.base_hz) > 0.005 * fam.base_hz)
            continue; // outside the mains tolerance (+-0.5%)
        ++fam.present;
        fam.amplitude_sum += a0;
        const std::size_t ab = hist_bin(20.0 * std::log10(a0), hist_bins);
        ++fam.amplitude_hist[ab];
        fam.by_level[ab].hz_sum += hz;
        fam.by_level[ab].hz_sq_sum += hz * hz;
        ++fam.floor_present_hist[hist_bin(floor_db, hist_bins)];
        ++fam.level_present_hist[hist_bin(level_db, hist_bins)];
        if (fam.first < 0)
            fam.first = window_start_;
        measure_harmonics(fam.by_level[ab], hz);
    }
}

// Harmonics 2..max_harmonic at exact multiples of this window's measured fundamental (a mains
// line's harmonics sit there; a note's overtones or another source's lines need not): each
// with two neighbours 0.25 Hz away (a parabola through the three says where it peaks) and a
// floor at +-1.5 and +-2.5 Hz. A second, small Goertzel bank over the window, run only where the
// line was found.
void HumDetector::measure_harmonics(Family::ByLevel& seen, double hz) {
    constexpr std::size_t per = hum_harmonic_offsets.size() + 2;
    constexpr std::size_t count = per * std::size_t(max_harmonic - 1);
    std::array<double, count> coef{}, s1{}, s2{};
    std::array<double, count> hzs{};
    for (int h = 2; h <= max_harmonic; ++h) {
        const std::size_t b = per * std::size_t(h - 2);
        const double centre = h * hz, step = 0.25;
        hzs[b] = centre - step;
        hzs[b + 1] = centre + step;
        for (std::size_t o = 0; o < hum_harmonic_offsets.size(); ++o)
            hzs[b + 2 + o] = centre + hum_harmonic_offsets[o];
    }
    for (std::size_t f = 0; f < count; ++f)
        coef[f] = 2.0 * std::cos(2.0 * std::numbers::pi * hzs[f] / rate_d_);
    // windowed_: this window's samples (analyse_window).
    kernels::goertzel(windowed_.data(), n_, coef.data(), count, s1.data(), s2.data());
    std::array<double, count> p{};
    for (std::size_t f = 0; f < count; ++f)
        p[f] = std::max(0.0, s1[f] * s1[f] + s2[f] * s2[f] - coef[f] * s1[f] * s2[f]);
    for (int h = 2; h <= max_harmonic; ++h) {
        const double* ph = p.data() + per * std::size_t(h - 2);
        const double lo = ph[0], hi = ph[1], c = ph[2];
        const double hfloor = *std::max_element(ph + 3, ph + per);
        // Harmonics describe the hum (buzz vs. pure tone): prominent, a local peak, and no
        // more than 20 dB under the smallest hum reported (rounding noise in digital silence
        // is prominent next to nothing).
        const double amp = 4.0 * std::sqrt(c) / double(n_);
        if (!(c >= prominence_ * hfloor) || !(c >= lo && c >= hi) || !(amp >= 0.1 * level_))
            continue;
        const double l = std::log(std::max(lo, 1e-300)), m = std::log(c),
                     r = std::log(std::max(hi, 1e-300));
        const double den = l - 2.0 * m + r;
        const double offset = den < 0.0 ? std::clamp(0.5 * (l - r) / den, -0.5, 0.5) : 0.0;
        ++seen.harmonic_present[static_cast<std::size_t>(h - 1)];
        seen.harmonic_hz_sum[static_cast<std::size_t>(h - 1)] += h * hz + 0.25 * offset;
    }
}

// Hum has one level; music near the line can only add to it where it is loud, so the line's
// own level is the lower part of what the windows measured (their first quartile), and the
// windows more than max_level_spread_db above it are where music masked it: set aside, neither
// for nor against. A bass note or a kick that lands in the mains tolerance is loud where the
// music is and absent in its gaps, which the presence tests below see.
HumDetector::Sighting HumDetector::at_level(const Family& f) const {
    Sighting s;
    if (f.present == 0)
        return s;
    const double base_db = hist_quantile(f.amplitude_hist.data(), hist_bins, 0.25);
    const double top_db = base_db + max_level_spread_db;
    std::array<std::int64_t, hist_bins> kept{};
    double hz = 0.0, hz_sq = 0.0;
    for (std::size_t k = 0; k < hist_bins; ++k) {
        if (hist_floor_db + (double(k) + 0.5) * hist_step_db > top_db)
            break;
        kept[k] = f.amplitude_hist[k];
        s.windows += kept[k];
        hz += f.by_level[k].hz_sum;
        hz_sq += f.by_level[k].hz_sq_sum;
        for (std::size_t h = 0; h < std::size_t(max_harmonic); ++h) {
            s.harmonic_present[h] += f.by_level[k].harmonic_present[h];
            s.harmonic_hz_sum[h] += f.by_level[k].harmonic_hz_sum[h];
        }
    }
    if (s.windows == 0)
        return s;
    const double n = double(s.windows);
    s.hz = hz / n;
    s.hz_sd = std::sqrt(std::max(0.0, hz_sq / n - s.hz * s.hz));
    s.amplitude_db = hist_quantile(kept.data(), hist_bins, 0.5);
    s.low_db = hist_quantile(kept.data(), hist_bins, 0.1);
    return s;
}

bool HumDetector::steady(const Family& f) const {
    const Sighting s = at_level(f);
    if (s.windows < min_windows)
        return false;
    // Steady in frequency: the mains drifts by hundredths of a hertz over minutes.
    if (s.hz_sd > max_frequency_sd_hz)
        return false;
    // Steady in level: no deep dips under its own level either.
    if (s.amplitude_db - s.low_db > max_level_spread_db)
        return false;
    // Present in the quiet passages too: in the windows where the music next to the line is
    // `prominence` under the line's level (where hum would be seen), the line must be found
    // in `presence` of them. A line that music makes comes and goes with the music.
    const double clear_db = s.amplitude_db - 10.0 * std::log10(prominence_);
    std::int64_t clear = 0, clear_present = 0;
    for (std::size_t k = 0; k < hist_bins; ++k)
        if (hist_floor_db + (double(k) + 0.5) * hist_step_db <= clear_db) {
            clear += f.floor_hist[k];
            clear_present += f.floor_present_hist[k];
        }
    if (clear == 0 || double(clear_present) < presence_ * double(clear))
        return false;
    // And in the quiet passages proper (windows quiet_db under the median window level), when
    // the file has some: hum does not stop when the music does; a loop's own line does.
    const double quiet_db = hist_quantile(level_hist_.data(), hist_bins, 0.5) - quiet_below_db;
    std::int64_t quiet = 0, quiet_present = 0;
    for (std::size_t k = 0; k < hist_bins; ++k)
        if (hist_floor_db + (double(k) + 0.5) * hist_step_db <= quiet_db) {
            quiet += level_hist_[k];
            quiet_present += f.level_present_hist[k];
        }
    return 2 * quiet_present >= quiet;
}

HumDetector::Result HumDetector::result() const {
    Result r;
    if (active_ == 0)
        return r;
    const Family* best = nullptr;
    for (const auto& f : fam_)
        if (steady(f) && (!best || f.present > best->present))
            best = &f;
    if (!best) {
        // Report the stronger family's presence anyway (for messages and tests).
        for (const auto& f : fam_)
            if (!best || f.present > best->present)
                best = &f;
        r.frequency_hz = best->base_hz;
        r.presence = double(best->present) / double(active_);
        if (best->present > 0)
            r.amplitude_dbfs = 20.0 * std::log10(best->amplitude_sum / double(best->present));
        else
            r.amplitude_dbfs = -std::numeric_limits<double>::infinity();
        return r;
    }
    const Sighting s = at_level(*best);
    r.found = true;
    r.frequency_hz = best->base_hz;
    r.measured_hz = s.hz;
    r.presence = double(best->present) / double(active_);
    r.amplitude_dbfs = s.amplitude_db;
    r.first_frame = best->first;
    for (std::size_t h = 1; h < std::size_t(max_harmonic); ++h)
        if (2 * s.harmonic_present[h] > s.windows)
            r.harmonics_hz.push_back(s.harmonic_hz_sum[h] / double(s.harmonic_present[h]));
    return r;
}

// ---------------------------------------------------------------------------------------------
void SilenceEdges::add(AudioView block) {
    add_screened(*this, block);
}

void SilenceEdges::add(AudioView block, const BlockScreen& screen) {
    const std::size_t n = block.frames();
    bool loud = false;
    for (std::size_t c = 0; c < block.channels(); ++c)
        loud = loud || screen.peak(c) > level_;
    if (!loud) {
        pos_ += std::int64_t(n);
        return;
    }
    if (first_ < 0) {
        std::size_t best = n;
        for (std::size_t c = 0; c < block.channels(); ++c) {
            const float* x = block.channel(c);
            for (std::size_t i = 0; i < best; ++i)
                if (std::fabs(x[i]) > level_) {
                    best = i;
                    break;
                }
        }
        if (best < n)
            first_ = pos_ + std::int64_t(best);
    }
    std::size_t last = 0;
    bool found = false;
    for (std::size_t c = 0; c < block.channels(); ++c) {
        const float* x = block.channel(c);
        for (std::size_t i = n; i-- > (found ? last + 1 : 0);)
            if (std::fabs(x[i]) > level_) {
                last = i;
                found = true;
                break;
            }
    }
    if (found)
        last_ = pos_ + std::int64_t(last);
    pos_ += std::int64_t(n);
}

// ---------------------------------------------------------------------------------------------
void BitDepthDetector::add(AudioView block) {
    // Only the lowest bit in use matters: once the 24-bit LSB has been seen, nothing can change.
    if (bits_ & 1u)
        return;
    for (std::size_t c = 0; c < block.channels(); ++c)
        bits_ |= kernels::or_codes24(block.channel(c), block.frames());
}

int BitDepthDetector::used_bits() const {
    if (bits_ == 0)
        return 0;
    return 24 - std::countr_zero(bits_);
}

} // namespace tapeop::qc
