#pragma once
// Errors carry the context a user needs (file, recipe position, step). The CLI boundary turns
// them into one line on stderr and an exit code; library code never exits.
#include <new>
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

// The one line a job's failure prints: the error as thrown when it names a file (or recipe
// position) itself, else prefixed with `path`, the file the job was about. Exceptions that are
// not tapeop's (std::bad_alloc from a hostile header, a library's std::exception) become a
// plain sentence, never their C++ type name.
inline std::string error_line(const std::exception& e, const std::string& path) {
    std::string what;
    if (const auto* te = dynamic_cast<const Error*>(&e)) {
        if (!te->where().empty())
            return te->what();
        what = te->message();
    } else if (dynamic_cast<const std::bad_alloc*>(&e)) {
        what = "out of memory (the file's header asks for more than this machine has)";
    } else {
        what = e.what();
    }
    return path.empty() ? what : path + ": " + what;
}

} // namespace tapeop
