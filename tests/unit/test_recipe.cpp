// The recipe language: every statement, and every class of error with its exact message and
// position.
#include "test_util.hpp"

#include "tapeop/recipe/recipe.hpp"

#include <doctest/doctest.h>
#include <fstream>

using namespace tapeop;
using namespace tapeop::recipe;

namespace {

const steps::Registry& registry() {
    const steps::Registry& r = steps::builtin_registry();
    return r;
}

Recipe parse(const std::string& text, ParseOptions opts = {}) {
    return parse_text(text, "song.recipe", registry(), opts);
}

std::string error_of(const std::string& text, ParseOptions opts = {}) {
    try {
        parse(text, opts);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

} // namespace

TEST_SUITE("recipe") {

    TEST_CASE("a per-file chain with params, references, units and outputs") {
        const Recipe r = parse("# master for streaming\n"
                               "param target  = -14 LUFS        # override with --set\n"
                               "param ceiling = -1 dBTP\n"
                               "input *.wav\n"
                               "highpass 25 Hz\n"
                               "eq peak 3 kHz -1.5 dB q=1\n"
                               "compress threshold=-20 dBFS ratio=2 attack=10 ms release=150 ms\n"
                               "loudness target=$target ceiling=${ceiling}\n"
                               "dither\n"
                               "output {name}-master.flac bits=24\n"
                               "output {name}-cd.wav rate=44.1kHz bits=16\n");
        CHECK(r.params.at("target") == "-14LUFS");
        CHECK(r.inputs == std::vector<std::string>{"*.wav"});
        REQUIRE(r.chain.size() == 5);
        CHECK(r.chain[0].spec->name == "highpass");
        CHECK(r.chain[0].values.number("freq") == 25.0);
        CHECK(r.chain[1].values.text("type") == "peak");
        CHECK(r.chain[1].values.number("freq") == 3000.0);
        CHECK(r.chain[1].values.number("gain") == -1.5);
        CHECK(r.chain[1].values.number("q") == 1.0);
        CHECK(r.chain[2].values.number("attack") == 10.0);
        CHECK(r.chain[3].values.number("target") == -14.0);
        CHECK(r.chain[3].values.number("ceiling") == -1.0);
        CHECK(r.chain[3].origin.line == 8);
        CHECK(r.chain[4].values.text("type") == "tpdf");
        REQUIRE(r.outputs.size() == 2);
        CHECK(r.outputs[0].name_template == "{name}-master.flac");
        CHECK(r.outputs[0].values.text("bits") == "24");
        CHECK(r.outputs[1].values.number("rate") == 44100.0);
        CHECK_FALSE(r.is_session());
    }

    TEST_CASE("--set overrides a param; an unknown --set name is an error with a suggestion") {
        ParseOptions o;
        o.overrides["target"] = "-16LUFS";
        const Recipe r = parse("param target = -14 LUFS\nloudness target=$target\n", o);
        CHECK(r.chain[0].values.number("target") == -16.0);
        ParseOptions bad;
        bad.overrides["traget"] = "-16";
        CHECK(
            error_of("param target = -14 LUFS\nloudness target=$target\n", bad) ==
            "song.recipe: --set traget: the recipe has no param 'traget' (did you mean 'target'?); "
            "its params: target");
    }

    TEST_CASE("a mix session: stems with indented chains, mix, bus chain") {
        const Recipe r = parse("stem drums.wav gain=-3 dB\n"
                               "stem bass.wav  gain=-5 dB\n"
                               "  highpass 35 Hz\n"
                               "stem gtr.wav   gain=-8 dB pan=L35\n"
                               "stem vox.wav   gain=-2 dB polarity=invert\n"
                               "  highpass 90 Hz\n"
                               "  compress threshold=-24 dBFS ratio=3\n"
                               "check stem\n"
                               "mix headroom=-6 dBFS\n"
                               "limit ceiling=-1 dBTP\n"
                               "output mix.wav\n"
                               "check spotify\n");
        REQUIRE(r.stems.size() == 4);
        CHECK(r.is_session());
        CHECK(r.stems[0].values.number("gain") == -3.0);
        CHECK(r.stems[1].chain.size() == 1);
        CHECK(r.stems[2].values.text("pan") == "L35");
        CHECK(r.stems[3].values.text("polarity") == "invert");
        CHECK(r.stems[3].chain.size() == 2);
        REQUIRE(r.mix);
        CHECK(r.mix->values.number("headroom") == -6.0);
        REQUIRE(r.bus_chain.size() == 1);
        CHECK(r.bus_chain[0].spec->name == "limit");
        REQUIRE(r.checks.size() == 2);
        CHECK(r.checks[0].spec == "stem");
        CHECK_FALSE(r.checks[0].on_outputs);
        CHECK(r.checks[1].on_outputs);
    }

    TEST_CASE("use includes a recipe with overrides; the outer outputs win; cycles are rejected") {
        test::TempDir dir;
        write(dir.file("master.recipe"),
              "param target = -14 LUFS\nloudness target=$target\noutput {name}-m.flac\n");
        write(dir.file("outer.recipe"),
              "highpass 30 Hz\nuse master target=-16 LUFS\noutput final.wav\n");
        const Recipe r = parse_file(dir.file("outer.recipe"), registry());
        REQUIRE(r.chain.size() == 2);
        CHECK(r.chain[1].values.number("target") == -16.0);
        REQUIRE(r.outputs.size() == 1);
        CHECK(r.outputs[0].name_template == "final.wav");
        CHECK(r.included.size() == 1);

        write(dir.file("a.recipe"), "gain 1 dB\nuse b\n");
        write(dir.file("b.recipe"), "use a.recipe\n");
        try {
            parse_file(dir.file("a.recipe"), registry());
            FAIL("cycle accepted");
        } catch (const RecipeError& e) {
            CHECK(std::string(e.what()) ==
                  dir.file("b.recipe") +
                      ":1:5: recipe 'a.recipe' includes itself (cycle through use)");
        }
        write(dir.file("c.recipe"), "use master tagret=-16\n");
        try {
            parse_file(dir.file("c.recipe"), registry());
            FAIL("bad override accepted");
        } catch (const RecipeError& e) {
            CHECK(std::string(e.what()) ==
                  dir.file("c.recipe") +
                      ":1:5: recipe 'master' has no param 'tagret' (did you mean 'target'?)");
        }
    }

    TEST_CASE("errors name file:line:col and say what is wrong") {
        CHECK(error_of("gain 1 dB\n\ncompress ratio=2 threshold=-18dbx\n") ==
              "song.recipe:3:18: unknown unit 'dbx' in 'threshold=-18dbx' (expected dBFS or dB)");
        CHECK(error_of("compres ratio=2\n") ==
              "song.recipe:1:1: unknown step 'compres' (did you mean 'compress'?)");
        CHECK(error_of("compress ratoi=2\n") ==
              "song.recipe:1:10: unknown parameter 'ratoi' for compress (did you mean 'ratio'?)");
        CHECK(error_of("compress ratio=500\n") ==
              "song.recipe:1:10: ratio=500 is out of range (1 to 100)");
        CHECK(error_of("loudness target=$traget\n") == "song.recipe:1:17: unknown param '$traget'");
        CHECK(error_of("param target = -14 LUFS\nloudness target=$traget\n") ==
              "song.recipe:2:17: unknown param '$traget' (did you mean '$target'?)");
        CHECK(error_of("highpass\n") ==
              "song.recipe:1:1: highpass needs freq (corner frequency (-3 dB))");
        CHECK(
            error_of("  gain 1 dB\n") ==
            "song.recipe:1:3: indented line outside a stem (only a stem's own chain is indented)");
        CHECK(error_of("stem a.wav\ngain 1 dB\nmix\n") ==
              "song.recipe:2:1: a step between the stems and mix must be indented under its stem");
        CHECK(error_of("stem a.wav\n") == "song.recipe:1:1: stems but no mix line (add: mix)");
        CHECK(error_of("mix\n") == "song.recipe:1:1: mix without stems (add stem lines before it)");
        CHECK(error_of("stem a.wav\nmix\nmix\n") ==
              "song.recipe:3:1: a second mix (a recipe mixes once)");
        CHECK(error_of("output\n") ==
              "song.recipe:1:1: output needs a file name (e.g. {name}-master.wav)");
        CHECK(error_of("param = 3\n") ==
              "song.recipe:1:7: a param name is letters, digits, '_' and '-'");
        CHECK(error_of("param x\n") == "song.recipe:1:1: param is written: param NAME = VALUE");
        CHECK(error_of("use nothing-like-this\n") ==
              "song.recipe:1:5: no recipe named 'nothing-like-this' (looked in the recipe's folder "
              "and the stock recipes)");
        CHECK(error_of("eq wobble 3kHz\n") == "song.recipe:1:4: unknown type 'wobble'; expected "
                                              "one of: peak, lowshelf, highshelf, notch");
        CHECK(error_of("output x.wav bits=20\n") ==
              "song.recipe:1:14: unknown bits '20'; expected one of: auto, 16, 24, 32, float");
        CHECK(error_of("gain 1 dB 2 dB\n") ==
              "song.recipe:1:11: unexpected '2dB' for gain (parameters are written name=value)");
        CHECK(error_of("output \"x.wav\n") == "song.recipe:1:8: unterminated quote");
    }
}

TEST_SUITE("recipe") {

    TEST_CASE("validation after parsing lists every mistake by meaning, the first at the error's "
              "position") {
        const std::string bad =
            "loudness target=-14\ngain 1 dB\noutput {name}-x.wav preset=spotfy\n";
        try {
            parse_text(bad, "v.recipe", registry());
            FAIL("an invalid recipe parsed");
        } catch (const RecipeError& e) {
            CHECK(e.line() == 2);
            const std::string what = e.what();
            CHECK(what.find("v.recipe:2:1: loudness must be the last processing step") == 0);
            CHECK(what.find("\nv.recipe:3:1: unknown preset 'spotfy'") != std::string::npos);
        }
        CHECK_THROWS_WITH_AS(
            parse_text("gain -2 dB\noutput a.wav ceiling=-1\n", "v.recipe", registry()),
            doctest::Contains("v.recipe:2:1: this output sets a loudness target"), RecipeError);
        CHECK_THROWS_WITH_AS(parse_text("stem a.wav\n  loudness\nmix\n", "v.recipe", registry()),
                             doctest::Contains("v.recipe:2:3: loudness belongs after mix"),
                             RecipeError);
        CHECK_NOTHROW(parse_text("gain -2 dB\nloudness\ndither\noutput a.wav preset=spotify\n",
                                 "v.recipe", registry()));
    }

} // TEST_SUITE
