#include "tapeop/layout.hpp"

#include "io/bytes.hpp"
#include "tapeop/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

namespace tapeop {
namespace {

using P = Position;

constexpr std::array<std::string_view, position_count + 1> position_names = {
    "FL", "FR", "FC",  "LFE", "BL",  "BR",  "FLC", "FRC", "BC",     "SL",
    "SR", "TC", "TFL", "TFC", "TFR", "TBL", "TBC", "TBR", "unknown"};

struct NamedLayout {
    std::string_view name;
    std::vector<Position> positions;
};

// Names as ffmpeg and the film/music industry use them; every one in WAVE mask order, so
// each can be written as a WAVE_FORMAT_EXTENSIBLE mask.
const std::vector<NamedLayout>& named_layouts() {
    static const std::vector<NamedLayout> table = {
        {"mono", {P::FC}},
        {"stereo", {P::FL, P::FR}},
        {"2.1", {P::FL, P::FR, P::LFE}},
        {"3.0", {P::FL, P::FR, P::FC}},
        {"quad", {P::FL, P::FR, P::BL, P::BR}},
        {"quad(side)", {P::FL, P::FR, P::SL, P::SR}},
        {"4.0", {P::FL, P::FR, P::FC, P::BC}},
        {"5.0", {P::FL, P::FR, P::FC, P::BL, P::BR}},
        {"5.0(side)", {P::FL, P::FR, P::FC, P::SL, P::SR}},
        {"5.1", {P::FL, P::FR, P::FC, P::LFE, P::BL, P::BR}},
        {"5.1(side)", {P::FL, P::FR, P::FC, P::LFE, P::SL, P::SR}},
        {"6.1", {P::FL, P::FR, P::FC, P::LFE, P::BC, P::SL, P::SR}},
        {"7.1", {P::FL, P::FR, P::FC, P::LFE, P::BL, P::BR, P::SL, P::SR}},
        {"5.1.2", {P::FL, P::FR, P::FC, P::LFE, P::SL, P::SR, P::TFL, P::TFR}},
        {"5.1.4", {P::FL, P::FR, P::FC, P::LFE, P::SL, P::SR, P::TFL, P::TFR, P::TBL, P::TBR}},
        {"7.1.2", {P::FL, P::FR, P::FC, P::LFE, P::BL, P::BR, P::SL, P::SR, P::TFL, P::TFR}},
        {"7.1.4",
         {P::FL, P::FR, P::FC, P::LFE, P::BL, P::BR, P::SL, P::SR, P::TFL, P::TFR, P::TBL, P::TBR}},
    };
    return table;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<Position> parse_position(std::string_view s) {
    for (int i = 0; i < position_count; ++i)
        if (lower(s) == lower(position_names[static_cast<std::size_t>(i)]))
            return static_cast<Position>(i);
    return std::nullopt;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return std::string(s);
}

std::vector<std::string> split_list(std::string_view text, std::string_view separators) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || separators.find(text[i]) != std::string_view::npos) {
            parts.push_back(trim(text.substr(start, i - start)));
            start = i + 1;
        }
    }
    return parts;
}

// CoreAudio channel labels (CoreAudioBaseTypes.h, kAudioChannelLabel_*).
enum CaLabel : std::uint32_t {
    ca_L = 1,
    ca_R = 2,
    ca_C = 3,
    ca_LFE = 4,
    ca_Ls = 5,
    ca_Rs = 6,
    ca_Lc = 7,
    ca_Rc = 8,
    ca_Cs = 9,
    ca_Lsd = 10,
    ca_Rsd = 11,
    ca_Ts = 12,
    ca_Vhl = 13,
    ca_Vhc = 14,
    ca_Vhr = 15,
    ca_Tbl = 16,
    ca_Tbc = 17,
    ca_Tbr = 18,
    ca_Rls = 33,
    ca_Rrs = 34,
    ca_Lw = 35,
    ca_Rw = 36,
    ca_LFE2 = 37,
    ca_Lt = 38,
    ca_Rt = 39,
    ca_Mono = 42,
    ca_Ltm = 49,
    ca_Rtm = 51,
    ca_Ltr = 52,
    ca_Ctr = 53,
    ca_Rtr = 54,
    ca_HeadphonesLeft = 301,
    ca_HeadphonesRight = 302,
};

