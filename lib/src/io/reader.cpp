#include "tapeop/io/reader.hpp"

#include "fd_output.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/declared_length.hpp"
#include "tapeop/io/libav_input.hpp"
#include "tapeop/io/mpeg_quiet.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/limits.hpp"
#include "tapeop/units.hpp"

#include "tapeop/block_queue.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <pthread.h>
#include <system_error>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <tmmintrin.h>
#endif
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sndfile.h>
#include <sys/stat.h>
#include <taglib/flacfile.h>
#include <taglib/xiphcomment.h>
#include <unistd.h>

namespace tapeop::io {
namespace {

std::string container_name(int format) {
    switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
        return "wav";
    case SF_FORMAT_WAVEX:
        return "wav";
    case SF_FORMAT_AIFF:
        return "aiff";
    case SF_FORMAT_FLAC:
        return "flac";
    case SF_FORMAT_OGG:
        return (format & SF_FORMAT_SUBMASK) == SF_FORMAT_OPUS ? "opus" : "ogg";
    case SF_FORMAT_MPEG:
        return "mp3";
    case SF_FORMAT_W64:
        return "w64";
    case SF_FORMAT_RF64:
        return "rf64";
    case SF_FORMAT_CAF:
        return "caf";
    case SF_FORMAT_AU:
        return "au";
    case SF_FORMAT_RAW:
        return "raw";
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
    case SF_FORMAT_PCM_U8:
        return SampleFormat::pcm8;
    case SF_FORMAT_PCM_16:
        return SampleFormat::pcm16;
    case SF_FORMAT_PCM_24:
        return SampleFormat::pcm24;
    case SF_FORMAT_PCM_32:
        return SampleFormat::pcm32;
    case SF_FORMAT_FLOAT:
        return SampleFormat::float32;
    case SF_FORMAT_DOUBLE:
        return SampleFormat::float64;
    case SF_FORMAT_VORBIS:
    case SF_FORMAT_OPUS:
    case SF_FORMAT_MPEG_LAYER_I:
    case SF_FORMAT_MPEG_LAYER_II:
    case SF_FORMAT_MPEG_LAYER_III:
        return SampleFormat::lossy;
    default:
        return SampleFormat::other;
    }
}

std::string subtype_name(int format) {
    const SampleFormat f = sample_format_of(format);
    if (f != SampleFormat::lossy && f != SampleFormat::other)
        return std::string(sample_format_name(f));
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_VORBIS:
        return "vorbis";
    case SF_FORMAT_OPUS:
        return "opus";
    case SF_FORMAT_MPEG_LAYER_III:
        return "mp3";
    case SF_FORMAT_MPEG_LAYER_II:
        return "mp2";
    case SF_FORMAT_MPEG_LAYER_I:
        return "mp1";
    case SF_FORMAT_ULAW:
        return "ulaw";
    case SF_FORMAT_ALAW:
        return "alaw";
    default:
        return "other";
    }
}

// Channel layout --------------------------------------------------------------------------

std::optional<Position> position_of_sf(int id) {
    switch (id) {
    case SF_CHANNEL_MAP_MONO:
    case SF_CHANNEL_MAP_CENTER:
    case SF_CHANNEL_MAP_FRONT_CENTER:
        return Position::FC;
    case SF_CHANNEL_MAP_LEFT:
    case SF_CHANNEL_MAP_FRONT_LEFT:
        return Position::FL;
    case SF_CHANNEL_MAP_RIGHT:
    case SF_CHANNEL_MAP_FRONT_RIGHT:
        return Position::FR;
    case SF_CHANNEL_MAP_REAR_CENTER:
        return Position::BC;
    case SF_CHANNEL_MAP_REAR_LEFT:
        return Position::BL;
    case SF_CHANNEL_MAP_REAR_RIGHT:
        return Position::BR;
    case SF_CHANNEL_MAP_LFE:
        return Position::LFE;
    case SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER:
        return Position::FLC;
    case SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER:
        return Position::FRC;
    case SF_CHANNEL_MAP_SIDE_LEFT:
        return Position::SL;
    case SF_CHANNEL_MAP_SIDE_RIGHT:
        return Position::SR;
    case SF_CHANNEL_MAP_TOP_CENTER:
        return Position::TC;
    case SF_CHANNEL_MAP_TOP_FRONT_LEFT:
        return Position::TFL;
    case SF_CHANNEL_MAP_TOP_FRONT_RIGHT:
        return Position::TFR;
    case SF_CHANNEL_MAP_TOP_FRONT_CENTER:
        return Position::TFC;
    case SF_CHANNEL_MAP_TOP_REAR_LEFT:
        return Position::TBL;
    case SF_CHANNEL_MAP_TOP_REAR_RIGHT:
        return Position::TBR;
    case SF_CHANNEL_MAP_TOP_REAR_CENTER:
        return Position::TBC;
    case SF_CHANNEL_MAP_INVALID:
        return std::nullopt;
    default:
        return Position::unknown; // ambisonic B-format and the like: no loudspeaker
    }
}

