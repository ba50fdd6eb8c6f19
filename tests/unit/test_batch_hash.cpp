// Content hashes for the manifest: XXH3-64 as 16 hex digits, streaming equals one-shot.
#include "test_util.hpp"

#include "tapeop/batch/hash.hpp"
#include "tapeop/error.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <string>

using namespace tapeop;
using tapeop::test::TempDir;

TEST_SUITE("batch_hash") {
    TEST_CASE("hash of no bytes is XXH3-64's published value for empty input") {
        CHECK(batch::hash_bytes("") == "2d06800538d394c2");
    }

    TEST_CASE("a file hashed in blocks equals the bytes hashed at once, across block boundaries") {
        TempDir dir;
        // 2.5 MiB + 7 bytes: two full 1 MiB reads, a partial one, pseudo-random content.
        std::string data((5u << 19) + 7u, '\0');
        std::uint32_t x = 12345;
        for (auto& c : data) {
            x = x * 1664525u + 1013904223u;
            c = static_cast<char>(x >> 24);
        }
        const std::string path = dir.file("blob.bin");
        std::ofstream(path, std::ios::binary)
            .write(data.data(), static_cast<std::streamsize>(data.size()));
        const batch::FileHash h = batch::hash_file(path);
        CHECK(h.size_bytes == data.size());
        CHECK(h.xxh3 == batch::hash_bytes(data));
        CHECK(h.xxh3.size() == 16);
        data[data.size() / 2] ^= 1;
        CHECK(batch::hash_bytes(data) != h.xxh3);
    }

    TEST_CASE("hashing a missing file throws an error naming it") {
        TempDir dir;
        CHECK_THROWS_WITH_AS(batch::hash_file(dir.file("nope.wav")), doctest::Contains("nope.wav"),
                             Error);
    }
}