// A label's loudspeaker position. Ls/Rs are the surrounds of 5.1 and the side pair of 7.1
// (Apple's own layouts put Rls/Rrs behind them: WAVE_7_1 is L R C LFE Rls Rrs Ls Rs, the WAVE
// order FL FR FC LFE BL BR SL SR); the surround-direct labels are side speakers too.
Position position_of_ca_label(std::uint32_t label) {
    switch (label) {
    case ca_L:
    case ca_HeadphonesLeft:
        return P::FL;
    case ca_R:
    case ca_HeadphonesRight:
        return P::FR;
    case ca_C:
    case ca_Mono:
        return P::FC;
    case ca_LFE:
    case ca_LFE2:
        return P::LFE;
    case ca_Ls:
    case ca_Lsd:
        return P::SL;
    case ca_Rs:
    case ca_Rsd:
        return P::SR;
    case ca_Lc:
        return P::FLC;
    case ca_Rc:
        return P::FRC;
    case ca_Cs:
        return P::BC;
    case ca_Ts:
        return P::TC;
    case ca_Vhl:
        return P::TFL;
    case ca_Vhc:
        return P::TFC;
    case ca_Vhr:
        return P::TFR;
    case ca_Tbl:
    case ca_Ltr:
        return P::TBL;
    case ca_Tbc:
    case ca_Ctr:
        return P::TBC;
    case ca_Tbr:
    case ca_Rtr:
        return P::TBR;
    case ca_Rls:
        return P::BL;
    case ca_Rrs:
        return P::BR;
    default:
        return P::unknown; // wide, top middle, matrix Lt/Rt, ambisonic, discrete, unused
    }
}

struct CaLayout {
    std::uint32_t tag_index; // the tag is (tag_index << 16) | number of labels
    std::vector<std::uint32_t> labels;
};

