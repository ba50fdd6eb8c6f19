// Mix-down: polarity cancellation, pan-law gains, exact float sums, mixed rates, offsets,
// trimming a clipping bus, and the registry mapping of stem settings.
#include "tapeop/dsp/pan.hpp"
#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/passes/mix.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numbers>

using namespace tapeop;
using namespace tapeop::passes;
using tapeop::test::float_out;

namespace {

AudioBuffer noise(int channels, double seconds, int rate, std::uint64_t seed, double level = -20) {
    gen::SignalSpec s = gen::default_spec(gen::SignalKind::white);
    s.channels = channels;
    s.duration_s = seconds;
    s.sample_rate = rate;
    s.seed = seed;
    s.level_dbfs = level;
    return gen::generate(s);
}

std::string write(test::TempDir& d, const std::string& name, AudioBuffer a, int rate,
                  io::SampleFormat f = io::SampleFormat::float32) {
    const std::string p = d.file(name);
    test::write_file(p, a, rate, f);
    return p;
}

MixStem stem(const std::string& path) {
    MixStem s;
    s.path = path;
    return s;
}

std::string file_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// The number of .wav files in `d`, plus 100 for every other file (a temporary left behind).
std::size_t wav_files_only(test::TempDir& d) {
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(d.path()))
        files += e.path().extension() == ".wav" ? 1 : 100;
    return files;
}

} // namespace

