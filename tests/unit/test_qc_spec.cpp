// qc::Spec: the spec language (statements, units, errors with file:line:col) and the stock specs.
#include "tapeop/qc/spec.hpp"

#include "tapeop/error.hpp"
#include "tapeop/text/lexer.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

using namespace tapeop;

namespace {
const std::vector<std::string> stock_dirs{std::string(TAPEOP_SOURCE_DIR) + "/recipes/specs"};

std::string error_of(const std::string& text) {
    try {
        qc::parse_spec(text, "my.spec");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}
} // namespace

TEST_SUITE("qc_spec") {

    TEST_CASE("a spec sets limits with units, severities and switches detectors off") {
        const auto s = qc::parse_spec("# delivery\n"
                                      "loudness -23 LUFS tolerance=0.5 LU\n"
                                      "true_peak max=-1dBTP\n"
                                      "sample_rate 44.1 kHz 48000\n"
                                      "sample_format 24 float\n"
                                      "hum severity=error level=-65 dBFS\n"
                                      "silence_head max=500 ms\n"
                                      "click off\n",
                                      "x.spec");
        CHECK(s.name == "x");
        const auto& l = s.rule("loudness");
        CHECK(l.enabled);
        CHECK(l.number("target") == doctest::Approx(-23));
        CHECK(l.number("tolerance") == doctest::Approx(0.5));
        CHECK(s.rule("true_peak").number("max") == doctest::Approx(-1));
        CHECK(s.rule("sample_rate").numbers == std::vector<double>{44100, 48000});
        CHECK(s.rule("sample_format").formats ==
              std::vector<io::SampleFormat>{io::SampleFormat::pcm24, io::SampleFormat::float32});
        CHECK(s.rule("hum").severity() == qc::Severity::error);
        CHECK(s.rule("hum").number("level") == doctest::Approx(-65));
        CHECK(s.rule("silence_head").number("max") == doctest::Approx(0.5)); // ms stored in s
        CHECK_FALSE(s.on("click"));
        // Untouched detectors keep their defaults; delivery constraints stay off.
        CHECK(s.on("clipping"));
        CHECK(s.rule("clipping").number("run") == doctest::Approx(3));
        CHECK_FALSE(s.on("channels"));
        CHECK_FALSE(s.on("stem_mismatch"));
    }

    TEST_CASE("LKFS is read as LUFS, dB as LU for a tolerance") {
        const auto s = qc::parse_spec("loudness -24 LKFS tolerance=2 dB\n", "a85.spec");
        CHECK(s.rule("loudness").number("target") == doctest::Approx(-24));
        CHECK(s.rule("loudness").number("tolerance") == doctest::Approx(2));
    }

    TEST_CASE("a later line refines a check: what it gives overrides, the rest stays") {
        const auto s = qc::parse_spec("hum severity=error level=-65 dBFS\n"
                                      "hum prominence=12 dB\n"
                                      "loudness -16 LUFS\n"
                                      "loudness tolerance=2 LU\n",
                                      "x.spec");
        const auto& hum = s.rule("hum");
        CHECK(hum.severity() == qc::Severity::error);
        CHECK(hum.number("level") == doctest::Approx(-65));
        CHECK(hum.number("prominence") == doctest::Approx(12));
        CHECK(s.rule("loudness").number("target") == doctest::Approx(-16));
        CHECK(s.rule("loudness").number("tolerance") == doctest::Approx(2));
        CHECK_FALSE(s.rule("loudness").has("max"));                 // optional, never given
        CHECK(s.rule("click").severity() == qc::Severity::warning); // the check's default
    }

    TEST_CASE("spec errors name file:line:col and what is wrong") {
        CHECK(error_of("loudness -23 LUFS\nclipp run=3\n") ==
              "my.spec:2:1: unknown check 'clipp' (did you mean 'clipping'?); see docs/specs.md");
        CHECK(error_of("clipping runs=3\n") ==
              "my.spec:1:10: clipping: unknown parameter 'runs' (did you mean 'run'?)");
        CHECK(error_of("clipping zzz=3\n") == "my.spec:1:10: clipping: unknown parameter 'zzz' "
                                              "(parameters: level, run, severity)");
        CHECK(error_of("true_peak max=-1 LUFS\n")
                  .find("my.spec:1:11: true_peak: unexpected unit 'LUFS'") == 0);
        CHECK(error_of("clipping level=-9 dBFS\n").find("out of range") != std::string::npos);
        CHECK(error_of("loudness tolerance=1 LU\n") ==
              "my.spec:1:1: loudness: give a target (loudness -23 LUFS) or min=/max=");
        CHECK(error_of("sample_format 20\n").find("my.spec:1:15: sample_format:") == 0);
        CHECK(error_of("hum severity=fatal\n")
                  .find("unknown severity 'fatal'; expected one of: error, warning") !=
              std::string::npos);
        CHECK(error_of("loudness \"-23 LUFS\n").find("my.spec:1:10: unterminated quote") == 0);
        CHECK(error_of("true_peak -1 dBTP -2 dBTP\n").find("unexpected '-2dBTP'") !=
              std::string::npos);
        CHECK(error_of("loudness_range min=10 max=5\n").find("min is above max") !=
              std::string::npos);
    }

    TEST_CASE("every stock spec loads by name and cites its source") {
        const auto names = qc::stock_spec_names(stock_dirs);
        for (const char* want : {"ebu-r128", "atsc-a85", "spotify", "apple-music", "apple-podcasts",
                                 "youtube", "amazon-music", "cd", "stem"}) {
            CAPTURE(want);
            CHECK(std::find(names.begin(), names.end(), want) != names.end());
            const auto s = qc::load_spec(want, stock_dirs);
            CHECK(s.name == want);
            std::ifstream in(s.path);
            std::stringstream ss;
            ss << in.rdbuf();
            CHECK(ss.str().find("Source:") != std::string::npos);
        }
        const auto ebu = qc::load_spec("ebu-r128", stock_dirs);
        CHECK(ebu.rule("loudness").number("target") == doctest::Approx(-23));
        CHECK(ebu.rule("true_peak").number("max") == doctest::Approx(-1));
        const auto cd = qc::load_spec("cd", stock_dirs);
        CHECK(cd.rule("sample_rate").numbers == std::vector<double>{44100});
        CHECK(cd.rule("sample_format").formats ==
              std::vector<io::SampleFormat>{io::SampleFormat::pcm16});
        const auto stem = qc::load_spec("stem", stock_dirs);
        CHECK(stem.on("stem_mismatch"));
        CHECK(stem.rule("sample_peak").number("max") == doctest::Approx(-6));
        CHECK_FALSE(stem.on("silence_head"));
    }

    TEST_CASE("an unknown spec name lists the stock specs; a path is read as a path") {
        try {
            qc::load_spec("ebu-r129", stock_dirs);
            FAIL("no error");
        } catch (const UsageError& e) {
            CHECK(std::string(e.what()).find(
                      "unknown spec 'ebu-r129' (stock specs: amazon-music,") == 0);
        }
        test::TempDir dir;
        {
            std::ofstream(dir.file("mine.spec"))
                << "use ebu-r128\nloudness -23 LUFS tolerance=0.2 LU\nhum off\n";
        }
        const auto s = qc::load_spec(dir.file("mine.spec"), stock_dirs);
        CHECK(s.name == "mine");
        CHECK(s.rule("loudness").number("tolerance") == doctest::Approx(0.2));
        CHECK(s.rule("true_peak").number("max") == doctest::Approx(-1)); // from ebu-r128
        CHECK_FALSE(s.on("hum"));
        CHECK_THROWS_AS(qc::load_spec(dir.file("missing.spec"), stock_dirs), Error);
        { std::ofstream(dir.file("loop.spec")) << "use loop.spec\n"; }
        CHECK_THROWS_WITH_AS(qc::load_spec(dir.file("loop.spec"), stock_dirs),
                             doctest::Contains("nested"), Error);
    }

} // TEST_SUITE
