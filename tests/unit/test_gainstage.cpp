// Gain staging: levels within 0.1 dB of the target, peaks under the limit, DC removed, one
// rate, one length, silent stems untouched and flagged.
#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/passes/gainstage.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

using namespace tapeop;
using namespace tapeop::passes;

namespace {

std::string make(test::TempDir& d, const std::string& name, gen::SignalKind kind, double level,
                 double seconds, int rate, int channels, float dc = 0.0f, float click = 0.0f) {
    gen::SignalSpec s = gen::default_spec(kind);
    s.level_dbfs = level;
    s.duration_s = seconds;
    s.sample_rate = rate;
    s.channels = channels;
    AudioBuffer a = gen::generate(s);
    for (std::size_t c = 0; c < a.channels(); ++c)
        for (std::size_t i = 0; i < a.frames(); ++i)
            a.channel(c)[i] += dc;
    if (click != 0.0f)
        a.channel(0)[a.frames() / 2] = click;
    const std::string p = d.file(name);
    test::write_file(p, a, rate, io::SampleFormat::pcm24);
    return p;
}

double rms_db(const AudioBuffer& a, std::size_t frames) {
    double s = 0;
    for (std::size_t c = 0; c < a.channels(); ++c)
        for (std::size_t i = 0; i < frames; ++i)
            s += double(a.channel(c)[i]) * a.channel(c)[i];
    return 10 * std::log10(s / double(frames * a.channels()));
}

} // namespace

TEST_SUITE("gainstage") {

    TEST_CASE("stems land within 0.1 dB of -18 dBFS RMS, peaks under -6, one rate and length") {
        test::TempDir d;
        std::filesystem::create_directory(d.file("out"));
        const std::vector<std::string> stems = {
            make(d, "sine.wav", gen::SignalKind::sine, -30, 2.0, 48000, 1, 0.01f), // DC offset 0.01
            make(d, "pink.wav", gen::SignalKind::pink, -35, 1.5, 48000, 2),
            make(d, "sweep.wav", gen::SignalKind::sweep, -10, 1.0, 44100, 1),
            make(d, "clicky.wav", gen::SignalKind::pink, -40, 1.0, 48000, 2, 0.0f,
                 0.5f), // a 0.5 click: peak-limited
            make(d, "silence.wav", gen::SignalKind::silence, 0, 0.5, 48000, 2),
        };
        const GainstageReport rep = gainstage(stems, GainstageSettings{}, d.file("out"), 2);
        REQUIRE(rep.failed() == 0);
        CHECK(rep.rate == 48000); // four of five
        CHECK(rep.frames == 96000);
        for (const auto& st : rep.stems) {
            INFO(st.path);
            const AudioBuffer out = test::read_file(st.output);
            CHECK(out.frames() == 96000);
            CHECK(st.peak_after_dbfs <= -6.0 + 1e-6);
            if (st.silent)
                continue;
            const std::size_t content =
                st.rate_in == 48000
                    ? test::read_file(st.path).frames()
                    : static_cast<std::size_t>(
                          std::llround(test::read_file(st.path).frames() * 48000.0 / st.rate_in));
            if (st.peak_limited) {
                CHECK(st.peak_after_dbfs == doctest::Approx(-6.0).epsilon(0.001));
                CHECK(st.level_after < -18.0);
            } else {
                CHECK(std::fabs(st.level_after + 18.0) < 0.1);
                CHECK(std::fabs(rms_db(out, content) + 18.0) < 0.1);
            }
            // Padding is digital silence.
            for (std::size_t i = content; i < out.frames(); ++i)
                REQUIRE(out.channel(0)[i] == 0.0f);
        }
        CHECK(rep.stems[3].peak_limited);
        CHECK(rep.stems[4].silent);
        CHECK(rep.stems[4].gain_db == 0.0);
        CHECK(rep.stems[2].rate_in == 44100);
        // DC removed: the sine's mean is ~0 after.
        REQUIRE(rep.stems[0].dc_removed.size() == 1);
        CHECK(rep.stems[0].dc_removed[0] == doctest::Approx(0.01).epsilon(0.01));
        const AudioBuffer sine = test::read_file(rep.stems[0].output);
        double mean = 0;
        for (std::size_t i = 0; i < sine.frames(); ++i)
            mean += sine.channel(0)[i];
        CHECK(std::fabs(mean / double(sine.frames())) < 1e-5);
    }

    TEST_CASE("peak and lufs targets; parse errors") {
        test::TempDir d;
        std::filesystem::create_directory(d.file("out"));
        const std::vector<std::string> stems = {
            make(d, "a.wav", gen::SignalKind::pink, -30, 1.0, 48000, 2),
            make(d, "b.wav", gen::SignalKind::sine, -20, 1.0, 48000, 2)};
        GainstageSettings s;
        parse_stage_target("peak:-6", s);
        s.max_peak_dbfs.reset();
        GainstageReport rep = gainstage(stems, s, d.file("out"), 1);
        for (const auto& st : rep.stems)
            CHECK(std::fabs(st.level_after + 6.0) < 0.1);
        parse_stage_target("lufs:-20LUFS", s);
        s.max_peak_dbfs = -1.0;
        rep = gainstage(stems, s, d.file("out"), 1);
        for (const auto& st : rep.stems)
            CHECK(std::fabs(st.level_after + 20.0) < 0.1);
        CHECK_THROWS_AS(parse_stage_target("loud:-3", s), UsageError);
        CHECK_THROWS_AS(parse_stage_target("rms", s), UsageError);
    }

    TEST_CASE("a failing stem does not stop the others; identical results at any job count") {
        test::TempDir d;
        std::filesystem::create_directory(d.file("o1"));
        std::filesystem::create_directory(d.file("o2"));
        const std::vector<std::string> stems = {
            make(d, "a.wav", gen::SignalKind::pink, -30, 1.0, 48000, 2), d.file("missing.wav"),
            make(d, "b.wav", gen::SignalKind::white, -25, 0.7, 48000, 2)};
        const GainstageReport r1 = gainstage(stems, GainstageSettings{}, d.file("o1"), 1);
        const GainstageReport r2 = gainstage(stems, GainstageSettings{}, d.file("o2"), 3);
        CHECK(r1.failed() == 1);
        CHECK(r1.stems[1].error.find("missing.wav") != std::string::npos);
        for (std::size_t i : {0u, 2u}) {
            const AudioBuffer x = test::read_file(r1.stems[i].output),
                              y = test::read_file(r2.stems[i].output);
            REQUIRE(x.frames() == y.frames());
            for (std::size_t c = 0; c < x.channels(); ++c)
                for (std::size_t f = 0; f < x.frames(); ++f)
                    REQUIRE(x.channel(c)[f] == y.channel(c)[f]);
        }
    }

} // TEST_SUITE
