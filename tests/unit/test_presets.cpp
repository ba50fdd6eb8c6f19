// Preset precedence (presets.hpp): an explicit value over the preset's over the default, the
// one rule `master` and recipes share.
#include "tapeop/presets.hpp"
#include "tapeop/recipe/recipe.hpp"

#include <doctest/doctest.h>

using namespace tapeop;

TEST_SUITE("presets") {

    TEST_CASE("with_preset: explicit values win, the preset fills the rest, none leaves defaults") {
        const DeliveryPreset& cd = find_preset("cd");
        DeliveryValues given;
        given.sample_rate = 48000;
        const DeliveryValues v = with_preset(given, &cd);
        CHECK(v.sample_rate == 48000);            // explicit over the preset's 44.1 kHz
        CHECK(v.bits == io::SampleFormat::pcm16); // the preset's
        CHECK_FALSE(v.target_lufs);               // cd has no loudness target: the default
        CHECK(v.ceiling_dbtp == doctest::Approx(-1.0));

        DeliveryValues loud;
        loud.target_lufs = -16.0;
        const DeliveryValues s = with_preset(loud, &find_preset("amazon-music"));
        CHECK(*s.target_lufs == doctest::Approx(-16.0));
        CHECK(*s.ceiling_dbtp == doctest::Approx(-2.0));
        CHECK_FALSE(s.sample_rate);

        const DeliveryValues none = with_preset(loud, nullptr);
        CHECK(*none.target_lufs == doctest::Approx(-16.0));
        CHECK_FALSE(none.ceiling_dbtp);
        CHECK_FALSE(none.bits);
    }

    TEST_CASE("an output line's settings go through the same precedence") {
        const recipe::Recipe r = recipe::parse_text(
            "loudness\noutput a.flac preset=spotify target=-16 bits=24\noutput b.wav preset=cd\n",
            "p.recipe", steps::builtin_registry());
        const DeliveryValues a =
            recipe::output_delivery(r.outputs[0].values, &find_preset("spotify"));
        CHECK(*a.target_lufs == doctest::Approx(-16.0));
        CHECK(*a.ceiling_dbtp == doctest::Approx(-1.0));
        CHECK(a.bits == io::SampleFormat::pcm24);
        const DeliveryValues b = recipe::output_delivery(r.outputs[1].values, &find_preset("cd"));
        CHECK(b.sample_rate == 44100);
        CHECK(b.bits == io::SampleFormat::pcm16);
    }

} // TEST_SUITE
