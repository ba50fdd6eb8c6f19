#include "tapeop/io/writer.hpp"

#include "fd_output.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/ogg_serial.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/text/words.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <compare>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <set>
#include <sndfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <taglib/flacfile.h>
#include <taglib/xiphcomment.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tapeop::io {
namespace {

// Temporary files in flight, for cleanup on SIGINT/SIGTERM. Fixed storage so that the
// signal handler touches no allocator; one slot per open writer. A slot is claimed (free ->
// writing) before its path is written and published (writing -> ready) after, so the handler
// and other writer threads only ever read complete paths, and only the owner frees it.
constexpr std::size_t max_pending = 256;
constexpr std::size_t max_path = 4096;
enum SlotState : int { slot_free = 0, slot_writing = 1, slot_ready = 2 };
struct PendingSlot {
    std::atomic<int> state{slot_free};
    char path[max_path];
};
std::array<PendingSlot, max_pending> pending;

// Returns the slot index, or -1 (no room: the file is then not cleaned up on a signal).
int register_pending(const std::string& p) {
    if (p.size() + 1 > max_path)
        return -1;
    for (std::size_t i = 0; i < max_pending; ++i) {
        int expected = slot_free;
        if (!pending[i].state.compare_exchange_strong(expected, slot_writing))
            continue;
        std::memcpy(pending[i].path, p.c_str(), p.size() + 1);
        pending[i].state.store(slot_ready);
        return static_cast<int>(i);
    }
    return -1;
}

void unregister_pending(int slot) {
    if (slot >= 0)
        pending[static_cast<std::size_t>(slot)].state.store(slot_free);
}

mode_t current_umask() {
    static std::once_flag once;
    static mode_t mask = 022;
    std::call_once(once, [] {
        mask = ::umask(0);
        ::umask(mask);
    });
    return mask;
}

std::string parent_dir(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::atomic<bool> durable_writes{false};

// The name a file will be delivered under: a lossy master writes its verification copy
// (".NAME.tapeop-tmp-PID@HOST-XXXXXX.verify.EXT", OwnedTemporary) and renames it to NAME, so
// the Ogg serial must follow NAME, not the unique copy.
std::string deliverable_name(const std::string& path) {
    std::string name = base_name(path);
    const auto tag = name.find(".tapeop-tmp-");
    if (!name.empty() && name.front() == '.' && tag != std::string::npos &&
        name.find(".verify.", tag) != std::string::npos)
        name = name.substr(1, tag - 1);
    return name;
}

// Host names as they may appear in a file name: no '/', '@' or control characters.
std::string file_safe_host() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        return "unknown";
    std::string out;
    for (const char* c = host; *c && out.size() < 64; ++c) {
        const bool ok =
            std::isalnum(static_cast<unsigned char>(*c)) || *c == '.' || *c == '-' || *c == '_';
        out += ok ? *c : '_';
    }
    return out;
}

// Files committed by this process: see written_by_this_process. The modification time and
// size tell a file we wrote from a later one that reuses the inode of a deleted one (our
// intermediates are deleted, the file system hands their inodes out again).
struct FileIdentity {
    dev_t dev;
    ino_t ino;
    off_t size;
    std::int64_t mtime_ns;
    auto operator<=>(const FileIdentity&) const = default;
};
FileIdentity identity_of(const struct stat& st) {
    return {st.st_dev, st.st_ino, st.st_size,
            std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}
std::mutex written_mutex;
std::set<FileIdentity> written_files;                             // guarded by written_mutex
std::map<FileIdentity, std::vector<Position>> undeclared_layouts; // guarded likewise

// Channel layout ----------------------------------------------------------------------------

int sf_channel_of(Position p) {
    switch (p) {
    case Position::FL:
        return SF_CHANNEL_MAP_LEFT;
    case Position::FR:
        return SF_CHANNEL_MAP_RIGHT;
    case Position::FC:
        return SF_CHANNEL_MAP_CENTER;
    case Position::LFE:
        return SF_CHANNEL_MAP_LFE;
    case Position::BL:
        return SF_CHANNEL_MAP_REAR_LEFT;
    case Position::BR:
        return SF_CHANNEL_MAP_REAR_RIGHT;
    case Position::FLC:
        return SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER;
    case Position::FRC:
        return SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER;
    case Position::BC:
        return SF_CHANNEL_MAP_REAR_CENTER;
    case Position::SL:
        return SF_CHANNEL_MAP_SIDE_LEFT;
    case Position::SR:
        return SF_CHANNEL_MAP_SIDE_RIGHT;
    case Position::TC:
        return SF_CHANNEL_MAP_TOP_CENTER;
    case Position::TFL:
        return SF_CHANNEL_MAP_TOP_FRONT_LEFT;
    case Position::TFC:
        return SF_CHANNEL_MAP_TOP_FRONT_CENTER;
    case Position::TFR:
        return SF_CHANNEL_MAP_TOP_FRONT_RIGHT;
    case Position::TBL:
        return SF_CHANNEL_MAP_TOP_REAR_LEFT;
    case Position::TBC:
        return SF_CHANNEL_MAP_TOP_REAR_CENTER;
    case Position::TBR:
        return SF_CHANNEL_MAP_TOP_REAR_RIGHT;
    case Position::unknown:
        break;
    }
    return SF_CHANNEL_MAP_INVALID;
}

// Whether a WAV/RF64 output declares `positions` as a channel mask: whenever a mask can say
// it, except plain mono (FC) and stereo (FL FR), which every reader assumes anyway and which
// stay the classic WAVE_FORMAT_PCM header.
bool wav_declares(const std::vector<Position>& positions) {
    if (wave_channel_mask(positions) == 0)
        return false;
    using P = Position;
    return positions != std::vector<P>{P::FC} && positions != std::vector<P>{P::FL, P::FR};
}

// An output's name in a warning: as delivered (a lossy master writes a verification copy under
// another name first).
std::string shown_name(const std::string& path) {
    const std::string name = base_name(path), delivered = deliverable_name(path);
    std::string dir = path.substr(0, path.size() - name.size());
    if (delivered != name && dir == "./")
        dir.clear(); // the temporary's own "./" for an output named without a folder
    return dir + delivered;
}

// Measured with libsndfile 1.2: SFC_SET_CHANNEL_MAP_INFO before the first write makes a WAVEX
// or RF64 file carry the mask (ffprobe, mediainfo and libsndfile read it back); a plain WAV
// header silently ignores it, W64, AIFF and CAF refuse it.
void write_channel_map(SNDFILE* f, const std::vector<Position>& positions,
                       const std::string& path) {
    std::vector<int> map;
    for (Position p : positions)
        map.push_back(sf_channel_of(p));
    if (sf_command(f, SFC_SET_CHANNEL_MAP_INFO, map.data(),
                   static_cast<int>(map.size() * sizeof(int))) != SF_TRUE)
        throw Error("cannot write the channel layout " + layout_name(positions), path);
}

// FLAC has a standard channel order per count (RFC 9639 9.1.3); any other layout is declared
// the way flac(1) and ffmpeg do, in a WAVEFORMATEXTENSIBLE_CHANNEL_MASK Vorbis comment.
void write_flac_channel_mask(const std::string& temp_path, const std::vector<Position>& positions,
                             const std::string& path) {
    const std::uint32_t mask = wave_channel_mask(positions);
    if (mask == 0 || positions == default_layout("flac", int(positions.size())).positions)
        return;
    TagLib::FLAC::File file(temp_path.c_str(), false);
    if (!file.isValid())
        throw Error("cannot write the channel layout: the FLAC file does not read back", path);
    char text[16];
    std::snprintf(text, sizeof text, "0x%X", mask);
    file.xiphComment(true)->addField("WAVEFORMATEXTENSIBLE_CHANNEL_MASK", text, true);
    if (!file.save())
        throw Error("cannot write the channel layout comment " + std::string(text), path);
}

// FLAC and MP3 state their length in a header written before the audio's end: a file whose
// end was lost after the encoder closed it (TagLib inserts tags by shifting the whole file
// and does not check its writes: measured, a FLAC 15 KB short on a full disk with its
// STREAMINFO intact) still announces every frame. The last frames are decoded to be sure
// (a seek and one block: milliseconds, also for hours of audio). Ogg needs no such check: its
// serial rewrite reads every page and its length is the last page's.
std::string tail_problem(SNDFILE* f, const SF_INFO& sfi, std::uint64_t frames) {
    const int major = sfi.format & SF_FORMAT_TYPEMASK;
    if (major == SF_FORMAT_OGG || frames == 0)
        return {};
    const auto tail = static_cast<sf_count_t>(std::min<std::uint64_t>(frames, 4096));
    const auto from = static_cast<sf_count_t>(frames) - tail;
    std::vector<float> buf(static_cast<std::size_t>(tail) * std::size_t(sfi.channels));
    if (sf_seek(f, from, SEEK_SET) == from && sf_readf_float(f, buf.data(), tail) == tail)
        return {};
    return "the last frames of the written file do not decode";
}

} // namespace

bool written_by_this_process(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return false;
    std::lock_guard lock(written_mutex);
    return written_files.count(identity_of(st)) > 0;
}

std::optional<std::vector<Position>> undeclared_layout_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return std::nullopt;
    std::lock_guard lock(written_mutex);
    const auto it = undeclared_layouts.find(identity_of(st));
    if (it == undeclared_layouts.end())
        return std::nullopt;
    return it->second;
}

