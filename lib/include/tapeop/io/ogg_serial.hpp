#pragma once
// Deterministic Ogg outputs. libsndfile gives every Ogg Vorbis/Opus stream a random serial
// number (SFC_GET_OGG_STREAM_SERIALNO only reads it), so the same job wrote different bytes on
// every run. The writer replaces it, before the file takes its name, with a serial derived
// from the job: the same output name and content settings give the same bytes, on any run,
// machine or shard.
//
// Ogg framing (RFC 3533, section 6): each page starts "OggS", version, header type, 64-bit
// granule position, then the 32-bit stream serial (bytes 14-17), page sequence number
// (18-21), CRC (22-25), the segment count (26) and table; the CRC-32 (polynomial 0x04c11db7,
// not reflected, initial value 0, no final xor) covers the whole page with its CRC field zero.
#include <cstddef>
#include <cstdint>
#include <string>

namespace tapeop::io {

// The Ogg CRC-32 of `bytes`.
std::uint32_t ogg_crc(const unsigned char* bytes, std::size_t n);

// A serial number derived from the output's file name (no folder) and its content settings
// (XXH64, low 32 bits).
std::uint32_t ogg_serial_for(const std::string& file_name, const std::string& settings);

// Rewrites, in place, the serial of every page of the file's (single) logical stream to
// `serial`, and the pages' CRCs; page by page, in constant memory (one page: at most 65307
// bytes). Throws Error naming `path` when it is not a well-formed Ogg file (a page cut short,
// a bad capture pattern, a CRC that does not match before the rewrite, a second stream).
// Returns the number of pages rewritten.
std::size_t rewrite_ogg_serial(const std::string& path, std::uint32_t serial);

} // namespace tapeop::io