TEST_SUITE("mix") {

    TEST_CASE("pan laws: exact gains at C, L100 and R100") {
        using dsp::PanLaw;
        const double r2 = std::numbers::sqrt2 / 2.0;
        CHECK(dsp::pan_gains(0.0, PanLaw::minus3).left == r2);
        CHECK(dsp::pan_gains(0.0, PanLaw::minus3).right == r2);
        CHECK(dsp::pan_gains(0.0, PanLaw::minus6).left == 0.5);
        CHECK(dsp::pan_gains(0.0, PanLaw::minus4_5).left == std::pow(2.0, -0.75));
        CHECK(dsp::pan_gains(0.0, PanLaw::zero).left == 1.0);
        for (PanLaw law : {PanLaw::minus3, PanLaw::minus4_5, PanLaw::minus6, PanLaw::zero}) {
            CHECK(dsp::pan_gains(-1.0, law).left == 1.0);
            CHECK(dsp::pan_gains(-1.0, law).right == 0.0);
            CHECK(dsp::pan_gains(1.0, law).left == 0.0);
            CHECK(dsp::pan_gains(1.0, law).right == 1.0);
            CHECK(dsp::balance_gains(0.0, law).left == 1.0);
            CHECK(dsp::balance_gains(0.0, law).right == 1.0);
        }
        // Constant power: L^2 + R^2 = 1 everywhere on the -3 dB law.
        for (double p : {-0.7, -0.3, 0.2, 0.9}) {
            const auto g = dsp::pan_gains(p, PanLaw::minus3);
            CHECK(g.left * g.left + g.right * g.right == doctest::Approx(1.0).epsilon(1e-12));
        }
        CHECK(dsp::parse_pan("L30") == doctest::Approx(-0.3));
        CHECK(dsp::parse_pan("R100") == 1.0);
        CHECK(dsp::parse_pan("c") == 0.0);
        CHECK_THROWS_AS(dsp::parse_pan("X20"), UsageError);
        CHECK_THROWS_AS(dsp::parse_pan("L120"), UsageError);
    }

    TEST_CASE(
        "a stem and its polarity-inverted copy mix to exact digital silence (24-bit output)") {
        test::TempDir d;
        const std::string a =
            write(d, "a.wav", noise(2, 1.0, 48000, 3), 48000, io::SampleFormat::pcm24);
        MixStem inv = stem(a);
        inv.invert = true;
        const MixResult r =
            mix({stem(a), inv}, MixSettings{}, d.file("null.wav"), OutputSettings{});
        const AudioBuffer out = test::read_file(d.file("null.wav"));
        REQUIRE(out.frames() == 48000);
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < out.frames(); ++i)
                REQUIRE(out.channel(c)[i] == 0.0f);
        CHECK_FALSE(r.render.dithered); // an exact sum is not dithered
    }

    TEST_CASE("a mono stem panned C, L100, R100 gets the pan-law gains exactly") {
        test::TempDir d;
        AudioBuffer x = noise(1, 0.25, 48000, 5);
        const std::string p = write(d, "m.wav", x, 48000);
        for (auto law :
             {dsp::PanLaw::minus3, dsp::PanLaw::minus4_5, dsp::PanLaw::minus6, dsp::PanLaw::zero})
            for (double pan : {0.0, -1.0, 1.0}) {
                MixStem s = stem(p);
                s.pan = pan;
                MixSettings m;
                m.pan_law = law;
                mix({s}, m, d.file("o.wav"), float_out());
                const AudioBuffer out = test::read_file(d.file("o.wav"));
                const dsp::PanGains g = dsp::pan_gains(pan, law);
                for (std::size_t i = 0; i < x.frames(); ++i) {
                    REQUIRE(out.channel(0)[i] == static_cast<float>(g.left) * x.channel(0)[i]);
                    REQUIRE(out.channel(1)[i] == static_cast<float>(g.right) * x.channel(0)[i]);
                }
            }
    }

    TEST_CASE("unity gain at the centre equals the sample-wise sum") {
        test::TempDir d;
        std::vector<AudioBuffer> xs;
        std::vector<MixStem> stems;
        for (int k = 0; k < 5; ++k) {
            xs.push_back(noise(2, 0.5, 48000, 10 + static_cast<std::uint64_t>(k)));
            stems.push_back(stem(write(d, "s" + std::to_string(k) + ".wav", xs.back(), 48000)));
        }
        const MixResult r = mix(stems, MixSettings{}, d.file("sum.wav"), float_out());
        CHECK_FALSE(r.trimmed);
        const AudioBuffer out = test::read_file(d.file("sum.wav"));
        double worst = 0.0;
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < out.frames(); ++i) {
                double sum = 0.0;
                for (const auto& x : xs)
                    sum += x.channel(c)[i];
                worst = std::max(worst, std::fabs(out.channel(c)[i] - sum));
            }
        MESSAGE("max |mix - sum| = " << worst);
        CHECK(worst < 1e-6);
    }

    TEST_CASE("stereo stems are balanced, not folded to mono; mono mix averages them") {
        test::TempDir d;
        AudioBuffer x = noise(2, 0.2, 48000, 21);
        const std::string p = write(d, "st.wav", x, 48000);
        MixStem s = stem(p);
        s.pan = -1.0; // hard left: the right channel goes, the left stays at unity
        mix({s}, MixSettings{}, d.file("o.wav"), float_out());
        AudioBuffer out = test::read_file(d.file("o.wav"));
        for (std::size_t i = 0; i < x.frames(); ++i) {
            REQUIRE(out.channel(0)[i] == x.channel(0)[i]);
            REQUIRE(out.channel(1)[i] == 0.0f);
        }
        MixSettings mono;
        mono.channels = 1;
        mix({stem(p)}, mono, d.file("mono.wav"), float_out());
        out = test::read_file(d.file("mono.wav"));
        REQUIRE(out.channels() == 1);
        for (std::size_t i = 0; i < x.frames(); ++i)
            REQUIRE(out.channel(0)[i] ==
                    doctest::Approx(0.5 * (x.channel(0)[i] + x.channel(1)[i])).epsilon(1e-6));
    }

    TEST_CASE("mixed-rate stems are conformed and aligned; shorter stems padded; offsets in ms and "
              "frames") {
        test::TempDir d;
        // A click at 0.5 s in a 44.1 kHz stem and at 0.5 s in a 48 kHz stem (1.0 s long).
        AudioBuffer a(1, 48000), b(1, 44100);
        a.channel(0)[24000] = 0.5f;
        b.channel(0)[22050] = 0.5f;
        const std::string pa = write(d, "a.wav", a, 48000);
        const std::string pb = write(d, "b.wav", b, 44100);
        MixSettings m;
        m.channels = 1;
        MixResult r = mix({stem(pa), stem(pb)}, m, d.file("o.wav"), float_out());
        CHECK(r.mix_rate == 48000);
        CHECK(r.mix_frames == 48000);
        REQUIRE(r.resampled.size() == 1);
        AudioBuffer out = test::read_file(d.file("o.wav"));
        REQUIRE(out.frames() == 48000);
        // The resampled click peaks on the same frame as the native one: they add.
        std::size_t at = 0;
        for (std::size_t i = 0; i < out.frames(); ++i)
            if (std::fabs(out.channel(0)[i]) > std::fabs(out.channel(0)[at]))
                at = i;
        CHECK(at == 24000);
        CHECK(out.channel(0)[24000] == doctest::Approx(1.0).epsilon(0.05));

        // Offsets: +10 ms delays, -480 frames advances.
        MixStem late = stem(pa), early = stem(pa);
        late.offset_s = 0.010;
        early.offset_frames = -480;
        early.gain_db = -6.0;
        r = mix({late, early}, m, d.file("off.wav"), float_out());
        CHECK(r.mix_frames == 48480);
        out = test::read_file(d.file("off.wav"));
        CHECK(out.channel(0)[24480] == 0.5f);
        CHECK(out.channel(0)[23520] ==
              doctest::Approx(0.5 * std::pow(10.0, -6.0 / 20.0)).epsilon(1e-6));
    }

    TEST_CASE("a clipping integer mix is trimmed to the headroom in a second pass; --no-trim "
              "reports clips") {
        test::TempDir d;
        const std::string a =
            write(d, "a.wav", noise(2, 0.5, 48000, 31, -6), 48000, io::SampleFormat::pcm24);
        const std::string b =
            write(d, "b.wav", noise(2, 0.5, 48000, 32, -6), 48000, io::SampleFormat::pcm24);
        MixResult r = mix({stem(a), stem(b)}, MixSettings{}, d.file("t.wav"), OutputSettings{});
        CHECK(r.trimmed);
        CHECK(r.passes == 2);
        CHECK(r.bus_peak_dbfs > 0.0);
        CHECK(r.trim_db == doctest::Approx(-1.0 - r.bus_peak_dbfs));
        const AudioBuffer out = test::read_file(d.file("t.wav"));
        float peak = 0;
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < out.frames(); ++i)
                peak = std::max(peak, std::fabs(out.channel(c)[i]));
        CHECK(20 * std::log10(peak) ==
              doctest::Approx(-1.0).epsilon(0.001)); // within dither (1 LSB)
        CHECK(r.render.clipped_samples == 0);
        // The trim pass replays the first pass's bus from a temporary file: same bytes as
        // the first trimmed mix on a rerun, and the temporary is gone.
        r = mix({stem(a), stem(b)}, MixSettings{}, d.file("t2.wav"), OutputSettings{});
        CHECK(r.passes == 2);
        CHECK(file_bytes(d.file("t2.wav")) == file_bytes(d.file("t.wav")));
        const std::size_t files = wav_files_only(d);
        CHECK(files == 4); // a, b, t, t2

        MixSettings no;
        no.trim = false;
        r = mix({stem(a), stem(b)}, no, d.file("c.wav"), OutputSettings{});
        CHECK_FALSE(r.trimmed);
        CHECK(r.render.clipped_samples > 0);
    }

    TEST_CASE("a mix that clips late: the trim pass mixes the head again and replays the rest") {
        // Quiet for a second, then loud enough to clip: the first pass keeps its blocks from
        // the first clipping one on, the trim pass mixes the ones before again. Every sample
        // of the result is the trimmed sum, dithered (within 2 LSB of 24 bits), the length
        // is the stems' and no block is doubled or lost at the seam.
        test::TempDir d;
        auto quiet_then_loud = [](std::uint64_t seed) {
            const AudioBuffer q = noise(2, 1.0, 48000, seed, -40);
            const AudioBuffer l = noise(2, 1.0, 48000, seed + 1, -6);
            AudioBuffer a(2, q.frames() + l.frames());
            for (std::size_t c = 0; c < 2; ++c) {
                std::copy(q.channel(c), q.channel(c) + q.frames(), a.channel(c));
                std::copy(l.channel(c), l.channel(c) + l.frames(), a.channel(c) + q.frames());
            }
            return a;
        };
        const std::string a =
            write(d, "a.wav", quiet_then_loud(41), 48000, io::SampleFormat::pcm24);
        const std::string b =
            write(d, "b.wav", quiet_then_loud(43), 48000, io::SampleFormat::pcm24);
        const MixResult r =
            mix({stem(a), stem(b)}, MixSettings{}, d.file("t.wav"), OutputSettings{});
        REQUIRE(r.trimmed);
        CHECK(r.passes == 2);
        const AudioBuffer sa = test::read_file(a), sb = test::read_file(b);
        const AudioBuffer out = test::read_file(d.file("t.wav"));
        REQUIRE(out.frames() == sa.frames());
        const float trim = static_cast<float>(std::pow(10.0, r.trim_db / 20.0));
        double worst = 0.0, head_peak = 0.0;
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < out.frames(); ++i) {
                const float sum = (0.0f + sa.channel(c)[i]) + sb.channel(c)[i];
                worst = std::max(worst, double(std::fabs(out.channel(c)[i] - sum * trim)));
                if (i < 48000)
                    head_peak = std::max(head_peak, double(std::fabs(out.channel(c)[i])));
            }
        CHECK(worst <= std::ldexp(1.0, -22));
        CHECK(head_peak > 0.0); // the head was mixed, not left silent
        // Same bytes again, and only the four audio files are left.
        mix({stem(a), stem(b)}, MixSettings{}, d.file("t2.wav"), OutputSettings{});
        CHECK(file_bytes(d.file("t2.wav")) == file_bytes(d.file("t.wav")));
        const std::size_t files = wav_files_only(d);
        CHECK(files == 4);
    }

    TEST_CASE("mute and solo; stem settings from the registry") {
        const steps::Registry& reg = steps::builtin_registry();
        const steps::ParamValues v =
            steps::parse_params(reg.get("stem"), {"gain=-2dB", "pan=L20", "polarity=invert",
                                                  "offset=480samples", "solo"});
        const MixStem s = stem_from_params("x.wav", v);
        CHECK(s.gain_db == -2.0);
        CHECK(s.pan == doctest::Approx(-0.2));
        CHECK(s.invert);
        CHECK(s.solo);
        REQUIRE(s.offset_frames);
        CHECK(*s.offset_frames == 480);
        const MixStem t =
            stem_from_params("x.wav", steps::parse_params(reg.get("stem"), {"offset=25ms"}));
        CHECK_FALSE(t.offset_frames);
        CHECK(t.offset_s == doctest::Approx(0.025));

        test::TempDir d;
        const std::string a = write(d, "a.wav", noise(2, 0.1, 48000, 41), 48000);
        const std::string b = write(d, "b.wav", noise(2, 0.1, 48000, 42), 48000);
        MixStem sa = stem(a), sb = stem(b);
        sb.solo = true;
        MixResult r = mix({sa, sb}, MixSettings{}, d.file("solo.wav"), float_out());
        CHECK(r.stems_mixed == 1);
        sb.solo = false;
        sb.mute = true;
        r = mix({sa, sb}, MixSettings{}, d.file("mute.wav"), float_out());
        CHECK(r.stems_mixed == 1);
    }

    TEST_CASE("a pre-chain builder runs per stem; errors name the stem") {
        test::TempDir d;
        const std::string a = write(d, "a.wav", noise(1, 0.1, 48000, 51), 48000);
        MixStem s = stem(a);
        int built = 0;
        s.pre_chain = [&](dsp::Chain&, const dsp::StreamSpec& spec) {
            ++built;
            CHECK(spec.channels == 1);
        };
        mix({s}, MixSettings{}, d.file("o.wav"), float_out());
        CHECK(built == 1);
        try {
            mix({stem(d.file("missing.wav"))}, MixSettings{}, d.file("x.wav"), float_out());
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find("missing.wav") != std::string::npos);
        }
        CHECK_FALSE(std::filesystem::exists(d.file("x.wav")));
    }

} // TEST_SUITE
