#pragma once
// Word-level helpers shared by the recipe and the spec languages and the CLI: one rule each, so
// "-14 LUFS" joins the same way and a typo gets the same suggestion wherever it is written.
#include <string>
#include <vector>

namespace tapeop::text {

// A word that is only a unit ("Hz", "dBFS", "ms", "%"), written apart from its number: it joins
// the value before it ("25 Hz" = "25Hz"). Numbers, signs and key=value words are not units.
bool is_unit_word(const std::string& word);

// Letters, digits, '_' and '-': the characters of param, step and template names.
bool is_name_char(char c);

// Levenshtein distance, letters compared without case.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The closest of `candidates` to `word` within a small edit distance (a third of the word, at
// least 2), or a candidate that `word` (3+ letters) begins; "" when none is close.
std::string suggest(const std::string& word, const std::vector<std::string>& candidates);

// The items separated by `separator` ("a, b, c"); "" for none.
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

} // namespace tapeop::text