// FLAC keeps a non-standard channel order in the WAVEFORMATEXTENSIBLE_CHANNEL_MASK Vorbis
// comment (written by flac, ffmpeg); libsndfile does not read it.
std::optional<std::vector<Position>> flac_mask_positions(const std::string& path, int channels) {
    TagLib::FLAC::File file(path.c_str(), false);
    if (!file.isValid() || !file.xiphComment())
        return std::nullopt;
    const auto& fields = file.xiphComment()->fieldListMap();
    const auto it = fields.find("WAVEFORMATEXTENSIBLE_CHANNEL_MASK");
    if (it == fields.end() || it->second.isEmpty())
        return std::nullopt;
    const std::string text = it->second.front().to8Bit();
    try {
        std::size_t end = 0;
        const unsigned long long mask = std::stoull(text, &end, 0); // "0x3f" or decimal
        if (end != text.size())
            return std::nullopt;
        return positions_from_mask(mask, channels);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// A CAF 'chan' or AIFF 'CHAN' chunk's CoreAudio channel layout, through libsndfile's chunk
// API (its own SFC_GET_CHANNEL_MAP_INFO knows a few tags only, maps Ls/Rs to the back pair
// where Apple's layouts mean the side pair, and returns nothing for AIFF).
std::optional<std::vector<Position>> coreaudio_positions(SNDFILE* f, const char* id, int channels) {
    SF_CHUNK_INFO want{};
    std::snprintf(want.id, sizeof want.id, "%s", id);
    want.id_size = static_cast<unsigned>(std::strlen(id));
    SF_CHUNK_ITERATOR* it = sf_get_chunk_iterator(f, &want);
    if (!it)
        return std::nullopt;
    SF_CHUNK_INFO chunk{};
    // A layout of up to 256 channels fits in 12 + 256 * 20 bytes; anything larger is damaged.
    if (sf_get_chunk_size(it, &chunk) != SF_ERR_NO_ERROR || chunk.datalen < 12 ||
        chunk.datalen > 12 + 20 * static_cast<unsigned>(limits::max_channels))
        return std::nullopt;
    std::vector<unsigned char> data(chunk.datalen);
    chunk.data = data.data();
    if (sf_get_chunk_data(it, &chunk) != SF_ERR_NO_ERROR)
        return std::nullopt;
    return positions_from_coreaudio_layout(data.data(), data.size(), channels);
}

// The layout the file declares (WAVE_FORMAT_EXTENSIBLE in WAV/RF64, CAF's and AIFF's CoreAudio
// channel layout, FLAC's mask comment), else its container's default order. libsndfile 1.2
// reports a map for WAVEX/RF64; for W64 and FLAC nothing.
ChannelLayout read_layout(SNDFILE* f, const FileInfo& info) {
    if (info.format == "caf" || info.format == "aiff") {
        if (auto positions =
                coreaudio_positions(f, info.format == "caf" ? "chan" : "CHAN", info.channels))
            return make_layout(std::move(*positions), LayoutSource::file);
        return default_layout(info.format, info.channels);
    }
    std::vector<int> map(static_cast<std::size_t>(info.channels), SF_CHANNEL_MAP_INVALID);
    if (sf_command(f, SFC_GET_CHANNEL_MAP_INFO, map.data(),
                   static_cast<int>(map.size() * sizeof(int))) == SF_TRUE) {
        std::vector<Position> positions;
        for (int id : map) {
            const auto p = position_of_sf(id);
            if (!p)
                break;
            positions.push_back(*p);
        }
        if (positions.size() == map.size())
            return make_layout(std::move(positions), LayoutSource::file);
    }
    if (info.format == "flac")
        if (auto positions = flac_mask_positions(info.path, info.channels))
            return make_layout(std::move(*positions), LayoutSource::file);
    return default_layout(info.format, info.channels);
}

std::mutex layout_override_mutex;
LayoutOverride layout_override; // guarded by layout_override_mutex

LayoutOverride current_layout_override() {
    std::lock_guard lock(layout_override_mutex);
    return layout_override;
}

LayoutWarningHandler layout_warning_handler; // guarded by layout_override_mutex
std::set<std::string> layout_warned;         // paths warned about, guarded likewise

// The layout a reader of `path` reports: the file's, or the CLI's override (see
// set_layout_override); its assumption, if any, reported once per path.
ChannelLayout effective_layout(ChannelLayout file_layout, const std::string& path) {
    // A file this process wrote without being able to declare its layout: the layout it was
    // written with (a recipe's intermediate keeps its input's loudness weights).
    if (file_layout.source == LayoutSource::default_order)
        if (auto positions = undeclared_layout_of(path);
            positions && positions->size() == std::size_t(file_layout.channels()))
            file_layout = make_layout(std::move(*positions), LayoutSource::file);
    const LayoutOverride o = current_layout_override();
    const bool own = (!o.empty() || !file_layout.warning.empty()) && written_by_this_process(path);
    if (!o.empty()) {
        const auto wanted = o.positions ? o.positions->size() : o.weights->size();
        if (!own || wanted == static_cast<std::size_t>(file_layout.channels()))
            return apply_override(file_layout, o, path);
    }
    if (!file_layout.warning.empty() && !own) {
        LayoutWarningHandler handler;
        {
            std::lock_guard lock(layout_override_mutex);
            if (layout_warned.insert(path).second)
                handler = layout_warning_handler;
        }
        if (handler)
            handler(path, file_layout.warning);
    }
    return file_layout;
}

// A file that cannot be opened (or whose length cannot be found) may be damaged, or the disk
// may fail to deliver it: a read error is told apart by reading the file through once (on the
// failure path only), so that the message says which it was. Throws "read error" when a read
// fails; returns otherwise.
void refuse_unreadable(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(std::string("cannot open: ") + std::strerror(errno), path);
    std::vector<char> buf(std::size_t(1) << 20);
    int err = 0;
    std::uint64_t at = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = errno;
        if (n <= 0)
            break;
        at += std::uint64_t(n);
    }
    ::close(fd);
    if (err != 0)
        throw Error("read error at byte " + std::to_string(at) + ": " + std::strerror(err), path);
}

// The first bytes of a file name its container better than libsndfile's generic messages.
std::string sniff_container(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char m[12] = {};
    in.read(m, sizeof m);
    if (std::memcmp(m, "OggS", 4) == 0)
        return "Ogg";
    if (std::memcmp(m, "fLaC", 4) == 0)
        return "FLAC";
    if (std::memcmp(m, "ID3", 3) == 0 || (static_cast<unsigned char>(m[0]) == 0xFF &&
                                          (static_cast<unsigned char>(m[1]) & 0xE0) == 0xE0))
        return "MP3";
    if (std::memcmp(m, "RIFF", 4) == 0 || std::memcmp(m, "RF64", 4) == 0)
        return "WAV";
    if (std::memcmp(m, "FORM", 4) == 0)
        return "AIFF";
    if (std::memcmp(m, "caff", 4) == 0)
        return "CAF";
    if (std::memcmp(m, ".snd", 4) == 0)
        return "AU";
    if (std::memcmp(m, "riff", 4) == 0)
        return "W64";
    return {};
}

// libsndfile's reason for a failed open, made accurate: the file exists and is a regular file
// (checked before), so "does not exist or is not a regular file" really means that the
// container's decoder (libvorbis, libopus) refused the stream.
std::string open_failure(const std::string& path, std::string why) {
    const std::string kind = sniff_container(path);
    if (why.find("unknown format") != std::string::npos ||
        why.find("Format not recognised") != std::string::npos ||
        why.find("not recognised") != std::string::npos) {
        if (kind.empty())
            return "not an audio file in a format tapeop reads (" + why + ")";
        return "damaged " + kind + " file: its header is not valid";
    }
    if (why.find("does not exist or is not a regular file") != std::string::npos)
        return "damaged " + (kind.empty() ? std::string("audio") : kind) +
               " file: the decoder refused the stream";
    if (why.find("malformed") != std::string::npos)
        return "damaged " + (kind.empty() ? std::string("audio") : kind) + " file: " + why;
    return why;
}

// Absurd but parseable headers, refused before any work (what every stage supports is one
// set of limits, tapeop/limits.hpp).
void validate_header(const SF_INFO& sfi, std::uint64_t file_bytes, const std::string& path) {
    if (sfi.channels < 1 || sfi.channels > limits::max_channels)
        throw Error("absurd header: " + std::to_string(sfi.channels) +
                        " channels (tapeop reads 1 to " + std::to_string(limits::max_channels) +
                        ")",
                    path);
    if (sfi.samplerate < limits::min_sample_rate_hz || sfi.samplerate > limits::max_sample_rate_hz)
        throw Error("absurd header: sample rate " + std::to_string(sfi.samplerate) +
                        " Hz (tapeop reads " + std::to_string(limits::min_sample_rate_hz) +
                        " Hz to " + std::to_string(limits::max_sample_rate_hz / 1000) + " kHz)",
                    path);
    // A stream whose length libsndfile cannot find in a regular file (we stat()ed it) is cut
    // short or damaged: FLAC without a valid STREAMINFO total, Ogg without a final page.
    if (sfi.frames < 0 || sfi.frames == SF_COUNT_MAX)
        throw Error("truncated or damaged: the length of the audio cannot be determined", path);
    const auto frames = static_cast<std::uint64_t>(sfi.frames);
    if (frames / std::max<std::uint64_t>(file_bytes, 1) >=
        static_cast<std::uint64_t>(limits::max_frames_per_byte))
        throw Error("absurd header: " + std::to_string(frames) + " frames announced in a file of " +
                        std::to_string(file_bytes) + " bytes",
                    path);
}

// libsndfile quietly shortens a file whose audio chunk was cut off; the header knows better.
void check_declared_length(const std::string& path) {
    if (const auto missing = missing_audio_bytes(path); missing > 0)
        throw Error("truncated: the header announces " + std::to_string(missing) +
                        " more bytes of audio than the file holds",
                    path);
}

std::atomic<bool> read_ahead_enabled{true};

// Frames per read-ahead block: 8192 for up to 16 channels, fewer for wider files (fixed
// memory: six blocks of at most 128 Ki samples).
std::size_t ahead_frames(std::size_t channels) {
    return std::clamp<std::size_t>(131072 / channels, 256, 8192);
}

// SIMD unpacking of little-endian 16/24-bit PCM of one or two channels: the same floats as
// the scalar loop below (each sample left-justified in 32 bits, converted exactly, scaled by
// 2^-31), four frames at a time; returns the frames done (a multiple of 4; the caller does the
// rest). Each 16-byte load may read up to 4 bytes past the frames it unpacks, which the raw
// buffer has room for. 16-bit needs SSE2 only (every x86-64 CPU); 24-bit needs SSSE3's byte
// shuffle, chosen at run time.
#if defined(__SSE2__)
std::size_t unpack16_simd(const unsigned char* b, std::size_t n, std::size_t channels, float* l,
                          float* r) {
    const __m128 scale = _mm_set1_ps(0x1p-31f);
    const __m128i zero = _mm_setzero_si128();
    auto lo = [&](__m128i x) {
        return _mm_mul_ps(_mm_cvtepi32_ps(_mm_unpacklo_epi16(zero, x)), scale);
    };
    auto hi = [&](__m128i x) {
        return _mm_mul_ps(_mm_cvtepi32_ps(_mm_unpackhi_epi16(zero, x)), scale);
    };
    std::size_t i = 0;
    if (channels == 1) {
        for (; i + 8 <= n; i += 8) {
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2 * i));
            _mm_storeu_ps(l + i, lo(x));
            _mm_storeu_ps(l + i + 4, hi(x));
        }
    } else {
        for (; i + 4 <= n; i += 4) {
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 4 * i));
            const __m128 a = lo(x), c = hi(x); // L0 R0 L1 R1, L2 R2 L3 R3
            _mm_storeu_ps(l + i, _mm_shuffle_ps(a, c, _MM_SHUFFLE(2, 0, 2, 0)));
            _mm_storeu_ps(r + i, _mm_shuffle_ps(a, c, _MM_SHUFFLE(3, 1, 3, 1)));
        }
    }
    return i;
}
#endif

