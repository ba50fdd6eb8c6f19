#pragma once
// Speech leveler: a slow, gated automatic gain for spoken word (the `level` step of the
// podcast recipe). It evens out voices recorded at different levels without pumping up the
// pauses between them.
//
// Every 50 ms hop the leveler measures the power of a roughly K-weighted copy of the input
// (2nd-order high-pass at 60 Hz plus a +4 dB high shelf at 1.5 kHz, BS.1770-4's pre-filter
// shape; levels in LUFS-like units). The level of a hop is the gated mean power over a window
// centred on it (`window_s`, half of it look-ahead): hops quieter than `gate_lufs` are pauses
// and do not count. The wanted gain is target - level, limited to +max_gain / -max_cut dB,
// and the applied gain follows it with a one-pole of `speed_s`. Where the window holds no
// speech the gain holds still, so the noise floor of pauses is not raised. Gain changes are
// ramped linearly across each hop. latency_frames() is the look-ahead.
#include "tapeop/dsp/biquad.hpp"
#include "tapeop/dsp/processor.hpp"

#include <cstdint>
#include <vector>

namespace tapeop::dsp {

struct LevelerSettings {
    double target_lufs = -18.0;
    double max_gain_db = 12.0;
    double max_cut_db = 12.0;
    double gate_lufs = -50.0;
    double speed_s = 0.25; // gain smoothing time constant
    double window_s = 1.5; // level window, centred (half of it is look-ahead)
};

class Leveler : public Processor {
  public:
    explicit Leveler(const LevelerSettings& settings);
    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override;
    void process(AudioView io) override;
    // With no gain allowed either way (max_gain = max_cut = 0 dB) the leveler changes nothing
    // and delays nothing.
    bool is_identity() const override { return s_.max_gain_db == 0.0 && s_.max_cut_db == 0.0; }
    std::size_t latency_frames() const override { return is_identity() ? 0 : latency_; }

    // Smallest and largest gain applied so far (dB), for reports.
    double min_gain_db() const { return min_gain_db_; }
    double max_gain_db() const { return max_gain_db_; }

  private:
    void end_of_hop();

    LevelerSettings s_;
    std::size_t channels_ = 0;
    std::size_t hop_ = 0;     // frames per hop
    std::size_t half_ = 0;    // hops of look-ahead (and look-back)
    std::size_t latency_ = 0; // (half_ + 1) * hop_
    BiquadCoeffs hp_, shelf_;
    std::vector<BiquadState> hp_state_, shelf_state_;
    std::vector<std::vector<float>> delay_; // per channel ring of latency_ frames
    std::size_t delay_pos_ = 0;
    double hop_power_ = 0.0;
    std::size_t hop_fill_ = 0;
    std::vector<double> powers_; // ring of the last 2*half_+1 hop powers
    std::uint64_t hops_seen_ = 0;
    std::vector<double> gains_db_; // ring of decided per-hop gains (for the delayed output)
    std::uint64_t gains_decided_ = 0;
    double gain_db_ = 0.0;
    bool have_gain_ = false;
    double smooth_ = 0.0;
    std::uint64_t out_pos_ = 0; // output frames produced
    double min_gain_db_ = 0.0, max_gain_db_ = 0.0;
};

} // namespace tapeop::dsp
