#pragma once
// The text layer below the recipe and the spec languages (recipe/, qc/spec): both are read with
// these rules and report errors the same way.
// The lexical rules shared by recipes and delivery specs: line-oriented text, one statement
// per line, `#` starts a comment, words separated by spaces, "double quotes" keep spaces in a
// word. Every word knows its line and column (1-based) so errors read `file:line:col: ...`.
#include "tapeop/error.hpp"

#include <string>
#include <vector>

namespace tapeop::text {

struct Word {
    std::string text;
    int line = 0;
    int col = 0;
    bool quoted = false;
};

struct Line {
    int number = 0;
    int indent = 0; // leading spaces (a tab counts as 4)
    std::vector<Word> words;
};

// An error at a position in a recipe or spec: what() is "file:line:col: message".
class TextError : public Error {
  public:
    TextError(const std::string& file, int line, int col, const std::string& message)
        : Error(message, file + ":" + std::to_string(line) + ":" + std::to_string(col)),
          line_(line), col_(col) {}
    int line() const { return line_; }
    int col() const { return col_; }

  private:
    int line_;
    int col_;
};

// Splits `text` into its non-empty lines. Throws TextError for an unterminated quote or a
// control character.
std::vector<Line> lex(const std::string& text, const std::string& file);

// Reads a text file whole (recipes and specs are small); throws Error naming it when it cannot
// be read or is not text.
std::string read_text(const std::string& path);

// Reads and lexes a file.
std::vector<Line> lex_file(const std::string& path);

} // namespace tapeop::text
