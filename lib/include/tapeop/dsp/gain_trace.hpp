#pragma once
// The limiter's gain over time, reduced to a page's resolution (master --report's "Limiter
// gain reduction"): per step of `step_frames` output frames, the smallest and the largest
// gain (linear, <= 1) the limiter applied. The limiter feeds it one gain per frame it outputs
// (dsp/limiter.hpp, set_trace); the first `skip_frames` (the limiter's latency: frames the
// chain drops, they never reach the file) are not recorded, so step k covers the written
// frames [k step, (k + 1) step).
//
// Memory is fixed when constructed (`max_steps`); add() never allocates: steps past
// `max_steps` fold into the last one. Without a trace the limiter does nothing more than test
// one pointer per frame.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace tapeop::dsp {

class GainTrace {
  public:
    // `step_frames` >= 1. `sample_rate`: of the limiter's stream (for the steps' times).
    GainTrace(std::int64_t step_frames, std::size_t max_steps, std::uint64_t skip_frames,
              int sample_rate);

    // The step that gives about `columns` steps over `expected_frames`.
    static std::int64_t step_for(std::int64_t expected_frames, int columns);

    void add(double gain) {
        if (skip_ > 0) {
            --skip_;
            return;
        }
        lo_ = std::min(lo_, gain);
        hi_ = std::max(hi_, gain);
        if (++in_step_ == step_)
            end_step();
    }
    // Records the last, partial step (if any). Call once after the last frame.
    void finish();

    int sample_rate() const { return rate_; }
    std::int64_t step_frames() const { return step_; }
    double step_s() const { return double(step_) / rate_; }
    std::size_t size() const { return min_gain_.size(); }
    // Per step: the smallest (the most reduction) and the largest gain, linear.
    const std::vector<float>& min_gain() const { return min_gain_; }
    const std::vector<float>& max_gain() const { return max_gain_; }
    // Frames recorded so far in whole steps (all of them after finish()).
    std::int64_t frames_recorded() const { return recorded_; }

  private:
    void end_step();

    std::int64_t step_;
    std::size_t max_steps_;
    std::uint64_t skip_;
    int rate_;
    std::int64_t in_step_ = 0, recorded_ = 0;
    double lo_ = 1.0, hi_ = 0.0;
    std::vector<float> min_gain_, max_gain_;
};

} // namespace tapeop::dsp
