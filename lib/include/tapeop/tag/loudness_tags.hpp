#pragma once
// Loudness tags: what a player reads to play a file at a common loudness, computed from the
// measured levels (analysis/analyze.hpp), in the form each container's readers expect.
//
//  - ReplayGain 2.0 (FLAC and Ogg Vorbis comments, MP3 ID3v2 TXXX frames, MP4 freeform atoms
//    "----:com.apple.iTunes:REPLAYGAIN_TRACK_GAIN" ...): reference -18 LUFS,
//    REPLAYGAIN_TRACK_GAIN = -18 - integrated, "%.2f dB"; REPLAYGAIN_TRACK_PEAK = the true
//    peak (BS.1770-4, 4x oversampled) as a linear value, "%.6f". That is what loudgain writes
//    in its ReplayGain 2.0 modes (`-s i`, `-s e`): its peak is libebur128's true peak,
//    measured here (tests/cli/test_tag.sh). ALBUM_GAIN/_PEAK: all tracks as one programme
//    (analysis::analyze_album), the album peak the highest track peak.
//  - Opus (RFC 7845 section 5.2.1): R128_TRACK_GAIN / R128_ALBUM_GAIN, relative to -23 LUFS, as
//    a Q7.8 integer: round(256 x (-23 - integrated)), clamped to int16. They apply on top of
//    the header's output gain, which is left as it is: the levels are measured on the decoded
//    audio, output gain included.
//  - WAV/RF64: bext version 2 (EBU Tech 3285 v2): LoudnessValue, LoudnessRange,
//    MaxTruePeakLevel, MaxMomentaryLoudness, MaxShortTermLoudness, value x 100 rounded (unset:
//    0x7FFF); bext has no album fields.
// Silence (integrated -inf) has no gain: such a file gets no gain tags (refused by tag_file).
#include "tapeop/analysis/analyze.hpp"
#include "tapeop/io/format.hpp"
#include "tapeop/io/metadata.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tapeop::tag {

inline constexpr double replaygain_reference_lufs = -18.0;
inline constexpr double r128_reference_lufs = -23.0;

// The levels tags are computed from (analyze's names and units; -inf: silence).
struct Levels {
    double integrated_lufs = 0.0;
    double loudness_range_lu = 0.0;
    double true_peak_dbtp = 0.0;
    double sample_peak_dbfs = 0.0;
    double momentary_max_lufs = 0.0;
    double short_term_max_lufs = 0.0;
};
Levels levels_of(const analysis::FileAnalysis& a);
Levels levels_of(const analysis::AlbumAnalysis& a); // no momentary / short-term maxima (-inf)

// "-3.07 dB": the ReplayGain 2.0 gain for `integrated_lufs`.
std::string replaygain_gain(double integrated_lufs);
// "0.263339": a peak in dBTP as the linear value ReplayGain stores.
std::string replaygain_peak(double true_peak_dbtp);
// round(256 x (-23 - integrated)), clamped to -32768..32767 (RFC 7845 Q7.8).
int r128_gain_q78(double integrated_lufs);

enum class Scheme { replaygain, r128, bext };
// "replaygain" | "r128" | "bext"
std::string_view scheme_name(Scheme s);
// By what the file is (io::FileInfo::format / subtype): FLAC, Ogg Vorbis, MP3 and MP4 take
// ReplayGain, Opus R128, WAV and RF64 bext. Throws UsageError naming the file for the rest
// (AIFF, W64, CAF, ADTS AAC have no loudness tag that players read).
Scheme scheme_for(const io::FileInfo& info);

// Tag names and values, in the order written. For bext, the five field names as EBU Tech
// 3285 spells them with the stored value / 100 ("-21.07", "unset").
using Tags = std::vector<std::pair<std::string, std::string>>;
// The tags for a track, and its album's when `album` is given (not for bext).
Tags loudness_tags(Scheme s, const Levels& track, const Levels* album = nullptr);

// The bext loudness fields of `levels` (set_loudness's input).
io::LoudnessFields bext_fields(const Levels& levels);

} // namespace tapeop::tag
