#pragma once
// Trimming and splitting by silence or by times.
//
// Silence: a frame is silent when every channel's |sample| is at or under the threshold
// (a sample-level test: a noise floor above the threshold counts as audio). Trim keeps from the
// first non-silent frame minus `pad` to the last one plus `pad` (clamped to the file), so a
// recording comes back with exactly `pad` of its silence at each end. Split cuts a recording
// into takes at silences of at least `min_gap`, each take padded the same way (never into the
// neighbouring take: pads are clamped at the middle of the gap).
// Times: `start`, then `end` or `duration` (instead of detection).
// Fades (optional) run over the kept part: a fade-in from its first frame, a fade-out ending
// on its last. Without a fade the kept samples are copied bit for bit.
#include "tapeop/dsp/fade.hpp"
#include "tapeop/passes/render.hpp"
#include "tapeop/steps/registry.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::passes {

struct FadeOptions {
    double in_s = 0.0;
    double out_s = 0.0;
    dsp::FadeCurve curve = dsp::FadeCurve::linear;
};

struct TrimSettings {
    double silence_dbfs = -60.0;
    double pad_s = 0.2;
    std::optional<double> start_s, end_s, duration_s; // any given: cut by times
    FadeOptions fade;
};

// The registry's `trim` parameters (silence, pad, start, end, duration, fade_in, fade_out, curve).
TrimSettings trim_settings_from(const steps::ParamValues& v);
// "linear" | "equal-power" | "log" (also "logarithmic"). Throws UsageError.
dsp::FadeCurve parse_fade_curve(const std::string& text);

// Frames [start, end).
struct FrameRange {
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::int64_t frames() const { return end - start; }
};

// One pass over `path`: the stretches of non-silent frames, merged across silences shorter
// than `min_gap_frames` (0: one stretch from the first to the last non-silent frame).
std::vector<FrameRange> find_audio(const std::string& path, double silence_dbfs,
                                   std::int64_t min_gap_frames);

struct TrimResult {
    RenderResult render;
    io::FileInfo input;
    FrameRange kept;
};

// Throws Error naming the file when it is silent throughout (nothing to keep) or the times
// fall outside it.
TrimResult trim_file(const std::string& input, const std::string& output,
                     const TrimSettings& settings, const OutputSettings& out,
                     const Progress& progress = {});

struct SplitSettings {
    double silence_dbfs = -60.0;
    double pad_s = 0.2;
    double min_gap_s = 2.0;
    double min_take_s = 0.0; // shorter stretches of audio (clicks) are dropped
    FadeOptions fade;
};

// The registry's `split` parameters (silence, pad, min_gap, min_take, fade_in, fade_out, curve).
SplitSettings split_settings_from(const steps::ParamValues& v);

struct Take {
    std::string output;
    FrameRange range;
    RenderResult render;
};

// The takes of `input` (padded ranges), without writing.
std::vector<FrameRange> find_takes(const std::string& input, const SplitSettings& settings);

// Writes the takes as `{out_dir}/{name}-take01{ext}` ... (ext: the input's, or `extension`),
// reading the input once. Throws Error naming the file when it holds no take.
std::vector<Take> split_file(const std::string& input, const std::string& out_dir,
                             const SplitSettings& settings, const OutputSettings& out,
                             const std::string& extension = {});

} // namespace tapeop::passes