#if defined(__x86_64__)
// Four 3-byte samples at p into four floats (each with a zero low byte: << 8).
__attribute__((target("ssse3"))) inline __m128 four24(const unsigned char* p) {
    const __m128i spread =
        _mm_setr_epi8(-128, 0, 1, 2, -128, 3, 4, 5, -128, 6, 7, 8, -128, 9, 10, 11);
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm_mul_ps(_mm_cvtepi32_ps(_mm_shuffle_epi8(x, spread)), _mm_set1_ps(0x1p-31f));
}

__attribute__((target("ssse3"))) std::size_t
unpack24_ssse3(const unsigned char* b, std::size_t n, std::size_t channels, float* l, float* r) {
    std::size_t i = 0;
    if (channels == 1) {
        for (; i + 4 <= n; i += 4)
            _mm_storeu_ps(l + i, four24(b + 3 * i));
    } else {
        for (; i + 4 <= n; i += 4) {
            const __m128 a = four24(b + 6 * i), c = four24(b + 6 * i + 12);
            _mm_storeu_ps(l + i, _mm_shuffle_ps(a, c, _MM_SHUFFLE(2, 0, 2, 0)));
            _mm_storeu_ps(r + i, _mm_shuffle_ps(a, c, _MM_SHUFFLE(3, 1, 3, 1)));
        }
    }
    return i;
}
#endif

