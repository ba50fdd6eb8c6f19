// The header's length against the bytes present, and the reader's end-of-stream check: a file
// cut short, or cut while it is being read, is an error naming it.
#include "test_util.hpp"

#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/io/declared_length.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace tapeop;
using tapeop::test::TempDir;
namespace fs = std::filesystem;

namespace {

// One second of music, 48 kHz stereo, 24-bit where the container holds integers.
std::string make(const TempDir& dir, const std::string& name) {
    gen::SignalSpec s = gen::default_spec(gen::SignalKind::music);
    s.duration_s = 1.0;
    const std::string path = dir.file(name);
    const bool lossy = name.ends_with(".mp3") || name.ends_with(".ogg");
    gen::generate_to_file(s, path, lossy ? io::SampleFormat::lossy : io::SampleFormat::pcm24);
    return path;
}

// Reads to the end; returns the frames read (throws what the reader throws).
std::int64_t read_all(io::AudioReader& r) {
    AudioBuffer b(static_cast<std::size_t>(r.info().channels), 4096);
    std::int64_t n = 0;
    while (const auto got = r.read(b))
        n += static_cast<std::int64_t>(got);
    return n;
}

std::string error_of(io::AudioReader& r) {
    try {
        read_all(r);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

} // namespace

TEST_SUITE("io_declared_length") {
    TEST_CASE("a cut data chunk is found in WAV, RF64, W64, AIFF and CAF, to the byte") {
        TempDir dir;
        for (const char* ext : {"wav", "rf64", "w64", "aiff", "caf"}) {
            CAPTURE(ext);
            const std::string path = make(dir, std::string("a.") + ext);
            CHECK(io::missing_audio_bytes(path) == 0);
            const auto size = fs::file_size(path);
            // The audio (288000 bytes) is the file's last chunk in all five.
            fs::resize_file(path, size - 100000);
            CHECK(io::missing_audio_bytes(path) == 100000);
        }
    }

    TEST_CASE("placeholder data sizes of streaming writers are not truncation") {
        TempDir dir;
        const std::string path = make(dir, "p.wav");
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        std::string head(512, '\0');
        f.read(head.data(), std::streamsize(head.size()));
        const auto data = head.find("data");
        REQUIRE(data != std::string::npos);
        f.seekp(std::streamoff(data + 4));
        f.write("\xff\xff\xff\xff", 4);
        f.close();
        CHECK(io::missing_audio_bytes(path) == 0);
        CHECK(io::missing_audio_bytes(dir.file("none")) == 0);
    }

    TEST_CASE("a file cut between two passes fails the second pass, with and without read-ahead") {
        TempDir dir;
        for (const bool ahead : {true, false}) {
            CAPTURE(ahead);
            io::set_read_ahead(ahead);
            for (const char* ext : {"wav", "flac", "ogg"}) {
                CAPTURE(ext);
                const std::string path = make(dir, std::string("c.") + ext);
                io::AudioReader r(path);
                CHECK(read_all(r) == 48000);
                fs::resize_file(path, fs::file_size(path) * 6 / 10);
                r.rewind();
                const std::string e = error_of(r);
                CHECK(e.find(path + ": truncated or unreadable: the audio stops at 00:00.") == 0);
                CHECK(e.find("of the 00:01.000 its header announces") != std::string::npos);
            }
        }
        io::set_read_ahead(true);
    }

    TEST_CASE("an MP3 without a length header that shrinks between passes fails the second") {
        TempDir dir;
        const std::string path = make(dir, "m.mp3");
        CHECK(io::mpeg_length_is_exact(path));
        {
            io::AudioReader r(path);
            CHECK(read_all(r) == 48000);
        }
        // Blank the Xing/Info tag: mpg123 now estimates the length from the file's size.
        std::vector<char> bytes(static_cast<std::size_t>(fs::file_size(path)));
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.read(bytes.data(), std::streamsize(bytes.size()));
        const std::string head(bytes.data(), std::min<std::size_t>(bytes.size(), 4096));
        auto at = head.find("Info");
        if (at == std::string::npos)
            at = head.find("Xing");
        REQUIRE(at != std::string::npos);
        f.seekp(std::streamoff(at));
        f.write("\0\0\0\0", 4);
        f.close();
        CHECK_FALSE(io::mpeg_length_is_exact(path));

        io::AudioReader r(path);
        const std::int64_t first = read_all(r);
        CHECK(first > 40000);
        fs::resize_file(path, fs::file_size(path) / 2);
        r.rewind();
        const std::string e = error_of(r);
        CHECK(e.find(path + ": the file shrank while being read") == 0);
    }
}
