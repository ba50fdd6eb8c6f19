#include "tapeop/text/words.hpp"

#include "tapeop/error.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cctype>

namespace tapeop::text {

bool is_unit_word(const std::string& w) {
    if (w.empty() || std::isdigit(static_cast<unsigned char>(w[0])) || w[0] == '-' || w[0] == '+' ||
        w[0] == '.' || w.find('=') != std::string::npos)
        return false;
    try {
        return parse_quantity("0" + w).unit != Unit::none;
    } catch (const UsageError&) {
        return false;
    }
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t sub =
                prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string suggest(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d || (c.rfind(word, 0) == 0 && word.size() >= 3 && best.empty())) {
            best_d = std::min(d, best_d);
            best = c;
        }
    }
    return best;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : separator) + items[i];
    return out;
}

} // namespace tapeop::text
