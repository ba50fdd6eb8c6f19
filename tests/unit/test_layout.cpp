// Channel layouts (layout.hpp): BS.1770-5 weights by position, masks, names, the --layout /
// --channel-weights override; and the round trip through files: a layout written by the
// writer (WAVE_FORMAT_EXTENSIBLE mask, FLAC's mask comment) is read back by the reader and
// weights the loudness. Expected loudness by hand: a 1 kHz sine of amplitude A in one channel
// of weight G reads 10*log10(G * A^2 / 2) LUFS (K-weighting is +0.69 dB at 1 kHz, cancelled by
// BS.1770's -0.691 offset); tolerance 0.1 LU, EBU Tech 3341's.
#include "test_util.hpp"

#include "tapeop/analysis/analyze.hpp"
#include "tapeop/error.hpp"
#include "tapeop/layout.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <numbers>
#include <sndfile.h>
#include <vector>

using namespace tapeop;
using P = Position;

namespace {

constexpr int rate48 = 48000;
constexpr double tol_lu = 0.1;

// A 1 kHz sine per channel at the given peak levels (dBFS; below -200: silence), `seconds` long.
AudioBuffer sines(const std::vector<double>& levels_dbfs, double seconds = 5.0) {
    const auto frames = static_cast<std::size_t>(seconds * rate48);
    AudioBuffer buf(levels_dbfs.size(), frames);
    for (std::size_t c = 0; c < levels_dbfs.size(); ++c) {
        const double amp = levels_dbfs[c] < -200 ? 0.0 : std::pow(10.0, levels_dbfs[c] / 20.0);
        for (std::size_t n = 0; n < frames; ++n)
            buf.channel(c)[n] = static_cast<float>(
                amp * std::sin(2 * std::numbers::pi * 1000.0 * double(n) / rate48));
    }
    return buf;
}

// Writes `audio` to `path` declaring `positions` (empty: none), 24-bit.
void write_with_layout(const std::string& path, AudioBuffer& audio,
                       const std::vector<Position>& positions) {
    io::OutputSpec spec;
    spec.sample_rate = rate48;
    spec.channels = static_cast<int>(audio.channels());
    spec.sample_format = io::SampleFormat::pcm24;
    spec.expected_frames = static_cast<std::int64_t>(audio.frames());
    spec.positions = positions;
    io::AudioWriter w(path, spec);
    w.write(audio.view());
    w.commit();
}

double lufs_of(const std::string& path) {
    return analysis::analyze_file(path).integrated_lufs;
}

constexpr double off = -1e9;

} // namespace