std::string temporary_template_for(const std::string& path) {
    static const std::string host = file_safe_host();
    return parent_dir(path) + "/." + base_name(path) + ".tapeop-tmp-" + std::to_string(::getpid()) +
           "@" + host + "-XXXXXX";
}

void set_durable_writes(bool durable) {
    durable_writes.store(durable);
}

void remove_pending_temporaries() noexcept {
    for (auto& slot : pending)
        if (slot.state.load() == slot_ready)
            ::unlink(slot.path);
}

OwnedTemporary::OwnedTemporary(const std::string& target, const std::string& suffix) {
    std::string templ = temporary_template_for(target) + suffix;
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    const int fd = ::mkstemps(buf.data(), static_cast<int>(suffix.size()));
    if (fd < 0)
        throw Error(std::string("cannot write in ") + parent_dir(target) + ": " +
                        std::strerror(errno),
                    target);
    ::close(fd);
    path_ = buf.data();
    slot_ = register_pending(path_);
}

OwnedTemporary::~OwnedTemporary() {
    if (!path_.empty())
        ::unlink(path_.c_str());
    release();
}

void OwnedTemporary::release() noexcept {
    unregister_pending(slot_);
    slot_ = -1;
    path_.clear();
}

void AudioWriter::Closer::operator()(SNDFILE* f) const {
    if (f)
        sf_close(f);
}

