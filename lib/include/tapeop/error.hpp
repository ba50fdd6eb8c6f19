#pragma once
// Errors carry the context a user needs (file, recipe position, step). The CLI boundary turns
// them into one line on stderr and an exit code; library code never exits.
#include <stdexcept>
#include <string>

namespace tapeop {

class Error : public std::runtime_error {
  public:
    // `where` is the file (or file:line:col) the problem is about; may be empty.
    explicit Error(std::string message, std::string where = {})
        : std::runtime_error(where.empty() ? message : where + ": " + message),
          message_(std::move(message)), where_(std::move(where)) {}

    const std::string& message() const { return message_; }
    const std::string& where() const { return where_; }

  private:
    std::string message_;
    std::string where_;
};

// Bad command-line usage or parameter values (exit code 2, like every Error).
class UsageError : public Error {
  public:
    using Error::Error;
};

} // namespace tapeop
