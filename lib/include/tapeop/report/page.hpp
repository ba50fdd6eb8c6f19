#pragma once
// The report page (`tapeop report`): one self-contained HTML document (inline SVG and CSS, no
// script, font or image from anywhere) showing what analyze and check measured, per file:
// a summary with analyze's figures as analyze prints them (the headline levels, DC offset and
// clipping, the channel layout and its weights, per channel sample peak, true peak, RMS, DC and
// clipping, analyze's warnings) and the metadata that matters (title, artist, album, ISRC, the
// bext originator, date, time and time reference, the number of cue markers), Loudness over
// time (short-term, the momentary maximum per column, the integrated value, the spec's target
// band and --target's), True peak over
// time with the ceiling, the Waveform (min/max per column per channel, clipping marked), the
// long-term Spectrum in 1/3 octaves per channel (and as mid and side for stereo), and with a spec
// the verdict and every finding, also marked at its time on the timelines. Several files get an
// overview first.
//
// Curves come reduced to the page's resolution (AnalyzeExtras::series_columns = plot_columns:
// one series step per plot column), so the page's size does not grow with the file's length.
// The same inputs give the same bytes (no dates, no host names, numbers printed at fixed
// precision).
//
// Colours: the Okabe-Ito palette (distinguishable with every common colour-vision deficiency),
// and every curve also differs by line style or weight, so a grey-scale print still tells them
// apart.
#include "tapeop/analysis/analyze.hpp"
#include "tapeop/analysis/spectrum.hpp"
#include "tapeop/io/metadata.hpp"
#include "tapeop/qc/check.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tapeop::report {

// Plot width in columns: the series step the report asks analyze for.
inline constexpr int plot_columns = 800;

struct FileSection {
    analysis::FileAnalysis analysis;            // with series
    std::optional<qc::FileReport> qc;           // with --spec
    std::optional<analysis::Spectrum> spectrum; // with mid and side for stereo
    io::Metadata metadata;                      // what the summary shows of it: tags, bext, cues
};

struct PageOptions {
    std::string title = "tapeop report";
    std::string spec_name; // "" without --spec
    // --target: the producer's own target, drawn as its own band (+-target_tolerance_lu) and
    // labelled "--target"; it changes no verdict.
    std::optional<double> target_lufs;
    double target_tolerance_lu = 1.0;
    // The spec's loudness rule (apply_spec): its band, labelled with the spec's name, is what
    // the QC verdict checks; drawn beside --target when both are given.
    std::optional<double> spec_target_lufs;
    double spec_tolerance_lu = 1.0;
    std::optional<double> ceiling_dbtp; // the spec's true-peak max; else -1 dBTP is drawn
    // run --report: the first file's overview row, marked for the run's index
    // (report/master_page.hpp: index_row_begin / index_row_end).
    bool index_row = false;
};

// One file's section, from one read of the file: analyze's figures with the series at the
// page's resolution (analyze's pass), and on a worker thread fed the same blocks, the spectrum
// (also mid and side for stereo) and with `spec` check's findings (a qc::Checker given the
// pass's loudness and true peak: exactly what `check` finds). The stem-set checks (qc::check_set)
// are the caller's. Throws Error naming the file when it cannot be read.
FileSection measure_file(const std::string& path, const qc::Spec* spec = nullptr,
                         const analysis::ProgressFn& progress = {});

// The loudness target and true-peak ceiling a spec sets (nullopt where it sets none); --target
// stays as given.
void apply_spec(const qc::Spec& spec, PageOptions& options);

std::string render_page(const std::vector<FileSection>& files, const PageOptions& options);

// "mm:ss" ("h:mm:ss" from an hour on), for axis labels.
std::string axis_time(double seconds);

} // namespace tapeop::report
