// Reader and writer: exact round trips, atomic writes, refusals, bad files.
#include "test_util.hpp"

#include "tapeop/background.hpp"
#include "tapeop/error.hpp"
#include "tapeop/passes/render.hpp"
#include "tapeop/random.hpp"

#include <cmath>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <limits>
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
    while (r.read(buf))
        w.write(buf.view());
    w.commit();
}

// Reads the whole file in blocks of `block` frames; the read-ahead on or off.
AudioBuffer read_all(const std::string& path, std::size_t block, bool ahead) {
    io::set_read_ahead(ahead);
    AudioBuffer all = test::read_file(path, block);
    io::set_read_ahead(true);
    return all;
}

bool same_audio(const AudioBuffer& a, const AudioBuffer& b) {
    if (a.channels() != b.channels() || a.frames() != b.frames())
        return false;
    for (std::size_t c = 0; c < a.channels(); ++c)
        if (!std::equal(a.channel(c), a.channel(c) + a.frames(), b.channel(c)))
            return false;
    return true;
}

// The integer code the writer must produce for x at `bits` (round half to even, clamped).
std::int32_t expected_code(float x, int bits) {
    const double scale = std::ldexp(1.0, bits - 1);
    const double v = std::clamp(std::nearbyint(double(x) * scale), -scale, scale - 1.0);
    return static_cast<std::int32_t>(v);
}

} // namespace

