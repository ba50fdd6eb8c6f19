#include "tapeop/io/format.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <sndfile.h>

namespace tapeop::io {
namespace {

// SF_FORMAT_MPEG_LAYER_III etc. exist from libsndfile 1.1.
constexpr std::array<Container, 13> containers{{
    {"wav", "wav", SF_FORMAT_WAV, false},
    {"wave", "wav", SF_FORMAT_WAV, false},
    {"flac", "flac", SF_FORMAT_FLAC, false},
    {"aiff", "aiff", SF_FORMAT_AIFF, false},
    {"aif", "aiff", SF_FORMAT_AIFF, false},
    {"ogg", "ogg", SF_FORMAT_OGG, true},
    {"oga", "ogg", SF_FORMAT_OGG, true},
    {"opus", "opus", SF_FORMAT_OGG, true},
    {"mp3", "mp3", SF_FORMAT_MPEG, true},
    {"w64", "w64", SF_FORMAT_W64, false},
    {"rf64", "rf64", SF_FORMAT_RF64, false},
    {"caf", "caf", SF_FORMAT_CAF, false},
    {"au", "au", SF_FORMAT_AU, false},
}};

// Read through libavformat (io/libav_input.hpp), not written: an MP4 muxer and an AAC encoder
// of delivery quality are ffmpeg's job.
constexpr std::array<std::string_view, 5> read_only_extensions{"m4a", "mp4", "m4b", "aac", "alac"};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

} // namespace

std::string_view sample_format_name(SampleFormat f) {
    switch (f) {
    case SampleFormat::pcm8:
        return "pcm8";
    case SampleFormat::pcm16:
        return "pcm16";
    case SampleFormat::pcm24:
        return "pcm24";
    case SampleFormat::pcm32:
        return "pcm32";
    case SampleFormat::float32:
        return "float";
    case SampleFormat::float64:
        return "double";
    case SampleFormat::lossy:
        return "lossy";
    case SampleFormat::other:
        break;
    }
    return "other";
}

SampleFormat parse_bits(std::string_view text) {
    const std::string t = lower(std::string(text));
    if (t == "16" || t == "pcm16")
        return SampleFormat::pcm16;
    if (t == "24" || t == "pcm24")
        return SampleFormat::pcm24;
    if (t == "32" || t == "pcm32")
        return SampleFormat::pcm32;
    if (t == "8" || t == "pcm8")
        return SampleFormat::pcm8;
    if (t == "float" || t == "f32" || t == "float32")
        return SampleFormat::float32;
    if (t == "double" || t == "f64" || t == "float64")
        return SampleFormat::float64;
    throw UsageError("unknown sample format '" + std::string(text) +
                     "' (expected 16, 24, 32 or float)");
}

bool is_integer(SampleFormat f) {
    return integer_bits(f) > 0;
}

int integer_bits(SampleFormat f) {
    switch (f) {
    case SampleFormat::pcm8:
        return 8;
    case SampleFormat::pcm16:
        return 16;
    case SampleFormat::pcm24:
        return 24;
    case SampleFormat::pcm32:
        return 32;
    default:
        return 0;
    }
}

const Container& container_for_path(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
        const std::string ext = lower(path.substr(dot + 1));
        for (const auto& c : containers)
            if (c.extension == ext)
                return c;
        for (const auto read_only : read_only_extensions)
            if (ext == read_only)
                throw UsageError("tapeop reads ." + ext +
                                     " files but does not write them; "
                                     "write .wav or .flac and encode that with ffmpeg",
                                 path);
        throw UsageError(
            "unknown output extension '." + ext + "' (known: " + known_extensions() + ")", path);
    }
    throw UsageError(
        "output has no extension to pick a format from (known: " + known_extensions() + ")", path);
}

std::string folder_output_extension(const std::string& input) {
    const std::string ext = std::filesystem::path(input).extension().string();
    const std::string bare = lower(ext.empty() ? ext : ext.substr(1));
    for (const auto read_only : read_only_extensions)
        if (bare == read_only)
            return ".wav";
    return ext;
}