TEST_SUITE("layout") {
    TEST_CASE("BS.1770-5 weights: LFE 0, side surrounds 1.41, rear pair 1.0 beside a side pair") {
        CHECK(bs1770_weights(*parse_layout("5.1")) == std::vector<double>{1, 1, 1, 0, 1.41, 1.41});
        CHECK(bs1770_weights(*parse_layout("5.1(side)")) ==
              std::vector<double>{1, 1, 1, 0, 1.41, 1.41});
        CHECK(bs1770_weights(*parse_layout("7.1")) ==
              std::vector<double>{1, 1, 1, 0, 1, 1, 1.41, 1.41});
        CHECK(bs1770_weights(*parse_layout("quad")) == std::vector<double>{1, 1, 1.41, 1.41});
        CHECK(bs1770_weights(*parse_layout("2.1")) == std::vector<double>{1, 1, 0});
        // Heights are at elevation >= 30 degrees: 1.0 whatever their azimuth.
        CHECK(bs1770_weights(*parse_layout("7.1.4")) ==
              std::vector<double>{1, 1, 1, 0, 1, 1, 1.41, 1.41, 1, 1, 1, 1});
        CHECK(bs1770_weights(*parse_layout("5.1.2")) ==
              std::vector<double>{1, 1, 1, 0, 1.41, 1.41, 1, 1});
    }

    TEST_CASE("masks: positions in bit order, 0 for what a mask cannot say") {
        CHECK(wave_channel_mask(*parse_layout("5.1")) == 0x3F);
        CHECK(wave_channel_mask(*parse_layout("5.1(side)")) == 0x60F);
        CHECK(wave_channel_mask(*parse_layout("7.1.4")) == 0x2D63F);
        CHECK(wave_channel_mask({P::FR, P::FL}) == 0);      // not in bit order
        CHECK(wave_channel_mask({P::FL, P::unknown}) == 0); // unknown position
        CHECK(*positions_from_mask(0x60F, 6) == *parse_layout("5.1(side)"));
        CHECK(*positions_from_mask(0x3, 3) == std::vector<P>{P::FL, P::FR, P::unknown});
        CHECK_FALSE(positions_from_mask(0x3F, 4)); // more positions than channels
    }

    TEST_CASE("CoreAudio layouts (CAF 'chan', AIFF 'CHAN'): tags in Apple's channel order, "
              "bitmaps, descriptions") {
        // The chunk payload: tag, bitmap, number of descriptions, big-endian; then 20 bytes
        // per description, its label first.
        auto chunk = [](std::uint32_t tag, std::uint32_t bitmap,
                        const std::vector<std::uint32_t>& labels = {}) {
            std::vector<unsigned char> b;
            auto put = [&](std::uint32_t v) {
                for (int s = 24; s >= 0; s -= 8)
                    b.push_back(static_cast<unsigned char>(v >> s));
            };
            put(tag);
            put(bitmap);
            put(static_cast<std::uint32_t>(labels.size()));
            for (std::uint32_t l : labels) {
                put(l);
                for (int i = 0; i < 4; ++i)
                    put(0); // flags, coordinates
            }
            return b;
        };
        auto read = [](const std::vector<unsigned char>& b, int channels) {
            return positions_from_coreaudio_layout(b.data(), b.size(), channels);
        };
        constexpr std::uint32_t mpeg_5_1_a = (121u << 16) | 6, mpeg_7_1_c = (128u << 16) | 8,
                                wave_5_1_b = (187u << 16) | 6, wave_7_1 = (189u << 16) | 8,
                                dvd_4 = (133u << 16) | 3, atmos_7_1_4 = (192u << 16) | 12;
        // ffmpeg writes MPEG_5_1_A for 5.1(side) (libsndfile read its Ls/Rs as the back pair).
        CHECK(*read(chunk(mpeg_5_1_a, 0), 6) == *parse_layout("5.1(side)"));
        CHECK(*read(chunk(wave_5_1_b, 0), 6) == *parse_layout("5.1"));
        CHECK(*read(chunk(dvd_4, 0), 3) == *parse_layout("2.1"));
        // MPEG_7_1_C, L R C LFE Ls Rs Rls Rrs (libsndfile knows no 8-channel tag).
        const auto c71 = *read(chunk(mpeg_7_1_c, 0), 8);
        CHECK(c71 == std::vector<P>{P::FL, P::FR, P::FC, P::LFE, P::SL, P::SR, P::BL, P::BR});
        CHECK(bs1770_weights(c71) == std::vector<double>{1, 1, 1, 0, 1.41, 1.41, 1, 1});
        CHECK(layout_name(c71) == "7.1"); // the 7.1 loudspeakers, in another order
        CHECK(*read(chunk(wave_7_1, 0), 8) == *parse_layout("7.1"));
        std::vector<P> a714 = *read(chunk(atmos_7_1_4, 0), 12);
        CHECK(layout_name(a714) == "7.1.4");
        // A bitmap is a WAVE mask; descriptions name each channel.
        CHECK(*read(chunk(1u << 16, 0x60F), 6) == *parse_layout("5.1(side)"));
        CHECK(*read(chunk(0, 0, {1, 2, 4}), 3) == *parse_layout("2.1"));
        CHECK(*read(chunk(0, 0, {3, 33, 34}), 3) == std::vector<P>{P::FC, P::BL, P::BR});
        // What says nothing, or not this file: no layout (the container's default applies).
        CHECK_FALSE(read(chunk(147u << 16 | 8, 0), 8));   // DiscreteInOrder
        CHECK_FALSE(read(chunk(0xFFFF0000u | 8, 0), 8));  // Unknown
        CHECK_FALSE(read(chunk((250u << 16) | 6, 0), 6)); // a tag tapeop does not know
        CHECK_FALSE(read(chunk(mpeg_5_1_a, 0), 8));       // another channel count
        CHECK_FALSE(read(chunk(0, 0, {1, 2}), 3));        // too few descriptions
        std::vector<unsigned char> cut = chunk(0, 0, {1, 2, 4});
        cut.resize(cut.size() - 1);
        CHECK_FALSE(read(cut, 3)); // a description cut short
        CHECK_FALSE(positions_from_coreaudio_layout(cut.data(), 11, 3));
        // What the AIFF writer declares reads back as the same positions: a bitmap (the WAVE
        // mask) in mask order, descriptions otherwise (the CAF 7.1 order, a position with no
        // label).
        auto bytes = [](const std::string& s) {
            return std::vector<unsigned char>(s.begin(), s.end());
        };
        const std::vector<std::vector<P>> declared = {
            *parse_layout("5.1(side)"), *parse_layout("7.1.4"),     *parse_layout("2.1"), c71,
            {P::FC, P::BL, P::BR},      {P::FL, P::FR, P::unknown}, {P::BR, P::FL}};
        for (const auto& d : declared) {
            const std::vector<unsigned char> b = bytes(coreaudio_layout_chunk(d));
            const bool bitmap = wave_channel_mask(d) != 0;
            CHECK(b.size() == (bitmap ? 12u : 12u + 20u * d.size()));
            CHECK(b[1] == (bitmap ? 1 : 0)); // the tag: UseChannelBitmap or UseChannelDescriptions
            CHECK(*read(b, int(d.size())) == d);
        }
    }

    TEST_CASE("names: named layouts, position lists, unknown names refused") {
        CHECK(layout_name(*parse_layout("FL+FR+LFE")) == "2.1");
        CHECK(layout_name(*parse_layout("fl,fr,fc,lfe,sl,sr")) == "5.1(side)");
        CHECK(layout_name({P::FL, P::FC}) == "FL+FC");
        CHECK_FALSE(parse_layout("5.2"));
        CHECK_FALSE(parse_layout("FL+XX"));
        CHECK_THROWS_AS(parse_layout_override("surround", ""), UsageError);
        CHECK_THROWS_AS(parse_layout_override("", "1,x,1"), UsageError);
        CHECK_THROWS_AS(parse_layout_override("", "0,0"), UsageError);
        CHECK_THROWS_AS(parse_layout_override("5.1", "1,1"), UsageError);
    }

    TEST_CASE("default layouts: WAV order for 5 and 6 channels, FLAC's own, weight 1.0 and a "
              "warning beyond 6") {
        CHECK(default_layout("wav", 6).weights == std::vector<double>{1, 1, 1, 0, 1.41, 1.41});
        CHECK(default_layout("wav", 5).weights == std::vector<double>{1, 1, 1, 1.41, 1.41});
        CHECK(default_layout("wav", 6).warning.empty());
        CHECK(default_layout("flac", 8).name == "7.1");
        const ChannelLayout eight = default_layout("wav", 8);
        CHECK(eight.weights == std::vector<double>(8, 1.0));
        CHECK(eight.warning.find("weight 1.0") != std::string::npos);
        CHECK(eight.source == LayoutSource::default_order);
    }

    TEST_CASE("override: --layout and --channel-weights replace the file's; a count mismatch "
              "names the file") {
        const ChannelLayout eight = default_layout("wav", 8);
        const ChannelLayout l = apply_override(eight, parse_layout_override("7.1", ""), "x.wav");
        CHECK(l.name == "7.1");
        CHECK(l.source == LayoutSource::option);
        CHECK(l.warning.empty());
        CHECK(l.weights == std::vector<double>{1, 1, 1, 0, 1, 1, 1.41, 1.41});
        const ChannelLayout w =
            apply_override(eight, parse_layout_override("", "1,1,1,0,1,1,1,1"), "x.wav");
        CHECK(w.weights[3] == 0.0);
        CHECK(w.source == LayoutSource::option);
        try {
            apply_override(eight, parse_layout_override("5.1", ""), "x.wav");
            FAIL("no error");
        } catch (const Error& e) {
            const std::string what = e.what();
            CHECK(what.find("x.wav") != std::string::npos);
            CHECK(what.find("6 channels") != std::string::npos);
        }
    }

    TEST_CASE("Tech 3341 case 6 from files: 5.0 with a mask reads -23.0 LUFS, surrounds at BL/BR "
              "or SL/SR alike") {
        test::TempDir dir;
        AudioBuffer five = sines({-28, -28, -24, -30, -30}, 20.0); // L R C Ls Rs
        for (const char* name : {"5.0", "5.0(side)"}) {
            for (const char* ext : {".wav", ".flac"}) {
                const std::string path = dir.file(std::string("case6") + ext);
                write_with_layout(path, five, *parse_layout(name));
                const io::FileInfo fi = io::probe(path);
                CHECK(fi.layout.name == name);
                CHECK(fi.layout.source ==
                      (std::string(ext) == ".flac" && std::string(name) == "5.0(side)"
                           ? LayoutSource::default_order // FLAC's own order
                           : LayoutSource::file));
                const double lufs = lufs_of(path);
                const std::string what = std::string(name) + ext + ": I = " + std::to_string(lufs);
                MESSAGE(what);
                CHECK(std::abs(lufs + 23.0) <= tol_lu);
            }
        }
    }

    TEST_CASE("a loud LFE is excluded: 2.1 and 7.1 files read their front channel alone") {
        test::TempDir dir;
        // Front left at -20 dBFS: 10*log10(0.1^2 / 2) = -23.01 LUFS. The LFE at -1 dBFS would
        // add 17 LU if it counted.
        AudioBuffer t21 = sines({-20, off, -1});
        write_with_layout(dir.file("t21.wav"), t21, *parse_layout("2.1"));
        CHECK(std::abs(lufs_of(dir.file("t21.wav")) + 23.01) <= tol_lu);
        AudioBuffer t71 = sines({-20, off, off, -1, off, off, off, off});
        write_with_layout(dir.file("t71.wav"), t71, *parse_layout("7.1"));
        CHECK(std::abs(lufs_of(dir.file("t71.wav")) + 23.01) <= tol_lu);
        write_with_layout(dir.file("t71.flac"), t71, *parse_layout("7.1"));
        CHECK(std::abs(lufs_of(dir.file("t71.flac")) + 23.01) <= tol_lu);
    }

    TEST_CASE("7.1.4 and quad: side and quad-back channels weigh 1.41, heights 1.0") {
        test::TempDir dir;
        // Every channel at -30 dBFS: sum of weights G = 1+1+1+0+1+1+1.41+1.41+4 = 11.82, so
        // I = 10*log10(11.82 * 10^-3 / 2) = -22.28 LUFS.
        AudioBuffer all = sines(std::vector<double>(12, -30.0));
        for (const char* ext : {".wav", ".rf64"}) { // FLAC holds at most 8 channels
            const std::string path = dir.file(std::string("t714") + ext);
            write_with_layout(path, all, *parse_layout("7.1.4"));
            const io::FileInfo fi = io::probe(path);
            CHECK(fi.layout.name == "7.1.4");
            CHECK(fi.layout.source == LayoutSource::file);
            CHECK(std::abs(lufs_of(path) - 10 * std::log10(11.82 * 1e-3 / 2)) <= tol_lu);
        }
        // Quad, tone in the back left: 10*log10(1.41 * 0.01 / 2) = -21.52 LUFS.
        AudioBuffer quad = sines({off, off, -20, off});
        write_with_layout(dir.file("quad.flac"), quad, *parse_layout("quad"));
        CHECK(std::abs(lufs_of(dir.file("quad.flac")) + 21.52) <= tol_lu);
    }

    TEST_CASE("the writer declares layouts only where they say something") {
        test::TempDir dir;
        AudioBuffer st = sines({-20, -20}, 0.5);
        write_with_layout(dir.file("st.wav"), st, *parse_layout("stereo"));
        CHECK(io::probe(dir.file("st.wav")).layout.source == LayoutSource::default_order);
        // An unknown position cannot be in a mask: the file stays without one (libsndfile
        // reads no channel map), and this process remembers the layout it was written with.
        AudioBuffer eight = sines(std::vector<double>(8, -30.0), 0.5);
        std::vector<P> odd = *parse_layout("7.1");
        odd[7] = P::unknown;
        write_with_layout(dir.file("odd.wav"), eight, odd);
        {
            SF_INFO info{};
            SNDFILE* f = sf_open(dir.file("odd.wav").c_str(), SFM_READ, &info);
            REQUIRE(f != nullptr);
            std::vector<int> map(8);
            CHECK(sf_command(f, SFC_GET_CHANNEL_MAP_INFO, map.data(),
                             int(map.size() * sizeof(int))) != SF_TRUE);
            sf_close(f);
        }
        CHECK(io::undeclared_layout_of(dir.file("odd.wav")) == odd);
        CHECK(io::probe(dir.file("odd.wav")).layout.positions == odd);
        // A copy of the file (another inode) is not this process's: its order is assumed.
        std::filesystem::copy_file(dir.file("odd.wav"), dir.file("odd-copy.wav"));
        CHECK(io::probe(dir.file("odd-copy.wav")).layout.source == LayoutSource::default_order);
        // output_spec_for keeps a file's layout for the same channel count only.
        write_with_layout(dir.file("e.wav"), eight, *parse_layout("7.1"));
        const io::FileInfo fi = io::probe(dir.file("e.wav"));
        CHECK(io::output_spec_for(dir.file("o.wav"), fi).positions == *parse_layout("7.1"));
        CHECK(io::output_spec_for(dir.file("o.wav"), fi, {}, {}, 2).positions.empty());
        // An unmasked WAV's assumed order is not declared as if the file had said it.
        AudioBuffer six = sines(std::vector<double>(6, -30.0), 0.5);
        write_with_layout(dir.file("six.wav"), six, {});
        CHECK(io::output_spec_for(dir.file("o.wav"), io::probe(dir.file("six.wav")))
                  .positions.empty());
    }

    TEST_CASE("more than 6 channels without a layout: one warning per file, none for outputs") {
        test::TempDir dir;
        AudioBuffer eight = sines(std::vector<double>(8, -30.0), 0.5);
        write_with_layout(dir.file("in.wav"), eight, {});
        std::vector<std::string> warned;
        io::set_layout_warning_handler(
            [&](const std::string& path, const std::string&) { warned.push_back(path); });
        // Written by this process: no warning (tapeop made it; its inputs were warned about).
        io::probe(dir.file("in.wav"));
        CHECK(warned.empty());
        CHECK(io::written_by_this_process(dir.file("in.wav")));
        // The same audio written by another process (a copy is another file to us).
        std::filesystem::copy_file(dir.file("in.wav"), dir.file("copy.wav"));
        CHECK_FALSE(io::written_by_this_process(dir.file("copy.wav")));
        const io::FileInfo fi = io::probe(dir.file("copy.wav"));
        io::probe(dir.file("copy.wav"));
        io::set_layout_warning_handler({});
        CHECK(warned == std::vector<std::string>{dir.file("copy.wav")});
        CHECK(fi.layout.weights == std::vector<double>(8, 1.0));
        CHECK_FALSE(fi.layout.warning.empty());
    }
}
