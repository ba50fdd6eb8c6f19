#pragma once
// Mix-down: any number of mono and stereo stems summed, in float, into a stereo or mono mix.
//
// Signal flow per stem: file -> pre-chain (at the stem's own rate; latency compensated) ->
// libsoxr to the mix rate (when it differs) -> time offset -> gain x polarity x pan -> bus.
// Bus: the sum -> bus chain -> trim -> output stage (layout, rate, dither, atomic writer).
//
// - Pan: a mono stem is panned with the pan law (dsp/pan.hpp); a stereo stem is balanced
//   (unity at the centre), never summed to mono. Into a mono mix a mono stem goes at its gain
//   and a stereo stem as (L + R) / 2.
// - Offsets: positive delays the stem (silence before it), negative drops its first frames.
//   In ms (or s), or in frames of the mix rate.
// - Length: the longest stem, offsets included; shorter stems are padded with silence.
// - Mute and solo: when any stem is soloed only soloed stems play; mute always wins. Muted
//   stems still count for the length (the session keeps its length).
// - Clipping: into an integer format a bus that would clip is trimmed so its sample peak sits at
//   `headroom_dbfs`, and the trim is reported. The mix is first rendered with no trim; when
//   nothing clips that render is the result (one pass). Otherwise its peak is known and the
//   stems are read again with the trim (two passes; the mix is never held in memory).
//   With `trim = false` the mix is written as is and the clipped samples are reported.
// - Memory: one block per stem, whatever the length. Summing loops run over contiguous floats.
#include "tapeop/dsp/chain.hpp"
#include "tapeop/dsp/pan.hpp"
#include "tapeop/passes/render.hpp"
#include "tapeop/steps/registry.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::passes {

struct MixStem {
    std::string path;
    double gain_db = 0.0;
    double pan = 0.0; // -1 (L100) .. 0 (C) .. +1 (R100)
    bool mute = false;
    bool solo = false;
    bool invert = false;
    double offset_s = 0.0;                     // used when offset_frames is not set
    std::optional<std::int64_t> offset_frames; // frames of the mix rate
    ChainBuilder pre_chain;                    // may be empty
};

// The registry's `stem` parameters (gain, pan, mute, solo, polarity, offset) for `path`.
MixStem stem_from_params(const std::string& path, const steps::ParamValues& v);

struct MixSettings {
    int channels = 2; // 1 or 2
    dsp::PanLaw pan_law = dsp::PanLaw::minus3;
    double headroom_dbfs = -1.0;
    bool trim = true;
    int rate = 0; // 0: the first stem's rate
};

// The registry's `mix` parameters (headroom, pan_law, channels, trim, rate).
MixSettings mix_settings_from(const steps::ParamValues& v);

struct MixResult {
    RenderResult render;
    int mix_rate = 0;
    std::int64_t mix_frames = 0; // at the mix rate
    double bus_peak_dbfs = 0.0;  // sample peak of the bus before the trim
    double trim_db = 0.0;        // 0 when not trimmed
    bool trimmed = false;
    int passes = 1;
    std::size_t stems_mixed = 0;
    std::vector<std::string> resampled; // stems conformed to the mix rate
};

// Mixes `stems` into `output_path`. Throws Error naming the stem or the output; then nothing
// is written. `progress` receives mix frames done (the second pass counts again).
MixResult mix(const std::vector<MixStem>& stems, const MixSettings& settings,
              const std::string& output_path, const OutputSettings& output,
              const ChainBuilder& bus_chain = {}, const Progress& progress = {});

} // namespace tapeop::passes
