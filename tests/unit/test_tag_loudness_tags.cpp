#include "tapeop/tag/loudness_tags.hpp"

#include <doctest/doctest.h>
#include <limits>

using namespace tapeop;

TEST_SUITE("tag_loudness_tags") {

    constexpr double inf = std::numeric_limits<double>::infinity();

    io::FileInfo file_info(const char* path, const char* format, const char* subtype) {
        io::FileInfo f;
        f.path = path;
        f.format = format;
        f.subtype = subtype;
        return f;
    }

    TEST_CASE("ReplayGain 2.0 gain is -18 LUFS minus the loudness, two decimals in dB") {
        CHECK(tag::replaygain_gain(-21.07) == "3.07 dB");
        CHECK(tag::replaygain_gain(-6.014) == "-11.99 dB");
        CHECK(tag::replaygain_gain(-18.0) == "0.00 dB");
        CHECK(tag::replaygain_gain(-17.999) == "0.00 dB"); // never "-0.00 dB"
    }

    TEST_CASE("ReplayGain peak is the linear true peak with six decimals") {
        CHECK(tag::replaygain_peak(0.0) == "1.000000");
        CHECK(tag::replaygain_peak(-6.0206) == "0.500000");
        CHECK(tag::replaygain_peak(-11.5887) == "0.263369");
        CHECK(tag::replaygain_peak(-inf) == "0.000000");
    }

    TEST_CASE("R128 gain is a Q7.8 integer relative to -23 LUFS, rounded and clamped") {
        CHECK(tag::r128_gain_q78(-23.0) == 0);
        CHECK(tag::r128_gain_q78(-21.0625) == -496); // -1.9375 x 256 exactly
        CHECK(tag::r128_gain_q78(-21.06) == -497);   // -496.64 rounds to -497
        CHECK(tag::r128_gain_q78(-24.0) == 256);     // +1 dB
        CHECK(tag::r128_gain_q78(-300.0) == 32767);  // +277 dB does not fit
        CHECK(tag::r128_gain_q78(200.0) == -32768);
    }

    TEST_CASE("each container gets its scheme, the album only where it exists") {
        tag::Levels t{-21.07, 5.0, -11.5887, -12.0, -18.0, -19.5};
        tag::Levels a{-16.0, 9.0, -1.0, -1.2, -inf, -inf};
        const io::FileInfo flac = file_info("a.flac", "flac", "pcm16");
        CHECK(tag::scheme_for(flac) == tag::Scheme::replaygain);
        const tag::Tags rg = tag::loudness_tags(tag::Scheme::replaygain, t, &a);
        REQUIRE(rg.size() == 4);
        CHECK(rg[0] == std::pair<std::string, std::string>("REPLAYGAIN_TRACK_GAIN", "3.07 dB"));
        CHECK(rg[1].second == "0.263369");
        CHECK(rg[2] == std::pair<std::string, std::string>("REPLAYGAIN_ALBUM_GAIN", "-2.00 dB"));
        CHECK(rg[3].second == "0.891251");

        const io::FileInfo opus = file_info("a.opus", "ogg", "opus");
        CHECK(tag::scheme_for(opus) == tag::Scheme::r128);
        const tag::Tags r = tag::loudness_tags(tag::Scheme::r128, t, &a);
        REQUIRE(r.size() == 2);
        CHECK(r[0].second == "-494"); // 256 x -1.93 = -494.08
        CHECK(r[1] == std::pair<std::string, std::string>("R128_ALBUM_GAIN", "-1792"));

        const io::FileInfo wav = file_info("a.wav", "wav", "pcm24");
        CHECK(tag::scheme_for(wav) == tag::Scheme::bext);
        const tag::Tags b =
            tag::loudness_tags(tag::Scheme::bext, {-21.074, 5.0, -inf, 0, -inf, -19.996});
        REQUIRE(b.size() == 5);
        CHECK(b[0] == std::pair<std::string, std::string>("LoudnessValue", "-21.07"));
        CHECK(b[2].second == "unset");
        CHECK(b[4].second == "-20.00");

        const io::FileInfo aiff = file_info("a.aiff", "aiff", "pcm16");
        CHECK_THROWS_WITH(tag::scheme_for(aiff), doctest::Contains("a.aiff"));
    }
}