// The frames of `n` that the SIMD kernels unpack (0 where there are none for this case).
std::size_t unpack_simd(const unsigned char* b, std::size_t n, int bytes, std::size_t channels,
                        float* l, float* r) {
    if (channels > 2)
        return 0;
#if defined(__SSE2__)
    if (bytes == 2)
        return unpack16_simd(b, n, channels, l, r);
#endif
#if defined(__x86_64__)
    static const bool ssse3 = __builtin_cpu_supports("ssse3");
    if (bytes == 3 && ssse3)
        return unpack24_ssse3(b, n, channels, l, r);
#endif
    (void)b, (void)n, (void)bytes, (void)l, (void)r;
    return 0;
}

} // namespace

void set_read_ahead(bool on) {
    read_ahead_enabled.store(on);
}

void set_layout_override(LayoutOverride o) {
    std::lock_guard lock(layout_override_mutex);
    layout_override = std::move(o);
}

void set_layout_warning_handler(LayoutWarningHandler handler) {
    std::lock_guard lock(layout_override_mutex);
    layout_warning_handler = std::move(handler);
    layout_warned.clear();
}

void warn_about_file(const std::string& path, const std::string& warning) {
    LayoutWarningHandler handler;
    {
        std::lock_guard lock(layout_override_mutex);
        handler = layout_warning_handler;
    }
    if (handler)
        handler(path, warning);
}

struct AudioReader::State {
    struct Closer {
        void operator()(SNDFILE* f) const {
            if (f)
                sf_close(f);
        }
    };
    // A decoded block and the non-finite samples met in it.
    struct Slot {
        AudioBuffer audio;
        std::uint64_t nonfinite = 0;
        std::int64_t first_nonfinite = -1;
    };

