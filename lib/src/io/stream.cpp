#include "tapeop/io/stream.hpp"

#include "bytes.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/limits.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace tapeop::io {
namespace {

using bytes::le32;
using bytes::put_le16;
using bytes::put_le32;

std::string temp_folder() {
    const char* t = std::getenv("TMPDIR");
    return t && *t ? std::string(t) : std::string("/tmp");
}

// A new empty file "<tmp>/tapeop-WHAT-XXXXXX.EXT"; returns its open descriptor.
int make_temp(const std::string& what, const std::string& ext, std::string& path) {
    std::string templ = temp_folder() + "/tapeop-" + what + "-XXXXXX." + ext;
    const int fd = ::mkstemps(templ.data(), static_cast<int>(ext.size() + 1));
    if (fd < 0)
        throw Error(std::string("cannot create a temporary file: ") + std::strerror(errno),
                    temp_folder());
    path = templ;
    return fd;
}

void write_all(int fd, const char* data, std::size_t n, const std::string& what) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            throw Error(std::string("cannot write: ") + std::strerror(errno), what);
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

// The canonical 44-byte header of a PCM or float WAV holding `data_bytes`.
std::array<unsigned char, 44> wav_header(const RawFormat& f, std::uint64_t data_bytes) {
    std::array<unsigned char, 44> h{};
    const bool is_float = f.format == SampleFormat::float32;
    std::memcpy(&h[0], "RIFF", 4);
    put_le32(&h[4], static_cast<std::uint32_t>(36 + data_bytes));
    std::memcpy(&h[8], "WAVEfmt ", 8);
    put_le32(&h[16], 16);
    put_le16(&h[20], is_float ? 3 : 1); // WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM
    put_le16(&h[22], static_cast<std::uint16_t>(f.channels));
    put_le32(&h[24], static_cast<std::uint32_t>(f.sample_rate));
    put_le32(&h[28], static_cast<std::uint32_t>(f.sample_rate * f.channels * f.bytes_per_sample));
    put_le16(&h[32], static_cast<std::uint16_t>(f.channels * f.bytes_per_sample));
    put_le16(&h[34], static_cast<std::uint16_t>(8 * f.bytes_per_sample));
    std::memcpy(&h[36], "data", 4);
    put_le32(&h[40], static_cast<std::uint32_t>(data_bytes));
    return h;
}

// The extension libsndfile and the reader expect for a stream starting with `magic`.
std::string extension_of(const unsigned char* m, std::size_t n) {
    auto is = [&](const char* tag) { return n >= 4 && std::memcmp(m, tag, 4) == 0; };
    if (is("fLaC"))
        return "flac";
    if (is("FORM"))
        return "aiff";
    if (is(".snd"))
        return "au";
    if (is("OggS"))
        return "ogg";
    if (is("caff"))
        return "caf";
    if (n >= 3 && (std::memcmp(m, "ID3", 3) == 0 || (m[0] == 0xFF && (m[1] & 0xE0) == 0xE0)))
        return "mp3";
    return "wav"; // RIFF, RF64, or for libsndfile to refuse with its own message
}

// A RIFF WAV whose sizes were left unknown (0 or 0xFFFFFFFF by a writer that could not seek
// back): sets the RIFF size and the size of a final data chunk from the file's length.
void fix_streamed_wav_sizes(int fd, std::uint64_t file_bytes) {
    unsigned char head[12];
    if (file_bytes < 12 || ::pread(fd, head, 12, 0) != 12 || std::memcmp(head, "RIFF", 4) != 0 ||
        std::memcmp(head + 8, "WAVE", 4) != 0 || file_bytes > 0xFFFFFFFFull)
        return;
    std::uint64_t at = 12;
    while (at + 8 <= file_bytes) {
        unsigned char ch[8];
        if (::pread(fd, ch, 8, static_cast<off_t>(at)) != 8)
            return;
        const std::uint64_t size = le32(ch + 4);
        const std::uint64_t rest = file_bytes - at - 8;
        if (std::memcmp(ch, "data", 4) == 0) {
            if (size == 0 || size == 0xFFFFFFFFull || size > rest) {
                const std::uint64_t data = rest - rest % 2; // whole sample words only
                put_le32(ch + 4, static_cast<std::uint32_t>(data));
                unsigned char riff[4];
                put_le32(riff, static_cast<std::uint32_t>(file_bytes - 8));
                if (::pwrite(fd, ch + 4, 4, static_cast<off_t>(at + 4)) != 4 ||
                    ::pwrite(fd, riff, 4, 4) != 4)
                    throw Error("cannot fix the spooled WAV header", "standard input");
            }
            return;
        }
        at += 8 + size + (size & 1);
    }
}

} // namespace

