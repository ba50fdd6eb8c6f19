#pragma once
// The page of one master (`master --report`, `run --report` for recipes with a loudness step):
// what the master did, to look at. For the input and each deliverable:
//  - a summary with the numbers master prints (its JSON's values at the printed precision:
//    levels 2 decimals, LRA 1): before (the input), after the pre-chain, and each
//    deliverable's verified loudness and true peak, target, ceiling, gain, limiter figures;
//  - the passes: the analysis pass, each deliverable's render passes (the last one committed)
//    and how it was verified (metered on the written samples, or on the decoded file);
//  - per deliverable: Loudness (short-term before and after overlaid, both integrated values,
//    the target band), True peak (before and after, the ceiling), Limiter gain reduction (the
//    range of the limiter's gain per column, from the render pass that was kept), Waveform of
//    the written file.
// The curves come from analyze (analysis/analyze.hpp, at the page's resolution) of the input
// and of each written deliverable: one extra read of each after mastering; the gain reduction
// from DeliverableReport::gain_trace (LoudnessSettings::gain_trace_columns = plot_columns).
// Same inputs, same bytes (no times or dates on the page).
#include "tapeop/analysis/analyze.hpp"
#include "tapeop/passes/master.hpp"
#include "tapeop/qc/check.hpp"

#include <string>
#include <vector>

namespace tapeop::report {

struct MasterPage {
    const passes::MasterReport* master = nullptr;
    analysis::FileAnalysis input;                // with series
    std::vector<analysis::FileAnalysis> outputs; // per deliverable, as written
    std::string title;
    double tolerance_lu = 0.1; // the target band drawn: target +- this (the master's tolerance)
    // run --report: the recipe's check steps (spec name, report), listed with their findings;
    // the verdict (every one passes) goes into the index row.
    std::vector<std::pair<std::string, qc::FileReport>> checks;
};

// Reads the input and every deliverable once each (analyze at plot_columns). Throws Error
// naming the file that cannot be read.
MasterPage collect_master_page(const passes::MasterReport& master);

std::string render_master_page(const MasterPage& page);

// The row of an index page (run --report) that this page stands for: the cells between
// index_row_begin and index_row_end in the page (levels, verdict, a small waveform).
inline constexpr const char* index_row_begin = "<!-- tapeop:index-row -->";
inline constexpr const char* index_row_end = "<!-- /tapeop:index-row -->";

} // namespace tapeop::report