TEST_SUITE("io") {

    TEST_CASE("16/24-bit little-endian PCM unpacked from raw bytes reads the same floats as "
              "libsndfile's integer path") {
        // The reader unpacks WAV/WAVEX/W64/RF64 PCM_16/PCM_24 itself (sf_read_raw); the
        // reference is libsndfile's sf_readf_int scaled by 2^-31 (exact), sample for sample,
        // in blocks of 7 and 4096 frames, full-scale extremes included.
        test::TempDir dir;
        Xoshiro256 rng(99);
        const int majors[] = {SF_FORMAT_WAV, SF_FORMAT_WAVEX, SF_FORMAT_W64, SF_FORMAT_RF64};
        for (int major : majors)
            for (int sub : {SF_FORMAT_PCM_16, SF_FORMAT_PCM_24})
                for (int ch : {1, 2, 3}) {
                    CAPTURE(major);
                    CAPTURE(sub);
                    CAPTURE(ch);
                    const std::string path = dir.file("raw.wav");
                    const sf_count_t frames = 10007;
                    std::vector<int> data(std::size_t(frames * ch));
                    for (auto& v : data)
                        v = int(std::uint32_t(rng.next() >> 32));
                    data[0] = std::numeric_limits<int>::min();
                    data[1] = std::numeric_limits<int>::max();
                    {
                        SF_INFO w{};
                        w.samplerate = 48000;
                        w.channels = ch;
                        w.format = major | sub;
                        SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &w);
                        REQUIRE(f != nullptr);
                        REQUIRE(sf_writef_int(f, data.data(), frames) == frames);
                        sf_close(f);
                    }
                    SF_INFO r{};
                    SNDFILE* f = sf_open(path.c_str(), SFM_READ, &r);
                    REQUIRE(f != nullptr);
                    std::vector<int> ref(data.size());
                    REQUIRE(sf_readf_int(f, ref.data(), frames) == frames);
                    sf_close(f);
                    for (std::size_t block : {std::size_t(7), std::size_t(4096)}) {
                        io::AudioReader reader(path);
                        AudioBuffer b(std::size_t(ch), block);
                        std::size_t at = 0, mismatches = 0;
                        while (reader.read(b) > 0) {
                            for (std::size_t i = 0; i < b.frames(); ++i)
                                for (std::size_t c = 0; c < std::size_t(ch); ++c)
                                    mismatches +=
                                        b.channel(c)[i] !=
                                        float(ref[(at + i) * std::size_t(ch) + c]) * 0x1p-31f;
                            at += b.frames();
                        }
                        CHECK(at == std::size_t(frames));
                        CHECK(mismatches == 0);
                    }
                }
    }

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
        io::OutputSpec spec{48000, 1, io::SampleFormat::pcm16, 5, {}};
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
            io::AudioWriter w(target, io::OutputSpec{48000, 2, io::SampleFormat::pcm24, -1, {}});
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
        CHECK_THROWS_AS(io::refuse_overwriting_inputs(dir.path() + "/./in.wav", {in}, false),
                        UsageError);
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
        write_raw(dir.file("r.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_24,
                  random_codes(2 * 3000, 24, 9), 2);
        io::AudioReader r(dir.file("r.wav"));
        AudioBuffer a(2, 3000), b(2, 3000);
        r.read(a);
        r.rewind();
        r.read(b);
        CHECK(std::equal(a.channel(1), a.channel(1) + 3000, b.channel(1)));
    }

    TEST_CASE("the read-ahead returns exactly the sequential reads, at any block size") {
        TempDir dir;
        // 24-bit stereo (the SSE2 split), 16-bit mono, 3-channel float: each several read-ahead
        // blocks long.
        write_raw(dir.file("s24.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_24,
                  random_codes(2 * 50001, 24, 3), 2);
        write_raw(dir.file("m16.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, random_codes(40000, 16, 4),
                  1);
        AudioBuffer f3(3, 30000);
        Xoshiro256 rng(5);
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t i = 0; i < 30000; ++i)
                f3.channel(c)[i] = float(rng.uniform() * 2.0 - 1.0);
        test::write_file(dir.file("f3.wav"), f3, 48000, io::SampleFormat::float32);
        for (const char* name : {"s24.wav", "m16.wav", "f3.wav"}) {
            const AudioBuffer ref = read_all(dir.file(name), 8192, false);
            for (std::size_t block : {1u, 1000u, 8192u, 20000u}) {
                CAPTURE(name);
                CAPTURE(block);
                CHECK(same_audio(read_all(dir.file(name), block, true), ref));
            }
        }
        // The exact conversion: codes / 2^23.
        const AudioBuffer s = read_all(dir.file("s24.wav"), 4096, true);
        const auto codes = random_codes(2 * 50001, 24, 3);
        for (std::size_t i = 0; i < 50001; i += 997) {
            CHECK(s.channel(0)[i] == float(codes[2 * i]) / 2147483648.0f);
            CHECK(s.channel(1)[i] == float(codes[2 * i + 1]) / 2147483648.0f);
        }
    }

    TEST_CASE("read_view returns the frames read() does, in any pieces, mixed with read()") {
        TempDir dir;
        write_raw(dir.file("s24.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_24,
                  random_codes(2 * 50001, 24, 6), 2);
        const AudioBuffer ref = read_all(dir.file("s24.wav"), 8192, false);
        for (bool ahead : {false, true})
            for (std::size_t piece : {1u, 777u, 4096u, 100000u}) {
                CAPTURE(ahead);
                CAPTURE(piece);
                io::set_read_ahead(ahead);
                io::AudioReader r(dir.file("s24.wav"));
                for (int pass = 0; pass < 2; ++pass) { // again after a rewind
                    AudioBuffer got(2, 50001);
                    AudioBuffer buf(2, 333);
                    std::size_t at = 0;
                    for (int k = 0;; ++k) {
                        AudioView v;
                        if (k % 3 == 2) { // every third a plain read()
                            r.read(buf);
                            v = buf.view();
                        } else {
                            v = r.read_view(piece);
                        }
                        if (v.frames() == 0)
                            break;
                        REQUIRE(at + v.frames() <= 50001);
                        for (std::size_t c = 0; c < 2; ++c)
                            std::copy_n(v.channel(c), v.frames(), got.channel(c) + at);
                        at += v.frames();
                    }
                    got.set_frames(at);
                    CHECK(r.position() == 50001);
                    CHECK(same_audio(got, ref));
                    r.rewind();
                }
                io::set_read_ahead(true);
            }
    }

    TEST_CASE("rewind in the middle of a read-ahead starts again from the first frame") {
        TempDir dir;
        write_raw(dir.file("r.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_24,
                  random_codes(2 * 60000, 24, 11), 2);
        const AudioBuffer ref = read_all(dir.file("r.wav"), 5000, false);
        io::AudioReader r(dir.file("r.wav"));
        AudioBuffer blk(2, 5000);
        for (int k = 0; k < 3; ++k)
            r.read(blk);
        CHECK(r.position() == 15000);
        r.rewind();
        CHECK(r.position() == 0);
        std::size_t pos = 0;
        bool same = true;
        while (std::size_t n = r.read(blk)) {
            same = same && std::equal(blk.channel(1), blk.channel(1) + n, ref.channel(1) + pos);
            pos += n;
        }
        CHECK(same);
        CHECK(pos == 60000);
        // A moved reader goes on where it was.
        io::AudioReader a(dir.file("r.wav"));
        a.read(blk);
        io::AudioReader b(std::move(a));
        b.read(blk);
        CHECK(std::equal(blk.channel(0), blk.channel(0) + 5000, ref.channel(0) + 5000));
    }

    TEST_CASE("a non-finite sample deep in a long file stops the read-ahead at its block, with its "
              "time") {
        TempDir dir;
        AudioBuffer b(2, 200000);
        b.channel(0)[150000] = std::numeric_limits<float>::quiet_NaN();
        b.channel(1)[170000] = -std::numeric_limits<float>::infinity();
        test::write_file(dir.file("nan.wav"), b, 48000, io::SampleFormat::float32);
        io::AudioReader r(dir.file("nan.wav"));
        AudioBuffer blk(2, 10000);
        std::int64_t before = -1;
        try {
            while (r.read(blk))
                before = r.position();
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find("00:03.125 in channel 1") != std::string::npos);
        }
        // Everything before the bad sample's read-ahead block was delivered.
        CHECK(before >= 140000);
        CHECK(before <= 150000);
        io::AudioReader counted(dir.file("nan.wav"));
        counted.allow_nonfinite(true);
        while (counted.read(blk)) {
        }
        CHECK(counted.nonfinite_samples() == 2);
        CHECK(counted.first_nonfinite_frame() == 150000);
    }

    TEST_CASE(
        "integer output rounds half to even and clamps, sample for sample, at 8, 16 and 24 bits") {
        TempDir dir;
        for (int bits : {8, 16, 24}) {
            for (int channels : {1, 2, 3}) {
                CAPTURE(bits);
                CAPTURE(channels);
                const std::size_t n = 1003;
                AudioBuffer b(std::size_t(channels), n);
                Xoshiro256 rng(std::uint64_t(bits * 10 + channels));
                const double scale = std::ldexp(1.0, bits - 1);
                for (int c = 0; c < channels; ++c)
                    for (std::size_t i = 0; i < n; ++i) {
                        float& x = b.channel(std::size_t(c))[i];
                        switch (i % 5) {
                        case 0:
                            x = float(rng.uniform() * 2.4 - 1.2);
                            break; // some over
                        case 1:
                            x = float((std::floor(rng.uniform() * 2 * scale - scale) + 0.5) /
                                      scale);
                            break; // ties
                        case 2:
                            x = float(std::floor(rng.uniform() * 2 * scale - scale) / scale);
                            break; // exact codes
                        case 3:
                            x = (i & 8) ? 1e30f : -1e30f;
                            break;
                        default:
                            x = float((rng.uniform() - 0.5) * 1e-6);
                            break;
                        }
                    }
                const io::SampleFormat fmt = bits == 8    ? io::SampleFormat::pcm8
                                             : bits == 16 ? io::SampleFormat::pcm16
                                                          : io::SampleFormat::pcm24;
                const std::string path =
                    dir.file("w" + std::to_string(bits) + "-" + std::to_string(channels) + ".wav");
                io::OutputSpec spec{48000, channels, fmt, std::int64_t(n), {}};
                io::AudioWriter w(path, spec);
                w.write(b.view());
                std::uint64_t clipped = 0;
                for (int c = 0; c < channels; ++c)
                    for (std::size_t i = 0; i < n; ++i) {
                        const double v =
                            std::nearbyint(double(b.channel(std::size_t(c))[i]) * scale);
                        clipped += (v > scale - 1.0 || v < -scale) ? 1 : 0;
                    }
                CHECK(w.clipped_samples() == clipped);
                w.commit();
                SF_INFO si{};
                SNDFILE* f = sf_open(path.c_str(), SFM_READ, &si);
                REQUIRE(f != nullptr);
                std::vector<std::int32_t> got(n * std::size_t(channels));
                sf_readf_int(f, got.data(), sf_count_t(n));
                sf_close(f);
                std::size_t wrong = 0;
                for (int c = 0; c < channels; ++c)
                    for (std::size_t i = 0; i < n; ++i)
                        wrong += (got[i * std::size_t(channels) + std::size_t(c)] >> (32 - bits)) !=
                                 expected_code(b.channel(std::size_t(c))[i], bits);
                CHECK(wrong == 0);
            }
        }
    }

    TEST_CASE("an output stage in the background writes the same file as in the caller's thread") {
        TempDir dir;
        AudioBuffer src(2, 100000);
        Xoshiro256 rng(21);
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < 100000; ++i)
                src.channel(c)[i] =
                    float(0.5 * std::sin(0.01 * double(i) * double(c + 1)) + 1e-3 * rng.uniform());
        io::FileInfo info;
        info.sample_rate = 48000;
        info.channels = 2;
        info.frames = 100000;
        info.sample_format = io::SampleFormat::float32;
        passes::OutputSettings out;
        out.bits = io::SampleFormat::pcm16; // dithered
        out.sample_rate = 44100;            // resampled on the worker
        auto render = [&](const std::string& name, bool background) {
            passes::OutputStage stage(dir.file(name), info, {48000, 2}, out, true);
            double energy = 0.0;
            stage.set_observer([&](AudioView v) {
                for (std::size_t i = 0; i < v.frames(); ++i)
                    energy += double(v.channel(0)[i]) * v.channel(0)[i];
            });
            if (background)
                stage.run_in_background();
            for (std::size_t at = 0; at < 100000; at += 3000)
                stage.push(src.view().sub(at, std::min<std::size_t>(3000, 100000 - at)));
            stage.drain();
            const double seen = energy;
            const auto r = stage.finish();
            CHECK(r.frames == 91875);
            return seen;
        };
        const double e1 = render("fg.wav", false);
        const double e2 = render("bg.wav", true);
        CHECK(e1 == e2);
        CHECK(slurp(dir.file("fg.wav")) == slurp(dir.file("bg.wav")));
    }

    TEST_CASE("an error on the output stage's worker reaches the caller and leaves no file") {
        TempDir dir;
        io::FileInfo info;
        info.sample_rate = 48000;
        info.channels = 1;
        info.frames = 100000;
        info.sample_format = io::SampleFormat::pcm24;
        AudioBuffer block(1, 4096);
        {
            passes::OutputStage stage(dir.file("e.wav"), info, {48000, 1}, {}, true);
            int calls = 0;
            stage.set_observer([&](AudioView) {
                if (++calls == 5)
                    throw Error("observer failed", "e.wav");
            });
            stage.run_in_background();
            bool thrown = false;
            try {
                for (int k = 0; k < 100; ++k)
                    stage.push(block.view());
                stage.finish();
            } catch (const Error& e) {
                thrown = std::string(e.what()).find("observer failed") != std::string::npos;
            }
            CHECK(thrown);
        }
        CHECK(std::filesystem::is_empty(dir.path()));
    }

    TEST_CASE("a background sink hands over every block in order, by push or next_block, with or "
              "without a thread") {
        for (bool threads : {true, false}) {
            set_background_threads(threads);
            std::vector<float> seen;
            {
                BackgroundSink sink(
                    2,
                    [&](AudioView v) {
                        for (std::size_t i = 0; i < v.frames(); ++i)
                            seen.push_back(v.channel(1)[i]);
                    },
                    "test-sink");
                AudioBuffer b(2, 20000);
                for (std::size_t i = 0; i < 20000; ++i)
                    b.channel(1)[i] = float(i);
                sink.push(b.view()); // split into blocks of default_block_frames
                for (int k = 0; k < 30; ++k) {
                    AudioBuffer& next = sink.next_block();
                    next.set_frames(100);
                    for (std::size_t i = 0; i < 100; ++i)
                        next.channel(1)[i] = float(20000 + 100 * k + int(i));
                    sink.submit();
                }
                sink.drain();
            }
            set_background_threads(true);
            CAPTURE(threads);
            REQUIRE(seen.size() == 23000);
            bool ordered = true;
            for (std::size_t i = 0; i < seen.size(); ++i)
                ordered = ordered && seen[i] == float(i);
            CHECK(ordered);
        }
    }
}
