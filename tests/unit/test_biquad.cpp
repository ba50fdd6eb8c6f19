// Biquads and filters: the measured steady-state gain of sines matches the analytic
// magnitude of the coefficients (RBJ cookbook), and the cookbook's defining points hold.
#include "tapeop/dsp/biquad.hpp"
#include "tapeop/dsp/filters.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

namespace {

constexpr int rate = 48000;

// Gain in dB of `proc` for a sine at integer `freq_hz`: 1 s of settling, then a single-bin
// DFT over exactly 1 s (an integer number of cycles, so no leakage) of input and output.
template <class P> double measured_gain_db(P& proc, double freq_hz) {
    const std::size_t settle = rate, n = rate;
    std::vector<float> x(settle + n);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = float(0.5 * std::sin(2.0 * std::numbers::pi * freq_hz * double(i) / rate));
    std::vector<float> y = x;
    float* ptr = y.data();
    proc.prepare({rate, 1}, y.size());
    proc.process(AudioView(&ptr, 1, y.size()));
    std::complex<double> in = 0, out = 0;
    for (std::size_t i = settle; i < settle + n; ++i) {
        const auto e = std::polar(1.0, -2.0 * std::numbers::pi * freq_hz * double(i) / rate);
        in += double(x[i]) * e;
        out += double(y[i]) * e;
    }
    return 20.0 * std::log10(std::abs(out) / std::abs(in));
}

} // namespace

