#include "tapeop/tag/loudness_tags.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tapeop::tag {
namespace {

std::string printf_text(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// A bext loudness field as stored (value x 100) back in its unit, or "unset".
std::string bext_text(std::int16_t v) {
    return v == io::bext_unset ? std::string("unset") : printf_text("%.2f", v / 100.0);
}

} // namespace

Levels levels_of(const analysis::FileAnalysis& a) {
    return {a.integrated_lufs,  a.loudness_range_lu,  a.true_peak_dbtp,
            a.sample_peak_dbfs, a.momentary_max_lufs, a.short_term_max_lufs};
}

Levels levels_of(const analysis::AlbumAnalysis& a) {
    constexpr double none = -std::numeric_limits<double>::infinity();
    return {
        a.integrated_lufs, a.loudness_range_lu, a.true_peak_dbtp, a.sample_peak_dbfs, none, none};
}

std::string replaygain_gain(double integrated_lufs) {
    // "%.2f" of -0.001 prints "-0.00": a gain that rounds to zero is written "0.00 dB".
    double g = replaygain_reference_lufs - integrated_lufs;
    if (std::abs(g) < 0.005)
        g = 0.0;
    return printf_text("%.2f dB", g);
}

std::string replaygain_peak(double true_peak_dbtp) {
    return printf_text("%.6f",
                       std::isfinite(true_peak_dbtp) ? std::pow(10.0, true_peak_dbtp / 20.0) : 0.0);
}

int r128_gain_q78(double integrated_lufs) {
    const double q = std::round(256.0 * (r128_reference_lufs - integrated_lufs));
    return static_cast<int>(std::clamp(q, -32768.0, 32767.0));
}

std::string_view scheme_name(Scheme s) {
    switch (s) {
    case Scheme::replaygain:
        return "replaygain";
    case Scheme::r128:
        return "r128";
    case Scheme::bext:
        return "bext";
    }
    return "?";
}

Scheme scheme_for(const io::FileInfo& info) {
    if (info.subtype == "opus")
        return Scheme::r128;
    if (info.format == "flac" || info.format == "mp3" || info.format == "m4a" ||
        (info.format == "ogg" && info.subtype == "vorbis"))
        return Scheme::replaygain;
    if (info.format == "wav" || info.format == "rf64")
        return Scheme::bext;
    throw UsageError("no loudness tag for " + info.format +
                         " files (tag writes FLAC, Ogg Vorbis, MP3, MP4/M4A, Opus, WAV and RF64)",
                     info.path);
}

io::LoudnessFields bext_fields(const Levels& l) {
    return {l.integrated_lufs, l.loudness_range_lu, l.true_peak_dbtp, l.momentary_max_lufs,
            l.short_term_max_lufs};
}

Tags loudness_tags(Scheme s, const Levels& track, const Levels* album) {
    Tags t;
    switch (s) {
    case Scheme::replaygain:
        t.emplace_back("REPLAYGAIN_TRACK_GAIN", replaygain_gain(track.integrated_lufs));
        t.emplace_back("REPLAYGAIN_TRACK_PEAK", replaygain_peak(track.true_peak_dbtp));
        if (album) {
            t.emplace_back("REPLAYGAIN_ALBUM_GAIN", replaygain_gain(album->integrated_lufs));
            t.emplace_back("REPLAYGAIN_ALBUM_PEAK", replaygain_peak(album->true_peak_dbtp));
        }
        break;
    case Scheme::r128:
        t.emplace_back("R128_TRACK_GAIN", std::to_string(r128_gain_q78(track.integrated_lufs)));
        if (album)
            t.emplace_back("R128_ALBUM_GAIN",
                           std::to_string(r128_gain_q78(album->integrated_lufs)));
        break;
    case Scheme::bext: {
        io::Bext b;
        io::set_loudness(b, bext_fields(track));
        t.emplace_back("LoudnessValue", bext_text(b.loudness_value));
        t.emplace_back("LoudnessRange", bext_text(b.loudness_range));
        t.emplace_back("MaxTruePeakLevel", bext_text(b.max_true_peak_level));
        t.emplace_back("MaxMomentaryLoudness", bext_text(b.max_momentary_loudness));
        t.emplace_back("MaxShortTermLoudness", bext_text(b.max_shortterm_loudness));
        break;
    }
    }
    return t;
}

} // namespace tapeop::tag
