#include "tapeop/layout.hpp"

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

std::string layout_name(const std::vector<Position>& positions) {
    for (const auto& n : named_layouts())
        if (n.positions == positions)
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
        if (order) {
            ChannelLayout l = make_layout((*order)[idx], LayoutSource::default_order);
            // The Vorbis orders are not in mask order; name them by their content.
            if (order == &vorbis_order && channels > 2) {
                std::vector<Position> sorted = l.positions;
                std::sort(sorted.begin(), sorted.end());
                l.name = layout_name(sorted);
            }
            return l;
        }
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
