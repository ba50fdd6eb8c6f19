// The long-term 1/3-octave spectrum (analysis/spectrum.hpp).
#include "tapeop/analysis/spectrum.hpp"
#include "tapeop/random.hpp"

#include <cmath>
#include <doctest/doctest.h>

using namespace tapeop;

namespace {

AudioBuffer sine(int rate, double hz, double peak, double seconds, std::size_t channels = 1) {
    const auto n = static_cast<std::size_t>(rate * seconds);
    AudioBuffer b(channels, n);
    for (std::size_t c = 0; c < channels; ++c)
        for (std::size_t i = 0; i < n; ++i)
            b.channel(c)[i] = static_cast<float>(
                peak * std::sin(2 * M_PI * hz * double(i) / rate + 0.3 * double(c)));
    return b;
}

analysis::Spectrum measure(AudioBuffer& b, int rate, std::size_t block,
                           std::uint64_t max_segments = 256) {
    analysis::SpectrumCollector s(static_cast<int>(b.channels()), rate,
                                  static_cast<std::int64_t>(b.frames()), max_segments);
    for (std::size_t at = 0; at < b.frames(); at += block)
        s.add(b.view().sub(at, std::min(block, b.frames() - at)));
    return s.finish();
}

std::size_t band_of(const analysis::Spectrum& s, const char* nominal) {
    for (std::size_t i = 0; i < s.nominal.size(); ++i)
        if (s.nominal[i] == nominal)
            return i;
    FAIL("no band " << nominal);
    return 0;
}

} // namespace

