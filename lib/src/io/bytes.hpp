#pragma once
// Little- and big-endian integers in file headers and chunks (RIFF, RF64, W64, AU, Ogg, CoreAudio
// layouts), for the sources that read or patch them byte by byte.

#include <cstdint>
#include <string>

namespace tapeop::io::bytes {

inline std::uint32_t le32(const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
           std::uint32_t(p[3]) << 24;
}
// At byte `at` of `s`; the caller has checked that four bytes are there.
inline std::uint32_t le32(const std::string& s, std::size_t at) {
    return le32(reinterpret_cast<const unsigned char*>(s.data()) + at);
}
inline std::uint64_t le64(const unsigned char* p) {
    return le32(p) | (std::uint64_t(le32(p + 4)) << 32);
}
inline std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}
inline std::uint64_t be64(const unsigned char* p) {
    return (std::uint64_t(be32(p)) << 32) | be32(p + 4);
}
inline void put_le16(unsigned char* p, std::uint16_t v) {
    p[0] = static_cast<unsigned char>(v);
    p[1] = static_cast<unsigned char>(v >> 8);
}
inline void put_le32(unsigned char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<unsigned char>(v >> (8 * i));
}
// Appended to `s`, most significant byte first (CoreAudio layouts, AIFF chunks).
inline void append_be32(std::string& s, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        s.push_back(static_cast<char>((v >> shift) & 0xFF));
}

} // namespace tapeop::io::bytes
