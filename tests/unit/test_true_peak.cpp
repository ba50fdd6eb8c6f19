// TruePeakMeter and Oversampler4x: the BS.1770-4 Annex 2 filter, EBU Tech 3341 true-peak cases,
// the exact fast path, block-size invariance and agreement with libebur128.
#include "ebu_signals.hpp"
#include "tapeop/analysis/true_peak.hpp"

#include <doctest/doctest.h>
#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

using tapeop::AudioBuffer;
using tapeop::analysis::Oversampler4x;
using tapeop::analysis::TruePeakMeter;
using tapeop::test::feed;

namespace {

constexpr int rate48 = 48000;

// EBU Tech 3341: true peak within +0.2 / -0.4 dB of the expected value.
bool within_tp_tolerance(double dbtp, double expected) {
    return dbtp <= expected + 0.2 && dbtp >= expected - 0.4;
}

// A sine at `freq` with peak `amp` and starting phase `phase_deg`, on both channels, 1 s,
// with 20 ms raised-cosine fades: an abrupt start is broadband and its interpolated overshoot
// (Gibbs) would be measured instead of the tone.
AudioBuffer sine(double freq, double amp, double phase_deg, int rate = rate48) {
    AudioBuffer buf(2, static_cast<std::size_t>(rate));
    const int fade = rate / 50;
    for (int n = 0; n < rate; ++n) {
        const int edge = std::min(n, rate - 1 - n);
        const double g = edge >= fade ? 1.0 : 0.5 * (1 - std::cos(std::numbers::pi * edge / fade));
        const double v =
            g * amp *
            std::sin(2 * std::numbers::pi * freq * n / rate + phase_deg * std::numbers::pi / 180.0);
        buf.channel(0)[n] = buf.channel(1)[n] = static_cast<float>(v);
    }
    return buf;
}

double measure_dbtp(AudioBuffer& buf, std::size_t block = 4096) {
    TruePeakMeter m(static_cast<int>(buf.channels()), rate48);
    feed(m, buf, block);
    return m.true_peak_dbtp();
}

// Naive direct form of Annex 2 in double: max |sum_j h[p + 4 j] x[n - j]| over n and p.
double naive_true_peak(const std::vector<float>& x) {
    const auto& h = Oversampler4x::coefficients();
    double peak = 0.0;
    for (std::size_t n = 0; n < x.size(); ++n) {
        peak = std::max(peak, std::abs(double(x[n])));
        for (std::size_t p = 0; p < 4; ++p) {
            double acc = 0.0;
            for (std::size_t j = 0; j < 12 && j <= n; ++j)
                acc += h[p + 4 * j] * x[n - j];
            peak = std::max(peak, std::abs(acc));
        }
    }
    return peak;
}

// Random test material: quiet noise with loud bursts, so the fast path both skips and works.
AudioBuffer bursty_noise(std::size_t frames, std::uint64_t seed, int channels = 2) {
    tapeop::test::Rng rng(seed);
    AudioBuffer buf(static_cast<std::size_t>(channels), frames);
    for (int c = 0; c < channels; ++c) {
        double gain = 0.01;
        for (std::size_t n = 0; n < frames; ++n) {
            if (n % 1000 == 0)
                gain = rng.uniform() < 0.1 ? rng.uniform(0.3, 1.2) : 0.01;
            buf.channel(c)[n] = static_cast<float>(gain * rng.uniform(-1.0, 1.0));
        }
    }
    return buf;
}

} // namespace

