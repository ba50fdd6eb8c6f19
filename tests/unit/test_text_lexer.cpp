#include "tapeop/text/lexer.hpp"

#include <doctest/doctest.h>

using namespace tapeop::text;

TEST_SUITE("lexer") {

    TEST_CASE("lines split into words with positions; comments and blank lines vanish") {
        const auto lines = lex("# header\n\nparam target = -14 LUFS   # comment\n  highpass 90 Hz\n"
                               "output \"my mix.wav\"\r\n",
                               "t.recipe");
        REQUIRE(lines.size() == 3);
        CHECK(lines[0].number == 3);
        CHECK(lines[0].words.size() == 5);
        CHECK(lines[0].words[3].text == "-14");
        CHECK(lines[0].words[3].col == 16);
        CHECK(lines[1].indent == 2);
        CHECK(lines[1].words[0].col == 3);
        CHECK(lines[2].words[1].text == "my mix.wav");
        CHECK(lines[2].words[1].quoted);
    }

    TEST_CASE("an unterminated quote is an error at its position") {
        CHECK_THROWS_WITH_AS(lex("ok\noutput \"x.wav\n", "s.recipe"),
                             "s.recipe:2:8: unterminated quote", TextError);
    }
}
