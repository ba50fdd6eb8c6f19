#pragma once
// File formats: containers chosen by extension, sample formats by name (pcm16, pcm24, pcm32,
// float), and what a file turned out to be when opened.
#include "tapeop/layout.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tapeop::io {

enum class SampleFormat { pcm8, pcm16, pcm24, pcm32, float32, float64, lossy, other };

// JSON and CLI name: "pcm16", "pcm24", "pcm32", "float", "double", "pcm8", "lossy", "other".
std::string_view sample_format_name(SampleFormat f);
// "16" | "24" | "32" | "float" (also "pcm16", "pcm24", "pcm32", "f32"). Throws UsageError.
SampleFormat parse_bits(std::string_view text);
bool is_integer(SampleFormat f);
// Bits of an integer format (8, 16, 24, 32); 0 otherwise.
int integer_bits(SampleFormat f);

// What an opened file is.
struct FileInfo {
    std::string path;
    std::string
        format; // container: "wav", "flac", "aiff", "ogg", "opus", "mp3", "w64", "rf64", "caf", ...
    std::string subtype; // sample encoding: "pcm16", "pcm24", "float", "vorbis", "opus", "mp3", ...
    SampleFormat sample_format = SampleFormat::other;
    int sample_rate = 0;
    int channels = 0;
    std::int64_t frames = 0;
    // Loudspeaker position and BS.1770 weight of each channel: from the file when it says
    // (see layout.hpp), else its container's default order; the CLI's --layout /
    // --channel-weights replace it. Empty when the info did not come from a reader.
    ChannelLayout layout;
    double duration_s() const { return sample_rate > 0 ? double(frames) / sample_rate : 0.0; }
};

// An output container, from a path's extension.
struct Container {
    std::string_view extension; // without the dot, lower case
    std::string_view name;      // as reported in FileInfo::format
    int sf_major = 0;           // libsndfile major format
    bool lossy = false;         // Vorbis, Opus, MP3: no sample format to choose
};

// The container for `path`'s extension. Throws UsageError naming the path and the known
// extensions when unknown.
const Container& container_for_path(const std::string& path);
// The extension (with its dot) of an output written into a folder for `input` when no other
// is asked for: the input's own, except for containers tapeop reads but does not write
// (.m4a, .mp4, .aac, ...), whose outputs are WAV (it holds ALAC's samples and AAC's floats).
std::string folder_output_extension(const std::string& input);
// "wav flac aiff ..." for help texts.
std::string known_extensions();

// The sample format to write: `requested` when given (validated against the container),
// otherwise the input's when the container can hold it, otherwise the nearest it can.
SampleFormat output_sample_format(const Container& c, SampleFormat input,
                                  std::optional<SampleFormat> requested, const std::string& path);

// The libsndfile format word for container + sample format at `sample_rate`; throws UsageError
// naming `path` for combinations the container cannot hold (e.g. Opus at 44.1 kHz).
int sf_format_word(const Container& c, SampleFormat f, int sample_rate, int channels,
                   const std::string& path);

} // namespace tapeop::io
