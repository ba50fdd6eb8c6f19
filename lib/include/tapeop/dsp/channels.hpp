#pragma once
// Channel-count conversion on views (not Processors: the channel count changes).
// `in` and `out` have the same frame count and must not overlap.
#include "tapeop/audio_buffer.hpp"

#include <vector>

namespace tapeop::dsp {

enum class FoldDown {
    average,       // (L + R) / 2: a mono-compatible sum that can never clip; a centred
                   // (identical L/R) signal keeps its level, uncorrelated ones drop 3 dB
    minus_3db_sum, // (L + R) / sqrt(2): the inverse of the constant-power pan law, so
                   // uncorrelated content keeps its power; centred content gains +3 dB
};

// Any channel count to one channel: every channel weighted alike, per `mode`
// (average: 1/N each; minus_3db_sum: 1/sqrt(N) each).
void fold_to_mono(AudioView in, AudioView out, FoldDown mode = FoldDown::average);

// One channel copied to every output channel (mono to stereo: L = R = mono).
void mono_to_many(AudioView in, AudioView out);

// A general remix: out[o] = sum_i matrix[o * in.channels() + i] * in[i], in double.
void remix(AudioView in, AudioView out, const std::vector<double>& matrix);

// The matrix used by convert_channels: N -> 1 averages, 1 -> M copies, N -> M otherwise keeps
// the first min(N, M) channels and drops or silences the rest.
std::vector<double> default_remix_matrix(std::size_t in_channels, std::size_t out_channels);
void convert_channels(AudioView in, AudioView out);

} // namespace tapeop::dsp
