#include "tapeop/io/ogg_serial.hpp"

#include "bytes.hpp"

#include "tapeop/error.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

namespace tapeop::io {
namespace {

using bytes::le32;
using bytes::put_le32;

constexpr std::size_t header_bytes = 27;
constexpr std::size_t max_page_bytes = header_bytes + 255 + 255 * 255;

// Table for the MSB-first CRC-32 of Ogg (RFC 3533; libogg's framing.c computes the same).
constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t r = i << 24;
        for (int k = 0; k < 8; ++k)
            r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : (r << 1);
        t[i] = r;
    }
    return t;
}
constexpr std::array<std::uint32_t, 256> crc_table = make_table();

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

// Reads exactly n bytes at off; false at the end of the file before n.
bool read_at(int fd, unsigned char* out, std::size_t n, off_t off, const std::string& path) {
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::pread(fd, out + got, n - got, off + static_cast<off_t>(got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            throw Error(std::string("cannot read back the Ogg pages: ") + std::strerror(errno),
                        path);
        }
        if (r == 0)
            return false;
        got += static_cast<std::size_t>(r);
    }
    return true;
}

} // namespace

std::uint32_t ogg_crc(const unsigned char* bytes, std::size_t n) {
    std::uint32_t crc = 0;
    for (std::size_t i = 0; i < n; ++i)
        crc = (crc << 8) ^ crc_table[((crc >> 24) ^ bytes[i]) & 0xFF];
    return crc;
}

std::uint32_t ogg_serial_for(const std::string& file_name, const std::string& settings) {
    const std::string key = file_name + '\n' + settings;
    return static_cast<std::uint32_t>(XXH64(key.data(), key.size(), 0));
}

std::size_t rewrite_ogg_serial(const std::string& path, std::uint32_t serial) {
    Fd f{::open(path.c_str(), O_RDWR)};
    if (f.fd < 0)
        throw Error(std::string("cannot open to set the Ogg serial: ") + std::strerror(errno),
                    path);
    std::array<unsigned char, max_page_bytes> page;
    off_t off = 0;
    std::size_t pages = 0;
    std::uint32_t original = 0;
    for (;;) {
        if (!read_at(f.fd, page.data(), header_bytes, off, path)) {
            // The end: a clean page boundary, or a header cut short.
            unsigned char probe;
            if (read_at(f.fd, &probe, 1, off, path))
                throw Error("damaged Ogg output: a page header is cut short", path);
            break;
        }
        if (std::memcmp(page.data(), "OggS", 4) != 0 || page[4] != 0)
            throw Error("damaged Ogg output: no page starts at byte " + std::to_string(off), path);
        const std::size_t segments = page[26];
        if (!read_at(f.fd, page.data() + header_bytes, segments, off + off_t(header_bytes), path))
            throw Error("damaged Ogg output: a page's segment table is cut short", path);
        std::size_t body = 0;
        for (std::size_t i = 0; i < segments; ++i)
            body += page[header_bytes + i];
        const std::size_t size = header_bytes + segments + body;
        if (!read_at(f.fd, page.data() + header_bytes + segments, body,
                     off + off_t(header_bytes + segments), path))
            throw Error("damaged Ogg output: a page is cut short", path);
        const std::uint32_t page_serial = le32(page.data() + 14);
        if (pages == 0)
            original = page_serial;
        else if (page_serial != original)
            throw Error("unexpected Ogg output: more than one logical stream", path);
        const std::uint32_t crc = le32(page.data() + 22);
        put_le32(page.data() + 22, 0);
        if (ogg_crc(page.data(), size) != crc)
            throw Error("damaged Ogg output: page " + std::to_string(pages) + " fails its CRC",
                        path);
        put_le32(page.data() + 14, serial);
        put_le32(page.data() + 22, ogg_crc(page.data(), size));
        // Only the serial and CRC change: write back bytes 14-25 of the header.
        if (::pwrite(f.fd, page.data() + 14, 12, off + 14) != 12)
            throw Error(std::string("cannot set the Ogg serial: ") + std::strerror(errno), path);
        off += static_cast<off_t>(size);
        ++pages;
    }
    if (pages == 0)
        throw Error("damaged Ogg output: no pages", path);
    return pages;
}

} // namespace tapeop::io
