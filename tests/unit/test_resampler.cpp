// Resampler (libsoxr VHQ): level, alignment, aliasing/imaging and exact length.
#include "tapeop/dsp/resampler.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

namespace {

// Resamples a mono signal in blocks of `block`; returns the whole output.
std::vector<float> resample(const std::vector<float>& x, double in_rate, double out_rate,
                            std::size_t block = 4096) {
    Resampler r(1, in_rate, out_rate);
    std::vector<float> y;
    AudioBuffer out;
    std::vector<float> tmp(block);
    for (std::size_t pos = 0; pos < x.size(); pos += block) {
        const std::size_t n = std::min(block, x.size() - pos);
        float* p = const_cast<float*>(x.data()) + pos;
        r.process(AudioView(&p, 1, n), out);
        y.insert(y.end(), out.channel(0), out.channel(0) + out.frames());
    }
    r.flush(out);
    y.insert(y.end(), out.channel(0), out.channel(0) + out.frames());
    return y;
}

std::vector<float> sine(double freq, double rate, std::size_t n, double amp = 0.5) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = float(amp * std::sin(2.0 * std::numbers::pi * freq * double(i) / rate));
    return x;
}

// Least-squares fit of a sine + cosine at `freq` over [from, to): returns the fitted
// amplitude and the RMS of what is left (everything at other frequencies).
struct Fit {
    double amplitude, residual_rms;
};
Fit fit_sine(const std::vector<float>& y, double freq, double rate, std::size_t from,
             std::size_t to) {
    double ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
    for (std::size_t i = from; i < to; ++i) {
        const double w = 2.0 * std::numbers::pi * freq * double(i) / rate;
        const double s = std::sin(w), c = std::cos(w);
        ss += s * s, cc += c * c, sc += s * c, ys += y[i] * s, yc += y[i] * c;
    }
    const double det = ss * cc - sc * sc;
    const double a = (ys * cc - yc * sc) / det, b = (yc * ss - ys * sc) / det;
    double r = 0;
    for (std::size_t i = from; i < to; ++i) {
        const double w = 2.0 * std::numbers::pi * freq * double(i) / rate;
        const double e = y[i] - a * std::sin(w) - b * std::cos(w);
        r += e * e;
    }
    return {std::hypot(a, b), std::sqrt(r / double(to - from))};
}

double db(double x) {
    return 20.0 * std::log10(x);
}

} // namespace

TEST_SUITE("resampler") {

    TEST_CASE("a 1 kHz tone keeps its level (0.01 dB) and phase through 44.1 <-> 48 <-> 96 kHz") {
        const double rates[] = {44100, 48000, 96000};
        for (double a : rates) {
            for (double b : rates) {
                if (a == b)
                    continue;
                CAPTURE(a);
                CAPTURE(b);
                const auto x = sine(1000.0, a, std::size_t(a)); // 1 s, amplitude 0.5
                const auto y = resample(x, a, b, 1000);
                const std::size_t from = std::size_t(b) / 4, to = 3 * std::size_t(b) / 4;
                // Level: the fitted amplitude against 0.5.
                const Fit f = fit_sine(y, 1000.0, b, from, to);
                const double level_error = db(f.amplitude / 0.5);
                // Alignment: direct difference from the ideal sine at the output rate. A shift of
                // one output sample would leave about -18 dB; we ask for under -100 dB.
                const auto ideal = sine(1000.0, b, y.size());
                double e2 = 0;
                for (std::size_t i = from; i < to; ++i)
                    e2 += std::pow(double(y[i]) - ideal[i], 2.0);
                const double misalign_db =
                    db(std::sqrt(e2 / double(to - from)) / (0.5 / std::sqrt(2.0)));
                MESSAGE(a << " -> " << b << ": level error " << level_error
                          << " dB, difference from the ideal " << misalign_db << " dB, residual "
                          << db(f.residual_rms / (0.5 / std::sqrt(2.0))) << " dB");
                CHECK(std::abs(level_error) < 0.01);
                CHECK(misalign_db < -100.0);
            }
        }
    }

    TEST_CASE("a 20 kHz tone at 48 -> 44.1 kHz leaves nothing above -100 dB elsewhere") {
        const auto x = sine(20000.0, 48000, 48000);
        const auto y = resample(x, 48000, 44100);
        const Fit f = fit_sine(y, 20000.0, 44100, 11025, 33075);
        const double residual = db(f.residual_rms / (f.amplitude / std::sqrt(2.0)));
        MESSAGE("20 kHz 48k->44.1k: tone " << db(f.amplitude / 0.5) << " dB, everything else "
                                           << residual << " dB");
        CHECK(residual < -100.0);
    }

    TEST_CASE("content above the new Nyquist is removed: 30 kHz at 96 -> 44.1 kHz") {
        auto x = sine(30000.0, 96000, 96000);
        const auto y = resample(x, 96000, 44100);
        double peak = 0.0, e2 = 0.0;
        for (std::size_t i = 11025; i < 33075; ++i) {
            peak = std::max(peak, double(std::abs(y[i])));
            e2 += double(y[i]) * y[i];
        }
        const double level = db(std::sqrt(e2 / 22050.0) / (0.5 / std::sqrt(2.0)));
        MESSAGE("30 kHz at 96k -> 44.1k: alias level " << level << " dB re the tone");
        CHECK(level < -100.0);
    }

    TEST_CASE("output length is exactly round(in * out / in) for any length and block size") {
        for (std::size_t n : {0u, 1u, 100u, 4410u, 44101u, 100003u}) {
            for (std::size_t block : {1u, 7u, 4096u}) {
                if (block == 1 && n > 5000)
                    continue; // slow, not more informative
                const std::vector<float> x(n, 0.25f);
                CHECK(resample(x, 44100, 48000, block).size() ==
                      std::size_t(std::llround(double(n) * 48000 / 44100)));
                CHECK(resample(x, 48000, 44100, block).size() ==
                      std::size_t(std::llround(double(n) * 44100 / 48000)));
                CHECK(resample(x, 96000, 44100, block).size() ==
                      std::size_t(std::llround(double(n) * 44100 / 96000)));
            }
        }
    }

    TEST_CASE("output does not depend on the block size") {
        const auto x = sine(440.0, 44100, 30000);
        const auto a = resample(x, 44100, 48000, 7), b = resample(x, 44100, 48000, 4096);
        CHECK(a == b);
    }

    TEST_CASE("stereo: channels are resampled independently") {
        Resampler r(2, 48000, 44100);
        std::vector<float> l = sine(1000.0, 48000, 4800), z(4800, 0.0f);
        float* p[2] = {l.data(), z.data()};
        AudioBuffer out;
        r.process(AudioView(p, 2, 4800), out);
        double right = 0.0;
        for (std::size_t i = 0; i < out.frames(); ++i)
            right = std::max(right, double(std::abs(out.channel(1)[i])));
        CHECK(right == 0.0);
        r.flush(out);
        CHECK(r.output_frames() == 4410);
    }

} // TEST_SUITE
