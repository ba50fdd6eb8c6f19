#include "tapeop/io/reader.hpp"

#include "tapeop/error.hpp"
#include "tapeop/units.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sndfile.h>
#include <sys/stat.h>

namespace tapeop::io {
namespace {

// Upper bounds on headers we accept; anything beyond is a corrupt or hostile file.
constexpr int max_channels = 1024;
constexpr int max_sample_rate = 8 * 384000;

std::string container_name(int format) {
    switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV: return "wav";
    case SF_FORMAT_WAVEX: return "wav";
    case SF_FORMAT_AIFF: return "aiff";
    case SF_FORMAT_FLAC: return "flac";
    case SF_FORMAT_OGG: return (format & SF_FORMAT_SUBMASK) == SF_FORMAT_OPUS ? "opus" : "ogg";
    case SF_FORMAT_MPEG: return "mp3";
    case SF_FORMAT_W64: return "w64";
    case SF_FORMAT_RF64: return "rf64";
    case SF_FORMAT_CAF: return "caf";
    case SF_FORMAT_AU: return "au";
    case SF_FORMAT_RAW: return "raw";
    default: {
        SF_FORMAT_INFO fi{};
        fi.format = format & SF_FORMAT_TYPEMASK;
        if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.extension)
            return fi.extension;
        return "other";
    }
    }
}

SampleFormat sample_format_of(int format) {
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8: return SampleFormat::pcm8;
    case SF_FORMAT_PCM_16: return SampleFormat::pcm16;
    case SF_FORMAT_PCM_24: return SampleFormat::pcm24;
    case SF_FORMAT_PCM_32: return SampleFormat::pcm32;
    case SF_FORMAT_FLOAT: return SampleFormat::float32;
    case SF_FORMAT_DOUBLE: return SampleFormat::float64;
    case SF_FORMAT_VORBIS:
    case SF_FORMAT_OPUS:
    case SF_FORMAT_MPEG_LAYER_I:
    case SF_FORMAT_MPEG_LAYER_II:
    case SF_FORMAT_MPEG_LAYER_III: return SampleFormat::lossy;
    default: return SampleFormat::other;
    }
}

std::string subtype_name(int format) {
    const SampleFormat f = sample_format_of(format);
    if (f != SampleFormat::lossy && f != SampleFormat::other)
        return std::string(sample_format_name(f));
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_VORBIS: return "vorbis";
    case SF_FORMAT_OPUS: return "opus";
    case SF_FORMAT_MPEG_LAYER_III: return "mp3";
    case SF_FORMAT_MPEG_LAYER_II: return "mp2";
    case SF_FORMAT_MPEG_LAYER_I: return "mp1";
    case SF_FORMAT_ULAW: return "ulaw";
    case SF_FORMAT_ALAW: return "alaw";
    default: return "other";
    }
}

// For RIFF/WAVE files: the data chunk's declared size against the bytes really present.
// libsndfile quietly shortens a truncated file; a user wants to know it lost audio.
// Returns the missing byte count (0 when intact, or when sizes are placeholders written by
// streaming tools: 0 or 0xFFFFFFFF).
std::uint64_t wav_missing_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char hdr[12];
    if (!in.read(hdr, 12) || std::memcmp(hdr, "RIFF", 4) != 0 || std::memcmp(hdr + 8, "WAVE", 4) != 0)
        return 0;
    in.seekg(0, std::ios::end);
    const std::uint64_t file_size = static_cast<std::uint64_t>(in.tellg());
    std::uint64_t pos = 12;
    for (int guard = 0; guard < 1000 && pos + 8 <= file_size; ++guard) {
        in.seekg(static_cast<std::streamoff>(pos));
        unsigned char ch[8];
        if (!in.read(reinterpret_cast<char*>(ch), 8)) return 0;
        const std::uint32_t size = ch[4] | (ch[5] << 8) | (ch[6] << 16) | (std::uint32_t(ch[7]) << 24);
        if (std::memcmp(ch, "data", 4) == 0) {
            if (size == 0 || size == 0xFFFFFFFFu) return 0;
            const std::uint64_t present = file_size - (pos + 8);
            return size > present ? size - present : 0;
        }
        pos += 8 + size + (size & 1);
    }
    return 0;
}

} // namespace

void AudioReader::Closer::operator()(SNDFILE* f) const {
    if (f) sf_close(f);
}

