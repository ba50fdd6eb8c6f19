#include "tapeop/text/words.hpp"

#include <doctest/doctest.h>

using namespace tapeop::text;

TEST_SUITE("text_words") {

    TEST_CASE("a unit word is a unit alone; numbers, signs and key=value words are not") {
        for (const char* w : {"Hz", "kHz", "dBFS", "dbtp", "LUFS", "ms", "s", "%", "samples"})
            CHECK_MESSAGE(is_unit_word(w), w);
        for (const char* w : {"", "-14", "14LUFS", "+3", ".5", "LUFS=3", "target=-14", "peak", "q"})
            CHECK_MESSAGE(!is_unit_word(w), w);
    }

    TEST_CASE("suggestions: the nearest name within a third of the word, or a name it begins") {
        const std::vector<std::string> steps{"highpass", "lowpass", "loudness", "limit",
                                             "compress"};
        CHECK(suggest("hihgpass", steps) == "highpass");
        CHECK(suggest("compres", steps) == "compress");
        CHECK(suggest("loud", steps) == "loudness");
        CHECK(suggest("reverb", steps).empty());
        CHECK(edit_distance("LUFS", "lufs") == 0);
        CHECK(edit_distance("kitten", "sitting") == 3);
    }

    TEST_CASE("name characters are letters, digits, '_' and '-'") {
        for (char c : std::string("aZ09_-"))
            CHECK(is_name_char(c));
        for (char c : std::string(" ={}$."))
            CHECK(!is_name_char(c));
    }

} // TEST_SUITE
