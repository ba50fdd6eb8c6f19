#pragma once
// The index of a run's pages (`run --report`: DIR/index.html): one row per job, in the jobs'
// order, linking its page (DIR/reports/...), with the cells the page marks as its overview row
// (levels, the verdict when the recipe checks, a small waveform; report/master_page.hpp), read
// back from the page itself, so up-to-date jobs that were skipped keep their row without being
// measured again. Deterministic: no times or dates.
#include <string>
#include <vector>

namespace tapeop::report {

struct IndexEntry {
    std::string job;
    std::string status; // "ok", "failed", "up to date"
    std::string page;   // the page's path (read for its row); "" when there is none
    std::string href;   // the link, relative to the index
    std::string error;  // a failed job's one line
};

// The overview cells of a page (between index_row_begin and index_row_end), "" when the
// file is missing or has none.
std::string index_cells(const std::string& page_path);

std::string render_index(const std::string& title, const std::vector<IndexEntry>& entries);

} // namespace tapeop::report
