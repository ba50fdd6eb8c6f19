#pragma once
// Mastering to loudness targets: an optional pre-chain (EQ, compression, ...), then the loudness
// stage — gain and the true-peak limiter (dsp/limiter.hpp) — iterated until the integrated
// loudness is within the tolerance of the target and the true peak at or under the ceiling,
// as measured on each deliverable exactly as written; then dither and the atomic writer.
//
// Passes (the input is streamed on each; nothing is held in memory):
//  1. Analysis: the pre-chain's output is measured (integrated loudness L0, LRA, true peak)
//     and a loudness-vs-gain model is built: the limiter's gain curve is simulated on 16-frame
//     groups at any gain, from a float 4x peak estimate (shared by all gains), its hold,
//     release and smoothing, weighted by each group's K-weighted energy and gated as the
//     meter gates (passes/master.cpp states its error per file of the hard benchmark set).
//     Without limiting the loudness is L0 + gain exactly; the model predicts what the
//     limiter takes away.
//  2. Render, per deliverable: pre-chain -> channel layout -> resampler (when the rate
//     changes, so the limiter works at the output rate) -> gain -> limiter -> dither -> writer
//     (temporary file). The written samples are metered as they go. A pass within tolerance
//     is committed as it is; otherwise the next gain comes from the model with its limiter
//     loss scaled by the ratio measured on the last pass (the secant of the last two passes
//     once they are within 0.5 dB), and the pass is repeated (at most `max_render_passes`). A true
//     peak over the ceiling (resampling or a lossy encoder can raise it) lowers the limiter's
//     ceiling by the excess and re-renders. Lossy deliverables (MP3, Ogg Vorbis, Opus) are decoded
//     after writing and measured on the decoded audio.
//  3. WAV and RF64 deliverables carry bext version 2 (io/bext_loudness.hpp): the loudness of
//     the pass that is committed (integrated, LRA, true peak, momentary and short-term
//     maxima, as metered on the written samples) and a CodingHistory line naming tapeop, its
//     version and the targets (EBU R 98), set before the file takes its name. Not with
//     --strip-metadata.
//
// Same inputs, settings and version: bit-identical outputs (seeded dither, no threads inside).
// Levels: LUFS, LU, dBTP (4x oversampled, BS.1770-4 Annex 2), dB. Silence is -infinity.
#include "tapeop/dsp/chain.hpp"
#include "tapeop/dsp/limiter.hpp"
#include "tapeop/passes/render.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::passes {

struct LoudnessSettings {
    double target_lufs = -14.0;
    double ceiling_dbtp = -1.0;
    double tolerance_lu = 0.1;      // accepted: |integrated - target| <= tolerance
    int max_render_passes = 8;      // per deliverable
    double heavy_limiting_db = 6.0; // warn when the limiter takes more than this
    // Look-ahead, release, margin (the ceiling is set per pass). The limiter detects the
    // near-ideal true peak and the peak after a low-pass at 0.955 of Nyquist besides the 4x
    // meters (dsp/limiter.hpp), so libebur128, BS.1770 4x and the ideal read its output at
    // ceiling - margin (measured: within 0.01 dB). The margin is for meters that low-pass
    // more sharply: on generated music with hi-hats (10 min, and 40 s excerpts) mastered to
    // -14/-1, -11/-1 and -9/-2, libsoxr VHQ upsampled 16x read up to 0.143 dB above the
    // detection (more with heavier limiting), FFmpeg's ebur128 (swresample to 192 kHz) up to
    // 0.1 dB (it prints 0.1 dB steps). 0.2 dB keeps them all under the ceiling with ~0.06 dB
    // to spare (tests/unit/test_master.cpp, tests/cli/test_master.sh); 0.1 would do for the
    // ideal and the 4x meters alone.
    // > 0: each deliverable's committed render pass records the limiter's gain at about this
    // many steps (DeliverableReport::gain_trace; master --report). The audio is the same.
    int gain_trace_columns = 0;
    dsp::LimiterSettings limiter = [] {
        dsp::LimiterSettings s;
        s.margin_db = 0.2;
        return s;
    }();
};

struct Deliverable {
    std::string path;
    std::optional<double> target_lufs;  // default: LoudnessSettings::target_lufs
    std::optional<double> ceiling_dbtp; // default: LoudnessSettings::ceiling_dbtp
    OutputSettings output;
    std::string preset; // for reports only
};

struct Measurement {
    double integrated_lufs = 0.0;
    double loudness_range_lu = 0.0;
    double true_peak_dbtp = 0.0;
    double sample_peak_dbfs = 0.0;
    double momentary_max_lufs = 0.0; // written into WAV outputs' bext v2 with the above
    double short_term_max_lufs = 0.0;
};

struct DeliverableReport {
    std::string path;
    std::string preset;
    io::OutputSpec spec;
    double target_lufs = 0.0;
    double ceiling_dbtp = 0.0;
    Measurement after;                 // of the file as written (lossy: decoded)
    double gain_db = 0.0;              // gain before the limiter
    double limiter_ceiling_dbtp = 0.0; // as used (lower than the ceiling when tightened)
    dsp::LimiterStats limiter;
    // With LoudnessSettings::gain_trace_columns: the limiter's gain in the committed pass.
    std::shared_ptr<const dsp::GainTrace> gain_trace;
    int render_passes = 0;
    bool dithered = false;
    std::vector<std::string> warnings;
};

struct MasterReport {
    std::string input;
    io::FileInfo info;
    Measurement before;    // the input as read
    Measurement pre_chain; // after the pre-chain (== before without one)
    int passes = 0;        // passes over the input: 1 analysis + every render pass
    std::vector<DeliverableReport> deliverables;
    std::vector<std::string> warnings; // every deliverable's, prefixed with its path
};

// Masters `input` into every deliverable. Throws Error naming the file when the input cannot
// be read, is silent, or a target cannot be reached; deliverables committed before a failure
// stay written, the failing one is not written at all.
MasterReport master_file(const std::string& input, const ChainBuilder& pre_chain,
                         const LoudnessSettings& loudness,
                         const std::vector<Deliverable>& deliverables,
                         const Progress& progress = {});

} // namespace tapeop::passes