AudioWriter::AudioWriter(const std::string& path, const OutputSpec& spec)
    : path_(path), spec_(spec) {
    const Container& c = container_for_path(path);
    const int format = sf_format_word(c, spec.sample_format, spec.sample_rate, spec.channels, path);
    integer_ = is_integer(spec.sample_format) && !c.lossy;
    bits_ = integer_bits(spec.sample_format);

    const std::string dir = parent_dir(path);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error("output folder does not exist: " + dir, path);
    std::string templ = temporary_template_for(path);
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    fd_ = ::mkstemp(buf.data());
    if (fd_ < 0)
        throw Error(std::string("cannot write in ") + dir + ": " + std::strerror(errno), path);
    temp_path_ = buf.data();
    pending_slot_ = register_pending(temp_path_);
    ::fchmod(fd_, 0666 & ~current_umask());

    SF_INFO sfi{};
    sfi.samplerate = spec.sample_rate;
    sfi.channels = spec.channels;
    sfi.format = format;
    bool rf64_downgrade = false;
    const bool declare_layout = (c.sf_major == SF_FORMAT_WAV || c.sf_major == SF_FORMAT_RF64) &&
                                spec.positions.size() == std::size_t(spec.channels) &&
                                wav_declares(spec.positions);
    if (declare_layout && c.sf_major == SF_FORMAT_WAV)
        sfi.format = (format & ~SF_FORMAT_TYPEMASK) | SF_FORMAT_WAVEX;
    // The input's layout (spec.positions) is declared by WAV's and RF64's channel mask and by
    // FLAC's mask comment (finish()) when its order is the mask's, and by AIFF's CHAN chunk in
    // any order (below); CAF, W64 and the lossy containers get none. Where it is not their
    // default order either, a reader takes the channels for something else: said, as dropped
    // metadata is.
    const bool aiff_declares = c.sf_major == SF_FORMAT_AIFF &&
                               spec.positions.size() == std::size_t(spec.channels) &&
                               spec.channels > 2;
    if (spec.positions.size() == std::size_t(spec.channels)) {
        const bool masked = c.sf_major == SF_FORMAT_WAV || c.sf_major == SF_FORMAT_RF64 ||
                            c.sf_major == SF_FORMAT_FLAC;
        layout_undeclared_ = !aiff_declares && !(masked && wave_channel_mask(spec.positions) != 0);
        const ChannelLayout assumed = default_layout(c.name, spec.channels);
        if (layout_undeclared_ && assumed.positions != spec.positions && !spec.intermediate) {
            std::vector<std::string> names;
            for (Position p : spec.positions)
                names.push_back(std::string(position_name(p)));
            warn_about_file(shown_name(path),
                            "the input's channel layout " + layout_name(spec.positions) + " (" +
                                text::join(names, " ") + ") cannot be declared in " +
                                std::string(c.name) + (masked ? " in this channel order" : "") +
                                ": written without, the channels in the input's order");
        }
    }
    if (c.sf_major == SF_FORMAT_WAV) {
        const double data_bytes =
            double(spec.expected_frames) * spec.channels * bytes_per_sample(spec.sample_format);
        constexpr double wav_limit =
            4294967295.0 - 1024.0 * 1024.0; // RIFF size field, with room for chunks
        if (spec.expected_frames < 0 || data_bytes >= wav_limit) {
            sfi.format = (format & ~SF_FORMAT_TYPEMASK) | SF_FORMAT_RF64;
            rf64_downgrade = spec.expected_frames < 0;
        }
    }
    // Through FdOutput: a failed write's errno is known whatever libsndfile makes of it.
    out_ = std::make_unique<FdOutput>(fd_);
    SNDFILE* f = out_->open(SFM_WRITE, &sfi);
    if (!f)
        fail_write("cannot write", sndfile_error_text(nullptr));
    file_.reset(f);
    // libsndfile's PEAK chunk (float WAV and AIFF) records the second it was written, so the
    // same job would give different bytes from one second to the next: outputs carry none.
    sf_command(f, SFC_SET_ADD_PEAK_CHUNK, nullptr, SF_FALSE);
    if (out_->error() != 0) // the header did not fit
        fail_write("cannot write");
    if (rf64_downgrade)
        sf_command(f, SFC_RF64_AUTO_DOWNGRADE, nullptr, SF_TRUE);
    if (declare_layout)
        write_channel_map(f, spec.positions, path);
    if (aiff_declares) {
        chunk_store_.push_back(coreaudio_layout_chunk(spec.positions));
        SF_CHUNK_INFO ci{};
        std::memcpy(ci.id, "CHAN", 4);
        ci.id_size = 4;
        ci.datalen = static_cast<unsigned>(chunk_store_.back().size());
        ci.data = chunk_store_.back().data();
        if (sf_set_chunk(f, &ci) != SF_ERR_NO_ERROR)
            throw Error("cannot write the channel layout " + layout_name(spec.positions), path);
    }
    if (c.lossy) {
        // Highest quality for lossy deliverables: this is a mastering tool.
        double quality = 1.0;
        sf_command(f, SFC_SET_VBR_ENCODING_QUALITY, &quality, sizeof quality);
    }
}

