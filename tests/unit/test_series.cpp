// The time series of analyze (analysis/series.hpp): observed on analyze's own meters.
#include "tapeop/analysis/analyze.hpp"
#include "tapeop/analysis/series.hpp"
#include "tapeop/analysis/true_peak.hpp"
#include "tapeop/error.hpp"
#include "test_util.hpp"

#include <algorithm>
#include <cmath>
#include <doctest/doctest.h>

using namespace tapeop;

namespace {

// 12 s of stereo: a 1 kHz tone whose level steps every 2 s (-30 .. -5 dBFS), left louder than
// right, with one loud click at 7.5 s on the right.
AudioBuffer stepped_tone(int rate) {
    const std::size_t n = static_cast<std::size_t>(rate) * 12;
    AudioBuffer b(2, n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate;
        const double db = -30.0 + 5.0 * std::floor(t / 2.0);
        const double s = std::pow(10.0, db / 20.0) * std::sin(2 * M_PI * 1000.0 * t);
        b.channel(0)[i] = static_cast<float>(s);
        b.channel(1)[i] = static_cast<float>(0.5 * s);
    }
    b.channel(1)[static_cast<std::size_t>(rate * 7.5)] = 0.9f;
    return b;
}

float max_of(const std::vector<float>& v) {
    return *std::max_element(v.begin(), v.end());
}

} // namespace