    std::unique_ptr<SNDFILE, Closer> file;
    std::unique_ptr<LibavDecoder> av; // MP4/M4A and ADTS AAC instead of `file`
    FileInfo info;
    // Where the stream must end: the header's length when it is exact, else (an MP3 without a
    // length header) the end the first complete pass found, so that a later pass of a
    // multi-pass job notices a file that shrank while being read. -1: not known yet.
    std::int64_t expected_frames = -1;
    bool expected_from_header = true;
    std::int64_t end_seen = -1; // where a pass found the end (written by whoever decodes)
    bool integer_path = false;
    // Little-endian 16/24-bit PCM (WAV, WAVEX, RF64, W64): bytes per sample when the raw
    // bytes are unpacked here (sf_read_raw) rather than by sf_readf_int; 0 otherwise.
    int raw_bytes = 0;
    bool allow_nonfinite = false;
    std::vector<std::int32_t> scratch_int;
    std::vector<unsigned char> scratch_raw;
    std::vector<float> scratch_float;
    // What the caller has seen.
    std::int64_t position = 0;
    std::uint64_t nonfinite = 0;
    std::int64_t first_nonfinite = -1;
    // Read-ahead.
    bool started = false, ahead = false;
    BlockQueue<Slot> queue{6};
    std::thread worker;
    std::exception_ptr error; // written by the worker before it closes the queue
    Slot* current = nullptr;
    std::size_t offset = 0;  // frames of `current` already returned
    bool viewed_out = false; // `current` was returned whole by read_view(): pop it next time
    AudioBuffer own;         // read_view()'s block without the read-ahead

    ~State() { stop(); }

    // Decodes up to out.capacity() frames at file position `pos` into `out`; counts the
    // non-finite samples into `bad` and `first_bad` (or throws, naming the time and channel).
    std::size_t decode(AudioBuffer& out, std::int64_t pos, std::uint64_t& bad,
                       std::int64_t& first_bad);
    // The one place a stream ends (a short read): before the length it must have is a
    // truncated file or a read error, whatever the container.
    void check_end(std::int64_t end);
    void run_worker();
    void stop();
    void start(std::size_t channels);
    // The block being read (`current`), the next one if none; false at the end.
    bool next_block();
    std::size_t read(AudioBuffer& out);
    AudioView read_view(std::size_t max);
};

std::size_t AudioReader::State::decode(AudioBuffer& out, std::int64_t pos, std::uint64_t& bad,
                                       std::int64_t& first_bad) {
    const std::size_t channels = static_cast<std::size_t>(info.channels);
    const std::size_t want = out.capacity();
    std::size_t got = 0;
    // libsndfile returns integers left-justified in 32 bits; 2^-31 scaling is exact for up to
    // 24 significant bits.
    constexpr float scale = 1.0f / 2147483648.0f;
    if (integer_path && raw_bytes > 0) {
        // Little-endian 16/24-bit PCM: the same left-justified integers as libsndfile's
        // (pcm.c: psf_get_le24 / le16 << 16), unpacked here in one pass straight into the
        // channels, without its per-sample conversion loop; sf_read_raw stops at the header's
        // frame count as sf_readf_int does. Each sample is one 4-byte load shifted left, so
        // the bytes have 4 of room after them.
        const std::size_t width = std::size_t(raw_bytes) * channels;
        scratch_raw.resize(want * width + 4);
        const sf_count_t bytes =
            sf_read_raw(file.get(), scratch_raw.data(), static_cast<sf_count_t>(want * width));
        got = bytes > 0 ? static_cast<std::size_t>(bytes) / width : 0;
        const unsigned char* b = scratch_raw.data();
        const unsigned shift = raw_bytes == 3 ? 8 : 16;
        auto sample = [shift](const unsigned char* p) {
            std::uint32_t v;
            std::memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            v = __builtin_bswap32(v);
#endif
            return static_cast<float>(static_cast<std::int32_t>(v << shift)) * scale;
        };
        const std::size_t step = std::size_t(raw_bytes);
        if (channels <= 2) {
            float* l = out.channel(0);
            float* r = channels == 2 ? out.channel(1) : nullptr;
            std::size_t i = unpack_simd(b, got, raw_bytes, channels, l, r);
            for (b += i * width; i < got; ++i, b += width) {
                l[i] = sample(b);
                if (r)
                    r[i] = sample(b + step);
            }
        } else {
            for (std::size_t c = 0; c < channels; ++c) {
                float* dst = out.channel(c);
                const unsigned char* p = b + c * step;
                for (std::size_t i = 0; i < got; ++i, p += width)
                    dst[i] = sample(p);
            }
        }
    } else if (integer_path) {
        scratch_int.resize(want * channels);
        got = static_cast<std::size_t>(
            sf_readf_int(file.get(), scratch_int.data(), static_cast<sf_count_t>(want)));
        if (channels == 2) {
            float* l = out.channel(0);
            float* r = out.channel(1);
            const std::int32_t* src = scratch_int.data();
            std::size_t i = 0;
#if defined(__SSE2__)
            // The same conversion (cvtdq2ps rounds to nearest like the cast) and exact scaling,
            // four frames at a time, split into the two channels.
            const __m128 vscale = _mm_set1_ps(scale);
            for (; i + 4 <= got; i += 4) {
                const __m128 a = _mm_mul_ps(
                    _mm_cvtepi32_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))),
                    vscale);
                const __m128 b = _mm_mul_ps(_mm_cvtepi32_ps(_mm_loadu_si128(
                                                reinterpret_cast<const __m128i*>(src + 2 * i + 4))),
                                            vscale);
                _mm_storeu_ps(l + i, _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
                _mm_storeu_ps(r + i, _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
            }
#endif
            for (; i < got; ++i) {
                l[i] = static_cast<float>(src[2 * i]) * scale;
                r[i] = static_cast<float>(src[2 * i + 1]) * scale;
            }
        } else {
            for (std::size_t c = 0; c < channels; ++c) {
                float* dst = out.channel(c);
                const std::int32_t* src = scratch_int.data() + c;
                for (std::size_t i = 0; i < got; ++i)
                    dst[i] = static_cast<float>(src[i * channels]) * scale;
            }
        }
    } else {
        scratch_float.resize(want * channels);
        got = av ? av->read(scratch_float.data(), want)
                 : static_cast<std::size_t>(sf_readf_float(file.get(), scratch_float.data(),
                                                           static_cast<sf_count_t>(want)));
        for (std::size_t c = 0; c < channels; ++c) {
            float* dst = out.channel(c);
            const float* src = scratch_float.data() + c;
            for (std::size_t i = 0; i < got; ++i)
                dst[i] = src[i * channels];
        }
        // Float data can hold NaN/Inf; integer data cannot.
        for (std::size_t c = 0; c < channels; ++c) {
            float* dst = out.channel(c);
            for (std::size_t i = 0; i < got; ++i) {
                if (!std::isfinite(dst[i])) {
                    if (!allow_nonfinite)
                        throw Error(
                            "non-finite sample (NaN or Inf) at " +
                                format_timestamp(double(pos + std::int64_t(i)) / info.sample_rate) +
                                " in channel " + std::to_string(c + 1),
                            info.path);
                    if (first_bad < 0 || pos + std::int64_t(i) < first_bad)
                        first_bad = pos + std::int64_t(i);
                    ++bad;
                    dst[i] = 0.0f;
                }
            }
        }
    }
    if (got < want)
        check_end(pos + static_cast<std::int64_t>(got));
    out.set_frames(got);
    return got;
}

