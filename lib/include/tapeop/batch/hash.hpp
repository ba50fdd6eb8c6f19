#pragma once
// Content hashes for the batch manifest: XXH3 64-bit (xxHash), written as 16 lowercase hex
// digits. Not cryptographic: it tells "same bytes" from "changed", fast enough to hash every
// input and output of a batch on each run (several GB/s, so a re-run costs a read of the files).
#include <cstdint>
#include <string>
#include <string_view>

namespace tapeop::batch {

struct FileHash {
    std::uint64_t size_bytes = 0;
    std::string xxh3; // 16 hex digits
};

// XXH3-64 of `data`, seed 0.
std::string hash_bytes(std::string_view data);

// Streams the file once. Throws Error naming the file when it cannot be read.
FileHash hash_file(const std::string& path);

} // namespace tapeop::batch
