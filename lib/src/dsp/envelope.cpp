#include "tapeop/dsp/envelope.hpp"

namespace tapeop::dsp {

double one_pole_coeff(double time_ms, double sample_rate) {
    if (time_ms <= 0.0)
        return 0.0;
    return std::exp(-1.0 / (time_ms * 0.001 * sample_rate));
}

} // namespace tapeop::dsp