// The layout tags of CoreAudioBaseTypes.h with their channel order (Apple's comments there;
// the same orders as ffmpeg's mov_chan.c). Tags that are aliases of another (ITU_3_2_1 is
// MPEG_5_1_A, AudioUnit_7_1 is MPEG_7_1_C, ...) share its number and appear once.
const std::vector<CaLayout>& ca_layouts() {
    static const std::vector<CaLayout> table = {
        {100, {ca_C}},                                                   // Mono
        {101, {ca_L, ca_R}},                                             // Stereo
        {102, {ca_L, ca_R}},                                             // StereoHeadphones
        {103, {ca_Lt, ca_Rt}},                                           // MatrixStereo
        {106, {ca_L, ca_R}},                                             // Binaural
        {108, {ca_L, ca_R, ca_Ls, ca_Rs}},                               // Quadraphonic
        {109, {ca_L, ca_R, ca_Rls, ca_Rrs, ca_C}},                       // Pentagonal
        {110, {ca_L, ca_R, ca_Rls, ca_Rrs, ca_C, ca_Cs}},                // Hexagonal
        {111, {ca_L, ca_R, ca_Rls, ca_Rrs, ca_C, ca_Cs, ca_Ls, ca_Rs}},  // Octagonal
        {113, {ca_L, ca_R, ca_C}},                                       // MPEG_3_0_A
        {114, {ca_C, ca_L, ca_R}},                                       // MPEG_3_0_B
        {115, {ca_L, ca_R, ca_C, ca_Cs}},                                // MPEG_4_0_A
        {116, {ca_C, ca_L, ca_R, ca_Cs}},                                // MPEG_4_0_B
        {117, {ca_L, ca_R, ca_C, ca_Ls, ca_Rs}},                         // MPEG_5_0_A
        {118, {ca_L, ca_R, ca_Ls, ca_Rs, ca_C}},                         // MPEG_5_0_B
        {119, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs}},                         // MPEG_5_0_C
        {120, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs}},                         // MPEG_5_0_D
        {121, {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs}},                 // MPEG_5_1_A
        {122, {ca_L, ca_R, ca_Ls, ca_Rs, ca_C, ca_LFE}},                 // MPEG_5_1_B
        {123, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE}},                 // MPEG_5_1_C
        {124, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs, ca_LFE}},                 // MPEG_5_1_D
        {125, {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs, ca_Cs}},          // MPEG_6_1_A
        {126, {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs, ca_Lc, ca_Rc}},   // MPEG_7_1_A
        {127, {ca_C, ca_Lc, ca_Rc, ca_L, ca_R, ca_Ls, ca_Rs, ca_LFE}},   // MPEG_7_1_B
        {128, {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs, ca_Rls, ca_Rrs}}, // MPEG_7_1_C
        {129, {ca_L, ca_R, ca_Ls, ca_Rs, ca_C, ca_LFE, ca_Lc, ca_Rc}},   // Emagic_Default_7_1
        {130, {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs, ca_Lt, ca_Rt}},   // SMPTE_DTV
        {131, {ca_L, ca_R, ca_Cs}},                                      // ITU_2_1
        {132, {ca_L, ca_R, ca_Ls, ca_Rs}},                               // ITU_2_2
        {133, {ca_L, ca_R, ca_LFE}},                                     // DVD_4
        {134, {ca_L, ca_R, ca_LFE, ca_Cs}},                              // DVD_5
        {135, {ca_L, ca_R, ca_LFE, ca_Ls, ca_Rs}},                       // DVD_6
        {136, {ca_L, ca_R, ca_C, ca_LFE}},                               // DVD_10
        {137, {ca_L, ca_R, ca_C, ca_LFE, ca_Cs}},                        // DVD_11
        {138, {ca_L, ca_R, ca_Ls, ca_Rs, ca_LFE}},                       // DVD_18
        {139, {ca_L, ca_R, ca_Ls, ca_Rs, ca_C, ca_Cs}},                  // AudioUnit_6_0
        {140, {ca_L, ca_R, ca_Ls, ca_Rs, ca_C, ca_Rls, ca_Rrs}},         // AudioUnit_7_0
        {141, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs, ca_Cs}},                  // AAC_6_0
        {142, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs, ca_Cs, ca_LFE}},          // AAC_6_1
        {143, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs, ca_Rls, ca_Rrs}},         // AAC_7_0
        {144, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs, ca_Rls, ca_Rrs, ca_Cs}},  // AAC_Octagonal
        {148, {ca_L, ca_R, ca_Ls, ca_Rs, ca_C, ca_Lc, ca_Rc}},           // AudioUnit_7_0_Front
        {149, {ca_C, ca_LFE}},                                           // AC3_1_0_1
        {150, {ca_L, ca_C, ca_R}},                                       // AC3_3_0
        {151, {ca_L, ca_C, ca_R, ca_Cs}},                                // AC3_3_1
        {152, {ca_L, ca_C, ca_R, ca_LFE}},                               // AC3_3_0_1
        {153, {ca_L, ca_R, ca_Cs, ca_LFE}},                              // AC3_2_1_1
        {154, {ca_L, ca_C, ca_R, ca_Cs, ca_LFE}},                        // AC3_3_1_1
        {155, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_Cs}},                  // EAC_6_0_A
        {156, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_Rls, ca_Rrs}},         // EAC_7_0_A
        {157, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Cs}},          // EAC3_6_1_A
        {158, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Ts}},          // EAC3_6_1_B
        {159, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Vhc}},         // EAC3_6_1_C
        {160, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Rls, ca_Rrs}}, // EAC3_7_1_A
        {161, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Lc, ca_Rc}},   // EAC3_7_1_B
        {162, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Lsd, ca_Rsd}}, // EAC3_7_1_C
        {163, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Lw, ca_Rw}},   // EAC3_7_1_D
        {164, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Vhl, ca_Vhr}}, // EAC3_7_1_E
        {165, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Cs, ca_Ts}},   // EAC3_7_1_F
        {166, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Cs, ca_Vhc}},  // EAC3_7_1_G
        {167, {ca_L, ca_C, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Ts, ca_Vhc}},  // EAC3_7_1_H
        {168, {ca_C, ca_L, ca_R, ca_LFE}},                               // DTS_3_1
        {169, {ca_C, ca_L, ca_R, ca_Cs, ca_LFE}},                        // DTS_4_1
        {170, {ca_Lc, ca_Rc, ca_L, ca_R, ca_Ls, ca_Rs}},                 // DTS_6_0_A
        {171, {ca_C, ca_L, ca_R, ca_Rls, ca_Rrs, ca_Ts}},                // DTS_6_0_B
        {172, {ca_C, ca_Cs, ca_L, ca_R, ca_Rls, ca_Rrs}},                // DTS_6_0_C
        {173, {ca_Lc, ca_Rc, ca_L, ca_R, ca_Ls, ca_Rs, ca_LFE}},         // DTS_6_1_A
        {174, {ca_C, ca_L, ca_R, ca_Rls, ca_Rrs, ca_Ts, ca_LFE}},        // DTS_6_1_B
        {175, {ca_C, ca_Cs, ca_L, ca_R, ca_Rls, ca_Rrs, ca_LFE}},        // DTS_6_1_C
        {176, {ca_Lc, ca_C, ca_Rc, ca_L, ca_R, ca_Ls, ca_Rs}},           // DTS_7_0
        {177, {ca_Lc, ca_C, ca_Rc, ca_L, ca_R, ca_Ls, ca_Rs, ca_LFE}},   // DTS_7_1
        {178, {ca_Lc, ca_Rc, ca_L, ca_R, ca_Ls, ca_Rs, ca_Rls, ca_Rrs}}, // DTS_8_0_A
        {179, {ca_Lc, ca_C, ca_Rc, ca_L, ca_R, ca_Ls, ca_Cs, ca_Rs}},    // DTS_8_0_B
        {180, {ca_Lc, ca_Rc, ca_L, ca_R, ca_Ls, ca_Rs, ca_Rls, ca_Rrs, ca_LFE}}, // DTS_8_1_A
        {181, {ca_Lc, ca_C, ca_Rc, ca_L, ca_R, ca_Ls, ca_Cs, ca_Rs, ca_LFE}},    // DTS_8_1_B
        {182, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Cs}},                  // DTS_6_1_D
        {183, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs, ca_Rls, ca_Rrs, ca_LFE}},         // AAC_7_1_B
        {184, {ca_C, ca_L, ca_R, ca_Ls, ca_Rs, ca_LFE, ca_Vhl, ca_Vhr}},         // AAC_7_1_C
        {185, {ca_L, ca_R, ca_Rls, ca_Rrs}},                                     // WAVE_4_0_B
        {186, {ca_L, ca_R, ca_C, ca_Rls, ca_Rrs}},                               // WAVE_5_0_B
        {187, {ca_L, ca_R, ca_C, ca_LFE, ca_Rls, ca_Rrs}},                       // WAVE_5_1_B
        {188, {ca_L, ca_R, ca_C, ca_LFE, ca_Cs, ca_Ls, ca_Rs}},                  // WAVE_6_1
        {189, {ca_L, ca_R, ca_C, ca_LFE, ca_Rls, ca_Rrs, ca_Ls, ca_Rs}},         // WAVE_7_1
        {192,
         {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs, ca_Rls, ca_Rrs, ca_Vhl, ca_Vhr, ca_Ltr,
          ca_Rtr}},                                                      // Atmos_7_1_4
        {194, {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs, ca_Ltm, ca_Rtm}}, // Atmos_5_1_2
        {195, {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs, ca_Vhl, ca_Vhr, ca_Ltr, ca_Rtr}}, // 5_1_4
        {196, {ca_L, ca_R, ca_C, ca_LFE, ca_Ls, ca_Rs, ca_Rls, ca_Rrs, ca_Ltm, ca_Rtm}}, // 7_1_2
    };
    return table;
}

} // namespace