void AudioReader::State::check_end(std::int64_t end) {
    end_seen = end;
    const std::string at = format_timestamp(double(end) / info.sample_rate);
    // A failed read(2) is not a short file: said as such, whether or not the length is known
    // (an MP3 without a length header).
    if (file && sf_error(file.get()) == SF_ERR_SYSTEM)
        throw Error("read error at " + at + ": " + sndfile_error_text(file.get()), info.path);
    if (expected_frames < 0 || end >= expected_frames)
        return;
    std::string why;
    if (file && sf_error(file.get()) != SF_ERR_NO_ERROR) {
        why = ": " + sndfile_error_text(file.get()); // "flac decoder lost sync"
    }
    const std::string of = format_timestamp(double(expected_frames) / info.sample_rate);
    if (expected_from_header)
        throw Error("truncated or unreadable: the audio stops at " + at + " of the " + of +
                        " its header announces (" + std::to_string(expected_frames - end) +
                        " frames missing)" + why,
                    info.path);
    throw Error("the file shrank while being read: this pass stops at " + at +
                    ", the previous one read " + of + why,
                info.path);
}

void AudioReader::State::run_worker() {
    pthread_setname_np(pthread_self(), "tapeop-read"); // for top -H and profilers
    std::int64_t pos = position;
    for (;;) {
        Slot* s = queue.acquire();
        if (!s)
            return;
        s->nonfinite = 0;
        s->first_nonfinite = -1;
        std::size_t got = 0;
        try {
            got = decode(s->audio, pos, s->nonfinite, s->first_nonfinite);
        } catch (...) {
            error = std::current_exception();
            queue.close();
            return;
        }
        if (got == 0) {
            queue.close();
            return;
        }
        pos += static_cast<std::int64_t>(got);
        queue.publish();
    }
}

void AudioReader::State::stop() {
    if (worker.joinable()) {
        queue.cancel();
        worker.join();
    }
    queue.reset();
    current = nullptr;
    offset = 0;
    viewed_out = false;
    error = nullptr;
    started = ahead = false;
}

void AudioReader::State::start(std::size_t channels) {
    started = true;
    // Files of a block or two gain nothing from a second thread.
    const auto block = ahead_frames(channels);
    if (read_ahead_enabled.load() && info.frames - position > std::int64_t(2 * block)) {
        for (Slot& s : queue.slots())
            if (s.audio.channels() != channels)
                s.audio.resize(channels, block);
        try {
            worker = std::thread([this] { run_worker(); });
            ahead = true;
        } catch (const std::system_error&) {
            ahead = false; // no thread to be had: read in this one
        }
    }
}

bool AudioReader::State::next_block() {
    if (viewed_out) { // read_view() returned the rest of it: the caller is done with it now
        viewed_out = false;
        current = nullptr;
        queue.pop();
    }
    if (current)
        return true;
    current = queue.front();
    if (!current) {
        if (error)
            std::rethrow_exception(error);
        return false; // the end
    }
    offset = 0;
    nonfinite += current->nonfinite;
    if (current->first_nonfinite >= 0 &&
        (first_nonfinite < 0 || current->first_nonfinite < first_nonfinite))
        first_nonfinite = current->first_nonfinite;
    return true;
}