TEST_SUITE("spectrum") {

    TEST_CASE("a full-scale 1 kHz sine reads -3.01 dB in the 1 kHz band, far less elsewhere") {
        auto b = sine(48000, 1000.0, 1.0, 5.0, 2);
        const auto s = measure(b, 48000, 4096);
        REQUIRE(s.db.size() == 2);
        REQUIRE(s.nominal.size() == 30);
        const std::size_t k = band_of(s, "1k");
        for (int c = 0; c < 2; ++c) {
            // Hann leakage stays inside the band (its edges are 891 and 1122 Hz): 0.05 dB.
            CHECK(std::fabs(s.db[c][k] - (-3.0103)) < 0.05);
            CHECK(s.db[c][band_of(s, "500")] < -60.0);
            CHECK(s.db[c][band_of(s, "4k")] < -60.0);
        }
    }

    TEST_CASE("a -20 dBFS sine at 63 Hz lands in the 63 Hz band at 44.1 kHz") {
        auto b = sine(44100, 63.0, 0.1, 6.0);
        const auto s = measure(b, 44100, 1000);
        CHECK(std::fabs(s.db[0][band_of(s, "63")] - (-23.0103)) < 0.1);
        CHECK(s.db[0][band_of(s, "250")] < -70.0);
    }

    TEST_CASE("results do not depend on the block size") {
        auto b = sine(48000, 440.0, 0.5, 2.0, 3);
        const auto a = measure(b, 48000, 1), c = measure(b, 48000, 7), d = measure(b, 48000, 4096);
        for (std::size_t ch = 0; ch < 3; ++ch)
            for (std::size_t k = 0; k < a.db[ch].size(); ++k) {
                CHECK(a.db[ch][k] == c.db[ch][k]);
                CHECK(a.db[ch][k] == d.db[ch][k]);
            }
    }

    TEST_CASE("a sample of 64 segments reads white noise within 0.5 dB of every segment") {
        // 200 segments of white noise at -20 dBFS RMS: sampling a third of them moves no band
        // from 100 Hz up by more than 0.5 dB (the low bands hold few bins, so more variance).
        const int rate = 48000;
        const std::size_t n = 16384 * 200;
        AudioBuffer b(1, n);
        Xoshiro256 rng(7);
        for (std::size_t i = 0; i < n; ++i) // uniform, RMS 0.1
            b.channel(0)[i] = static_cast<float>(0.1 * std::sqrt(3.0) * (2 * rng.uniform() - 1));
        const auto all = measure(b, rate, 8192, 0), part = measure(b, rate, 8192, 64);
        for (std::size_t k = band_of(all, "100"); k < all.db[0].size(); ++k)
            CHECK(std::fabs(all.db[0][k] - part.db[0][k]) < 0.5);
        // The bands together hold the white noise's mean square (-20 dBFS) in their share of
        // the spectrum (22.4 Hz to 22.39 kHz of 0 to 24 kHz: -0.30 dB), 0.05 dB.
        const double share =
            (1000 * std::pow(10.0, 13.5 / 10) - 1000 * std::pow(10.0, -16.5 / 10)) / (rate / 2.0);
        double ms = 0;
        for (const double db : all.db[0])
            if (std::isfinite(db))
                ms += std::pow(10.0, db / 10.0);
        CHECK(std::fabs(10 * std::log10(ms) - (-20.0 + 10 * std::log10(share))) < 0.05);
    }

    TEST_CASE("mid and side equal the spectra of (L+R)/2 and (L-R)/2 computed as signals") {
        // Different tones and noise in each channel, so mid and side differ everywhere. The
        // two routes differ by rounding only: the direct signals are rounded to float (2^-24
        // relative, -150 dB), which moves a band by a few 1e-6 dB; 1e-4 dB.
        const int rate = 48000;
        const std::size_t n = 16384 * 5 + 777;
        AudioBuffer lr(2, n), ms(2, n);
        Xoshiro256 rng(11);
        for (std::size_t i = 0; i < n; ++i) {
            const double t = double(i) / rate;
            const float l = static_cast<float>(0.3 * std::sin(2 * M_PI * 250 * t) +
                                               0.01 * (2 * rng.uniform() - 1));
            const float r = static_cast<float>(0.2 * std::sin(2 * M_PI * 250 * t + 1.0) +
                                               0.1 * std::sin(2 * M_PI * 3000 * t));
            lr.channel(0)[i] = l;
            lr.channel(1)[i] = r;
            ms.channel(0)[i] = 0.5f * (l + r);
            ms.channel(1)[i] = 0.5f * (l - r);
        }
        analysis::SpectrumCollector c(2, rate, static_cast<std::int64_t>(n), 256, true);
        for (std::size_t at = 0; at < n; at += 4096)
            c.add(lr.view().sub(at, std::min<std::size_t>(4096, n - at)));
        const auto s = c.finish();
        const auto direct = measure(ms, rate, 4096);
        REQUIRE(s.db.size() == 2);
        REQUIRE(s.mid_side_db.size() == 2);
        for (std::size_t ch = 0; ch < 2; ++ch)
            for (std::size_t k = 0; k < s.nominal.size(); ++k) {
                if (!std::isfinite(direct.db[ch][k])) {
                    CHECK(!std::isfinite(s.mid_side_db[ch][k]));
                    continue;
                }
                CHECK(std::fabs(s.mid_side_db[ch][k] - direct.db[ch][k]) < 1e-4);
            }
        // And the channels themselves as without mid and side.
        const auto plain = measure(lr, rate, 4096);
        CHECK(plain.db == s.db);
        CHECK(plain.mid_side_db.empty());
    }

    TEST_CASE("identical channels have no side; opposite channels no mid") {
        auto b = sine(48000, 1000.0, 0.5, 3.0, 1);
        AudioBuffer same(2, b.frames()), opposite(2, b.frames());
        for (std::size_t i = 0; i < b.frames(); ++i) {
            same.channel(0)[i] = same.channel(1)[i] = b.channel(0)[i];
            opposite.channel(0)[i] = b.channel(0)[i];
            opposite.channel(1)[i] = -b.channel(0)[i];
        }
        for (auto* x : {&same, &opposite}) {
            analysis::SpectrumCollector c(2, 48000, static_cast<std::int64_t>(x->frames()), 256,
                                          true);
            c.add(x->view());
            const auto s = c.finish();
            const std::size_t k = band_of(s, "1k");
            // A 0.5 peak sine: -9.03 dB in its band, in mid (same) or side (opposite).
            const std::size_t full = x == &same ? 0 : 1, empty = 1 - full;
            CHECK(std::fabs(s.mid_side_db[full][k] - (-9.0309)) < 0.05);
            CHECK(s.mid_side_db[empty][k] < -150.0);
        }
    }

    TEST_CASE("a file shorter than one segment is still measured") {
        auto b = sine(48000, 2000.0, 1.0, 0.1);
        const auto s = measure(b, 48000, 512);
        CHECK(std::fabs(s.db[0][band_of(s, "2k")] - (-3.0103)) < 0.3);
    }
}