std::string_view position_name(Position p) {
    return position_names[std::min<std::size_t>(static_cast<std::size_t>(p), position_count)];
}

std::string_view layout_source_name(LayoutSource s) {
    switch (s) {
    case LayoutSource::file:
        return "file";
    case LayoutSource::option:
        return "option";
    case LayoutSource::default_order:
        break;
    }
    return "default";
}

bool ChannelLayout::known() const {
    return !positions.empty() &&
           std::none_of(positions.begin(), positions.end(), [](P p) { return p == P::unknown; });
}

double bs1770_weight(Position p, bool has_side_pair) {
    switch (p) {
    case P::LFE:
        return 0.0;
    case P::SL:
    case P::SR:
        return 1.41; // +-90 degrees
    case P::BL:
    case P::BR:
        return has_side_pair ? 1.0 : 1.41; // +-135..150 behind a side pair, else +-110
    default:
        return 1.0; // fronts (0-30 degrees), back centre (180), every height (>= 30 up)
    }
}

std::vector<double> bs1770_weights(const std::vector<Position>& positions) {
    const auto has = [&](P p) {
        return std::find(positions.begin(), positions.end(), p) != positions.end();
    };
    const bool side_pair = has(P::SL) || has(P::SR);
    std::vector<double> w;
    w.reserve(positions.size());
    for (P p : positions)
        w.push_back(bs1770_weight(p, side_pair));
    return w;
}

