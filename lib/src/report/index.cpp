#include "tapeop/report/index.hpp"

#include "detail.hpp"

#include "tapeop/report/master_page.hpp"

#include <fstream>
#include <sstream>

namespace tapeop::report {

using namespace detail;

std::string index_cells(const std::string& page_path) {
    std::ifstream in(page_path, std::ios::binary);
    if (!in)
        return {};
    std::ostringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    const std::string begin = index_row_begin, end = index_row_end;
    const auto a = s.find(begin);
    if (a == std::string::npos)
        return {};
    const auto b = s.find(end, a);
    if (b == std::string::npos)
        return {};
    return s.substr(a + begin.size(), b - a - begin.size());
}

std::string render_index(const std::string& title, const std::vector<IndexEntry>& entries) {
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>" +
                    esc(title) + "</title><style>" + css + "</style></head><body>\n<h1>" +
                    esc(title) +
                    "</h1>\n<table class=\"overview index\"><tr><th>job</th>"
                    "<th>status</th><th colspan=\"5\">first output: LUFS, dBTP, "
                    "QC (when checked), waveform</th></tr>\n";
    for (const auto& e : entries) {
        h += "<tr class=\"job\" data-job=\"" + esc(e.job) + "\"><td>";
        const std::string cells = e.page.empty() ? std::string() : index_cells(e.page);
        if (!cells.empty())
            h += "<a href=\"" + esc(e.href) + "\">" + esc(e.job) + "</a>";
        else
            h += esc(e.job);
        h += "</td><td>" + esc(e.status) + "</td>";
        h += cells.empty() ? "<td colspan=\"5\">" + esc(e.error) + "</td>" : cells;
        h += "</tr>\n";
    }
    return h + "</table>\n</body></html>\n";
}

} // namespace tapeop::report
