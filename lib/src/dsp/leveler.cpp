#include "tapeop/dsp/leveler.hpp"

#include "tapeop/error.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>

namespace tapeop::dsp {

Leveler::Leveler(const LevelerSettings& settings) : s_(settings) {
    if (!(s_.window_s >= 0.2 && s_.window_s <= 30.0))
        throw UsageError("leveler window must be 0.2 to 30 s");
    if (!(s_.speed_s > 0.0))
        throw UsageError("leveler speed must be positive");
}

void Leveler::prepare(const StreamSpec& spec, std::size_t /*max_block*/) {
    channels_ = static_cast<std::size_t>(spec.channels);
    const double rate = spec.sample_rate;
    hop_ = static_cast<std::size_t>(std::max(1.0, std::round(rate * 0.05)));
    half_ = static_cast<std::size_t>(std::max(1.0, std::round(s_.window_s / 2.0 / 0.05)));
    latency_ = (half_ + 1) * hop_;
    // BS.1770-4 pre-filter shape, approximated with RBJ sections (see header).
    hp_ = design_biquad(BiquadType::highpass, rate, std::min(60.0, 0.4 * rate), 0.5);
    shelf_ = design_biquad(BiquadType::high_shelf, rate, std::min(1500.0, 0.4 * rate), 0.7071, 4.0);
    hp_state_.assign(channels_, {});
    shelf_state_.assign(channels_, {});
    delay_.assign(channels_, std::vector<float>(latency_, 0.0f));
    powers_.assign(2 * half_ + 1, 0.0);
    gains_db_.assign(2 * half_ + 4, 0.0);
    smooth_ = 1.0 - std::exp(-0.05 / s_.speed_s);
    reset();
}

void Leveler::reset() {
    for (auto& st : hp_state_)
        st = {};
    for (auto& st : shelf_state_)
        st = {};
    for (auto& d : delay_)
        std::fill(d.begin(), d.end(), 0.0f);
    std::fill(powers_.begin(), powers_.end(), 0.0);
    std::fill(gains_db_.begin(), gains_db_.end(), 0.0);
    delay_pos_ = 0;
    hop_power_ = 0.0;
    hop_fill_ = 0;
    hops_seen_ = 0;
    gains_decided_ = 0;
    gain_db_ = 0.0;
    have_gain_ = false;
    out_pos_ = 0;
    min_gain_db_ = max_gain_db_ = 0.0;
}

// A hop of input is complete: decide the gain of the hop `half_` hops back (its window is now
// complete), from the gated mean power of the window around it.
void Leveler::end_of_hop() {
    const std::size_t n = powers_.size();
    powers_[hops_seen_ % n] = hop_power_ / double(hop_);
    ++hops_seen_;
    hop_power_ = 0.0;
    hop_fill_ = 0;
    if (hops_seen_ <= half_)
        return; // the first decided hop is hop 0, once hop half_ is in
    const double gate_power = std::pow(10.0, (s_.gate_lufs + 0.691) / 10.0);
    double sum = 0.0;
    std::size_t speech = 0;
    const std::size_t avail = std::min<std::uint64_t>(hops_seen_, n);
    for (std::size_t k = 0; k < avail; ++k) {
        const double p = powers_[k];
        if (p > gate_power) {
            sum += p;
            ++speech;
        }
    }
    // At least a quarter of the window must be speech, else the gain holds (a pause).
    if (speech * 4 >= n) {
        const double level = -0.691 + 10.0 * std::log10(sum / double(speech));
        const double wanted = std::clamp(s_.target_lufs - level, -s_.max_cut_db, s_.max_gain_db);
        if (!have_gain_) {
            gain_db_ = wanted;
            have_gain_ = true;
        } else {
            gain_db_ += (wanted - gain_db_) * smooth_;
        }
    }
    gains_db_[gains_decided_ % gains_db_.size()] = gain_db_;
    ++gains_decided_;
    min_gain_db_ = std::min(min_gain_db_, gain_db_);
    max_gain_db_ = std::max(max_gain_db_, gain_db_);
}

void Leveler::process(AudioView io) {
    if (is_identity())
        return;
    const std::size_t frames = io.frames();
    for (std::size_t i = 0; i < frames; ++i) {
        // Analysis of the incoming frame.
        double p = 0.0;
        for (std::size_t c = 0; c < channels_; ++c) {
            const double w = shelf_state_[c].tick(shelf_, hp_state_[c].tick(hp_, io.channel(c)[i]));
            p += w * w;
        }
        hop_power_ += p;
        // Output: the frame latency_ frames back, with the gain of its hop (ramped from the
        // previous hop's gain across the hop). Output frame t is input frame t - latency_.
        double gain = 1.0;
        if (out_pos_ >= latency_) {
            const std::uint64_t src = out_pos_ - latency_;
            const std::uint64_t hop = src / hop_;
            const std::size_t k = static_cast<std::size_t>(src % hop_);
            const std::size_t m = gains_db_.size();
            const double g1 = gains_db_[hop % m];
            const double g0 = hop == 0 ? g1 : gains_db_[(hop - 1) % m];
            gain = db_to_gain(g0 + (g1 - g0) * double(k + 1) / double(hop_));
        }
        for (std::size_t c = 0; c < channels_; ++c) {
            float& slot = delay_[c][delay_pos_];
            const float x = io.channel(c)[i];
            io.channel(c)[i] = static_cast<float>(double(slot) * gain);
            slot = x;
        }
        delay_pos_ = delay_pos_ + 1 == latency_ ? 0 : delay_pos_ + 1;
        ++out_pos_;
        if (++hop_fill_ == hop_)
            end_of_hop();
    }
}

} // namespace tapeop::dsp