AudioWriter::~AudioWriter() {
    if (!temp_path_.empty())
        abandon();
}

void AudioWriter::abandon() noexcept {
    file_.reset();
    out_.reset();
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!temp_path_.empty()) {
        ::unlink(temp_path_.c_str());
        unregister_pending(pending_slot_);
        pending_slot_ = -1;
        temp_path_.clear();
    }
}

void AudioWriter::set_metadata(const Metadata& m) {
    if (!file_ || frames_ > 0)
        throw Error("internal: metadata set after the first sample", path_);
    if (strip_metadata() || m.empty())
        return;
    metadata_ = std::make_unique<Metadata>(m);
    drop_encoder_tags(*metadata_, path_); // every output is encoded anew
    if (const auto lost = unplaced_metadata(*metadata_, path_); !lost.empty()) {
        warn_about_file(shown_name(path_),
                        "the input's " + text::join(lost) + " cannot be stored in " +
                            std::string(container_for_path(path_).name) +
                            ": written without (--strip-metadata drops all metadata "
                            "without this warning)");
    }
    apply_before_audio(file_.get(), path_, *metadata_, chunk_store_);
}

void AudioWriter::write(AudioView block) {
    if (!file_)
        throw Error("internal: write after commit", path_);
    const std::size_t channels = static_cast<std::size_t>(spec_.channels);
    if (block.channels() != channels)
        throw Error("internal: block has " + std::to_string(block.channels()) +
                        " channels, output " + std::to_string(channels),
                    path_);
    const std::size_t n = block.frames();
    sf_count_t written = 0;
    if (integer_) {
        // Round to nearest at 2^(bits-1) per full scale, clamp, left-justify for libsndfile.
        const double scale = std::ldexp(1.0, bits_ - 1);
        const double hi = scale - 1.0;
        const double lo = -scale;
        const int shift = 32 - bits_;
        scratch_int_.resize(n * channels);
        std::uint64_t clipped = 0;
        for (std::size_t c = 0; c < channels; ++c) {
            const float* src = block.channel(c);
            std::int32_t* dst = scratch_int_.data() + c;
            std::size_t i = 0;
#if defined(__SSE2__)
            if (bits_ <= 24) {
                // The same steps in float, four samples at a time: scaling by 2^(bits-1) and
                // the clamp bounds (+-2^(bits-1) +- 1) are exact in float for up to 24 bits, and
                // cvtps2dq rounds half to even like the double trick below (default MXCSR).
                // A clamped value sits one step outside the range: it is counted and moved in.
                const __m128 vscale = _mm_set1_ps(static_cast<float>(scale));
                const __m128 vmin = _mm_set1_ps(static_cast<float>(lo - 1.0));
                const __m128 vmax = _mm_set1_ps(static_cast<float>(hi + 1.0));
                const __m128i ilo = _mm_set1_epi32(static_cast<std::int32_t>(lo));
                const __m128i ihi = _mm_set1_epi32(static_cast<std::int32_t>(hi));
                const __m128i vshift = _mm_cvtsi32_si128(shift);
                alignas(16) std::int32_t tmp[4];
                __m128i counts = _mm_setzero_si128(); // per lane, minus the clamped samples
                for (; i + 4 <= n; i += 4) {
                    // max() first: a NaN becomes the lower bound (counted as clipped).
                    const __m128 x = _mm_min_ps(
                        _mm_max_ps(_mm_mul_ps(_mm_loadu_ps(src + i), vscale), vmin), vmax);
                    __m128i v = _mm_cvtps_epi32(x);
                    const __m128i below = _mm_cmplt_epi32(v, ilo), above = _mm_cmpgt_epi32(v, ihi);
                    counts = _mm_add_epi32(counts, _mm_or_si128(below, above));
                    v = _mm_add_epi32(_mm_sub_epi32(v, below), above);
                    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), _mm_sll_epi32(v, vshift));
                    for (std::size_t k = 0; k < 4; ++k)
                        dst[(i + k) * channels] = tmp[k];
                }
                _mm_store_si128(reinterpret_cast<__m128i*>(tmp), counts);
                for (std::int32_t k : tmp)
                    clipped += static_cast<std::uint64_t>(-static_cast<std::int64_t>(k));
            }
#endif
            for (; i < n; ++i) {
                // Round half to even exactly as std::nearbyint does, without the libm call:
                // adding and removing 1.5 * 2^52 leaves the nearest integer for |x| < 2^51
                // (x is clamped first, so out-of-range values still count as clipped).
                const double x = std::clamp(double(src[i]) * scale, lo - 1.0, hi + 1.0);
                double v = (x + 0x1.8p52) - 0x1.8p52;
                if (v > hi) {
                    v = hi;
                    ++clipped;
                } else if (v < lo) {
                    v = lo;
                    ++clipped;
                }
                dst[i * channels] = static_cast<std::int32_t>(
                    static_cast<std::uint32_t>(static_cast<std::int32_t>(v)) << shift);
            }
        }
        clipped_ += clipped;
        written = sf_writef_int(file_.get(), scratch_int_.data(), static_cast<sf_count_t>(n));
    } else {
        scratch_float_.resize(n * channels);
        const bool count_overs = spec_.sample_format == SampleFormat::lossy;
        for (std::size_t c = 0; c < channels; ++c) {
            const float* src = block.channel(c);
            float* dst = scratch_float_.data() + c;
            for (std::size_t i = 0; i < n; ++i) {
                dst[i * channels] = src[i];
                if (count_overs && std::fabs(src[i]) > 1.0f)
                    ++clipped_;
            }
        }
        written = sf_writef_float(file_.get(), scratch_float_.data(), static_cast<sf_count_t>(n));
    }
    if (written != static_cast<sf_count_t>(n) || out_->error() != 0)
        fail_write("cannot write", sndfile_error_text(file_.get()));
    frames_ += n;
}

