#include "tapeop/numbers.hpp"

#include <cmath>
#include <doctest/doctest.h>
#include <limits>

using namespace tapeop;

TEST_SUITE("numbers") {

    TEST_CASE("rounded keeps 4 decimals of a level and gives nothing for silence and NaN") {
        CHECK(*rounded(-14.212345) == -14.2123);
        CHECK(*rounded(-14.21235) == doctest::Approx(-14.2124).epsilon(1e-12));
        CHECK(*rounded(0.123456, 3) == 0.123);
        // The decimal's nearest double, so JSON prints it short.
        CHECK(*rounded(-3.01029995) == -3.0103);
        CHECK_FALSE(rounded(-std::numeric_limits<double>::infinity()));
        CHECK_FALSE(rounded(std::numeric_limits<double>::infinity()));
        CHECK_FALSE(rounded(std::numeric_limits<double>::quiet_NaN()));
    }

    TEST_CASE("fixed writes levels and signed gains, and names infinities and NaN") {
        CHECK(fixed(-14.2149) == "-14.21");
        CHECK(fixed(6.25, 1) == "6.2"); // printf rounds the binary value: 6.25 is exact, to even
        CHECK(fixed(3.2, 2, true) == "+3.20");
        CHECK(fixed(-1.0, 2, true) == "-1.00");
        CHECK(fixed(-std::numeric_limits<double>::infinity()) == "-inf");
        CHECK(fixed(std::numeric_limits<double>::infinity(), 2, true) == "+inf");
        CHECK(fixed(std::numeric_limits<double>::quiet_NaN()) == "n/a");
    }
}
