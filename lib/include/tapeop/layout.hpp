#pragma once
// Channel layouts: which loudspeaker position each channel of a file feeds, where that came
// from, and the ITU-R BS.1770-5 loudness weight of each channel.
//
// Positions are those of the WAVE_FORMAT_EXTENSIBLE channel mask (Microsoft KSAUDIO_SPEAKER_*
// bits, in bit order; libsndfile's SF_CHANNEL_MAP_* names them too), plus `unknown`. A layout
// always has one position and one weight per channel of its file.
//
// Sources: "file" (a WAVE_FORMAT_EXTENSIBLE mask, a CAF channel layout, a FLAC
// WAVEFORMATEXTENSIBLE_CHANNEL_MASK comment), "default" (no layout in the file: the order its
// container implies, see default_layout), "option" (--layout or --channel-weights).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapeop {

// In WAVE_FORMAT_EXTENSIBLE bit order: mask bit = 1 << index, FL (0x1) to TBR (0x20000).
enum class Position : std::uint8_t {
    FL,
    FR,
    FC,
    LFE,
    BL,
    BR,
    FLC,
    FRC,
    BC,
    SL,
    SR,
    TC,
    TFL,
    TFC,
    TFR,
    TBL,
    TBC,
    TBR,
    unknown
};
inline constexpr int position_count = 18; // positions with a mask bit

// "FL", "FR", ..., "TBR", "unknown".
std::string_view position_name(Position p);

enum class LayoutSource { default_order, file, option };
// "default", "file", "option".
std::string_view layout_source_name(LayoutSource s);

struct ChannelLayout {
    std::vector<Position> positions; // one per channel
    std::string name;                // "stereo", "5.1", "7.1.4", ...; "FL+FR+LFE"-style otherwise
    LayoutSource source = LayoutSource::default_order;
    std::vector<double> weights; // BS.1770 weight per channel (set by the functions below)
    // Set when the weights rest on an assumption the user should know about (more than six
    // channels and no layout in the file); empty otherwise.
    std::string warning;

    int channels() const { return static_cast<int>(positions.size()); }
    // Whether every channel has a known position (a mask can describe it).
    bool known() const;
};

// ITU-R BS.1770-5, Table 4 ("position-dependent channel weightings"): G = 1.41 (+1.5 dB) for
// a loudspeaker at 60 <= |azimuth| <= 120 degrees and elevation < 30 degrees, 0 for the LFE
// (excluded from the measurement), 1.0 for every other position (heights included: the top
// positions are at elevation >= 30 degrees). Azimuths are the nominal ones of ITU-R BS.2051:
// SL/SR +-90 (side surrounds), BL/BR +-135..150 (rear surrounds), BC 180, FLC/FRC +-15.
// `has_side_pair`: BL/BR without SL/SR are the surrounds of a 5.1/5.0/quad layout, placed at
// +-110 (ITU-R BS.775: the classic WAVE mask 0x3F names them "back"), hence 1.41; next to a
// side pair (7.1) they are the rear surrounds, hence 1.0.
double bs1770_weight(Position p, bool has_side_pair);
// The weights of `positions` by bs1770_weight; unknown positions weigh 1.0.
std::vector<double> bs1770_weights(const std::vector<Position>& positions);

// The WAVE_FORMAT_EXTENSIBLE mask of a layout whose positions are all known, distinct and in
// ascending bit order (what the mask can express); 0 otherwise.
std::uint32_t wave_channel_mask(const std::vector<Position>& positions);
// The positions of a mask with one bit per channel (extra channels beyond the set bits are
// unknown, as the WAVE format specifies); nullopt when the mask names more positions than
// there are channels or is 0.
std::optional<std::vector<Position>> positions_from_mask(std::uint64_t mask, int channels);