void AudioWriter::write_stored(const StoredFrames& stored, std::size_t frames) {
    if (!file_)
        throw Error("internal: write after commit", path_);
    if (stored.format() != spec_.sample_format)
        throw Error("internal: stored " + std::string(sample_format_name(stored.format())) +
                        " samples for a " + std::string(sample_format_name(spec_.sample_format)) +
                        " output",
                    path_);
    const auto n = static_cast<sf_count_t>(frames);
    const sf_count_t written = stored.format() == SampleFormat::pcm32
                                   ? sf_writef_int(file_.get(), stored.ints(), n)
                                   : sf_writef_double(file_.get(), stored.doubles(), n);
    if (written != n)
        throw Error(std::string("write failed: ") + sf_strerror(file_.get()), path_);
    frames_ += frames;
}

void AudioWriter::commit() {
    if (!file_)
        throw Error("internal: commit twice", path_);
    // FLAC, Ogg Vorbis, Opus and MP3 encoders write their last data when the file is closed:
    // a full disk shows only in sf_close's result, so it is checked rather than left to the
    // handle's destructor; and since the Ogg Vorbis and MP3 encoders ignore a failed write,
    // the descriptor's own error too.
    std::string why =
        sf_error(file_.get()) != SF_ERR_NO_ERROR ? sndfile_error_text(file_.get()) : std::string();
    const int close_err = sf_close(file_.release());
    if (why.empty() && close_err != SF_ERR_NO_ERROR)
        why = sndfile_error_text(close_err);
    if (!why.empty() || out_->error() != 0)
        fail_write("could not finish writing", why);
    chunk_store_.clear();
    // Tags go into the closed temporary, so the read-back below checks the tagged file.
    if (metadata_)
        try {
            refresh_encoding_tags(*metadata_, frames_, spec_.sample_rate);
            apply_tags(temp_path_, path_, *metadata_);
        } catch (...) {
            fail_if_disk_full();
            abandon();
            throw;
        }
    if (container_for_path(path_).sf_major == SF_FORMAT_FLAC &&
        spec_.positions.size() == std::size_t(spec_.channels))
        try {
            write_flac_channel_mask(temp_path_, spec_.positions, path_);
        } catch (...) {
            fail_if_disk_full();
            abandon();
            throw;
        }
    // Ogg: libsndfile's random stream serial becomes one derived from the job (deterministic
    // bytes); the read-back below then checks the rewritten pages too.
    if (container_for_path(path_).sf_major == SF_FORMAT_OGG) {
        try {
            const std::string settings = std::to_string(spec_.sample_rate) + " Hz " +
                                         std::to_string(spec_.channels) + " ch " +
                                         std::string(sample_format_name(spec_.sample_format));
            rewrite_ogg_serial(temp_path_, ogg_serial_for(deliverable_name(path_), settings));
        } catch (const Error& e) {
            fail_write("could not finish writing", e.message());
        }
    }
    // Some encoders lose a failed final write without reporting it (measured: an Opus file cut
    // short on a full disk closed without error). The finished temporary is opened again and
    // must hold every frame written before it may replace anything.
    verify_complete();
    if (durable_writes.load() && ::fsync(fd_) != 0) {
        const int err = errno;
        abandon();
        throw Error("cannot flush to disk: " + write_error_text(err), path_);
    }
    ::close(fd_);
    fd_ = -1;
    if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        abandon();
        throw Error("cannot move the finished file into place: " + why, path_);
    }
    unregister_pending(pending_slot_);
    pending_slot_ = -1;
    temp_path_.clear();
    if (struct stat st{}; ::stat(path_.c_str(), &st) == 0) {
        std::lock_guard lock(written_mutex);
        written_files.insert(identity_of(st));
        if (layout_undeclared_)
            undeclared_layouts[identity_of(st)] = spec_.positions;
    }
}

