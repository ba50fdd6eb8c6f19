// Compressor: the gain computer's formula (Giannoulis et al. 2012 eq. 4), the static curve on
// steady tones, and the attack / release time constants.
#include "tapeop/dsp/compressor.hpp"
#include "tapeop/dsp/gain.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

namespace {

constexpr int rate = 48000;

double rms_db(const std::vector<float>& x, std::size_t from, std::size_t to) {
    double s = 0.0;
    for (std::size_t i = from; i < to; ++i)
        s += double(x[i]) * x[i];
    return 10.0 * std::log10(s / double(to - from));
}

// Runs a stereo processor over a signal copied to both channels; returns the left output.
std::vector<float> run_stereo(Processor& p, const std::vector<float>& x, std::size_t block = 512) {
    std::vector<float> l = x, r = x;
    p.prepare({rate, 2}, block);
    for (std::size_t pos = 0; pos < x.size(); pos += block) {
        const std::size_t n = std::min(block, x.size() - pos);
        float* ptr[2] = {l.data() + pos, r.data() + pos};
        p.process(AudioView(ptr, 2, n));
    }
    return l;
}

} // namespace

TEST_SUITE("compressor") {

    TEST_CASE("gain computer follows the soft-knee formula") {
        const GainComputer gc{-20.0, 4.0, 10.0};
        // Below the knee (x < T - W/2): unchanged.
        CHECK(gc.output_db(-30.0) == -30.0);
        CHECK(gc.output_db(-25.0) == doctest::Approx(-25.0));
        // In the knee: x + (1/R - 1)(x - T + W/2)^2 / (2W); at T: -20 - 0.75 * 25 / 20.
        CHECK(gc.output_db(-20.0) == doctest::Approx(-20.9375));
        CHECK(gc.output_db(-17.0) == doctest::Approx(-17.0 - 0.75 * 64.0 / 20.0));
        // Above (x > T + W/2): T + (x - T) / R; continuous at the knee's end.
        CHECK(gc.output_db(-15.0) == doctest::Approx(-18.75));
        CHECK(gc.output_db(0.0) == doctest::Approx(-15.0));
        // Hard knee.
        const GainComputer hard{-20.0, 2.0, 0.0};
        CHECK(hard.output_db(-20.0) == -20.0);
        CHECK(hard.output_db(-10.0) == doctest::Approx(-15.0));
    }

    TEST_CASE("static curve on steady 1 kHz tones matches the formula within 0.1 dB") {
        CompressorSettings s;
        s.threshold_db = -20.0;
        s.ratio = 4.0;
        s.knee_db = 10.0;
        s.attack_ms = 10.0;
        s.release_ms = 150.0;
        s.makeup_db = 2.0;
        const GainComputer gc{s.threshold_db, s.ratio, s.knee_db};
        // RMS input levels: below the knee, in the knee (both halves), above it.
        for (double level : {-40.0, -27.0, -22.0, -20.0, -17.0, -10.0, -3.5}) {
            CAPTURE(level);
            const double amp = std::pow(10.0, level / 20.0) * std::sqrt(2.0);
            std::vector<float> x(2 * rate);
            for (std::size_t i = 0; i < x.size(); ++i)
                x[i] = float(amp * std::sin(2.0 * std::numbers::pi * 1000.0 * double(i) / rate));
            Compressor comp(s);
            const auto y = run_stereo(comp, x);
            // Last 0.5 s (a whole number of cycles).
            const double in_db = rms_db(x, x.size() - rate / 2, x.size());
            const double out_db = rms_db(y, y.size() - rate / 2, y.size());
            const double expected = gc.output_db(in_db) + s.makeup_db;
            MESSAGE("in " << in_db << " dB RMS -> out " << out_db << " expected " << expected);
            CHECK(std::abs(out_db - expected) < 0.1);
        }
    }

    TEST_CASE("attack and release are the time constants of the gain reduction") {
        CompressorSettings s;
        s.threshold_db = -30.0;
        s.ratio = 10.0;
        s.knee_db = 0.0;
        s.attack_ms = 50.0;
        s.release_ms = 300.0;
        // DC steps (no ripple): 1 s at -60 dB, 1 s at -10 dB, 2 s at -60 dB.
        const float lo = float(std::pow(10.0, -60.0 / 20.0)),
                    hi = float(std::pow(10.0, -10.0 / 20.0));
        std::vector<float> x(4 * rate, lo);
        for (std::size_t i = rate; i < 2 * std::size_t(rate); ++i)
            x[i] = hi;
        Compressor comp(s);
        const auto y = run_stereo(comp, x);
        auto gr_at = [&](std::size_t i) { return 20.0 * std::log10(double(x[i]) / double(y[i])); };
        const double full = gr_at(2 * rate - 1); // steady: 20 dB over, 1/10 -> 18 dB
        CHECK(full == doctest::Approx(18.0).epsilon(0.01));
        // Time to reach 63.2 % of the reduction after the step up (the 10 ms RMS detector adds a
        // little): expect 50 ms, accept 45..65 ms.
        std::size_t t = rate;
        while (gr_at(t) < 0.632 * full)
            ++t;
        const double attack_ms = double(t - rate) * 1000.0 / rate;
        // After the step down the reduction decays to 36.8 % in ~300 ms (accept 270..340 ms).
        std::size_t u = 2 * rate;
        while (gr_at(u) > 0.368 * full)
            ++u;
        const double release_ms = double(u - 2 * rate) * 1000.0 / rate;
        MESSAGE("attack to 63%: " << attack_ms << " ms, release to 37%: " << release_ms << " ms");
        CHECK(attack_ms > 45.0);
        CHECK(attack_ms < 65.0);
        CHECK(release_ms > 270.0);
        CHECK(release_ms < 340.0);
    }

    TEST_CASE("linked detector: the louder channel sets the gain of both") {
        CompressorSettings s;
        s.threshold_db = -20.0;
        s.ratio = 4.0;
        s.knee_db = 0.0;
        Compressor comp(s);
        comp.prepare({rate, 2}, rate);
        std::vector<float> l(rate), r(rate);
        for (std::size_t i = 0; i < l.size(); ++i) {
            l[i] = float(0.5 * std::sin(2.0 * std::numbers::pi * 1000.0 * double(i) / rate));
            r[i] = 0.01f * l[i];
        }
        const std::vector<float> l0 = l, r0 = r;
        float* p[2] = {l.data(), r.data()};
        comp.process(AudioView(p, 2, l.size()));
        const std::size_t i = rate - 12; // a sample near a crest, late in the tone
        CHECK(double(l[i]) / l0[i] == doctest::Approx(double(r[i]) / r0[i]).epsilon(1e-6));
        CHECK(comp.max_gain_reduction_db() > 5.0);
    }

    TEST_CASE("gain: 0 dB is an identity, -6.02 dB halves") {
        std::vector<float> x = {0.1f, -0.7f, 0.3333f};
        Gain g0(0.0);
        CHECK(run_stereo(g0, x) == x);
        Gain g6(-20.0 * std::log10(2.0));
        const auto y = run_stereo(g6, x);
        for (std::size_t i = 0; i < x.size(); ++i)
            CHECK(y[i] == doctest::Approx(x[i] / 2.0f));
    }

} // TEST_SUITE
