#include "tapeop/dsp/gain.hpp"

#include "tapeop/units.hpp"

namespace tapeop::dsp {

Gain::Gain(double gain_db) : gain_db_(gain_db), gain_(static_cast<float>(db_to_gain(gain_db))) {}

void Gain::prepare(const StreamSpec&, std::size_t) {}

void Gain::process(AudioView io) {
    if (gain_db_ == 0.0)
        return;
    const float g = gain_;
    for (std::size_t c = 0; c < io.channels(); ++c) {
        float* x = io.channel(c);
        for (std::size_t i = 0; i < io.frames(); ++i)
            x[i] *= g;
    }
}

} // namespace tapeop::dsp
