// Reader and writer: exact round trips, atomic writes, refusals, bad files.
#include "test_util.hpp"

#include "tapeop/error.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sndfile.h>
#include <vector>

using namespace tapeop;
using tapeop::test::TempDir;

namespace {

// Pseudo-random integer codes covering the full range, written directly with libsndfile so the
// test does not rely on our own writer to make its input.
std::vector<std::int32_t> random_codes(std::size_t n, int bits, std::uint32_t seed) {
    std::vector<std::int32_t> v(n);
    std::uint32_t x = seed;
    for (auto& s : v) {
        x = x * 1664525u + 1013904223u;
        const std::int32_t code = static_cast<std::int32_t>(x) >> (32 - bits);
        s = static_cast<std::int32_t>(static_cast<std::uint32_t>(code) << (32 - bits));
    }
    // Extremes.
    v[0] = std::numeric_limits<std::int32_t>::min();
    v[1] = static_cast<std::int32_t>(((1u << (bits - 1)) - 1u) << (32 - bits));
    return v;
}

void write_raw(const std::string& path, int format, const std::vector<std::int32_t>& interleaved,
               int channels) {
    SF_INFO si{};
    si.samplerate = 48000;
    si.channels = channels;
    si.format = format;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &si);
    REQUIRE(f != nullptr);
    sf_writef_int(f, interleaved.data(), static_cast<sf_count_t>(interleaved.size() / channels));
    sf_close(f);
}

std::vector<char> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void copy_through(const std::string& in, const std::string& out, std::size_t block) {
    io::AudioReader r(in);
    io::AudioWriter w(out, io::output_spec_for(out, r.info()));
    AudioBuffer buf(static_cast<std::size_t>(r.info().channels), block);
    while (r.read(buf)) w.write(buf.view());
    w.commit();
}

} // namespace

