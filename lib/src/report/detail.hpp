#pragma once
// The report pages' shared parts (report/page.cpp defines them): geometry, escaping, number
// printing, axes and curves, the summary and plots of one file, the style sheet. Internal to
// lib/src/report.
#include "tapeop/report/page.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tapeop::report::detail {

// Okabe-Ito (B. Wong, "Points of view: Color blindness", Nature Methods 8, 441 (2011)).
constexpr const char* blue = "#0072B2";
constexpr const char* orange = "#E69F00";
constexpr const char* green = "#009E73";
constexpr const char* vermillion = "#D55E00";
constexpr const char* purple = "#CC79A7";
constexpr const char* sky = "#56B4E9";
constexpr const char* channel_colours[] = {blue, green, orange, purple, sky, vermillion};

// Plot geometry (SVG user units): the plot area is plot_columns wide, one column per step.
constexpr double left = 56, top = 14, height = 170, bottom_margin = 34;
constexpr double width = plot_columns;
constexpr double svg_w = left + width + 16, svg_h = top + height + bottom_margin;

struct Axis {
    double lo, hi; // value range, bottom to top
    double y(double v) const {
        const double c = std::clamp(v, lo, hi);
        return top + height * (hi - c) / (hi - lo);
    }
};

struct TimeAxis {
    double duration_s;
    double x(double t) const {
        return left + width * std::clamp(t / std::max(duration_s, 1e-9), 0.0, 1.0);
    }
};

std::string esc(const std::string& s);
std::string num(double v, int decimals = 1);
std::string level(double v, int decimals = 2); // as analyze prints: "-14.21", "-inf"
double tick_step(double duration_s);
std::string svg_open(const std::string& title, const std::string& id, double h = svg_h);
// Frame, time ticks (mm:ss) and level ticks every `db_step`, with the axis names.
std::string axes(const TimeAxis& t, const Axis& a, double db_step, const std::string& unit);
// A polyline through the steps (x: the step's middle); -inf values sit on the bottom.
std::string curve(const std::vector<float>& v, const std::vector<double>& start_s, double step_s,
                  const TimeAxis& t, const Axis& a, const std::string& cls);
// Horizontal lines across the plot (a level: the integrated loudness, a target, the ceiling),
// each labelled at the right end above its line. Labels that would overlap (two levels close
// together) are moved apart, in the lines' top-to-bottom order, so that none overlaps another
// and all stay inside the plot (the same lines give the same places).
struct HLine {
    double value;
    std::string cls, label; // label "": the line only (named in the legend)
};
std::string hlines(const Axis& a, const std::vector<HLine>& lines);
std::string hline(const Axis& a, double v, const std::string& cls, const std::string& label);
// The vertical distance between two labels' baselines (11 px text and a gap).
constexpr double label_pitch = 13;
std::string finding_marks(const std::optional<qc::FileReport>& qc, const TimeAxis& t);
std::string legend(const std::vector<std::pair<std::string, std::string>>& items);
std::string waveform_plot(const FileSection& f, const TimeAxis& t, const std::string& id);
std::string spectrum_plot(const FileSection& f, const std::string& id);
// A stereo file's spectrum as mid and side (Spectrum::mid_side_db), titled
// "Spectrum, mid and side".
std::string mid_side_plot(const FileSection& f, const std::string& id);
std::string verdict(const FileSection& f);
std::string summary_table(const FileSection& f);
std::string findings_table(const qc::FileReport& r, const std::string& spec);
std::string mini_waveform(const FileSection& f);
// The overview table of a job's page whose marked row the run's index copies: the output, its
// integrated loudness and true peak, the verdict (when checked), a small waveform.
std::string index_row_table(const std::string& path, double integrated_lufs, double true_peak_dbtp,
                            std::optional<bool> pass, const FileSection& waveform);
extern const char* const css;

} // namespace tapeop::report::detail