// The positions of a CoreAudio channel layout (Apple, CoreAudioBaseTypes.h: the payload of
// CAF's 'chan' chunk and AIFF's 'CHAN' chunk, big-endian: mChannelLayoutTag, mChannelBitmap,
// mNumberChannelDescriptions, then 20 bytes per description of which the first 4 are its
// mChannelLabel) for a file of `channels` channels:
//  - a layout tag names the labels in channel order (MPEG_7_1_C: L R C LFE Ls Rs Rls Rrs);
//  - kAudioChannelLayoutTag_UseChannelBitmap: the bitmap, whose bits are the WAVE mask's;
//  - kAudioChannelLayoutTag_UseChannelDescriptions: one label per channel.
// Labels map as Apple maps WAVE files and as ffmpeg reads them: Left, Right, Center, LFEScreen
// FL FR FC LFE; LeftSurround/RightSurround (Ls Rs) SL SR, the surround pair of 5.1 and the
// side pair of 7.1; RearSurroundLeft/Right (Rls Rrs) BL BR; CenterSurround BC; LeftCenter and
// RightCenter FLC FRC; the Vertical Height and Top Back labels TFL TFC TFR TBL TBC TBR; labels
// without a WAVE position (wide, top middle, ambisonic components) are unknown. nullopt when
// the chunk is malformed, the tag is unknown or says nothing about positions
// (DiscreteInOrder, ambisonics, Unknown), or its channel count is not `channels`.
std::optional<std::vector<Position>>
positions_from_coreaudio_layout(const unsigned char* chunk, std::size_t size, int channels);
// The CoreAudio channel layout (the payload of AIFF's 'CHAN' chunk) that declares `positions`:
// kAudioChannelLayoutTag_UseChannelBitmap with the WAVE mask when they are in its order (as
// FFmpeg reads it too), else channel by channel (kAudioChannelLayoutTag_UseChannelDescriptions)
// with the labels the reader above maps back to them (kAudioChannelLabel_Unknown for none).
std::string coreaudio_layout_chunk(const std::vector<Position>& positions);

// A layout from positions (source given), named and weighted.
ChannelLayout make_layout(std::vector<Position> positions, LayoutSource source);

// The layout of a file with `channels` channels whose container `format` ("wav", "flac",
// "ogg", "opus", ... as FileInfo::format) stores none:
//  - FLAC: the FLAC format's channel order (1-8 channels: mono, stereo, 3.0, quad, 5.0(side),
//    5.1(side), 6.1, 7.1); Ogg Vorbis and Opus: the Vorbis order (L C R, ..., LFE last).
//  - everything else (WAV without a mask, AIFF, W64, ...): the common WAV order, weighted as
//    tapeop always did: mono, stereo, 5.0 as L R C Ls Rs (1, 1, 1, 1.41, 1.41), 5.1 as
//    L R C LFE Ls Rs (1, 1, 1, 0, 1.41, 1.41); 3, 4 and more than 6 channels: positions
//    unknown, 1.0 each, and for more than 6 a warning naming that assumption.
ChannelLayout default_layout(std::string_view format, int channels);

// A named layout ("mono", "stereo", "2.1", "3.0", "quad", "quad(side)", "4.0", "5.0",
// "5.0(side)", "5.1", "5.1(side)", "6.1", "7.1", "5.1.2", "5.1.4", "7.1.2", "7.1.4"), or a
// list of positions joined by '+' or ',' ("FL+FR+LFE"); nullopt when not one of these.
std::optional<std::vector<Position>> parse_layout(std::string_view text);
// "mono stereo 2.1 ..." for help texts and errors.
std::string known_layout_names();
// The name of `positions` when it is a named layout, also in another order (CAF's MPEG_7_1_C
// order FL FR FC LFE SL SR BL BR is a "7.1"), else the positions joined by '+'.
std::string layout_name(const std::vector<Position>& positions);

// What --layout / --channel-weights ask for. Parsed once (UsageError on a bad value), applied
// to each file (Error naming the file when the channel counts differ).
struct LayoutOverride {
    std::string layout_text; // as typed, for messages
    std::optional<std::vector<Position>> positions;
    std::optional<std::vector<double>> weights;
    bool empty() const { return !positions && !weights; }
};
// Throws UsageError naming the option.
LayoutOverride parse_layout_override(const std::string& layout, const std::string& channel_weights);
// `file_layout` with the override applied; throws Error naming `path` when the override does
// not have the file's channel count.
ChannelLayout apply_override(const ChannelLayout& file_layout, const LayoutOverride& o,
                             const std::string& path);

} // namespace tapeop
