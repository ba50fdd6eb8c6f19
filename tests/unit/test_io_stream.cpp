// io/stream.hpp: the raw-format words, a spooled stream (a streamed WAV's unknown sizes set
// from its length, raw PCM given a header) and the standard-output file.
#include "test_util.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/stream.hpp"

#include <cstring>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <unistd.h>
#include <vector>

using namespace tapeop;

namespace {

// A pipe holding `bytes`, read end returned (the write end is closed: end of stream).
int pipe_with(const std::vector<char>& bytes) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(bytes.size() < 60000); // fits in the pipe's buffer without a reader
    REQUIRE(::write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fds[1]);
    return fds[0];
}

std::vector<char> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

TEST_SUITE("io_stream") {

    TEST_CASE("--raw words: rate, channels and a little-endian format; mistakes named") {
        const io::RawFormat f = io::parse_raw_format("44100,2,s24le");
        CHECK(f.sample_rate == 44100);
        CHECK(f.channels == 2);
        CHECK(f.format == io::SampleFormat::pcm24);
        CHECK(f.bytes_per_sample == 3);
        CHECK(io::parse_raw_format("8000,1,f32le").format == io::SampleFormat::float32);
        CHECK_THROWS_WITH_AS(io::parse_raw_format("44100,2"),
                             doctest::Contains("three fields needed"), UsageError);
        CHECK_THROWS_WITH_AS(io::parse_raw_format("44100,2,s16be"),
                             doctest::Contains("unknown format 's16be'"), UsageError);
        CHECK_THROWS_WITH_AS(io::parse_raw_format("100,2,s16le"),
                             doctest::Contains("from 1000 to 768000"), UsageError);
        CHECK_THROWS_AS(io::parse_raw_format("48k,2,s16le"), UsageError);
    }

    TEST_CASE("a streamed WAV with sizes 0xFFFFFFFF reads back every frame; the spool goes") {
        test::TempDir dir;
        AudioBuffer a(2, 1000);
        for (std::size_t i = 0; i < 1000; ++i)
            a.channel(0)[i] = a.channel(1)[i] = float(int(i % 200) - 100) / 128.0f;
        test::write_file(dir.file("a.wav"), a, 48000, io::SampleFormat::pcm16);
        std::vector<char> bytes = slurp(dir.file("a.wav"));
        // As a writer that cannot seek back leaves it: RIFF and data sizes unknown.
        std::memset(bytes.data() + 4, 0xFF, 4);
        const std::string_view tag = "data";
        const auto data = std::search(bytes.begin(), bytes.end(), tag.begin(), tag.end());
        REQUIRE(data != bytes.end());
        std::memset(&*data + 4, 0xFF, 4);
        std::string spooled;
        {
            io::StdinSpool spool(std::nullopt, pipe_with(bytes));
            spooled = spool.path();
            CHECK(spooled.ends_with(".wav"));
            const std::vector<char> fixed = slurp(spooled);
            std::uint32_t riff = 0;
            std::memcpy(&riff, fixed.data() + 4, 4);
            CHECK(riff == fixed.size() - 8);
            const AudioBuffer back = test::read_file(spooled);
            REQUIRE(back.frames() == 1000);
            CHECK(back.channel(1)[123] == a.channel(1)[123]);
        }
        CHECK_FALSE(std::filesystem::exists(spooled));
    }

    TEST_CASE("raw PCM gets a WAV header; a stream ending inside a frame is an error") {
        std::vector<char> raw;
        for (int i = 0; i < 480; ++i) { // 240 stereo frames of s16le
            const std::int16_t v = static_cast<std::int16_t>(i * 50);
            raw.push_back(static_cast<char>(v & 0xFF));
            raw.push_back(static_cast<char>(v >> 8));
        }
        {
            io::StdinSpool spool(io::parse_raw_format("48000,2,s16le"), pipe_with(raw));
            const io::FileInfo fi = io::probe(spool.path());
            CHECK(fi.frames == 240);
            CHECK(fi.channels == 2);
            CHECK(fi.sample_rate == 48000);
            const AudioBuffer back = test::read_file(spool.path());
            CHECK(back.channel(1)[10] == doctest::Approx(21 * 50 / 32768.0));
        }
        raw.pop_back();
        CHECK_THROWS_WITH_AS(io::StdinSpool(io::parse_raw_format("48000,2,s16le"), pipe_with(raw)),
                             doctest::Contains("ends inside a frame"), Error);
        CHECK_THROWS_WITH_AS(io::StdinSpool(std::nullopt, pipe_with({})),
                             doctest::Contains("no audio arrived"), Error);
    }

    TEST_CASE("the standard-output file: known formats only, raw sends the samples alone") {
        CHECK_THROWS_AS(io::StdoutFile("mp3"), UsageError);
        io::StdoutFile out("raw");
        CHECK(out.path().ends_with(".wav"));
        AudioBuffer a(1, 4);
        a.channel(0)[0] = 0.5f;
        test::write_file(out.path(), a, 48000, io::SampleFormat::pcm16);
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        out.send(fds[1]);
        ::close(fds[1]);
        char got[16];
        const ssize_t n = ::read(fds[0], got, sizeof got);
        ::close(fds[0]);
        REQUIRE(n == 8); // 4 frames x 2 bytes, no header
        CHECK(static_cast<unsigned char>(got[0]) == 0x00);
        CHECK(static_cast<unsigned char>(got[1]) == 0x40); // 0.5 = 0x4000
    }

} // TEST_SUITE
