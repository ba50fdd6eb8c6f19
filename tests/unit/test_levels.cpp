// Plain level statistics: formulas on exact signals.
#include "tapeop/analysis/analyze.hpp"
#include "tapeop/analysis/levels.hpp"
#include "test_util.hpp"

#include <cmath>
#include <doctest/doctest.h>

using namespace tapeop;

TEST_SUITE("levels") {

    TEST_CASE("a full-scale 997 Hz sine reads 0.00 dBFS peak and -3.01 dBFS RMS") {
        const std::size_t n = 48000 * 4;
        AudioBuffer b(2, n);
        // 997 Hz at 48 kHz is not periodic in few samples, so the peak lands within 1e-6 of 1.
        for (std::size_t i = 0; i < n; ++i)
            b.channel(0)[i] = b.channel(1)[i] =
                static_cast<float>(std::sin(2 * M_PI * 997.0 * double(i) / 48000.0 + 0.5));
        analysis::LevelMeter m(2);
        m.add(b.view());
        CHECK(m.sample_peak_dbfs() == doctest::Approx(0.0).epsilon(1e-5));
        // Mean square of a sine is 1/2: -3.0103 dB (tolerance: the non-integer number of periods).
        CHECK(m.rms_dbfs() == doctest::Approx(-3.0103).epsilon(1e-4));
        CHECK(std::abs(m.dc_offset()) < 1e-4);
    }

    TEST_CASE("DC offset of a known constant is exact; per channel and overall") {
        AudioBuffer b(2, 1000);
        for (std::size_t i = 0; i < 1000; ++i) {
            b.channel(0)[i] = 0.125f; // exact in float and in the double sum
            b.channel(1)[i] = -0.25f;
        }
        analysis::LevelMeter m(2);
        m.add(b.view().sub(0, 333));
        m.add(b.view().sub(333, 667));
        CHECK(m.dc_offset(0) == 0.125);
        CHECK(m.dc_offset(1) == -0.25);
        CHECK(m.dc_offset() == -0.0625);
        CHECK(m.rms_dbfs(0) == doctest::Approx(20 * std::log10(0.125)).epsilon(1e-12));
    }

    TEST_CASE("clipped samples: the largest integer code counts, one LSB under does not") {
        test::TempDir dir;
        AudioBuffer b(1, 6);
        const float full = 32767.0f / 32768.0f, under = 32766.0f / 32768.0f;
        const float v[] = {full, -1.0f, under, 0.0f, full, -under};
        std::copy(v, v + 6, b.channel(0));
        test::write_file(dir.file("c.wav"), b, 48000, io::SampleFormat::pcm16);
        const auto a = analysis::analyze_file(dir.file("c.wav"));
        CHECK(a.clipped_samples == 3);
        CHECK(a.channels.at(0).clipped_samples == 3);
    }

    TEST_CASE("silence reads minus infinity, not a number") {
        AudioBuffer b(2, 4800);
        analysis::LevelMeter m(2);
        m.add(b.view());
        CHECK(std::isinf(m.sample_peak_dbfs()));
        CHECK(std::isinf(m.rms_dbfs()));
    }
}
