#include "tapeop/io/declared_length.hpp"

#include "bytes.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <string>

namespace tapeop::io {
namespace {

using bytes::be32;
using bytes::be64;
using bytes::le32;
using bytes::le64;

// Chunks walked before giving up on a file that is all tiny chunks (hostile, not audio).
constexpr int max_chunks = 1000;

class File {
  public:
    explicit File(const std::string& path) : in_(path, std::ios::binary) {
        in_.seekg(0, std::ios::end);
        size_ = in_ ? static_cast<std::uint64_t>(in_.tellg()) : 0;
    }
    std::uint64_t size() const { return size_; }
    // Reads n bytes at pos; false when they are not all there.
    bool at(std::uint64_t pos, unsigned char* out, std::size_t n) {
        if (pos + n > size_)
            return false;
        in_.clear();
        in_.seekg(static_cast<std::streamoff>(pos));
        return static_cast<bool>(in_.read(reinterpret_cast<char*>(out), std::streamsize(n)));
    }

  private:
    std::ifstream in_;
    std::uint64_t size_ = 0;
};

std::uint64_t shortfall(std::uint64_t declared, std::uint64_t data_start, std::uint64_t size) {
    const std::uint64_t present = size > data_start ? size - data_start : 0;
    return declared > present ? declared - present : 0;
}

// Calls visit(id, size, pos) for each RIFF chunk (8-byte header, little-endian size, padded
// to even) from `pos` while its header lies before `end`; stops when visit returns false.
template <class Visit>
void walk_riff_chunks(File& f, std::uint64_t pos, std::uint64_t end, Visit visit) {
    unsigned char ch[8];
    for (int guard = 0; guard < max_chunks && pos + 8 <= end && f.at(pos, ch, 8); ++guard) {
        const std::uint32_t size = le32(ch + 4);
        if (!visit(ch, size, pos))
            return;
        pos += 8 + std::uint64_t(size) + (size & 1);
    }
}

// 0: not RIFF WAVE, 1: RIFF WAVE, 2: RF64/BW64 WAVE.
int riff_kind(const unsigned char* m) {
    if (std::memcmp(m + 8, "WAVE", 4) != 0)
        return 0;
    if (std::memcmp(m, "RIFF", 4) == 0)
        return 1;
    return std::memcmp(m, "RF64", 4) == 0 || std::memcmp(m, "BW64", 4) == 0 ? 2 : 0;
}

// RIFF WAVE and RF64/BW64 (EBU Tech 3306: the data size lives in the ds64 chunk when the
// data chunk says 0xFFFFFFFF).
std::uint64_t riff_missing(File& f, bool rf64) {
    std::uint64_t ds64_data = 0, missing = 0;
    walk_riff_chunks(f, 12, f.size(),
                     [&](const unsigned char* id, std::uint32_t size, std::uint64_t pos) {
                         if (rf64 && std::memcmp(id, "ds64", 4) == 0) {
                             unsigned char d[16];
                             if (f.at(pos + 8, d, 16))
                                 ds64_data = le64(d + 8);
                         }
                         if (std::memcmp(id, "data", 4) != 0)
                             return true;
                         std::uint64_t declared = size;
                         if (size == 0xFFFFFFFFu)
                             declared = rf64 ? ds64_data : 0;
                         // 0: a streaming placeholder
                         missing = declared == 0 ? 0 : shortfall(declared, pos + 8, f.size());
                         return false;
                     });
    return missing;
}

// Sony Wave64: 16-byte GUIDs whose first four bytes are the lower-case fourcc, 64-bit sizes
// that include the 24-byte chunk header, chunks aligned to 8 bytes.
constexpr std::array<unsigned char, 16> w64_data_guid = {
    'd', 'a', 't', 'a', 0xF3, 0xAC, 0xD3, 0x11, 0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A};

// Where the W64 data chunk is when the walk cannot get there: libsndfile still finds the
// audio past a chunk whose size is damaged (a fact chunk claiming 0, 7 or 2^63 bytes), so the
// data GUID is looked for at each 8-byte boundary of the header's first 64 KiB.
std::uint64_t w64_find_data(File& f, std::uint64_t from) {
    constexpr std::uint64_t header_limit = 65536;
    unsigned char g[16];
    for (std::uint64_t pos = from; pos < header_limit && f.at(pos, g, 16); pos += 8)
        if (std::memcmp(g, w64_data_guid.data(), 16) == 0)
            return pos;
    return 0;
}

std::uint64_t w64_missing(File& f) {
    std::uint64_t pos = 40;
    unsigned char ch[24];
    bool searched = false;
    for (int guard = 0; guard < max_chunks; ++guard) {
        const bool readable = f.at(pos, ch, 24);
        const std::uint64_t size = readable ? le64(ch + 16) : 0;
        if (readable && std::memcmp(ch, w64_data_guid.data(), 16) == 0)
            return size > 24 ? shortfall(size - 24, pos + 24, f.size()) : 0;
        // A damaged chunk before the audio (or a walk that went astray through one).
        if (!readable || size < 24 || size > f.size() - pos) {
            if (searched || (pos = w64_find_data(f, 40)) == 0)
                return 0; // no audio to miss: libsndfile refuses the file itself
            searched = true;
            continue;
        }
        pos += (size + 7) & ~std::uint64_t(7);
    }
    return 0;
}

// AIFF/AIFC: big-endian sizes, chunks padded to even; SSND's size includes its 8-byte
// offset/block-size header.
std::uint64_t aiff_missing(File& f) {
    std::uint64_t pos = 12;
    unsigned char ch[8];
    for (int guard = 0; guard < max_chunks && f.at(pos, ch, 8); ++guard) {
        const std::uint32_t size = be32(ch + 4);
        if (std::memcmp(ch, "SSND", 4) == 0) {
            if (size == 0 || size == 0xFFFFFFFFu)
                return 0;
            return shortfall(size, pos + 8, f.size());
        }
        pos += 8 + std::uint64_t(size) + (size & 1);
    }
    return 0;
}

// Sun/NeXT AU: data offset and data size in the 24-byte header (0xFFFFFFFF: unknown).
std::uint64_t au_missing(File& f) {
    unsigned char h[12];
    if (!f.at(0, h, 12))
        return 0;
    const std::uint32_t offset = be32(h + 4), size = be32(h + 8);
    if (size == 0 || size == 0xFFFFFFFFu)
        return 0;
    return shortfall(size, offset, f.size());
}

// Apple CAF: 8-byte file header, chunks of type(4) + signed 64-bit big-endian size; the data
// chunk starts with a 4-byte edit count and may say -1 (to the end of the file).
std::uint64_t caf_missing(File& f) {
    std::uint64_t pos = 8;
    unsigned char ch[12];
    for (int guard = 0; guard < max_chunks && f.at(pos, ch, 12); ++guard) {
        const std::uint64_t size = be64(ch + 4);
        if (std::memcmp(ch, "data", 4) == 0) {
            if (size == ~std::uint64_t(0) || size == 0)
                return 0;
            return shortfall(size, pos + 12, f.size());
        }
        if (size > f.size())
            return 0; // a damaged chunk before the audio: libsndfile refuses the file itself
        pos += 12 + size;
    }
    return 0;
}

} // namespace

std::uint64_t missing_audio_bytes(const std::string& path) {
    File f(path);
    unsigned char m[16];
    if (!f.at(0, m, 16))
        return 0;
    if (const int kind = riff_kind(m); kind != 0)
        return riff_missing(f, kind == 2);
    static constexpr std::array<unsigned char, 16> w64_riff = {
        'r', 'i', 'f', 'f', 0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00};
    if (std::memcmp(m, w64_riff.data(), 16) == 0)
        return w64_missing(f);
    if (std::memcmp(m, "FORM", 4) == 0 &&
        (std::memcmp(m + 8, "AIFF", 4) == 0 || std::memcmp(m + 8, "AIFC", 4) == 0))
        return aiff_missing(f);
    if (std::memcmp(m, ".snd", 4) == 0)
        return au_missing(f);
    if (std::memcmp(m, "caff", 4) == 0)
        return caf_missing(f);
    return 0;
}

namespace {
// INFO fields (I + three upper-case letters or digits) and adtl labels: libsndfile reads
// these with their size checked; an unknown sub-chunk with a size past the end of the file
// is what sends its parser into a loop (measured with libsndfile 1.2.0).
bool known_list_id(const unsigned char* id) {
    auto upper = [](unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    if (id[0] == 'I' && upper(id[1]) && upper(id[2]) && upper(id[3]))
        return true;
    for (const char* k : {"labl", "ltxt", "note", "file"})
        if (std::memcmp(id, k, 4) == 0)
            return true;
    return false;
}
} // namespace

std::string riff_list_problem(const std::string& path) {
    File f(path);
    unsigned char m[12];
    if (!f.at(0, m, 12) || riff_kind(m) == 0)
        return {};
    std::string problem;
    walk_riff_chunks(
        f, 12, f.size(), [&](const unsigned char* id, std::uint32_t size, std::uint64_t pos) {
            if (std::memcmp(id, "data", 4) == 0)
                return false; // libsndfile parses no further before the audio
            if (std::memcmp(id, "LIST", 4) != 0 || size < 4)
                return true;
            walk_riff_chunks(
                f, pos + 12, std::min(pos + 8 + size, f.size()),
                [&](const unsigned char* sub_id, std::uint32_t sub_size, std::uint64_t sub) {
                    if (sub_size <= f.size() || known_list_id(sub_id))
                        return true;
                    problem = "damaged LIST chunk at byte " + std::to_string(pos) +
                              ": a sub-chunk at byte " + std::to_string(sub) + " claims " +
                              std::to_string(sub_size) + " bytes, more than the whole file";
                    return false;
                });
            return problem.empty();
        });
    return problem;
}

std::string header_problem(const std::string& path) {
    if (std::string problem = riff_list_problem(path); !problem.empty())
        return problem;
    File f(path);
    unsigned char h[8];
    if (f.at(0, h, 8) && std::memcmp(h, ".snd", 4) == 0 && be32(h + 4) < 24)
        return "damaged AU header: the audio is said to start at byte " +
               std::to_string(be32(h + 4)) + ", inside the 24-byte header";
    return {};
}

bool mpeg_length_is_exact(const std::string& path) {
    File f(path);
    std::uint64_t pos = 0;
    unsigned char h[10];
    // ID3v2 tag first (ID3v2.4 section 3.1: syncsafe size, plus a 10-byte footer when flagged).
    if (f.at(0, h, 10) && std::memcmp(h, "ID3", 3) == 0)
        pos = 10 +
              ((std::uint64_t(h[6] & 0x7F) << 21) | ((h[7] & 0x7F) << 14) | ((h[8] & 0x7F) << 7) |
               (h[9] & 0x7F)) +
              ((h[5] & 0x10) ? 10 : 0);
    // The first frame header: sync, then its first bytes hold "Xing"/"Info" after the side
    // information (9 to 32 bytes) or "VBRI" at offset 36.
    std::array<unsigned char, 4096> buf{};
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(buf.size(), f.size() > pos ? f.size() - pos : 0));
    if (n < 64 || !f.at(pos, buf.data(), n))
        return false;
    for (std::size_t i = 0; i + 64 <= n; ++i) {
        if (buf[i] != 0xFF || (buf[i + 1] & 0xE0) != 0xE0)
            continue;
        for (std::size_t k = i + 4; k <= i + 40; ++k)
            if (std::memcmp(&buf[k], "Xing", 4) == 0 || std::memcmp(&buf[k], "Info", 4) == 0 ||
                std::memcmp(&buf[k], "VBRI", 4) == 0)
                return true;
        return false; // the first frame has no length header
    }
    return false;
}

} // namespace tapeop::io