TEST_SUITE("biquad") {

    TEST_CASE(
        "a cascade on 2 or 3 channels (two per SSE2 register) equals each channel run alone") {
        const std::size_t n = 20000;
        for (std::size_t channels : {std::size_t(2), std::size_t(3)}) {
            AudioBuffer multi(channels, n);
            std::uint32_t r = 12345;
            for (std::size_t c = 0; c < channels; ++c)
                for (std::size_t i = 0; i < n; ++i) {
                    r = r * 1664525u + 1013904223u;
                    multi.channel(c)[i] =
                        float(double(r) / 4294967296.0 - 0.5) * float(c + 1) * 0.3f;
                }
            std::vector<AudioBuffer> alone;
            for (std::size_t c = 0; c < channels; ++c) {
                AudioBuffer one(1, n);
                std::copy(multi.channel(c), multi.channel(c) + n, one.channel(0));
                alone.push_back(one);
            }
            auto cascade = [] {
                FilterCascade f = make_highpass(40.0, Slope::db48);
                return f;
            };
            FilterCascade fm = cascade();
            fm.prepare({48000, int(channels)}, 4096);
            for (std::size_t at = 0; at < n; at += 3000)
                fm.process(multi.view().sub(at, std::min<std::size_t>(3000, n - at)));
            for (std::size_t c = 0; c < channels; ++c) {
                FilterCascade f1 = cascade();
                f1.prepare({48000, 1}, 4096);
                for (std::size_t at = 0; at < n; at += 7000)
                    f1.process(alone[c].view().sub(at, std::min<std::size_t>(7000, n - at)));
                CAPTURE(c);
                CHECK(std::equal(multi.channel(c), multi.channel(c) + n, alone[c].channel(0)));
            }
        }
    }

    TEST_CASE("cookbook sections: measured sine gain within 0.05 dB of magnitude_db") {
        struct Case {
            BiquadType type;
            double f0, q, gain_db;
        };
        const Case cases[] = {
            {BiquadType::lowpass, 1000, 0.7071, 0},  {BiquadType::highpass, 200, 0.7071, 0},
            {BiquadType::low_shelf, 150, 0.7071, 6}, {BiquadType::high_shelf, 8000, 0.7071, -4},
            {BiquadType::peaking, 3000, 1.0, -1.5},  {BiquadType::peaking, 500, 4.0, 9},
            {BiquadType::notch, 1000, 2.0, 0}};
        const double freqs[] = {31, 100, 150, 200, 499, 997, 1500, 3000, 7000, 8000, 12000, 18000};
        for (const auto& c : cases) {
            for (double f : freqs) {
                Biquad bq(c.type, c.f0, c.q, c.gain_db);
                const double measured = measured_gain_db(bq, f);
                const double expected = bq.magnitude_db(f);
                CAPTURE(int(c.type));
                CAPTURE(f);
                if (expected < -60.0)
                    continue; // deep stopband: float noise dominates
                CHECK(std::abs(measured - expected) < 0.05);
            }
        }
    }

    TEST_CASE("cookbook defining points") {
        // Peaking: |H(f0)| = A^2, i.e. exactly the gain in dB.
        CHECK(design_biquad(BiquadType::peaking, rate, 3000, 1.0, -1.5).magnitude_db(3000, rate) ==
              doctest::Approx(-1.5).epsilon(1e-9));
        // Shelves: the full gain far from f0 (DC for low, Nyquist side for high), half at f0.
        const auto ls = design_biquad(BiquadType::low_shelf, rate, 150, 0.7071, 6.0);
        CHECK(ls.magnitude_db(1.0, rate) == doctest::Approx(6.0).epsilon(0.001));
        CHECK(ls.magnitude_db(150, rate) == doctest::Approx(3.0).epsilon(0.001));
        const auto hs = design_biquad(BiquadType::high_shelf, rate, 8000, 0.7071, -4.0);
        CHECK(hs.magnitude_db(23999, rate) == doctest::Approx(-4.0).epsilon(0.001));
        CHECK(hs.magnitude_db(8000, rate) == doctest::Approx(-2.0).epsilon(0.001));
        // Notch: a zero on the unit circle at f0.
        CHECK(design_biquad(BiquadType::notch, rate, 1000, 2.0).magnitude_db(1000, rate) < -200.0);
        // Low/high-pass with Q = 1/sqrt(2): -3.01 dB at f0, unity far away.
        const auto lp = design_biquad(BiquadType::lowpass, rate, 1000, (std::numbers::sqrt2 / 2.0));
        CHECK(lp.magnitude_db(1000, rate) == doctest::Approx(-3.0103).epsilon(1e-4));
        CHECK(std::abs(lp.magnitude_db(10, rate)) < 1e-4);
    }

    TEST_CASE("Butterworth Q values") {
        // Q_k = 1 / (2 cos((2k - 1) pi / (2N))).
        const auto q2 = butterworth_qs(2), q4 = butterworth_qs(4), q8 = butterworth_qs(8);
        CHECK(q2[0] == doctest::Approx(0.70711).epsilon(1e-4));
        CHECK(q4[0] == doctest::Approx(0.54120).epsilon(1e-4));
        CHECK(q4[1] == doctest::Approx(1.30656).epsilon(1e-4));
        CHECK(q8[0] == doctest::Approx(0.50980).epsilon(1e-4));
        CHECK(q8[1] == doctest::Approx(0.60134).epsilon(1e-4));
        CHECK(q8[2] == doctest::Approx(0.89998).epsilon(1e-4));
        CHECK(q8[3] == doctest::Approx(2.56292).epsilon(1e-4));
    }

    TEST_CASE("Butterworth high-pass is -3.01 dB at f0 for every slope, and falls at the slope") {
        for (Slope s : {Slope::db12, Slope::db24, Slope::db48}) {
            CAPTURE(int(s));
            FilterCascade hp = make_highpass(100.0, s);
            hp.prepare({rate, 1}, 1);
            CHECK(hp.magnitude_db(100.0) == doctest::Approx(-3.0103).epsilon(1e-3));
            // Measured at f0 too (the -3 dB point is 100 Hz, an integer frequency).
            FilterCascade hp2 = make_highpass(100.0, s);
            CHECK(std::abs(measured_gain_db(hp2, 100.0) - (-3.0103)) < 0.05);
            // Two octaves down the response is near -slope * 2 (analog Butterworth:
            // -10 log10(1 + (f0/f)^(2N)); the bilinear warp is negligible at 25 Hz).
            const int order = int(s) / 6;
            const double analog = -10.0 * std::log10(1.0 + std::pow(4.0, 2.0 * order));
            CHECK(hp.magnitude_db(25.0) == doctest::Approx(analog).epsilon(0.01));
            // Pass band flat.
            CHECK(std::abs(hp.magnitude_db(5000.0)) < 0.001);
        }
    }

    TEST_CASE("Butterworth low-pass and EQ cascades: measured gain matches magnitude_db") {
        for (Slope s : {Slope::db12, Slope::db24, Slope::db48}) {
            for (double f : {1000.0, 4000.0, 8000.0, 12000.0}) {
                FilterCascade lp = make_lowpass(8000.0, s);
                lp.prepare({rate, 1}, 1);
                const double expected = lp.magnitude_db(f);
                CAPTURE(f);
                CHECK(std::abs(measured_gain_db(lp, f) - expected) < 0.05);
            }
        }
        FilterCascade eq = make_eq_band(BiquadType::peaking, 3000.0, -1.5, 1.0);
        CHECK(std::abs(measured_gain_db(eq, 3000.0) - (-1.5)) < 0.05);
    }

    TEST_CASE("filters process stereo channels independently, in any block size") {
        std::vector<float> l(1000), r(1000);
        for (std::size_t i = 0; i < l.size(); ++i) {
            l[i] = float(std::sin(0.05 * double(i)));
            r[i] = i == 0 ? 1.0f : 0.0f;
        }
        auto run = [&](std::size_t block) {
            FilterCascade f = make_highpass(300.0, Slope::db24);
            f.prepare({rate, 2}, block);
            std::vector<float> a = l, b = r;
            for (std::size_t pos = 0; pos < a.size(); pos += block) {
                const std::size_t n = std::min(block, a.size() - pos);
                float* p[2] = {a.data() + pos, b.data() + pos};
                f.process(AudioView(p, 2, n));
            }
            return std::pair{a, b};
        };
        const auto one = run(1), big = run(1000);
        CHECK(one == big);
        // Right channel is the impulse response; left differs.
        CHECK(one.first != one.second);
    }

} // TEST_SUITE