std::uint32_t wave_channel_mask(const std::vector<Position>& positions) {
    std::uint32_t mask = 0;
    int last = -1;
    for (P p : positions) {
        const int bit = static_cast<int>(p);
        if (p == P::unknown || bit <= last)
            return 0;
        mask |= std::uint32_t{1} << bit;
        last = bit;
    }
    return mask;
}

std::optional<std::vector<Position>> positions_from_mask(std::uint64_t mask, int channels) {
    if (mask == 0 || channels < 1)
        return std::nullopt;
    std::vector<Position> out;
    for (int bit = 0; bit < 32 && (mask >> bit) != 0; ++bit) {
        if (!((mask >> bit) & 1))
            continue;
        if (static_cast<int>(out.size()) == channels)
            return std::nullopt; // more positions than channels: not this file's mask
        out.push_back(bit < position_count ? static_cast<Position>(bit) : P::unknown);
    }
    if (mask >> 32)
        return std::nullopt;
    out.resize(static_cast<std::size_t>(channels), P::unknown);
    return out;
}

std::optional<std::vector<Position>>
positions_from_coreaudio_layout(const unsigned char* chunk, std::size_t size, int channels) {
    constexpr std::uint32_t use_descriptions = 0, use_bitmap = 1u << 16;
    constexpr std::size_t description_bytes = 20; // label, flags, 3 float coordinates
    if (!chunk || size < 12 || channels < 1)
        return std::nullopt;
    using io::bytes::be32;
    const std::uint32_t tag = be32(chunk), bitmap = be32(chunk + 4), descriptions = be32(chunk + 8);
    std::vector<std::uint32_t> labels;
    if (tag == use_bitmap)
        return positions_from_mask(bitmap, channels);
    if (tag == use_descriptions) {
        if (descriptions != static_cast<std::uint32_t>(channels) ||
            (size - 12) / description_bytes < descriptions)
            return std::nullopt;
        for (std::uint32_t i = 0; i < descriptions; ++i)
            labels.push_back(be32(chunk + 12 + i * description_bytes));
    } else {
        const std::uint32_t index = tag >> 16, count = tag & 0xFFFF;
        for (const CaLayout& l : ca_layouts())
            if (l.tag_index == index && l.labels.size() == count)
                labels = l.labels;
    }
    if (labels.size() != static_cast<std::size_t>(channels))
        return std::nullopt;
    std::vector<Position> out;
    for (std::uint32_t label : labels)
        out.push_back(position_of_ca_label(label));
    return out;
}