std::string known_extensions() {
    std::string out;
    for (const auto& c : containers) {
        if (!out.empty())
            out += " ";
        out += ".";
        out += c.extension;
    }
    return out;
}

SampleFormat output_sample_format(const Container& c, SampleFormat input,
                                  std::optional<SampleFormat> requested, const std::string& path) {
    if (c.lossy) {
        if (requested && *requested != SampleFormat::lossy)
            throw UsageError("." + std::string(c.extension) +
                                 " is a lossy format; it has no bit depth to choose",
                             path);
        return SampleFormat::lossy;
    }
    const bool flac = c.sf_major == SF_FORMAT_FLAC;
    if (requested) {
        if (flac && (*requested == SampleFormat::pcm32 || !is_integer(*requested)))
            throw UsageError("FLAC holds 8, 16 or 24-bit integer samples, not " +
                                 std::string(sample_format_name(*requested)),
                             path);
        return *requested;
    }
    switch (input) {
    case SampleFormat::pcm8:
    case SampleFormat::pcm16:
    case SampleFormat::pcm24:
        return input;
    case SampleFormat::pcm32:
        return flac ? SampleFormat::pcm24 : input;
    case SampleFormat::float32:
    case SampleFormat::float64:
        return flac ? SampleFormat::pcm24 : input;
    default:
        return flac ? SampleFormat::pcm24 : SampleFormat::float32; // from lossy or exotic
    }
}

int sf_format_word(const Container& c, SampleFormat f, int sample_rate, int channels,
                   const std::string& path) {
    int sub = 0;
    if (c.extension == "opus") {
        const int ok[] = {8000, 12000, 16000, 24000, 48000};
        if (std::find(std::begin(ok), std::end(ok), sample_rate) == std::end(ok))
            throw UsageError("Opus needs 8, 12, 16, 24 or 48 kHz, not " +
                                 std::to_string(sample_rate) + " Hz (add --rate 48000)",
                             path);
        sub = SF_FORMAT_OPUS;
    } else if (c.sf_major == SF_FORMAT_OGG) {
        sub = SF_FORMAT_VORBIS;
    } else if (c.sf_major == SF_FORMAT_MPEG) {
        const int ok[] = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000};
        if (std::find(std::begin(ok), std::end(ok), sample_rate) == std::end(ok))
            throw UsageError("MP3 needs a rate from 8 to 48 kHz, not " +
                                 std::to_string(sample_rate) + " Hz (add --rate 44100)",
                             path);
        if (channels > 2)
            throw UsageError("MP3 holds at most 2 channels", path);
        sub = SF_FORMAT_MPEG_LAYER_III;
    } else {
        switch (f) {
        case SampleFormat::pcm8:
            sub = c.sf_major == SF_FORMAT_WAV ? SF_FORMAT_PCM_U8 : SF_FORMAT_PCM_S8;
            break;
        case SampleFormat::pcm16:
            sub = SF_FORMAT_PCM_16;
            break;
        case SampleFormat::pcm24:
            sub = SF_FORMAT_PCM_24;
            break;
        case SampleFormat::pcm32:
            sub = SF_FORMAT_PCM_32;
            break;
        case SampleFormat::float32:
            sub = SF_FORMAT_FLOAT;
            break;
        case SampleFormat::float64:
            sub = SF_FORMAT_DOUBLE;
            break;
        default:
            throw UsageError("no sample format to write", path);
        }
        if (c.sf_major == SF_FORMAT_FLAC && sample_rate > 655350)
            throw UsageError("FLAC cannot hold a rate of " + std::to_string(sample_rate) + " Hz",
                             path);
    }
    SF_INFO probe{};
    probe.samplerate = sample_rate;
    probe.channels = channels;
    probe.format = c.sf_major | sub;
    if (!sf_format_check(&probe))
        throw UsageError("." + std::string(c.extension) + " cannot hold " +
                             std::to_string(channels) + " channels of " +
                             std::string(sample_format_name(f)) + " at " +
                             std::to_string(sample_rate) + " Hz",
                         path);
    return probe.format;
}

} // namespace tapeop::io
