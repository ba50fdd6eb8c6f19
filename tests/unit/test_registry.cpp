#include "tapeop/error.hpp"
#include "tapeop/steps/registry.hpp"

#include <doctest/doctest.h>

using namespace tapeop;
using namespace tapeop::steps;

namespace {

StepSpec compress_like() {
    StepSpec s;
    s.name = "compress";
    s.summary = "test";
    s.params = {
        {"threshold",
         ParamType::number,
         {Unit::dBFS, Unit::dB},
         -20,
         -80,
         0,
         {},
         "",
         "level",
         false},
        {"ratio", ParamType::number, {}, 2, 1, 100, {}, "", "ratio", false},
        {"attack", ParamType::number, {Unit::ms, Unit::s}, 10, 0.01, 1000, {}, "", "", false},
        {"linked", ParamType::flag, {}, 1, 0, 1, {}, "", "", false},
        {"mode", ParamType::choice, {}, 0, 0, 0, {"peak", "rms"}, "peak", "", false},
    };
    s.positional = {"threshold"};
    return s;
}

} // namespace

TEST_SUITE("registry") {

    TEST_CASE("parameters parse from name=value pairs, positions and split units") {
        const StepSpec s = compress_like();
        const ParamValues v =
            parse_params(s, {"-24", "dBFS", "ratio=4", "attack=5", "ms", "mode=rms"});
        CHECK(v.number("threshold") == -24.0);
        CHECK(v.number("ratio") == 4.0);
        CHECK(v.number("attack") == 5.0);
        CHECK(v.text("mode") == "rms");
        CHECK(v.flag("linked"));
        CHECK(v.given("ratio"));
        CHECK_FALSE(v.given("linked"));
        const ParamValues w = parse_option(s, "threshold=-18dB,attack=0.02s linked=no");
        CHECK(w.number("threshold") == -18.0);
        CHECK(w.number("attack") == doctest::Approx(20.0));
        CHECK_FALSE(w.flag("linked"));
    }

    TEST_CASE("unknown parameters and steps get a suggestion; ranges are stated") {
        const StepSpec s = compress_like();
        CHECK_THROWS_WITH_AS(
            parse_params(s, {"treshold=-20"}),
            "unknown parameter 'treshold' for compress (did you mean 'threshold'?)", UsageError);
        CHECK_THROWS_WITH_AS(parse_params(s, {"ratio=0.5"}), "ratio=0.5 is out of range (1 to 100)",
                             UsageError);
        CHECK_THROWS_WITH_AS(parse_params(s, {"threshold=-90dBFS"}),
                             "threshold=-90dBFS is out of range (-80 dBFS to 0 dBFS)", UsageError);
        CHECK_THROWS_WITH_AS(parse_params(s, {"mode=rsm"}),
                             "unknown mode 'rsm' (did you mean 'rms'?); expected one of: peak, rms",
                             UsageError);
        std::size_t at = 99;
        CHECK_THROWS_AS(parse_params(s, {"ratio=2", "threshold=-18dbx"}, &at), UsageError);
        CHECK(at == 1);
        Registry r;
        r.add(compress_like());
        CHECK_THROWS_WITH_AS(r.get("compres"), "unknown step 'compres' (did you mean 'compress'?)",
                             UsageError);
        CHECK(r.get("compress").name == "compress");
    }

    TEST_CASE("describe gives the canonical resolved parameters") {
        const StepSpec s = compress_like();
        CHECK(parse_params(s, {"ratio=3"}).describe(s) ==
              "threshold=-20dBFS ratio=3 attack=10ms linked=yes mode=peak");
    }
}

TEST_SUITE("registry") {

    TEST_CASE("each step's kind is in the registry: processors have factories, the others none") {
        using tapeop::steps::StepKind;
        const auto& r = tapeop::steps::builtin_registry();
        CHECK(r.get("gain").kind == StepKind::processor);
        CHECK(r.get("loudness").kind == StepKind::pass);
        CHECK(r.get("dither").kind == StepKind::pass);
        CHECK(r.get("gainstage").kind == StepKind::set);
        for (const char* s : {"stem", "mix", "output", "check"})
            CHECK(r.get(s).kind == StepKind::statement);
        for (const auto& s : r.all())
            CHECK_MESSAGE(bool(s.make) == (s.kind == StepKind::processor), s.name);
    }

} // TEST_SUITE
