#include "tapeop/text/lexer.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tapeop::text {
namespace {
// Recipes and specs are a few KiB; a MiB is far beyond any written by hand.
constexpr std::uintmax_t max_text_bytes = std::uintmax_t(1) << 20;
} // namespace

std::vector<Line> lex(const std::string& text, const std::string& file) {
    std::vector<Line> lines;
    int number = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        std::string raw = text.substr(pos, end - pos);
        pos = end + 1;
        ++number;
        if (!raw.empty() && raw.back() == '\r')
            raw.pop_back();
        Line line;
        line.number = number;
        std::size_t i = 0;
        for (; i < raw.size() && (raw[i] == ' ' || raw[i] == '\t'); ++i)
            line.indent += raw[i] == '\t' ? 4 : 1;
        while (i < raw.size()) {
            const char ch = raw[i];
            if (ch == '#')
                break;
            if (ch == ' ' || ch == '\t') {
                ++i;
                continue;
            }
            Word w;
            w.line = number;
            w.col = static_cast<int>(i) + 1;
            if (ch == '"') {
                const std::size_t close = raw.find('"', i + 1);
                if (close == std::string::npos)
                    throw TextError(file, number, w.col, "unterminated quote");
                w.text = raw.substr(i + 1, close - i - 1);
                w.quoted = true;
                i = close + 1;
            } else {
                while (i < raw.size() && raw[i] != ' ' && raw[i] != '\t' && raw[i] != '#') {
                    if (static_cast<unsigned char>(raw[i]) < 0x20)
                        throw TextError(file, number, static_cast<int>(i) + 1,
                                        "control character in text");
                    w.text += raw[i++];
                }
            }
            line.words.push_back(std::move(w));
        }
        if (!line.words.empty())
            lines.push_back(std::move(line));
        if (end == text.size())
            break;
    }
    return lines;
}

std::string read_text(const std::string& path) {
    // Only regular files of a sane size: /dev/zero or a FIFO would be read without end.
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!ec && std::filesystem::is_directory(status))
        throw Error("is a folder, not a text file", path);
    if (!ec && !std::filesystem::is_regular_file(status))
        throw Error("not a regular file (a device or a pipe), not a text file", path);
    if (!ec && std::filesystem::file_size(path, ec) > max_text_bytes)
        throw Error("larger than " + std::to_string(max_text_bytes >> 20) +
                        " MiB: not a recipe or spec",
                    path);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(std::string("cannot open: ") + std::strerror(errno), path);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.find('\0') != std::string::npos)
        throw Error("not a text file", path);
    return text;
}

std::vector<Line> lex_file(const std::string& path) {
    return lex(read_text(path), path);
}

} // namespace tapeop::text
