// Trim and split: silences found to the frame, pads kept, times, fades, takes.
#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/passes/trim.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

using namespace tapeop;
using namespace tapeop::passes;

namespace {

// Silence, then pink noise bursts at the given [start, end) seconds, on a 8 kHz... 48 kHz grid.
std::string recording(test::TempDir& d, const std::string& name, double total_s,
                      const std::vector<std::pair<double, double>>& bursts, int rate = 48000) {
    gen::SignalSpec s = gen::default_spec(gen::SignalKind::pink);
    s.duration_s = total_s;
    s.sample_rate = rate;
    s.level_dbfs = -20;
    AudioBuffer a = gen::generate(s);
    for (std::size_t c = 0; c < a.channels(); ++c)
        for (std::size_t i = 0; i < a.frames(); ++i) {
            const double t = double(i) / rate;
            bool in = false;
            for (auto [b, e] : bursts)
                in = in || (t >= b && t < e);
            if (!in)
                a.channel(c)[i] = 0.0f;
        }
    const std::string p = d.file(name);
    test::write_file(p, a, rate, io::SampleFormat::pcm24);
    return p;
}

} // namespace

TEST_SUITE("trim") {

    TEST_CASE("30 s of head and 45 s of tail silence go, the pad stays (within 10 ms)") {
        test::TempDir d;
        const std::string in = recording(d, "rec.wav", 30 + 5 + 45, {{30.0, 35.0}}, 8000);
        TrimSettings s; // -60 dBFS, 200 ms pad
        const TrimResult r = trim_file(in, d.file("out.wav"), s, OutputSettings{});
        const double rate = 8000;
        CHECK(std::fabs(r.kept.start / rate - 29.8) < 0.010);
        CHECK(std::fabs(r.kept.end / rate - 35.2) < 0.010);
        const AudioBuffer out = test::read_file(d.file("out.wav"));
        CHECK(std::fabs(out.frames() / rate - 5.4) < 0.010);
        // Bit-identical copy of what was kept (no fade, same format).
        const AudioBuffer src = test::read_file(in);
        for (std::size_t i = 0; i < out.frames(); ++i)
            REQUIRE(out.channel(0)[i] ==
                    src.channel(0)[static_cast<std::size_t>(r.kept.start) + i]);
        CHECK_FALSE(r.render.dithered);
    }

    TEST_CASE("trim by times, with fades; silent files are refused") {
        test::TempDir d;
        const std::string in = recording(d, "rec.wav", 3, {{0.0, 3.0}});
        TrimSettings s;
        s.start_s = 0.5;
        s.duration_s = 1.0;
        s.fade.in_s = 0.1;
        s.fade.out_s = 0.2;
        s.fade.curve = dsp::FadeCurve::equal_power;
        TrimResult r = trim_file(in, d.file("t.wav"), s, OutputSettings{});
        CHECK(r.kept.start == 24000);
        CHECK(r.kept.end == 72000);
        const AudioBuffer out = test::read_file(d.file("t.wav"));
        CHECK(out.frames() == 48000);
        CHECK(std::fabs(out.channel(0)[0]) < 1e-6);
        CHECK(std::fabs(out.channel(0)[47999]) < 1e-3);
        s = TrimSettings{};
        s.end_s = 2.0;
        r = trim_file(in, d.file("e.wav"), s, OutputSettings{});
        CHECK(r.kept.end == 96000);
        const std::string silent = recording(d, "silent.wav", 1, {});
        CHECK_THROWS_AS(trim_file(silent, d.file("x.wav"), TrimSettings{}, OutputSettings{}),
                        Error);
        CHECK_FALSE(std::filesystem::exists(d.file("x.wav")));
    }

    TEST_CASE("split finds takes at gaps of 2 s or more, to within 10 ms") {
        test::TempDir d;
        // Takes at 1-3 s, 6-7 s and 7.5-8 s (gap 0.5 s: the same take), 11-12 s.
        const std::string in =
            recording(d, "session.wav", 13, {{1, 3}, {6, 7}, {7.5, 8}, {11, 12}}, 16000);
        SplitSettings s;
        std::filesystem::create_directory(d.file("takes"));
        const std::vector<Take> takes = split_file(in, d.file("takes"), s, OutputSettings{});
        REQUIRE(takes.size() == 3);
        const double want[3][2] = {{0.8, 3.2}, {5.8, 8.2}, {10.8, 12.2}};
        for (std::size_t k = 0; k < 3; ++k) {
            CHECK(std::fabs(takes[k].range.start / 16000.0 - want[k][0]) < 0.010);
            CHECK(std::fabs(takes[k].range.end / 16000.0 - want[k][1]) < 0.010);
            CHECK(std::filesystem::exists(takes[k].output));
        }
        CHECK(takes[0].output == d.file("takes") + "/session-take01.wav");
        CHECK(test::read_file(takes[1].output).frames() ==
              static_cast<std::size_t>(takes[1].range.frames()));
        // A min gap longer than every gap (3 s) leaves one take; a shorter one splits 6-7
        // and 7.5-8.
        s.min_gap_s = 4.0;
        CHECK(find_takes(in, s).size() == 1);
        s.min_gap_s = 0.4;
        s.pad_s = 0.1;
        CHECK(find_takes(in, s).size() == 4);
    }

    TEST_CASE("registry parameters map 1:1") {
        const steps::Registry& reg = steps::builtin_registry();
        const TrimSettings t = trim_settings_from(steps::parse_params(
            reg.get("trim"), {"silence=-50dBFS", "pad=100ms", "fade_in=10ms", "curve=log"}));
        CHECK(t.silence_dbfs == -50);
        CHECK(t.pad_s == doctest::Approx(0.1));
        CHECK(t.fade.in_s == doctest::Approx(0.01));
        CHECK(t.fade.curve == dsp::FadeCurve::logarithmic);
        CHECK_FALSE(t.start_s);
        const SplitSettings s =
            split_settings_from(steps::parse_params(reg.get("split"), {"min_gap=3s"}));
        CHECK(s.min_gap_s == 3.0);
    }

} // TEST_SUITE