AudioReader::AudioReader(const std::string& path) {
    info_.path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw Error(std::string("cannot open: ") + std::strerror(errno), path);
    if (S_ISDIR(st.st_mode)) throw Error("is a folder, not an audio file", path);
    if (st.st_size == 0) throw Error("empty file (0 bytes), not audio", path);

    SF_INFO sfi{};
    SNDFILE* f = sf_open(path.c_str(), SFM_READ, &sfi);
    if (!f) {
        std::string why = sf_strerror(nullptr);
        if (why.find("unknown format") != std::string::npos ||
            why.find("Format not recognised") != std::string::npos)
            why = "not an audio file in a format tapeop reads (" + why + ")";
        throw Error("cannot read: " + why, path);
    }
    file_.reset(f);
    if (sfi.channels < 1 || sfi.channels > max_channels)
        throw Error("absurd header: " + std::to_string(sfi.channels) + " channels", path);
    if (sfi.samplerate < 1 || sfi.samplerate > max_sample_rate)
        throw Error("absurd header: sample rate " + std::to_string(sfi.samplerate) + " Hz", path);
    if (sfi.frames < 0 || sfi.frames == SF_COUNT_MAX)
        throw Error("unknown length (not a seekable file)", path);
    if (const auto missing = wav_missing_bytes(path); missing > 0)
        throw Error("truncated: the header announces " + std::to_string(missing) +
                        " more bytes of audio than the file holds",
                    path);

    info_.format = container_name(sfi.format);
    info_.subtype = subtype_name(sfi.format);
    info_.sample_format = sample_format_of(sfi.format);
    info_.sample_rate = sfi.samplerate;
    info_.channels = sfi.channels;
    info_.frames = sfi.frames;
    integer_path_ = is_integer(info_.sample_format);
}

AudioReader::~AudioReader() = default;
AudioReader::AudioReader(AudioReader&&) noexcept = default;
AudioReader& AudioReader::operator=(AudioReader&&) noexcept = default;

std::size_t AudioReader::read(AudioBuffer& out) {
    const std::size_t channels = static_cast<std::size_t>(info_.channels);
    if (out.channels() != channels)
        throw Error("internal: read buffer has " + std::to_string(out.channels()) +
                        " channels, file has " + std::to_string(channels),
                    info_.path);
    const std::size_t want = out.capacity();
    std::size_t got = 0;
    if (integer_path_) {
        scratch_int_.resize(want * channels);
        got = static_cast<std::size_t>(
            sf_readf_int(file_.get(), scratch_int_.data(), static_cast<sf_count_t>(want)));
        // libsndfile returns integers left-justified in 32 bits; 2^-31 scaling is exact for
        // up to 24 significant bits.
        constexpr float scale = 1.0f / 2147483648.0f;
        for (std::size_t c = 0; c < channels; ++c) {
            float* dst = out.channel(c);
            const std::int32_t* src = scratch_int_.data() + c;
            for (std::size_t i = 0; i < got; ++i) dst[i] = static_cast<float>(src[i * channels]) * scale;
        }
    } else {
        scratch_float_.resize(want * channels);
        got = static_cast<std::size_t>(
            sf_readf_float(file_.get(), scratch_float_.data(), static_cast<sf_count_t>(want)));
        for (std::size_t c = 0; c < channels; ++c) {
            float* dst = out.channel(c);
            const float* src = scratch_float_.data() + c;
            for (std::size_t i = 0; i < got; ++i) dst[i] = src[i * channels];
        }
        // Float data can hold NaN/Inf; integer data cannot.
        for (std::size_t c = 0; c < channels; ++c) {
            float* dst = out.channel(c);
            for (std::size_t i = 0; i < got; ++i) {
                if (!std::isfinite(dst[i])) {
                    if (!allow_nonfinite_)
                        throw Error("non-finite sample (NaN or Inf) at " +
                                        format_timestamp(double(position_ + std::int64_t(i)) /
                                                         info_.sample_rate) +
                                        " in channel " + std::to_string(c + 1),
                                    info_.path);
                    if (first_nonfinite_ < 0 || position_ + std::int64_t(i) < first_nonfinite_)
                        first_nonfinite_ = position_ + std::int64_t(i);
                    ++nonfinite_;
                    dst[i] = 0.0f;
                }
            }
        }
    }
    if (got == 0 && want > 0 && position_ < info_.frames && sf_error(file_.get()) != SF_ERR_NO_ERROR)
        throw Error(std::string("read error: ") + sf_strerror(file_.get()), info_.path);
    position_ += static_cast<std::int64_t>(got);
    out.set_frames(got);
    return got;
}

void AudioReader::rewind() {
    if (sf_seek(file_.get(), 0, SEEK_SET) < 0) throw Error("cannot seek to the start", info_.path);
    position_ = 0;
    nonfinite_ = 0;
    first_nonfinite_ = -1;
}

FileInfo probe(const std::string& path) { return AudioReader(path).info(); }

} // namespace tapeop::io