void AudioWriter::verify_complete() {
    SF_INFO sfi{};
    const std::unique_ptr<SNDFILE, Closer> f(sf_open(temp_path_.c_str(), SFM_READ, &sfi));
    std::string why;
    if (!f) {
        why = "it does not open again (" + sndfile_error_text(nullptr) + ")";
    } else {
        // Lossy decoders may report a few frames of encoder padding more than were written,
        // never fewer; PCM and FLAC must match exactly.
        const auto frames = static_cast<std::uint64_t>(sfi.frames);
        const bool lossy = spec_.sample_format == SampleFormat::lossy;
        const bool known = sfi.frames != SF_COUNT_MAX;
        if (!known || (lossy ? frames < frames_ : frames != frames_))
            why = "the written file holds " +
                  (known ? std::to_string(sfi.frames) : std::string("an unknown number of")) +
                  " frames of " + std::to_string(frames_);
        else
            why = tail_problem(f.get(), sfi, frames_);
    }
    if (!why.empty())
        fail_write("could not finish writing", why);
}

int AudioWriter::failure_errno() const {
    if (out_ && out_->error() != 0)
        return out_->error();
    // TagLib writes tags into the closed temporary by itself and does not check its writes
    // (the file is found damaged by the read-back): when a step fails on a file system with no
    // room left, that is the cause.
    struct statvfs fs {};
    if (fd_ >= 0 && ::fstatvfs(fd_, &fs) == 0 && (::geteuid() == 0 ? fs.f_bfree : fs.f_bavail) == 0)
        return ENOSPC;
    return 0;
}

