#include "tapeop/dsp/fade.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tapeop::dsp {

double fade_gain(FadeCurve curve, double t, double range_db) {
    t = std::clamp(t, 0.0, 1.0);
    switch (curve) {
    case FadeCurve::linear:
        return t;
    case FadeCurve::equal_power:
        return std::sin(t * std::numbers::pi / 2.0);
    case FadeCurve::logarithmic:
        return t <= 0.0 ? 0.0 : std::pow(10.0, range_db * (1.0 - t) / 20.0);
    }
    return t;
}

Fade::Fade(const FadeSettings& settings) : s_(settings) {}

void Fade::prepare(const StreamSpec&, std::size_t) {
    reset();
}

double Fade::gain_at(std::uint64_t frame) const {
    const double len = static_cast<double>(s_.length_frames);
    if (s_.direction == FadeDirection::in) {
        if (frame < s_.start_frame)
            return 0.0;
        const std::uint64_t k = frame - s_.start_frame;
        if (k >= s_.length_frames)
            return 1.0;
        // Frame k of the fade sits at t = k / length: the first frame is silent.
        return fade_gain(s_.curve, double(k) / len, s_.range_db);
    }
    const std::uint64_t begin =
        s_.total_frames > s_.length_frames ? s_.total_frames - s_.length_frames : 0;
    if (frame < begin)
        return 1.0;
    if (frame >= s_.total_frames)
        return 0.0;
    // The last frame of the stream sits at t = 1 / length (one step above silence), so
    // fade-in and fade-out of the same length mirror each other.
    const double k = double(s_.total_frames - frame);
    return fade_gain(s_.curve, k / len, s_.range_db);
}

void Fade::process(AudioView io) {
    if (is_identity())
        return;
    for (std::size_t i = 0; i < io.frames(); ++i) {
        const double g = gain_at(position_ + i);
        if (g == 1.0)
            continue;
        for (std::size_t c = 0; c < io.channels(); ++c) {
            float& x = io.channel(c)[i];
            x = static_cast<float>(x * g);
        }
    }
    position_ += io.frames();
}

} // namespace tapeop::dsp
