#pragma once
// A fixed gain in dB. 0 dB is an exact identity (the multiply by 1.0f is skipped).
#include "tapeop/dsp/processor.hpp"

namespace tapeop::dsp {

class Gain : public Processor {
  public:
    explicit Gain(double gain_db);
    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override {}
    void process(AudioView io) override;
    double gain_db() const { return gain_db_; }
    // x * 1.0f == x exactly, so any gain that rounds to 1.0f changes nothing.
    bool is_identity() const override { return gain_ == 1.0f; }

  private:
    double gain_db_;
    float gain_;
};

} // namespace tapeop::dsp
