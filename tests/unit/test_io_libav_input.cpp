// MP4/ADTS input: which files go to libavformat (by their first bytes, not their name), and
// that anything else is refused there with an error naming the file. Decoding itself is
// checked end to end against ffmpeg (tests/cli/test_metadata_mp4.sh).
#include "test_util.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/libav_input.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <string>

using namespace tapeop;
using tapeop::test::TempDir;

namespace {

std::string write_bytes(const TempDir& dir, const std::string& name, const std::string& bytes) {
    const std::string path = dir.file(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

} // namespace

TEST_SUITE("io_libav_input") {
    TEST_CASE("an ftyp box is MP4, an ADTS syncword is AAC, an MP3 frame header is neither") {
        TempDir dir;
        using namespace std::string_literals;
        CHECK(io::libav_container(write_bytes(dir, "a.bin",
                                              "\0\0\0\x20"s
                                              "ftypM4A \0\0\0\0"s)) == "m4a");
        // ADTS: 0xFFF1 (MPEG-4, layer 00, no CRC) and 0xFFF9 (MPEG-2).
        CHECK(io::libav_container(write_bytes(dir, "b.bin", "\xFF\xF1\x50\x80\x00\x1F\xFC\0"s)) ==
              "aac");
        CHECK(io::libav_container(write_bytes(dir, "c.bin", "\xFF\xF9\x50\x80\x00\x1F\xFC\0"s)) ==
              "aac");
        // MPEG-1 layer III (0xFFFB): layer bits 01, libsndfile's.
        CHECK(io::libav_container(write_bytes(dir, "d.mp3", "\xFF\xFB\x90\x64\0\0\0\0"s)).empty());
        CHECK(io::libav_container(write_bytes(dir, "e.m4a", "RIFF\0\0\0\0WAVE"s)).empty());
        CHECK(io::libav_container(write_bytes(dir, "f.m4a", "ftyp"s)).empty()); // too short
    }

    TEST_CASE("a file that only looks like MP4 is one error naming it") {
        TempDir dir;
        using namespace std::string_literals;
        const std::string path = write_bytes(dir, "fake.m4a",
                                             "\0\0\0\x10"
                                             "ftypM4A \0\0\0\0"s +
                                                 std::string(64, 'x'));
        try {
            io::LibavDecoder d(path);
            FAIL("opened a damaged MP4");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find("fake.m4a") != std::string::npos);
        }
        CHECK_THROWS_AS(io::LibavDecoder(write_bytes(dir, "x.wav", "RIFF....WAVE")), Error);
    }
}
