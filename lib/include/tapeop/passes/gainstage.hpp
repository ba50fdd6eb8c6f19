#pragma once
// Gain staging: conform a set of stems for a mixing session.
//
// Every stem gets: one sample rate (libsoxr, very high quality; default the most common rate
// among the stems, ties going to the higher rate), one sample format (default the widest among
// the stems: double over float over 32 over 24 over 16 bits), its DC offset removed (the
// per-channel mean, measured in the first pass, is subtracted: exact and transparent, no
// filter), one gain so its level reaches the target (RMS dBFS or sample peak dBFS as rendered:
// after DC removal, or as the file holds them when DC is kept; or integrated LUFS), lowered when
// the stem's peak would pass `max_peak_dbfs`, and silence appended so all stems have the length of
// the longest; every stem starts at frame 0. Silent or near-silent stems (sample peak under
// `silence_dbfs`) are conformed but otherwise left unchanged (no gain, no DC removal) and flagged.
#include "tapeop/io/format.hpp"
#include "tapeop/passes/render.hpp"
#include "tapeop/steps/registry.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::passes {

enum class StageKind { rms, peak, lufs };

struct GainstageSettings {
    StageKind kind = StageKind::rms;
    double level = -18.0;                       // dBFS (rms, peak) or LUFS
    std::optional<double> max_peak_dbfs = -6.0; // none: no peak limit
    std::optional<int> rate;
    std::optional<io::SampleFormat> bits;
    double silence_dbfs = -60.0;
    bool remove_dc = true;
    DitherMode dither = DitherMode::automatic;
};

// "rms:-18", "peak:-6", "lufs:-20" (units allowed: "rms:-18dBFS", "lufs:-20LUFS").
// Throws UsageError.
// The registry's `gainstage` parameters (target, max_peak, silence, dc), for the CLI and recipes.
GainstageSettings gainstage_settings_from(const steps::ParamValues& v);

void parse_stage_target(const std::string& text, GainstageSettings& settings);
std::string_view stage_kind_name(StageKind k);

struct StemOutcome {
    std::string path;
    std::string output;
    std::string error; // non-empty: this stem failed (the others still ran)
    int rate_in = 0, rate_out = 0;
    double level_before = 0.0; // in the target's unit, DC removed
    double gain_db = 0.0;
    double level_after = 0.0; // measured on the output (its content, not the padding)
    double peak_after_dbfs = 0.0;
    std::vector<double> dc_removed; // per channel
    bool silent = false;
    bool peak_limited = false;
    std::vector<std::string> notes;
};

struct GainstageReport {
    int rate = 0;
    io::SampleFormat format = io::SampleFormat::pcm24;
    std::int64_t frames = 0; // length of every output, at `rate`
    std::vector<StemOutcome> stems;
    std::size_t failed() const;
};

// Called from worker threads with a stem path and the seconds of audio just processed.
using StemProgress = std::function<void(const std::string& path, double seconds)>;

// Conforms `stems` into the folder `out_dir` (output names: the stem's name and extension;
// lossy inputs become .wav). Runs on up to `jobs` threads; results do not depend on it.
// A failing stem is reported in its outcome; the others still run. Throws UsageError for bad
// settings or an output that would overwrite an input.
GainstageReport gainstage(const std::vector<std::string>& stems, const GainstageSettings& settings,
                          const std::string& out_dir, int jobs, const StemProgress& progress = {});

} // namespace tapeop::passes
