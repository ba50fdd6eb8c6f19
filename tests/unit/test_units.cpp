#include "tapeop/error.hpp"
#include "tapeop/units.hpp"

#include <cmath>
#include <doctest/doctest.h>

using namespace tapeop;

TEST_SUITE("units") {

    TEST_CASE("levels parse with or without their unit, case-insensitively") {
        CHECK(parse_value("-14", {Unit::LUFS}, "target") == -14.0);
        CHECK(parse_value("-14LUFS", {Unit::LUFS}, "target") == -14.0);
        CHECK(parse_value("-14 lufs", {Unit::LUFS}, "target") == -14.0);
        CHECK(parse_value("+1.5dB", {Unit::dB}, "gain") == 1.5);
        CHECK(parse_value("3kHz", {Unit::Hz, Unit::kHz}, "freq") == 3000.0);
        CHECK(parse_value("48k", {Unit::Hz, Unit::kHz}, "--rate") == 48000.0);
        CHECK(parse_value("44.1K", {Unit::Hz, Unit::kHz}, "--rate") == 44100.0);
        CHECK_THROWS_AS(parse_value("-14k", {Unit::LUFS}, "target"), UsageError);
        CHECK(parse_value("200ms", {Unit::s, Unit::ms}, "pad") == doctest::Approx(0.2));
        CHECK(parse_value("10 ms", {Unit::ms, Unit::s}, "attack") == 10.0);
        CHECK(parse_value("2s", {Unit::ms, Unit::s}, "release") == 2000.0);
        // Minutes, as the README's tour writes a length ("--duration 3m").
        CHECK(parse_value("3m", {Unit::s, Unit::ms}, "--duration") == 180.0);
        CHECK(parse_value("1.5 min", {Unit::s, Unit::ms}, "--duration") == 90.0);
        CHECK(parse_value("2MIN", {Unit::ms, Unit::s}, "release") == 120000.0);
        CHECK_THROWS_AS(parse_value("3m", {Unit::LUFS}, "target"), UsageError);
    }

    TEST_CASE("wrong and unknown units are clear errors") {
        CHECK_THROWS_WITH_AS(parse_value("-18dbx", {Unit::dB, Unit::dBFS}, "threshold"),
                             "unknown unit 'dbx' in '-18dbx'", UsageError);
        CHECK_THROWS_WITH_AS(parse_value("-14dBTP", {Unit::LUFS}, "target"),
                             "unexpected unit 'dBTP' in '-14dBTP' for target (expected LUFS)",
                             UsageError);
        CHECK_THROWS_WITH_AS(parse_value("loud", {Unit::LUFS}, "target"), "not a number: 'loud'",
                             UsageError);
        CHECK_THROWS_AS(parse_value("2dB", {}, "ratio"), UsageError);
        CHECK_THROWS_AS(parse_value("nan", {Unit::dB}, "gain"), UsageError);
    }

    TEST_CASE("decibel conversions") {
        CHECK(db_to_gain(0.0) == 1.0);
        CHECK(db_to_gain(-6.0205999132796239) == doctest::Approx(0.5).epsilon(1e-12));
        CHECK(gain_to_db(0.5) == doctest::Approx(-6.0206).epsilon(1e-5));
        CHECK(std::isinf(gain_to_db(0.0)));
        CHECK(power_to_db(0.5) == doctest::Approx(-3.0103).epsilon(1e-5));
    }

    TEST_CASE("timestamps read minutes:seconds.millis") {
        CHECK(format_timestamp(83.456) == "01:23.456");
        CHECK(format_timestamp(0.0) == "00:00.000");
        CHECK(format_timestamp(3723.5) == "1:02:03.500");
    }
}