std::string coreaudio_layout_chunk(const std::vector<Position>& positions) {
    // The WAVE mask's bitmap when the order is the mask's; else one description per channel, the
    // first label (in this order) that reads back as its position; flags and coordinates 0. Unknown
    // positions: kAudioChannelLabel_Unknown.
    static constexpr std::uint32_t preferred[] = {ca_L,   ca_R,   ca_C,   ca_LFE, ca_Ls,  ca_Rs,
                                                  ca_Lc,  ca_Rc,  ca_Cs,  ca_Rls, ca_Rrs, ca_Ts,
                                                  ca_Vhl, ca_Vhc, ca_Vhr, ca_Tbl, ca_Tbc, ca_Tbr};
    constexpr std::uint32_t unknown_label = 0xFFFFFFFFu;
    std::string out;
    auto put = [&out](std::uint32_t v) { io::bytes::append_be32(out, v); };
    if (const std::uint32_t mask = wave_channel_mask(positions); mask != 0) {
        put(1u << 16); // kAudioChannelLayoutTag_UseChannelBitmap: what FFmpeg reads best
        put(mask);
        put(0);
        return out;
    }
    put(0); // kAudioChannelLayoutTag_UseChannelDescriptions
    put(0); // mChannelBitmap
    put(static_cast<std::uint32_t>(positions.size()));
    for (P p : positions) {
        std::uint32_t label = unknown_label;
        for (std::uint32_t l : preferred)
            if (p != P::unknown && position_of_ca_label(l) == p) {
                label = l;
                break;
            }
        put(label);
        for (int i = 0; i < 4; ++i)
            put(0); // mChannelFlags, mCoordinates[3]
    }
    return out;
}

std::string layout_name(const std::vector<Position>& positions) {
    for (const auto& n : named_layouts())
        if (n.positions == positions)
            return std::string(n.name);
    // The same loudspeakers in another order (CAF's MPEG_7_1_C, the Vorbis orders).
    std::vector<Position> sorted = positions;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end())
        for (const auto& n : named_layouts())
            if (n.positions == sorted)
                return std::string(n.name);
    std::string s;
    for (P p : positions) {
        if (!s.empty())
            s += '+';
        s += position_name(p);
    }
    return s.empty() ? "unknown" : s;
}

ChannelLayout make_layout(std::vector<Position> positions, LayoutSource source) {
    ChannelLayout l;
    l.name = layout_name(positions);
    l.weights = bs1770_weights(positions);
    l.positions = std::move(positions);
    l.source = source;
    return l;
}

ChannelLayout default_layout(std::string_view format, int channels) {
    // FLAC format specification (RFC 9639, 9.1.3): the channel assignment for 1-8 channels.
    static const std::array<std::vector<Position>, 8> flac_order = {{
        {P::FC},
        {P::FL, P::FR},
        {P::FL, P::FR, P::FC},
        {P::FL, P::FR, P::BL, P::BR},
        {P::FL, P::FR, P::FC, P::SL, P::SR},
        {P::FL, P::FR, P::FC, P::LFE, P::SL, P::SR},
        {P::FL, P::FR, P::FC, P::LFE, P::BC, P::SL, P::SR},
        {P::FL, P::FR, P::FC, P::LFE, P::BL, P::BR, P::SL, P::SR},
    }};
    // Vorbis I specification 4.3.9 (also Opus mapping family 1, RFC 7845 5.1.1.2). libsndfile
    // hands the channels over in this order, unchanged.
    static const std::array<std::vector<Position>, 8> vorbis_order = {{
        {P::FC},
        {P::FL, P::FR},
        {P::FL, P::FC, P::FR},
        {P::FL, P::FR, P::BL, P::BR},
        {P::FL, P::FC, P::FR, P::BL, P::BR},
        {P::FL, P::FC, P::FR, P::BL, P::BR, P::LFE},
        {P::FL, P::FC, P::FR, P::SL, P::SR, P::BC, P::LFE},
        {P::FL, P::FC, P::FR, P::SL, P::SR, P::BL, P::BR, P::LFE},
    }};
    const auto idx = static_cast<std::size_t>(channels - 1);
    if (channels >= 1 && channels <= 8) {
        const std::array<std::vector<Position>, 8>* order = nullptr;
        if (format == "flac")
            order = &flac_order;
        else if (format == "ogg" || format == "opus")
            order = &vorbis_order;
        if (order) // (the Vorbis orders are not in mask order; layout_name names them anyway)
            return make_layout((*order)[idx], LayoutSource::default_order);
    }
    // The common WAV order (the first bits of the WAVE mask), as tapeop always weighted it:
    // mono, stereo, L R C Ls Rs (5.0) and L R C LFE Ls Rs (5.1); 3 and 4 channels have no
    // common order, so no position and weight 1.0 each.
    static const std::array<std::vector<Position>, 6> wav_order = {{
        {P::FC},
        {P::FL, P::FR},
        {},
        {},
        {P::FL, P::FR, P::FC, P::BL, P::BR},
        {P::FL, P::FR, P::FC, P::LFE, P::BL, P::BR},
    }};
    if (channels >= 1 && channels <= 6 && !wav_order[idx].empty())
        return make_layout(wav_order[idx], LayoutSource::default_order);
    ChannelLayout l;
    l.positions.assign(static_cast<std::size_t>(std::max(channels, 0)), P::unknown);
    l.name = "unknown";
    l.weights.assign(l.positions.size(), 1.0);
    if (channels > 6)
        l.warning = std::to_string(channels) +
                    " channels without a channel layout in the file: loudness assumes weight 1.0 "
                    "for every channel (no LFE, no surrounds); name the layout with --layout or "
                    "the weights with --channel-weights";
    return l;
}