TEST_SUITE("true_peak") {

    TEST_CASE("the Annex 2 filter: symmetric 48 taps, each phase passes DC at about unity") {
        const auto& h = Oversampler4x::coefficients();
        CHECK(h[0] == 0.0017089843750);
        CHECK(h[24] == 0.9721679687500 - 0.0); // phase 0, tap 6
        for (std::size_t k = 0; k < 48; ++k)
            CHECK(h[k] == h[47 - k]);
        for (std::size_t p = 0; p < 4; ++p) {
            double dc = 0.0;
            for (std::size_t j = 0; j < 12; ++j)
                dc += h[p + 4 * j];
            // Phases 0/3 pass DC at 1.0016, phases 1/2 at 0.9730 (-0.24 dB): the published
            // filter's own accuracy, which is why Annex 2 meters may read a little low.
            CHECK(std::abs(dc - 1.0) < 0.03);
        }
        CHECK(Oversampler4x::max_phase_gain() > 2.0);
        CHECK(Oversampler4x::max_phase_gain() < 2.1);
    }

    TEST_CASE("Oversampler4x::process matches the direct form in double within float rounding") {
        AudioBuffer buf = bursty_noise(4000, 7, 1);
        std::vector<float> x(11, 0.0f);
        x.insert(x.end(), buf.channel(0), buf.channel(0) + buf.frames());
        const float* in = x.data() + 11;
        const std::size_t n = buf.frames() - 3; // a length that leaves a partial vector
        std::vector<float> out(4 * n);
        Oversampler4x::process(in, n, out.data());
        const auto& h = Oversampler4x::coefficients();
        double worst = 0.0, max_out = 0.0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t p = 0; p < 4; ++p) {
                double acc = 0.0;
                for (std::size_t j = 0; j < 12; ++j)
                    acc += h[p + 4 * j] * in[long(i) - long(j)];
                worst = std::max(worst, std::abs(acc - out[4 * i + p]));
                max_out = std::max(max_out, std::abs(double(out[4 * i + p])));
            }
        MESSAGE("max |float kernel - double direct form| = " << worst);
        CHECK(worst <= 1e-6); // float accumulation of 12 terms of |x| <= 1.2
        CHECK(Oversampler4x::max_abs(in, n) == static_cast<float>(max_out));
    }

    TEST_CASE("Tech 3341 cases 15-19: fs/4, fs/6, fs/8 sines at 0.5 FS and fs/4 at 1.41 FS") {
        struct Case {
            int number;
            double divisor, amp, phase_deg, expected_dbtp;
        };
        const Case cases[] = {{15, 4, 0.5, 0, -6.0},
                              {16, 4, 0.5, 45, -6.0},
                              {17, 6, 0.5, 60, -6.0},
                              {18, 8, 0.5, 67.5, -6.0},
                              {19, 4, 1.41, 45, 3.0}};
        for (const Case& c : cases) {
            AudioBuffer buf = sine(rate48 / c.divisor, c.amp, c.phase_deg);
            const double tp = measure_dbtp(buf);
            MESSAGE("case " << c.number << ": " << tp << " dBTP (expected " << c.expected_dbtp
                            << ")");
            CHECK(within_tp_tolerance(tp, c.expected_dbtp));
        }
    }

    TEST_CASE("Tech 3341 cases 20-23 in kind: a 0 dBTP burst sampled at four sub-sample offsets") {
        // The published cases are one band-limited burst peaking at 0 dBFS between samples,
        // taken at four offsets. Here: a Hann-windowed fs/4 burst (main lobe well inside
        // 20 kHz) whose continuous peak is 1.0, its centre 0, 1/4, 1/2, 3/4 sample off the grid.
        for (int offset = 0; offset < 4; ++offset) {
            AudioBuffer buf(1, 4800);
            const double centre = 2400.0 + offset / 4.0, width = 48.0;
            for (int n = 0; n < 4800; ++n) {
                const double t = n - centre;
                const double w =
                    std::abs(t) < width ? 0.5 * (1 + std::cos(std::numbers::pi * t / width)) : 0;
                buf.channel(0)[n] = static_cast<float>(w * std::cos(std::numbers::pi / 2 * t));
            }
            const double tp = measure_dbtp(buf);
            MESSAGE("offset " << offset << "/4: " << tp << " dBTP (expected 0.0)");
            CHECK(within_tp_tolerance(tp, 0.0));
        }
    }

    TEST_CASE("fast path equals interpolating everything, exactly, and the naive direct form") {
        for (std::uint64_t seed = 1; seed <= 4; ++seed) {
            AudioBuffer buf = bursty_noise(200000, seed);
            TruePeakMeter fast(2, rate48), slow(2, rate48);
            slow.set_fast_path(false);
            feed(fast, buf, 4096);
            feed(slow, buf, 1000);
            for (int c = 0; c < 2; ++c) {
                CHECK(fast.true_peak(c) == slow.true_peak(c));
                std::vector<float> x(buf.channel(c), buf.channel(c) + buf.frames());
                CHECK(std::abs(fast.true_peak(c) - naive_true_peak(x)) <= 1e-6);
            }
        }
    }

    TEST_CASE("results are identical for blocks of 1, 7, 480 and 4096 frames") {
        AudioBuffer buf = tapeop::test::music_like(48000, 5.0, 3);
        TruePeakMeter ref(2, rate48);
        feed(ref, buf, 4096);
        for (std::size_t block : {1, 7, 480}) {
            TruePeakMeter m(2, rate48);
            feed(m, buf, block);
            CHECK(m.true_peak(0) == ref.true_peak(0));
            CHECK(m.true_peak(1) == ref.true_peak(1));
            CHECK(m.sample_peak() == ref.sample_peak());
        }
    }

    TEST_CASE("silence reads minus infinity; a full-scale 997 Hz sine reads 0 dBFS sample peak") {
        AudioBuffer quiet(2, 48000);
        CHECK(std::isinf(measure_dbtp(quiet)));
        CHECK(measure_dbtp(quiet) < 0);

        AudioBuffer full = sine(997.0, 1.0, 0.0);
        TruePeakMeter m(2, rate48);
        feed(m, full, 4096);
        const double sp_db = 20 * std::log10(m.sample_peak());
        MESSAGE("997 Hz full scale: sample peak " << sp_db << " dBFS, true peak "
                                                  << m.true_peak_dbtp() << " dBTP");
        CHECK(std::abs(sp_db) <=
              0.001); // 997 cycles in 1 s put some sample within 0.2 deg of the crest
        CHECK(m.true_peak() >= m.sample_peak());
        CHECK(within_tp_tolerance(m.true_peak_dbtp(), 0.0));
    }

    TEST_CASE("true peak is never below the sample peak") {
        AudioBuffer buf = bursty_noise(50000, 11);
        TruePeakMeter m(2, rate48);
        feed(m, buf, 333);
        for (int c = 0; c < 2; ++c)
            CHECK(m.true_peak(c) >= m.sample_peak(c));
    }

    TEST_CASE("agrees with libebur128 on music-like material at 44.1, 48 and 96 kHz") {
        // libebur128 designs its own interpolator (49-tap Hann-windowed sinc; 4x below 96 kHz,
        // 2x from 96 kHz), so small differences are expected; tolerance 0.15 dB.
        double worst = 0.0;
        std::uint64_t seed = 20;
        for (int rate : {44100, 48000, 96000}) {
            AudioBuffer buf = tapeop::test::music_like(rate, 30.0, seed++);
            TruePeakMeter ours(2, rate);
            feed(ours, buf, 4096);
            ebur128_state* st =
                ebur128_init(2, static_cast<unsigned long>(rate), EBUR128_MODE_TRUE_PEAK);
            REQUIRE(st != nullptr);
            std::vector<float> inter(buf.frames() * 2);
            for (std::size_t i = 0; i < buf.frames(); ++i) {
                inter[2 * i] = buf.channel(0)[i];
                inter[2 * i + 1] = buf.channel(1)[i];
            }
            REQUIRE(ebur128_add_frames_float(st, inter.data(), buf.frames()) == EBUR128_SUCCESS);
            for (unsigned c = 0; c < 2; ++c) {
                double ref;
                ebur128_true_peak(st, c, &ref);
                const double d = 20 * std::log10(ours.true_peak(static_cast<int>(c)) / ref);
                MESSAGE(rate << " Hz ch " << c << ": ours "
                             << ours.true_peak_dbtp(static_cast<int>(c)) << " dBTP, libebur128 "
                             << 20 * std::log10(ref) << ", d " << d);
                worst = std::max(worst, std::abs(d));
            }
            ebur128_destroy(&st);
        }
        MESSAGE("worst |d| = " << worst << " dB");
        CHECK(worst <= 0.15);
    }

} // TEST_SUITE