TEST_SUITE("series") {

    TEST_CASE(
        "series maxima equal analyze's figures; analyze's figures do not change with a series") {
        test::TempDir dir;
        for (int rate : {48000, 44100, 22050}) {
            AudioBuffer audio = stepped_tone(rate);
            const std::string path = dir.file("tone" + std::to_string(rate) + ".wav");
            test::write_file(path, audio, rate, io::SampleFormat::float32);
            const analysis::FileAnalysis plain = analysis::analyze_file(path);
            analysis::AnalyzeExtras ex;
            ex.series_step_s = 0.01;
            const analysis::FileAnalysis a = analysis::analyze_file(path, {}, ex);
            REQUIRE(a.series);
            const analysis::Series& s = *a.series;
            CHECK(s.size() == 1200); // 12 s at 10 ms: exact tiling
            // The same figures with and without the collector (bit-identical: same meters, fed
            // in other block lengths, which they do not depend on).
            CHECK(a.integrated_lufs == plain.integrated_lufs);
            CHECK(a.true_peak_dbtp == plain.true_peak_dbtp);
            CHECK(a.momentary_max_lufs == plain.momentary_max_lufs);
            // At a 10 ms step the momentary value at each step's end is every reading the meter
            // makes: its maximum is the file's (float storage: 1e-4 LU).
            CHECK(max_of(s.momentary_lufs) == doctest::Approx(a.momentary_max_lufs).epsilon(1e-5));
            CHECK(max_of(s.momentary_max_lufs) ==
                  doctest::Approx(a.momentary_max_lufs).epsilon(1e-5));
            CHECK(max_of(s.short_term_max_lufs) ==
                  doctest::Approx(a.short_term_max_lufs).epsilon(1e-5));
            for (int c = 0; c < 2; ++c) {
                CHECK(max_of(s.true_peak_dbtp[c]) ==
                      doctest::Approx(a.channels[c].true_peak_dbtp).epsilon(1e-5));
                CHECK(max_of(s.sample_peak_dbfs[c]) ==
                      doctest::Approx(a.channels[c].sample_peak_dbfs).epsilon(1e-5));
            }
        }
    }

    TEST_CASE("the series does not depend on the block sizes; RMS and range as computed directly") {
        const int rate = 44100;
        AudioBuffer audio = stepped_tone(rate);
        auto collect = [&](std::size_t block) {
            analysis::LoudnessMeter loudness(2, rate);
            analysis::TruePeakMeter true_peak(2, rate);
            analysis::SeriesCollector sc(2, rate, 0.25);
            for (std::size_t at = 0; at < audio.frames(); at += block)
                sc.add(audio.view().sub(at, std::min(block, audio.frames() - at)), loudness,
                       true_peak);
            sc.finish(true_peak);
            return sc.take();
        };
        const analysis::Series a = collect(1), b = collect(7), c = collect(4096);
        for (int ch = 0; ch < 2; ++ch) {
            CHECK(a.rms_dbfs[ch] == b.rms_dbfs[ch]);
            CHECK(a.rms_dbfs[ch] == c.rms_dbfs[ch]);
            CHECK(a.min[ch] == c.min[ch]);
            CHECK(a.max[ch] == c.max[ch]);
            CHECK(a.true_peak_dbtp[ch] == c.true_peak_dbtp[ch]);
        }
        CHECK(a.short_term_lufs == c.short_term_lufs);
        // Step 10 (2.5 .. 2.75 s) directly: a plain sum of squares (float storage: 1e-6 dB).
        const std::size_t from = rate * 10 / 4, to = rate * 11 / 4;
        double sq = 0.0;
        float lo = 1.0f, hi = -1.0f;
        for (std::size_t i = from; i < to; ++i) {
            const float x = audio.channel(1)[i];
            sq += double(x) * x;
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
        CHECK(c.rms_dbfs[1][10] ==
              doctest::Approx(10 * std::log10(sq / double(to - from))).epsilon(1e-6));
        CHECK(c.min[1][10] == lo);
        CHECK(c.max[1][10] == hi);
    }

    TEST_CASE("a 100 ms series places levels and the click at their times") {
        test::TempDir dir;
        AudioBuffer audio = stepped_tone(48000);
        const std::string path = dir.file("tone.wav");
        test::write_file(path, audio, 48000, io::SampleFormat::float32);
        analysis::AnalyzeExtras ex;
        ex.series_step_s = 0.1;
        const analysis::FileAnalysis a = analysis::analyze_file(path, {}, ex);
        const analysis::Series& s = *a.series;
        REQUIRE(s.size() == 120);
        CHECK(s.step_s == doctest::Approx(0.1));
        CHECK(s.start_s[75] == doctest::Approx(7.5));
        // Step 5 (0.5-0.6 s) of a -30 dBFS sine: RMS -33.01, sample peak -30 (within 0.01 dB:
        // 1 kHz at 48 kHz hits the crest exactly).
        CHECK(s.rms_dbfs[0][5] == doctest::Approx(-33.0103).epsilon(1e-3));
        CHECK(s.sample_peak_dbfs[0][5] == doctest::Approx(-30.0).epsilon(1e-3));
        CHECK(s.max[0][5] == doctest::Approx(std::pow(10.0, -1.5)).epsilon(1e-4));
        CHECK(s.min[0][5] == doctest::Approx(-std::pow(10.0, -1.5)).epsilon(1e-4));
        // The click (0.9 = -0.92 dBFS) is in step 75 of the right channel and nowhere else.
        CHECK(s.sample_peak_dbfs[1][75] == doctest::Approx(20 * std::log10(0.9)).epsilon(1e-4));
        CHECK(s.sample_peak_dbfs[1][74] < -10.0f);
        CHECK(s.sample_peak_dbfs[1][76] < -10.0f);
        // Momentary loudness of a steady 1 kHz sine (K-weighting +0.69 dB at 1 kHz, two channels
        // with the right 6 dB down): settled inside the -20 dBFS segment (8-10 s... 4-6 s) it
        // reads the same at every step end within 0.01 LU.
        CHECK(s.momentary_lufs[50] == doctest::Approx(s.momentary_lufs[58]).epsilon(1e-4));
        CHECK(s.momentary_lufs[58] > s.momentary_lufs[38] + 4.9f);
    }

    TEST_CASE("a step that is no multiple of 10 ms is rounded; the last step may be short") {
        test::TempDir dir;
        AudioBuffer audio(1, 48000 + 1234);
        for (std::size_t i = 0; i < audio.frames(); ++i)
            audio.channel(0)[i] = 0.25f;
        const std::string path = dir.file("dc.wav");
        test::write_file(path, audio, 48000, io::SampleFormat::float32);
        analysis::AnalyzeExtras ex;
        ex.series_step_s = 0.253; // -> 250 ms
        const analysis::FileAnalysis a = analysis::analyze_file(path, {}, ex);
        const analysis::Series& s = *a.series;
        CHECK(s.step_s == doctest::Approx(0.25));
        REQUIRE(s.size() == 5);
        CHECK(s.start_s[4] == doctest::Approx(1.0));
        CHECK(s.rms_dbfs[0][4] == doctest::Approx(20 * std::log10(0.25)).epsilon(1e-5));
        CHECK_THROWS_AS(analysis::SeriesCollector(1, 48000, 0.0), UsageError);
    }
}