void AudioWriter::fail_if_disk_full() {
    if (failure_errno() != 0)
        fail_write("could not finish writing");
}

void AudioWriter::fail_write(const std::string& what, const std::string& detail) {
    // The cause (a full disk) says what happened; libsndfile's text, or a read-back that came
    // up short, is only the consequence.
    const int err = failure_errno();
    std::string message = what;
    if (err != 0)
        message += ": " + write_error_text(err);
    else if (!detail.empty())
        message += ": " + detail;
    abandon();
    throw Error(message, path_);
}

OutputSpec output_spec_for(const std::string& path, const FileInfo& input,
                           std::optional<SampleFormat> bits, std::optional<int> sample_rate,
                           std::optional<int> channels) {
    const Container& c = container_for_path(path);
    OutputSpec spec;
    spec.sample_rate = sample_rate.value_or(input.sample_rate);
    spec.channels = channels.value_or(input.channels);
    spec.sample_format = output_sample_format(c, input.sample_format, bits, path);
    spec.expected_frames =
        spec.sample_rate == input.sample_rate
            ? input.frames
            : static_cast<std::int64_t>(
                  double(input.frames) * spec.sample_rate / input.sample_rate + 0.5);
    const ChannelLayout& l = input.layout;
    if (spec.channels == input.channels && l.channels() == input.channels &&
        (l.source != LayoutSource::default_order || input.format == "flac"))
        spec.positions = l.positions;
    return spec;
}

int bytes_per_sample(SampleFormat f) {
    switch (f) {
    case SampleFormat::pcm8:
        return 1;
    case SampleFormat::pcm16:
        return 2;
    case SampleFormat::pcm24:
        return 3;
    case SampleFormat::pcm32:
    case SampleFormat::float32:
        return 4;
    case SampleFormat::float64:
        return 8;
    default:
        return 0;
    }
}

void refuse_overwriting_inputs(const std::string& output, const std::vector<std::string>& inputs,
                               bool in_place) {
    if (in_place)
        return;
    struct stat out {};
    if (::stat(output.c_str(), &out) != 0)
        return; // does not exist yet
    for (const auto& in : inputs) {
        struct stat st {};
        if (::stat(in.c_str(), &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino)
            throw UsageError("output is the input file; refusing to overwrite it (use --in-place "
                             "to replace the input deliberately)",
                             output);
    }
}

std::string output_path_for(const std::string& input, const std::string& out, bool out_is_dir,
                            const std::string& extension) {
    if (!out_is_dir)
        return out;
    std::filesystem::path in(input);
    std::string ext = extension.empty() ? folder_output_extension(input) : extension;
    std::string dir = out;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    return dir + "/" + in.stem().string() + ext;
}

int register_temporary(const std::string& temp_path) {
    return register_pending(temp_path);
}

void unregister_temporary(int slot) noexcept {
    unregister_pending(slot);
}

bool durable_writes_enabled() {
    return durable_writes.load();
}

} // namespace tapeop::io