TEST_SUITE("io") {

TEST_CASE("16- and 24-bit WAV and FLAC round trips are bit-identical in the samples") {
    TempDir dir;
    struct Case {
        const char* name;
        int format;
        int bits;
    };
    const Case cases[] = {{"a16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16},
                          {"a24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 24},
                          {"a24.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 24},
                          {"a16.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 16}};
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const auto codes = random_codes(2 * 100000, c.bits, 12345);
        const std::string in = dir.file(c.name);
        const std::string out = dir.file(std::string("out-") + c.name);
        write_raw(in, c.format, codes, 2);
        copy_through(in, out, 1000);
        SF_INFO si{};
        SNDFILE* f = sf_open(out.c_str(), SFM_READ, &si);
        REQUIRE(f != nullptr);
        CHECK((si.format & SF_FORMAT_SUBMASK) == (c.format & SF_FORMAT_SUBMASK));
        std::vector<std::int32_t> back(codes.size());
        CHECK(sf_readf_int(f, back.data(), si.frames) == 100000);
        sf_close(f);
        CHECK(back == codes);
    }
}

TEST_CASE("a plain WAV written with a known length is byte-identical to its source") {
    TempDir dir;
    const auto codes = random_codes(2 * 5000, 24, 7);
    write_raw(dir.file("in.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_24, codes, 2);
    copy_through(dir.file("in.wav"), dir.file("out.wav"), 333);
    CHECK(slurp(dir.file("in.wav")) == slurp(dir.file("out.wav")));
}

TEST_CASE("integer output counts and clamps clipped samples") {
    TempDir dir;
    AudioBuffer b(1, 5);
    const float v[] = {0.5f, 1.0f, -1.0f, 1.5f, -2.0f};
    std::copy(v, v + 5, b.channel(0));
    io::OutputSpec spec{48000, 1, io::SampleFormat::pcm16, 5};
    io::AudioWriter w(dir.file("c.wav"), spec);
    w.write(b.view());
    CHECK(w.clipped_samples() == 3); // +1.0 does not fit in 16 bits either: 32768 > 32767
    w.commit();
    const AudioBuffer r = test::read_file(dir.file("c.wav"));
    CHECK(r.channel(0)[1] == doctest::Approx(32767.0 / 32768.0).epsilon(1e-9));
    CHECK(r.channel(0)[2] == -1.0f);
    CHECK(r.channel(0)[4] == -1.0f);
}

TEST_CASE("a writer that is not committed leaves nothing and keeps the existing file") {
    TempDir dir;
    const std::string target = dir.file("keep.wav");
    { std::ofstream(target) << "precious"; }
    {
        io::AudioWriter w(target, io::OutputSpec{48000, 2, io::SampleFormat::pcm24, -1});
        AudioBuffer b(2, 100);
        w.write(b.view());
        // destroyed without commit, as when a job throws
    }
    CHECK(slurp(target) == std::vector<char>{'p', 'r', 'e', 'c', 'i', 'o', 'u', 's'});
    std::size_t entries = 0;
    for (auto& e : std::filesystem::directory_iterator(dir.path())) {
        (void)e;
        ++entries;
    }
    CHECK(entries == 1);
}

TEST_CASE("writing over an input is refused unless in place") {
    TempDir dir;
    const std::string in = dir.file("in.wav");
    write_raw(in, SF_FORMAT_WAV | SF_FORMAT_PCM_16, random_codes(200, 16, 1), 2);
    CHECK_THROWS_AS(io::refuse_overwriting_inputs(in, {in}, false), UsageError);
    CHECK_THROWS_AS(io::refuse_overwriting_inputs(dir.path() + "/./in.wav", {in}, false), UsageError);
    CHECK_NOTHROW(io::refuse_overwriting_inputs(in, {in}, true));
    CHECK_NOTHROW(io::refuse_overwriting_inputs(dir.file("other.wav"), {in}, false));
}

TEST_CASE("bad files give one clear error naming the file") {
    TempDir dir;
    const std::string empty = dir.file("empty.wav");
    { std::ofstream touch(empty); }
    const std::string text = dir.file("text.wav");
    { std::ofstream(text) << "this is not audio\n"; }
    const std::string good = dir.file("good.wav");
    write_raw(good, SF_FORMAT_WAV | SF_FORMAT_PCM_16, random_codes(2 * 48000, 16, 3), 2);
    auto bytes = slurp(good);
    const std::string trunc = dir.file("trunc.wav");
    {
        std::ofstream o(trunc, std::ios::binary);
        o.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
    }
    for (const auto& p : {empty, text, trunc, dir.file("missing.wav")}) {
        CAPTURE(p);
        try {
            io::AudioReader r(p);
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(e.where() == p);
            CHECK(std::string(e.what()).find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("NaN and Inf in a float file are reported with time and channel, or counted") {
    TempDir dir;
    AudioBuffer b(2, 48000);
    b.channel(1)[24000] = std::numeric_limits<float>::quiet_NaN();
    b.channel(0)[30000] = std::numeric_limits<float>::infinity();
    test::write_file(dir.file("nan.wav"), b, 48000, io::SampleFormat::float32);
    {
        io::AudioReader r(dir.file("nan.wav"));
        AudioBuffer blk(2, 4096);
        try {
            while (r.read(blk)) {
            }
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find("00:00.500 in channel 2") != std::string::npos);
        }
    }
    io::AudioReader r(dir.file("nan.wav"));
    r.allow_nonfinite(true);
    AudioBuffer blk(2, 4096);
    while (r.read(blk)) {
    }
    CHECK(r.nonfinite_samples() == 2);
}

TEST_CASE("unknown output extensions are refused before anything is written") {
    TempDir dir;
    CHECK_THROWS_AS(io::AudioWriter(dir.file("x.xyz"), io::OutputSpec{}), UsageError);
    CHECK_THROWS_AS(io::AudioWriter(dir.file("noext"), io::OutputSpec{}), UsageError);
    CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("an unwritable folder is an error naming the output") {
    CHECK_THROWS_AS(io::AudioWriter("/nonexistent-folder/x.wav", io::OutputSpec{}), Error);
}

TEST_CASE("rewind reads the same samples again") {
    TempDir dir;
    write_raw(dir.file("r.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_24, random_codes(2 * 3000, 24, 9), 2);
    io::AudioReader r(dir.file("r.wav"));
    AudioBuffer a(2, 3000), b(2, 3000);
    r.read(a);
    r.rewind();
    r.read(b);
    CHECK(std::equal(a.channel(1), a.channel(1) + 3000, b.channel(1)));
}

}