std::size_t AudioReader::State::read(AudioBuffer& out) {
    const std::size_t channels = static_cast<std::size_t>(info.channels);
    if (out.channels() != channels)
        throw Error("internal: read buffer has " + std::to_string(out.channels()) +
                        " channels, file has " + std::to_string(channels),
                    info.path);
    if (!started)
        start(channels);
    if (!ahead) {
        const std::size_t got = decode(out, position, nonfinite, first_nonfinite);
        position += static_cast<std::int64_t>(got);
        return got;
    }
    const std::size_t want = out.capacity();
    std::size_t got = 0;
    while (got < want) {
        try {
            if (!next_block())
                break;
        } catch (...) {
            out.set_frames(0);
            throw;
        }
        const std::size_t n = std::min(want - got, current->audio.frames() - offset);
        for (std::size_t c = 0; c < channels; ++c)
            std::copy_n(current->audio.channel(c) + offset, n, out.channel(c) + got);
        got += n;
        offset += n;
        if (offset == current->audio.frames()) {
            current = nullptr;
            queue.pop();
        }
    }
    position += static_cast<std::int64_t>(got);
    out.set_frames(got);
    return got;
}

AudioView AudioReader::State::read_view(std::size_t max) {
    const std::size_t channels = static_cast<std::size_t>(info.channels);
    if (!started)
        start(channels);
    if (!ahead) {
        if (own.channels() != channels || own.capacity() != max)
            own.resize(channels, max); // decode() reads up to the capacity
        const std::size_t got = decode(own, position, nonfinite, first_nonfinite);
        position += static_cast<std::int64_t>(got);
        own.set_frames(got);
        return own.view();
    }
    if (max == 0 || !next_block())
        return AudioView();
    const std::size_t n = std::min(max, current->audio.frames() - offset);
    const AudioView v = current->audio.view().sub(offset, n);
    offset += n;
    viewed_out = offset == current->audio.frames();
    position += static_cast<std::int64_t>(n);
    return v;
}

AudioReader::AudioReader(const std::string& path) {
    info_.path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw Error(std::string("cannot open: ") + std::strerror(errno), path);
    if (S_ISDIR(st.st_mode))
        throw Error("is a folder, not an audio file", path);
    // Multi-pass jobs read an input twice and libsndfile seeks: a FIFO or a device would hang
    // or never end.
    if (!S_ISREG(st.st_mode))
        throw Error("not a regular file (a pipe or a device): tapeop reads audio files", path);
    if (st.st_size == 0)
        throw Error("empty file (0 bytes), not audio", path);

    if (const std::string container = libav_container(path); !container.empty()) {
        open_libav(path);
        return;
    }
    if (const std::string problem = header_problem(path); !problem.empty())
        throw Error("cannot read: " + problem, path);
    quiet_mpeg_decoder();
    SF_INFO sfi{};
    SNDFILE* f = sf_open(path.c_str(), SFM_READ, &sfi);
    if (!f) {
        const std::string why = sndfile_error_text(nullptr);
        refuse_unreadable(path);
        check_declared_length(path); // "truncated" says more than "malformed" (CAF)
        throw Error("cannot read: " + open_failure(path, why), path);
    }
    state_ = std::make_unique<State>();
    state_->file.reset(f);
    // Ogg's length is found by reading every page at open: a read error there.
    if (sf_error(f) == SF_ERR_SYSTEM)
        throw Error("read error: " + sndfile_error_text(f), path);
    validate_header(sfi, static_cast<std::uint64_t>(st.st_size), path);
    check_declared_length(path);

    info_.format = container_name(sfi.format);
    info_.subtype = subtype_name(sfi.format);
    info_.sample_format = sample_format_of(sfi.format);
    info_.sample_rate = sfi.samplerate;
    info_.channels = sfi.channels;
    info_.frames = sfi.frames;
    info_.layout = effective_layout(read_layout(f, info_), path);
    state_->integer_path = is_integer(info_.sample_format);
    {
        const int major = sfi.format & SF_FORMAT_TYPEMASK, sub = sfi.format & SF_FORMAT_SUBMASK,
                  endian = sfi.format & SF_FORMAT_ENDMASK;
        const bool little = endian == SF_ENDIAN_FILE || endian == SF_ENDIAN_LITTLE;
        const bool riff = major == SF_FORMAT_WAV || major == SF_FORMAT_WAVEX ||
                          major == SF_FORMAT_RF64 || major == SF_FORMAT_W64;
        if (riff && little && (sub == SF_FORMAT_PCM_16 || sub == SF_FORMAT_PCM_24))
            state_->raw_bytes = sub == SF_FORMAT_PCM_16 ? 2 : 3;
    }
    state_->info = info_;
    state_->expected_from_header = info_.format != "mp3" || mpeg_length_is_exact(path);
    state_->expected_frames = state_->expected_from_header ? info_.frames : -1;
}

