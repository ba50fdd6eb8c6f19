#pragma once
// Normalization: one pure gain per file (or one for a whole album) so that a measured level
// reaches a target: sample peak (dBFS), true peak (dBTP, BS.1770-4 Annex 2), RMS (dBFS, a
// full-scale sine reads -3.01) or integrated loudness (LUFS, BS.1770-4).
//
// Two passes: scan_levels() reads the file once and measures; render_gain() reads it again and
// writes input x gain (a plain multiply: transparent, nothing else changes). With a ceiling, a
// true-peak limiter (dsp/limiter.hpp) follows the gain, but only for files whose true peak
// after the gain would pass the ceiling; the others stay a pure gain.
//
// Album mode: one gain for all files, from the level of all of them taken together (peak: the
// highest; RMS: the mean square over every sample; LUFS: BS.1770 gating over all tracks as one
// programme), so the tracks keep their relative levels exactly.
#include "tapeop/analysis/loudness.hpp"
#include "tapeop/dsp/limiter.hpp"
#include "tapeop/io/format.hpp"
#include "tapeop/passes/render.hpp"
#include "tapeop/steps/registry.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapeop::passes {

enum class NormalizeMode { peak, true_peak, rms, lufs };

// "peak", "true-peak", "rms", "lufs"; and the unit levels are written in ("dBFS", "dBTP", "LUFS").
std::string_view mode_name(NormalizeMode m);
std::string_view mode_unit(NormalizeMode m);

struct NormalizeSettings {
    NormalizeMode mode = NormalizeMode::lufs;
    double level = -23.0;               // in the mode's unit
    std::optional<double> ceiling_dbtp; // true-peak limiter after the gain, when given
};

// The registry's `normalize` parameters (mode, level, ceiling: only when given).
NormalizeSettings normalize_settings_from(const steps::ParamValues& v);

// What the first pass measured.
struct LevelScan {
    io::FileInfo info;
    double sample_peak_dbfs = 0.0;
    double true_peak_dbtp = 0.0;
    double rms_dbfs = 0.0;        // NaN when not measured (modes other than rms)
    double integrated_lufs = 0.0; // NaN when not measured (modes other than lufs)
    double sum_squares = 0.0;     // for album RMS
    std::uint64_t samples = 0;
    std::shared_ptr<const analysis::LoudnessMeter> loudness; // lufs mode only
    double level(NormalizeMode m) const;
};

// Reads `path` once. Measures sample peak and true peak; RMS and loudness only in their modes.
// Throws Error naming the file (unreadable, empty, non-finite samples).
LevelScan scan_levels(const std::string& path, NormalizeMode mode, const Progress& progress = {});

// The level of several files as one (see the album rule above). -inf when all are silent.
double album_level(const std::vector<const LevelScan*>& scans, NormalizeMode mode);

// The gain that takes `measured` to `target`; throws Error naming `path` when `measured` is
// silence (-inf).
double gain_to_reach(double measured, double target, const std::string& path);

struct GainResult {
    RenderResult render;
    double gain_db = 0.0;
    double sample_peak_after_dbfs = 0.0; // measured on the output as written
    double true_peak_after_dbtp = 0.0; // the input's true peak plus the gain; measured when limited
    std::uint64_t clipped_samples = 0; // samples the output format could not hold (clamped)
    bool limited = false;
    double limiter_max_reduction_db = 0.0;
};

// The level from which samples of an output format clip: past the largest code after rounding
// (integer), past full scale (lossy); 0 for float (which holds any level).
double clip_level(io::SampleFormat f);

// Second pass: `input` x gain (then the limiter, when `limiter` is given) into `output`.
// `true_peak_before_dbtp` (when known) predicts the true peak after a pure gain.
GainResult render_gain(const std::string& input, const std::string& output, double gain_db,
                       const OutputSettings& settings,
                       const std::optional<dsp::LimiterSettings>& limiter = std::nullopt,
                       std::optional<double> true_peak_before_dbtp = std::nullopt,
                       const Progress& progress = {});

struct NormalizeResult {
    LevelScan before;
    double level_after = 0.0; // in the mode's unit (predicted for a pure gain: before + gain)
    GainResult gain;
};

// Both passes with the gain `gain_db` (from gain_to_reach, or an album gain): the limiter runs
// when settings.ceiling_dbtp is given and the true peak after the gain would pass it.
NormalizeResult render_normalized(const LevelScan& scan, double gain_db,
                                  const NormalizeSettings& settings, const std::string& output,
                                  const OutputSettings& out, const Progress& progress = {});

} // namespace tapeop::passes
