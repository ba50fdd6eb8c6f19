#include "tapeop/dsp/compressor.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <cmath>

namespace tapeop::dsp {

namespace {
// Mean squares below this (-200 dB) are treated as silence; keeps log10 finite.
constexpr double silence_ms = 1e-20;
} // namespace

Compressor::Compressor(const CompressorSettings& s) : settings_(s) {
    if (!(s.ratio >= 1.0))
        throw UsageError("compressor ratio must be >= 1");
    if (!(s.knee_db >= 0.0))
        throw UsageError("compressor knee must be >= 0 dB");
    if (!(s.attack_ms >= 0.0) || !(s.release_ms >= 0.0))
        throw UsageError("compressor attack and release must be >= 0 ms");
    if (!(s.rms_ms > 0.0))
        throw UsageError("compressor RMS time must be > 0 ms");
    computer_ = GainComputer{s.threshold_db, s.ratio, s.knee_db};
}

void Compressor::prepare(const StreamSpec& spec, std::size_t) {
    rms_coeff_ = one_pole_coeff(settings_.rms_ms, spec.sample_rate);
    reduction_.set(one_pole_coeff(settings_.attack_ms, spec.sample_rate),
                   one_pole_coeff(settings_.release_ms, spec.sample_rate));
    reset();
}

void Compressor::reset() {
    mean_square_ = 0.0;
    reduction_.reset(0.0);
    max_gr_db_ = 0.0;
}

double Compressor::detector_level_db() const {
    return 10.0 * std::log10(std::max(mean_square_, silence_ms));
}

namespace {
const double db_per_log2_power = 10.0 * std::log10(2.0); // 10 log10(x) = this * log2(x)
const double log2_gain_per_db = std::log2(10.0) / 20.0;  // 10^(x/20) = 2^(x * this)
} // namespace

void Compressor::process(AudioView io) {
    if (is_identity())
        return;
    const std::size_t nch = io.channels();
    const double makeup = settings_.makeup_db;
    double max_gr = max_gr_db_;
    const double rms_coeff = rms_coeff_;
    for (std::size_t i = 0; i < io.frames(); ++i) {
        // Linked detector: the loudest channel's square drives the gain of all channels.
        double sq = 0.0;
        for (std::size_t c = 0; c < nch; ++c) {
            const double x = io.channel(c)[i];
            sq = std::max(sq, x * x);
        }
        mean_square_ = rms_coeff * mean_square_ + (1.0 - rms_coeff) * sq;
        // 10 log10(x) and 10^(x/20) through log2 and exp2, which cost a third of log10 and pow.
        const double level_db = db_per_log2_power * std::log2(std::max(mean_square_, silence_ms));
        const double reduction = reduction_.tick(-computer_.gain_db(level_db));
        max_gr = std::max(max_gr, reduction);
        const double g = std::exp2((makeup - reduction) * log2_gain_per_db);
        for (std::size_t c = 0; c < nch; ++c) {
            float& x = io.channel(c)[i];
            x = static_cast<float>(x * g);
        }
    }
    max_gr_db_ = max_gr;
}

} // namespace tapeop::dsp
