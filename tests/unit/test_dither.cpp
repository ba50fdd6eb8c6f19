// Dither: output on the target grid, TPDF statistics per theory, determinism across runs and
// block sizes, noise shaping moves the noise up.
#include "tapeop/dsp/dither.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

namespace {

std::vector<float> run(const DitherSettings& s, std::vector<float> x, std::size_t block) {
    Dither d(s);
    d.prepare({48000, 1}, block);
    for (std::size_t pos = 0; pos < x.size(); pos += block) {
        float* p = x.data() + pos;
        d.process(AudioView(&p, 1, std::min(block, x.size() - pos)));
    }
    return x;
}

double rms(const std::vector<float>& x) {
    double s = 0.0;
    for (float v : x)
        s += double(v) * v;
    return std::sqrt(s / double(x.size()));
}

} // namespace

TEST_SUITE("dither") {

    TEST_CASE("output values are exact multiples of the LSB, within the integer range") {
        for (int bits : {16, 24}) {
            DitherSettings s;
            s.bits = bits;
            std::vector<float> x(100000);
            for (std::size_t i = 0; i < x.size(); ++i)
                x[i] = float(1.05 * std::sin(0.001 * double(i))); // also overloads a little
            const auto y = run(s, x, 4096);
            const double scale = std::ldexp(1.0, bits - 1);
            for (float v : y) {
                const double k = double(v) * scale;
                REQUIRE(k == std::floor(k));
                REQUIRE(k >= -scale);
                REQUIRE(k <= scale - 1.0);
            }
        }
    }

    TEST_CASE("TPDF generator: triangular on (-1, 1) LSB, variance 1/6") {
        Xoshiro256 rng(123);
        double sum = 0.0, sum2 = 0.0, lo = 0.0, hi = 0.0;
        const int n = 1000000;
        for (int i = 0; i < n; ++i) {
            const double d = Dither::tpdf(rng);
            sum += d;
            sum2 += d * d;
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        }
        CHECK(std::abs(sum / n) < 0.003);
        // Var(U1 - U2) = 2 * 1/12 = 1/6 LSB^2 -> RMS LSB / sqrt(6) = 0.408 LSB. 1e6 draws: ~0.2 %.
        CHECK(std::sqrt(sum2 / n) == doctest::Approx(1.0 / std::sqrt(6.0)).epsilon(0.005));
        CHECK(lo > -1.0);
        CHECK(hi < 1.0);
    }

    TEST_CASE("four-lane TPDF: the SSE2 draws equal the reference lanes; triangular, variance 1/6, "
              "lanes uncorrelated") {
        Xoshiro128Plus4 fast(77), ref(77);
        const std::size_t n = 1 << 20;
        std::vector<double> d(n);
        for (std::size_t at = 0; at < n; at += 256)
            Dither::tpdf4(fast, d.data() + at, 256);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < n; i += 4) {
            std::uint32_t a[4], b[4];
            ref.next(a);
            ref.next(b);
            for (std::size_t k = 0; k < 4; ++k)
                wrong += d[i + k] !=
                         double(std::int32_t(a[k] >> 8) - std::int32_t(b[k] >> 8)) * 0x1.0p-24;
        }
        CHECK(wrong == 0);
        double sum = 0.0, sum2 = 0.0, lo = 0.0, hi = 0.0, lag1 = 0.0, inner = 0.0;
        std::size_t within = 0;
        for (std::size_t i = 0; i < n; ++i) {
            sum += d[i];
            sum2 += d[i] * d[i];
            lo = std::min(lo, d[i]);
            hi = std::max(hi, d[i]);
            if (i > 0)
                lag1 += d[i] * d[i - 1];
            within += std::abs(d[i]) < 0.5 ? 1 : 0;
        }
        inner = double(within) / double(n);
        CHECK(std::abs(sum / double(n)) < 0.003);
        CHECK(std::sqrt(sum2 / double(n)) == doctest::Approx(1.0 / std::sqrt(6.0)).epsilon(0.005));
        CHECK(std::abs(lag1 / sum2) < 0.005); // neighbouring samples (different lanes) uncorrelated
        CHECK(inner == doctest::Approx(0.75).epsilon(0.005)); // triangular: P(|d| < 1/2) = 3/4
        CHECK(lo > -1.0);
        CHECK(hi < 1.0);
    }

    TEST_CASE("dithered silence has the theoretical noise level LSB/2") {
        // Total error = rounding of (0 + TPDF): P(|d| > 1/2) = 2 * (1/2)(1/2)^2 = 1/4, so the
        // output is +-1 LSB a quarter of the time: RMS = sqrt(1/4) = LSB/2, which is also the
        // general TPDF result LSB^2/12 + LSB^2/6 = LSB^2/4. 1e6 samples: tolerance 1 %.
        for (int bits : {16, 24}) {
            DitherSettings s;
            s.bits = bits;
            const auto y = run(s, std::vector<float>(1000000, 0.0f), 8192);
            const double lsb = std::ldexp(1.0, 1 - bits);
            MESSAGE(bits << "-bit dithered silence: RMS " << rms(y) / lsb << " LSB (theory 0.5)");
            CHECK(rms(y) / lsb == doctest::Approx(0.5).epsilon(0.01));
        }
        // The total error on a low-level signal has the same power (signal-independent).
        DitherSettings s;
        s.bits = 16;
        std::vector<float> x(1000000);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = float(3.3e-4 * std::sin(2.0 * std::numbers::pi * 997.0 * double(i) / 48000.0));
        const auto y = run(s, x, 8192);
        std::vector<float> err(x.size());
        for (std::size_t i = 0; i < x.size(); ++i)
            err[i] = y[i] - x[i];
        CHECK(rms(err) / std::ldexp(1.0, -15) == doctest::Approx(0.5).epsilon(0.01));
    }

    TEST_CASE("dither is deterministic across runs and block sizes; the seed matters") {
        DitherSettings s;
        s.bits = 16;
        s.shaping = NoiseShaping::second_order;
        std::vector<float> x(20000);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = float(0.1 * std::sin(0.01 * double(i)));
        const auto a = run(s, x, 1), b = run(s, x, 7), c = run(s, x, 4096), d = run(s, x, 4096);
        CHECK(a == b);
        CHECK(a == c);
        CHECK(c == d);
        s.seed = 99;
        CHECK(run(s, x, 4096) != a);
    }

    TEST_CASE("plain TPDF gives every sample the same value whatever the block sizes") {
        // Blocks whose length is not a multiple of four (a resampler's pieces, a trim's first
        // block) used to throw away the rest of a group of four random values, so the same
        // stream came out differently cut into other blocks.
        DitherSettings s;
        s.bits = 16;
        std::vector<float> x(20000);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = float(0.1 * std::sin(0.01 * double(i)));
        const auto a = run(s, x, 8192);
        CHECK(run(s, x, 1) == a);
        CHECK(run(s, x, 7) == a);
        CHECK(run(s, x, 258) == a); // chunks of 256 plus 2
        CHECK(run(s, x, 4099) == a);
        s.seed = 99;
        CHECK(run(s, x, 8192) != a);
    }

    TEST_CASE(
        "noise shaping: error power grows by the sum of squared taps, moves up in frequency") {
        auto spectrum_share_low = [](const std::vector<float>& e) {
            // Share of the error power below fs/8 (crude 2-band split with a DFT-free estimate:
            // a first difference is a high-pass, a sum a low-pass).
            double low = 0, total = 0;
            for (std::size_t i = 1; i < e.size(); ++i) {
                const double s = 0.5 * (double(e[i]) + e[i - 1]);
                low += s * s;
                total += double(e[i]) * e[i];
            }
            return low / total;
        };
        const double lsb = std::ldexp(1.0, -15);
        std::vector<double> powers, lows;
        for (auto shaping :
             {NoiseShaping::none, NoiseShaping::first_order, NoiseShaping::second_order}) {
            DitherSettings s;
            s.bits = 16;
            s.shaping = shaping;
            const auto y = run(s, std::vector<float>(500000, 0.0f), 8192);
            powers.push_back(std::pow(rms(y) / lsb, 2.0));
            lows.push_back(spectrum_share_low(y));
        }
        // Error power LSB^2/4 times 1, 2 (taps 1,-1), 6 (taps 1,-2,1).
        CHECK(powers[0] == doctest::Approx(0.25).epsilon(0.02));
        CHECK(powers[1] == doctest::Approx(0.5).epsilon(0.02));
        CHECK(powers[2] == doctest::Approx(1.5).epsilon(0.02));
        CHECK(lows[1] < lows[0]);
        CHECK(lows[2] < lows[1]);
    }

} // TEST_SUITE
