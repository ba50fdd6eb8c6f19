// Fades: curve formulas, fade-in / fade-out positions, block-size invariance.
#include "tapeop/dsp/fade.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

namespace {
std::vector<float> run(const FadeSettings& s, std::size_t n, std::size_t block) {
    std::vector<float> x(n, 1.0f);
    Fade f(s);
    f.prepare({48000, 1}, block);
    for (std::size_t pos = 0; pos < n; pos += block) {
        float* p = x.data() + pos;
        f.process(AudioView(&p, 1, std::min(block, n - pos)));
    }
    return x;
}
} // namespace

TEST_SUITE("fade") {

    TEST_CASE("curve formulas") {
        CHECK(fade_gain(FadeCurve::linear, 0.25) == 0.25);
        // Equal power: g_in^2 + g_out^2 = 1 at every point of a crossfade.
        for (double t : {0.0, 0.1, 0.5, 0.9, 1.0})
            CHECK(std::pow(fade_gain(FadeCurve::equal_power, t), 2) +
                      std::pow(fade_gain(FadeCurve::equal_power, 1 - t), 2) ==
                  doctest::Approx(1.0));
        // Logarithmic: straight in dB, -60 dB -> 0 dB; half way is -30 dB; 0 at t = 0.
        CHECK(20 * std::log10(fade_gain(FadeCurve::logarithmic, 0.5)) == doctest::Approx(-30.0));
        CHECK(fade_gain(FadeCurve::logarithmic, 0.0) == 0.0);
        CHECK(fade_gain(FadeCurve::logarithmic, 1.0) == 1.0);
    }

    TEST_CASE("fade-in starts silent and reaches unity after its length") {
        FadeSettings s;
        s.direction = FadeDirection::in;
        s.curve = FadeCurve::linear;
        s.start_frame = 10;
        s.length_frames = 100;
        const auto y = run(s, 200, 7);
        CHECK(y[9] == 0.0f);
        CHECK(y[10] == 0.0f);
        CHECK(y[60] == doctest::Approx(0.5));
        CHECK(y[110] == 1.0f);
        CHECK(y == run(s, 200, 4096));
    }

    TEST_CASE("fade-out ends at the stream's end and mirrors the fade-in") {
        FadeSettings in, out;
        in.curve = out.curve = FadeCurve::equal_power;
        in.length_frames = out.length_frames = 50;
        out.direction = FadeDirection::out;
        out.total_frames = 300;
        const auto a = run(in, 300, 13), b = run(out, 300, 1);
        CHECK(b[249] == 1.0f);
        for (std::size_t k = 1; k < 50; ++k)
            CHECK(b[300 - k] == a[k]);
    }

} // TEST_SUITE