// MP4/M4A and ADTS AAC: libavformat/libavcodec decode, this reader does the rest (read-ahead,
// checks). The length is counted by decoding once (an MP4's header gives the length of its
// packets, not of the audio left after the encoder delay and padding are trimmed).
void AudioReader::open_libav(const std::string& path) {
    state_ = std::make_unique<State>();
    try {
        state_->av = std::make_unique<LibavDecoder>(path);
    } catch (const Error&) {
        refuse_unreadable(path); // libavformat says "invalid data" for a read error too
        throw;
    }
    const LibavDecoder& d = *state_->av;
    if (d.channels() > limits::max_channels)
        throw Error("absurd header: " + std::to_string(d.channels()) +
                        " channels (tapeop reads 1 to " + std::to_string(limits::max_channels) +
                        ")",
                    path);
    if (d.sample_rate() < limits::min_sample_rate_hz ||
        d.sample_rate() > limits::max_sample_rate_hz)
        throw Error("absurd header: sample rate " + std::to_string(d.sample_rate()) + " Hz", path);
    info_.format = d.container();
    info_.subtype = d.codec();
    switch (d.bits()) {
    case 0:
        info_.sample_format = SampleFormat::lossy;
        break;
    case 16:
        info_.sample_format = SampleFormat::pcm16;
        break;
    case 20:
    case 24:
        info_.sample_format = SampleFormat::pcm24;
        break;
    default:
        info_.sample_format = SampleFormat::pcm32;
        break;
    }
    info_.sample_rate = d.sample_rate();
    info_.channels = d.channels();
    try {
        info_.frames = state_->av->count_frames();
    } catch (const Error&) {
        refuse_unreadable(path);
        throw;
    }
    ChannelLayout layout = default_layout(info_.format, info_.channels);
    if (d.channel_mask() != 0)
        if (auto positions = positions_from_mask(d.channel_mask(), info_.channels))
            layout = make_layout(std::move(*positions), LayoutSource::file);
    info_.layout = effective_layout(std::move(layout), path);
    state_->info = info_;
    state_->expected_frames = info_.frames;
}

AudioReader::~AudioReader() = default;
AudioReader::AudioReader(AudioReader&&) noexcept = default;
AudioReader& AudioReader::operator=(AudioReader&&) noexcept = default;

std::size_t AudioReader::read(AudioBuffer& out) {
    return state_->read(out);
}

AudioView AudioReader::read_view(std::size_t max) {
    return state_->read_view(max);
}

void AudioReader::rewind() {
    state_->stop();
    if (!state_->expected_from_header && state_->end_seen >= 0)
        state_->expected_frames = state_->end_seen;
    if (state_->av)
        state_->av->rewind();
    else if (sf_seek(state_->file.get(), 0, SEEK_SET) < 0)
        throw Error("cannot seek to the start", info_.path);
    state_->position = 0;
    state_->nonfinite = 0;
    state_->first_nonfinite = -1;
}

void AudioReader::allow_nonfinite(bool allow) {
    state_->allow_nonfinite = allow;
}
std::uint64_t AudioReader::nonfinite_samples() const {
    return state_->nonfinite;
}
std::int64_t AudioReader::first_nonfinite_frame() const {
    return state_->first_nonfinite;
}
std::int64_t AudioReader::position() const {
    return state_->position;
}

FileInfo probe(const std::string& path) {
    return AudioReader(path).info();
}

bool float_rounds(SampleFormat f) {
    return f == SampleFormat::pcm32 || f == SampleFormat::float64;
}

StoredFrames::StoredFrames(const std::string& path, SampleFormat format, int channels,
                           std::int64_t first_frame)
    : path_(path), format_(format), channels_(static_cast<std::size_t>(channels)) {
    if (!float_rounds(format))
        throw Error("internal: no stored-frame copy for " + std::string(sample_format_name(format)),
                    path);
    SF_INFO sfi{};
    file_ = sf_open(path.c_str(), SFM_READ, &sfi);
    if (!file_)
        throw Error(std::string("cannot read: ") + sf_strerror(nullptr), path);
    if (sfi.channels != channels || sf_seek(file_, first_frame, SEEK_SET) != first_frame) {
        sf_close(file_);
        file_ = nullptr;
        throw Error("cannot read the stored samples from " +
                        format_timestamp(double(first_frame) / std::max(sfi.samplerate, 1)),
                    path);
    }
}

StoredFrames::~StoredFrames() {
    if (file_)
        sf_close(file_);
}

void StoredFrames::read_matching(AudioView block) {
    const std::size_t n = block.frames();
    sf_count_t got = 0;
    bool same = true;
    if (format_ == SampleFormat::pcm32) {
        ints_.resize(n * channels_);
        got = sf_readf_int(file_, ints_.data(), static_cast<sf_count_t>(n));
        // AudioReader's conversion: round to float, then the exact 2^-31 scaling.
        constexpr float scale = 1.0f / 2147483648.0f;
        for (std::size_t c = 0; c < channels_ && same; ++c) {
            const float* x = block.channel(c);
            for (std::size_t i = 0; i < std::size_t(std::max<sf_count_t>(got, 0)); ++i)
                same = same && static_cast<float>(ints_[i * channels_ + c]) * scale == x[i];
        }
    } else {
        doubles_.resize(n * channels_);
        got = sf_readf_double(file_, doubles_.data(), static_cast<sf_count_t>(n));
        for (std::size_t c = 0; c < channels_ && same; ++c) {
            const float* x = block.channel(c);
            for (std::size_t i = 0; i < std::size_t(std::max<sf_count_t>(got, 0)); ++i)
                same = same && static_cast<float>(doubles_[i * channels_ + c]) == x[i];
        }
    }
    if (got != static_cast<sf_count_t>(n))
        throw Error("ended before the samples to copy (" + std::to_string(got) + " of " +
                        std::to_string(n) + " frames read)",
                    path_);
    if (!same)
        throw Error("internal: the samples to copy as stored differ from the samples processed",
                    path_);
}

} // namespace tapeop::io