RawFormat parse_raw_format(const std::string& text) {
    const auto bad = [&](const std::string& why) {
        return UsageError("--raw " + text + ": " + why +
                          " (expected RATE,CHANNELS,FORMAT, e.g. 48000,2,s16le; formats: u8, "
                          "s16le, s24le, s32le, f32le)");
    };
    const auto c1 = text.find(',');
    const auto c2 = c1 == std::string::npos ? c1 : text.find(',', c1 + 1);
    if (c2 == std::string::npos)
        throw bad("three fields needed");
    RawFormat f;
    try {
        std::size_t used = 0;
        f.sample_rate = std::stoi(text.substr(0, c1), &used);
        if (used != c1)
            throw bad("the rate is not a whole number");
        const std::string ch = text.substr(c1 + 1, c2 - c1 - 1);
        f.channels = std::stoi(ch, &used);
        if (used != ch.size())
            throw bad("the channel count is not a whole number");
    } catch (const std::invalid_argument&) {
        throw bad("not a number");
    } catch (const std::out_of_range&) {
        throw bad("number out of range");
    }
    if (f.sample_rate < limits::min_sample_rate_hz || f.sample_rate > limits::max_sample_rate_hz)
        throw bad("the rate must be from 1000 to 768000 Hz");
    if (f.channels < 1 || f.channels > limits::max_channels)
        throw bad("the channel count must be from 1 to 256");
    const std::string fmt = text.substr(c2 + 1);
    if (fmt == "u8") {
        f.format = SampleFormat::pcm8;
        f.bytes_per_sample = 1;
    } else if (fmt == "s16le") {
        f.format = SampleFormat::pcm16;
        f.bytes_per_sample = 2;
    } else if (fmt == "s24le") {
        f.format = SampleFormat::pcm24;
        f.bytes_per_sample = 3;
    } else if (fmt == "s32le") {
        f.format = SampleFormat::pcm32;
        f.bytes_per_sample = 4;
    } else if (fmt == "f32le") {
        f.format = SampleFormat::float32;
        f.bytes_per_sample = 4;
    } else {
        throw bad("unknown format '" + fmt + "'");
    }
    return f;
}

StdinSpool::StdinSpool(std::optional<RawFormat> raw, int in_fd) {
    std::vector<char> buf(1 << 16);
    // The first bytes tell the container (and so the temporary's extension).
    std::size_t first = 0;
    while (first < 16) {
        const ssize_t r = ::read(in_fd, buf.data() + first, buf.size() - first);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            throw Error(std::string("cannot read: ") + std::strerror(errno), "standard input");
        if (r == 0)
            break;
        first += static_cast<std::size_t>(r);
    }
    if (first == 0)
        throw Error("no audio arrived (the stream is empty)", "standard input");
    const std::string ext =
        raw ? "wav" : extension_of(reinterpret_cast<const unsigned char*>(buf.data()), first);
    const int fd = make_temp("stdin", ext, path_);
    slot_ = register_temporary(path_);
    try {
        if (raw) // the header is rewritten with the real size at the end
            write_all(fd, reinterpret_cast<const char*>(wav_header(*raw, 0).data()), 44, path_);
        std::uint64_t bytes = first;
        write_all(fd, buf.data(), first, path_);
        for (;;) {
            const ssize_t r = ::read(in_fd, buf.data(), buf.size());
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                throw Error(std::string("cannot read: ") + std::strerror(errno), "standard input");
            if (r == 0)
                break;
            write_all(fd, buf.data(), static_cast<std::size_t>(r), path_);
            bytes += static_cast<std::uint64_t>(r);
        }
        if (raw) {
            const std::uint64_t frame_bytes =
                static_cast<std::uint64_t>(raw->channels * raw->bytes_per_sample);
            if (bytes % frame_bytes != 0)
                throw Error("the raw stream ends inside a frame (" + std::to_string(bytes) +
                                " bytes is not a whole number of " + std::to_string(frame_bytes) +
                                "-byte frames)",
                            "standard input");
            if (bytes + 36 > 0xFFFFFFFFull)
                throw Error("a raw stream over 4 GiB is not supported", "standard input");
            const auto h = wav_header(*raw, bytes);
            if (::pwrite(fd, h.data(), h.size(), 0) != static_cast<ssize_t>(h.size()))
                throw Error("cannot write the header", path_);
        } else if (ext == "wav") {
            fix_streamed_wav_sizes(fd, bytes);
        }
        if (::close(fd) != 0)
            throw Error(std::string("cannot write: ") + std::strerror(errno), path_);
    } catch (...) {
        ::close(fd);
        ::unlink(path_.c_str());
        unregister_temporary(slot_);
        throw;
    }
}

StdinSpool::~StdinSpool() {
    ::unlink(path_.c_str());
    unregister_temporary(slot_);
}

StdoutFile::StdoutFile(const std::string& format) {
    std::string ext = format;
    if (format == "raw") {
        raw_ = true;
        ext = "wav";
    } else if (format != "wav" && format != "flac" && format != "aiff" && format != "au") {
        throw UsageError("--format " + format +
                         ": standard output takes wav, flac, aiff, au or raw");
    }
    const int fd = make_temp("stdout", ext, path_);
    ::close(fd);
    slot_ = register_temporary(path_);
}

StdoutFile::~StdoutFile() {
    ::unlink(path_.c_str());
    unregister_temporary(slot_);
}

void StdoutFile::send(int out_fd) const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size == 0) {
        if (fd >= 0)
            ::close(fd);
        throw Error("nothing was written for standard output", "-");
    }
    std::uint64_t from = 0, length = static_cast<std::uint64_t>(st.st_size);
    if (raw_) { // only the samples: the data chunk's payload
        unsigned char ch[8];
        std::uint64_t at = 12;
        bool found = false;
        while (at + 8 <= length && ::pread(fd, ch, 8, static_cast<off_t>(at)) == 8) {
            const std::uint64_t size = le32(ch + 4);
            if (std::memcmp(ch, "data", 4) == 0) {
                from = at + 8;
                length = std::min<std::uint64_t>(size, length - from);
                found = true;
                break;
            }
            at += 8 + size + (size & 1);
        }
        if (!found) {
            ::close(fd);
            throw Error("internal: no data chunk in the raw output's WAV", path_);
        }
    }
    std::vector<char> buf(1 << 16);
    std::uint64_t done = 0;
    try {
        while (done < length) {
            const std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), length - done));
            const ssize_t r = ::pread(fd, buf.data(), want, static_cast<off_t>(from + done));
            if (r <= 0)
                throw Error("cannot read back the output", path_);
            write_all(out_fd, buf.data(), static_cast<std::size_t>(r), "standard output");
            done += static_cast<std::uint64_t>(r);
        }
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
}

} // namespace tapeop::io
