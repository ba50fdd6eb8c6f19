#include "tapeop/dsp/gain_trace.hpp"

#include "tapeop/error.hpp"

namespace tapeop::dsp {

GainTrace::GainTrace(std::int64_t step_frames, std::size_t max_steps, std::uint64_t skip_frames,
                     int sample_rate)
    : step_(step_frames), max_steps_(std::max<std::size_t>(max_steps, 1)), skip_(skip_frames),
      rate_(sample_rate) {
    if (step_frames < 1 || sample_rate < 1)
        throw UsageError("gain trace: the step and the rate must be at least 1");
    min_gain_.reserve(max_steps_);
    max_gain_.reserve(max_steps_);
}

std::int64_t GainTrace::step_for(std::int64_t expected_frames, int columns) {
    if (columns < 1)
        return std::max<std::int64_t>(expected_frames, 1);
    return std::max<std::int64_t>(1, (expected_frames + columns - 1) / columns);
}

void GainTrace::end_step() {
    recorded_ += in_step_;
    if (min_gain_.size() < max_steps_) {
        min_gain_.push_back(float(lo_));
        max_gain_.push_back(float(hi_));
    } else { // fold into the last step: the capacity reserved is never exceeded
        min_gain_.back() = std::min(min_gain_.back(), float(lo_));
        max_gain_.back() = std::max(max_gain_.back(), float(hi_));
    }
    in_step_ = 0;
    lo_ = 1.0;
    hi_ = 0.0;
}

void GainTrace::finish() {
    if (in_step_ > 0)
        end_step();
}

} // namespace tapeop::dsp