std::optional<std::vector<Position>> parse_layout(std::string_view text) {
    const std::string t = lower(trim(text));
    for (const auto& n : named_layouts())
        if (t == n.name)
            return n.positions;
    if (t.find_first_of("+,") == std::string::npos && !parse_position(t))
        return std::nullopt;
    std::vector<Position> out;
    for (const std::string& part : split_list(t, "+,")) {
        const auto p = parse_position(part);
        if (!p)
            return std::nullopt;
        out.push_back(*p);
    }
    return out;
}

std::string known_layout_names() {
    std::string s;
    for (const auto& n : named_layouts()) {
        if (!s.empty())
            s += ' ';
        s += n.name;
    }
    return s;
}

LayoutOverride parse_layout_override(const std::string& layout,
                                     const std::string& channel_weights) {
    LayoutOverride o;
    o.layout_text = layout;
    if (!layout.empty()) {
        o.positions = parse_layout(layout);
        if (!o.positions)
            throw UsageError("--layout: unknown layout '" + layout + "' (known: " +
                             known_layout_names() + ", or positions such as FL+FR+LFE)");
    }
    if (!channel_weights.empty()) {
        std::vector<double> w;
        for (const std::string& part : split_list(channel_weights, ",")) {
            double v = 0.0;
            const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
            if (part.empty() || ec != std::errc() || end != part.data() + part.size() ||
                !std::isfinite(v) || v < 0.0 || v > 10.0)
                throw UsageError(
                    "--channel-weights: '" + part +
                    "' is not a weight (a number from 0 to 10, e.g. 1,1,1,0,1.41,1.41)");
            w.push_back(v);
        }
        if (std::all_of(w.begin(), w.end(), [](double v) { return v == 0.0; }))
            throw UsageError("--channel-weights: every weight is 0, nothing would be measured");
        o.weights = std::move(w);
    }
    if (o.positions && o.weights && o.positions->size() != o.weights->size())
        throw UsageError("--layout " + layout + " has " + std::to_string(o.positions->size()) +
                         " channels but --channel-weights gives " +
                         std::to_string(o.weights->size()) + " weights");
    return o;
}

ChannelLayout apply_override(const ChannelLayout& file_layout, const LayoutOverride& o,
                             const std::string& path) {
    const int channels = file_layout.channels();
    ChannelLayout l = file_layout;
    if (o.positions) {
        if (static_cast<int>(o.positions->size()) != channels)
            throw Error("--layout " + o.layout_text + " has " +
                            std::to_string(o.positions->size()) + " channels, the file has " +
                            std::to_string(channels),
                        path);
        l = make_layout(*o.positions, LayoutSource::option);
    }
    if (o.weights) {
        if (static_cast<int>(o.weights->size()) != channels)
            throw Error("--channel-weights gives " + std::to_string(o.weights->size()) +
                            " weights, the file has " + std::to_string(channels) + " channels",
                        path);
        l.weights = *o.weights;
        l.source = LayoutSource::option;
    }
    l.warning.clear();
    return l;
}

} // namespace tapeop
