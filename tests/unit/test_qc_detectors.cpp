// QC detectors on generated defects, each just above and just below its threshold, and on
// clean material (music-like tones, sweeps, wide stereo, speech-like bursts) that must pass.
#include "tapeop/qc/detectors.hpp"

#include "tapeop/gen/signals.hpp"
#include "tapeop/units.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <numbers>
#include <vector>

using namespace tapeop;

namespace {
constexpr int rate = 48000;
constexpr double pi = std::numbers::pi;

// Deterministic noise, roughly Gaussian (sum of 4 uniforms), unit RMS.
struct Noise {
    std::uint64_t s;
    explicit Noise(std::uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
    double uniform() {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return double(s >> 11) / double(1ull << 53);
    }
    double operator()() {
        double v = 0;
        for (int i = 0; i < 4; ++i)
            v += uniform() - 0.5;
        return v * std::sqrt(3.0); // var of the sum = 4/12
    }
};

AudioBuffer sine(std::size_t frames, int channels, double hz, double amp) {
    AudioBuffer b(channels, frames);
    for (int c = 0; c < channels; ++c)
        for (std::size_t i = 0; i < frames; ++i)
            b.channel(c)[i] = static_cast<float>(amp * std::sin(2 * pi * hz * double(i) / rate));
    return b;
}

// Chords of partials with smooth 20 ms attacks and releases, different in L and R (panned).
AudioBuffer music_like(double seconds, std::uint64_t seed = 1) {
    const std::size_t n = std::size_t(seconds * rate);
    AudioBuffer b(2, n);
    const double notes[] = {110.0, 164.81, 220.0,  277.18, 329.63,
                            440.0, 554.37, 659.26, 880.0,  1318.5};
    Noise rnd(seed);
    for (std::size_t start = 0; start < n; start += rate / 2) {
        const std::size_t len = std::min<std::size_t>(rate / 2, n - start);
        for (int voice = 0; voice < 3; ++voice) {
            const double f = notes[std::size_t(rnd.uniform() * 10) % 10];
            const double pan = rnd.uniform();
            const double amp = 0.08 + 0.05 * rnd.uniform();
            for (std::size_t i = 0; i < len; ++i) {
                const double t = double(i) / rate;
                const double env = std::min({1.0, t / 0.02, (double(len - i) / rate) / 0.02});
                const double v =
                    amp * env * (std::sin(2 * pi * f * t) + 0.3 * std::sin(4 * pi * f * t));
                b.channel(0)[start + i] += static_cast<float>(v * std::sqrt(1 - pan));
                b.channel(1)[start + i] += static_cast<float>(v * std::sqrt(pan));
            }
        }
    }
    return b;
}

// Feeds `b` in blocks of `block` frames.
void feed(AudioBuffer& b, std::size_t block, const std::function<void(AudioView)>& add) {
    for (std::size_t i = 0; i < b.frames(); i += block)
        add(b.view().sub(i, std::min(block, b.frames() - i)));
}

std::uint64_t clip_events(AudioBuffer& b, float thr = float(db_to_gain(-0.01)), bool floats = false,
                          std::size_t block = 4096) {
    qc::ClipDetector d(int(b.channels()), thr, 3, floats);
    feed(b, block, [&](AudioView v) { d.add(v); });
    d.finish();
    return d.clips().count() + d.overs().count();
}

qc::EventLog dropouts(AudioBuffer& b, std::size_t block = 4096) {
    qc::DropoutDetector d(int(b.channels()), 48, 12000, float(db_to_gain(-40)), 240, 240);
    feed(b, block, [&](AudioView v) { d.add(v); });
    return d.dropouts();
}

qc::EventLog clicks(AudioBuffer& b, std::size_t block = 4096) {
    qc::ClickDetector d(int(b.channels()), rate, 25.0, float(db_to_gain(-50)));
    feed(b, block, [&](AudioView v) { d.add(v); });
    d.finish();
    return d.clicks();
}

qc::EventLog clicks4(AudioBuffer& b, std::size_t block = 4096) {
    qc::ClickDetector d(int(b.channels()), rate, 25.0, float(db_to_gain(-50)), 4);
    feed(b, block, [&](AudioView v) { d.add(v); });
    d.finish();
    return d.clicks();
}

qc::StereoDetector stereo(AudioBuffer& b) {
    qc::StereoDetector d(rate, float(db_to_gain(-40)), -0.5, -4.5);
    feed(b, 4096, [&](AudioView v) { d.add(v); });
    return d;
}

qc::HumDetector::Result hum(AudioBuffer& b, std::size_t block = 4096) {
    qc::HumDetector d(int(b.channels()), rate, float(db_to_gain(-60)), 10.0, 0.25);
    feed(b, block, [&](AudioView v) { d.add(v); });
    return d.result();
}

void add_hum(AudioBuffer& b, int base_hz, double amp_dbfs) {
    const double a = db_to_gain(amp_dbfs);
    for (std::size_t c = 0; c < b.channels(); ++c)
        for (std::size_t i = 0; i < b.frames(); ++i) {
            const double t = double(i) / rate;
            b.channel(c)[i] += static_cast<float>(a * (std::sin(2 * pi * base_hz * t) +
                                                       0.5 * std::sin(4 * pi * base_hz * t + 0.3) +
                                                       0.4 * std::sin(6 * pi * base_hz * t + 1.0)));
        }
}

void add_noise(AudioBuffer& b, double rms_dbfs, std::uint64_t seed) {
    Noise rnd(seed);
    const double a = db_to_gain(rms_dbfs);
    for (std::size_t c = 0; c < b.channels(); ++c)
        for (std::size_t i = 0; i < b.frames(); ++i)
            b.channel(c)[i] += static_cast<float>(a * rnd());
}

// Speech-like: 150-300 ms bursts of a voiced buzz (harmonics of ~120 Hz, smooth envelope)
// separated by pauses of near-silence.
AudioBuffer speech_like(double seconds) {
    const std::size_t n = std::size_t(seconds * rate);
    AudioBuffer b(1, n);
    Noise rnd(7);
    std::size_t pos = rate / 4;
    while (pos < n) {
        const std::size_t len = std::size_t((0.15 + 0.15 * rnd.uniform()) * rate);
        const double f0 = 100 + 60 * rnd.uniform();
        for (std::size_t i = 0; i < len && pos + i < n; ++i) {
            const double t = double(i) / rate;
            const double env = std::sin(pi * double(i) / double(len)); // smooth on and off
            double v = 0;
            for (int h = 1; h <= 8; ++h)
                v += std::sin(2 * pi * f0 * h * t) / h;
            b.channel(0)[pos + i] = static_cast<float>(0.15 * env * v);
        }
        pos += len + std::size_t((0.1 + 0.3 * rnd.uniform()) * rate);
    }
    add_noise(b, -75, 3); // room tone
    return b;
}

AudioBuffer gen_signal(gen::SignalKind kind, double seconds, int channels = 2) {
    auto spec = gen::default_spec(kind);
    spec.duration_s = seconds;
    spec.channels = channels;
    return gen::generate(spec);
}

} // namespace

TEST_SUITE("qc_detectors") {

    TEST_CASE("clipping: 3 samples at -0.005 dBFS are a clip, 2 are not, 3 at -0.02 dBFS are not") {
        auto make = [](int run, double level_db) {
            auto b = sine(rate, 2, 441, 0.8);
            for (int k = 0; k < run; ++k)
                b.channel(1)[24000 + k] = static_cast<float>(-db_to_gain(level_db));
            return b;
        };
        auto above = make(3, -0.005);
        CHECK(clip_events(above) == 1);
        auto shorter = make(2, -0.005);
        CHECK(clip_events(shorter) == 0);
        auto lower = make(3, -0.02);
        CHECK(clip_events(lower) == 0);
        // A run across block boundaries is one event, whatever the block length.
        auto across = make(40, -0.005);
        for (std::size_t block : {1u, 7u, 4096u})
            CHECK(clip_events(across, float(db_to_gain(-0.01)), false, block) == 1);
        qc::ClipDetector d(2, float(db_to_gain(-0.01)), 3, false);
        d.add(across.view());
        d.finish();
        REQUIRE(d.clips().count() == 1);
        CHECK(d.clips().earliest().front().frame == 24000);
        CHECK(d.clips().earliest().front().channel == 1);
        CHECK(d.clips().longest() == 40);
    }

    TEST_CASE("clipping: a float sample over 0 dBFS is an over, one at -0.001 dBFS is not") {
        auto b = sine(rate, 1, 441, 0.5);
        b.channel(0)[1000] = 1.01f;
        CHECK(clip_events(b, 1.0f, true) == 1);
        b.channel(0)[1000] = static_cast<float>(db_to_gain(-0.001));
        CHECK(clip_events(b, 1.0f, true) == 0);
    }

    TEST_CASE(
        "dropout: a 1.2 ms digital-zero gap in a tone is found, 0.8 ms is not, pauses are not") {
        auto gap = [](std::size_t len, double amp) {
            auto b = sine(2 * rate, 2, 997, amp);
            for (std::size_t i = 0; i < len; ++i)
                b.channel(0)[30000 + i] = 0.0f;
            return b;
        };
        auto above = gap(58, 0.5);
        for (std::size_t block : {1u, 7u, 4096u}) {
            const auto log = dropouts(above, block);
            REQUIRE(log.count() == 1);
            CHECK(log.earliest().front().frame == 30000);
            CHECK(log.earliest().front().channel == 0);
            CHECK(log.longest() == 58);
        }
        auto below = gap(38, 0.5);
        CHECK(dropouts(below).count() == 0);
        auto pause = gap(24000, 0.5); // 500 ms: a pause, not a dropout (max 250 ms)
        CHECK(dropouts(pause).count() == 0);
        auto quiet = gap(58, db_to_gain(-46)); // audio under the -40 dBFS level around it
        CHECK(dropouts(quiet).count() == 0);
    }

    TEST_CASE("click: a spike 0.8 dB over the 25 dB ratio is a click, 0.8 dB under is not") {
        // A 1 kHz sine at 0.1: its second difference has RMS 0.1 (2 - 2 cos w) / sqrt 2; a spike of
        // height a at a zero crossing gives |d| = 2a. Threshold: 2a = 10^(25/20) * RMS.
        const double rms_d = 0.1 * (2 - 2 * std::cos(2 * pi * 1000 / rate)) / std::sqrt(2.0);
        const double a_thr = std::pow(10.0, 25.0 / 20) * rms_d / 2;
        auto spiked = [&](double a) {
            auto b = sine(rate, 1, 1000, 0.1);
            b.channel(0)[24000] += static_cast<float>(a);
            return b;
        };
        auto above = spiked(a_thr * db_to_gain(0.8));
        for (std::size_t block : {1u, 7u, 4096u}) {
            const auto log = clicks(above, block);
            REQUIRE(log.count() == 1);
            CHECK(std::llabs(log.earliest().front().frame - 24000) <= 1);
            CHECK(log.worst().magnitude == doctest::Approx(25.8).epsilon(0.01));
        }
        auto below = spiked(a_thr * db_to_gain(-0.8));
        CHECK(clicks(below).count() == 0);
    }

    TEST_CASE("click: a sine that starts at phase 0 has no click at 0:00, at any block size") {
        for (double amp : {0.1, 0.9})
            for (double hz : {440.0, 997.0})
                for (std::size_t block : {1u, 2u, 3u, 4096u}) {
                    auto b = sine(rate, 1, hz, amp);
                    CHECK(clicks(b, block).count() == 0);
                }
    }

    TEST_CASE("click: in silence, the level decides (-50 dBFS second-difference peak)") {
        AudioBuffer b(1, rate);
        b.channel(0)[10000] = static_cast<float>(db_to_gain(-50) / 2 * db_to_gain(1)); // |d| = 2x
        CHECK(clicks(b).count() == 1);
        b.channel(0)[10000] = static_cast<float>(db_to_gain(-50) / 2 * db_to_gain(-1));
        CHECK(clicks(b).count() == 0);
    }

    TEST_CASE(
        "stereo: correlation -0.55 is inverted polarity, -0.45 is not; mono loss at -4.5 dB") {
        // L = a n1 + b n2, R = a n1 - b n2 with independent n1, n2: correlation (a^2 - b^2) / (a^2
        // + b^2), mono-sum level 10 log10((1 + corr) / 2).
        auto make = [](double corr) {
            AudioBuffer b(2, 10 * rate);
            Noise n1(1), n2(2);
            const double a = std::sqrt((1 + corr) / 2), bb = std::sqrt((1 - corr) / 2);
            for (std::size_t i = 0; i < b.frames(); ++i) {
                const double x = 0.1 * n1(), y = 0.1 * n2();
                b.channel(0)[i] = static_cast<float>(a * x + bb * y);
                b.channel(1)[i] = static_cast<float>(a * x - bb * y);
            }
            return b;
        };
        auto inverted = make(-0.55);
        auto d = stereo(inverted);
        CHECK(d.correlation() == doctest::Approx(-0.55).epsilon(0.02));
        CHECK(d.correlation() < -0.5);
        CHECK(d.first_anticorrelated() == 0);
        auto nearly = make(-0.45);
        CHECK(stereo(nearly).correlation() > -0.5);
        auto poor = make(-0.35); // -4.88 dB
        CHECK(stereo(poor).mono_loss_db() == doctest::Approx(10 * std::log10(0.325)).epsilon(0.01));
        CHECK(stereo(poor).mono_loss_db() < -4.5);
        auto fine = make(-0.25); // -4.26 dB
        CHECK(stereo(fine).mono_loss_db() > -4.5);
        // Legitimately wide stereo (independent channels): correlation ~0, -3 dB in mono.
        auto wide = make(0.0);
        CHECK(std::fabs(stereo(wide).correlation()) < 0.02);
        CHECK(stereo(wide).mono_loss_db() == doctest::Approx(-3.01).epsilon(0.01));
        CHECK(stereo(wide).side_to_mid_db() > -1.0);
    }

    TEST_CASE("fake stereo: identical channels read -inf side; a side 56 dB under mid is real, 64 "
              "dB under is fake") {
        auto make = [](double side_db) {
            AudioBuffer b(2, 5 * rate);
            Noise n(1), e(2);
            const double k = 2 * db_to_gain(side_db); // side/mid = e_rms / (2 x_rms)
            for (std::size_t i = 0; i < b.frames(); ++i) {
                const double x = 0.1 * n();
                b.channel(0)[i] = static_cast<float>(x);
                b.channel(1)[i] = static_cast<float>(x + k * 0.1 * e());
            }
            return b;
        };
        auto same = sine(rate, 2, 997, 0.3);
        CHECK(std::isinf(stereo(same).side_to_mid_db()));
        auto real = make(-56);
        CHECK(stereo(real).side_to_mid_db() == doctest::Approx(-56).epsilon(0.01));
        CHECK(stereo(real).side_to_mid_db() > -60);
        auto fake = make(-64);
        CHECK(stereo(fake).side_to_mid_db() < -60);
    }

    TEST_CASE("hum: 50 Hz with harmonics at -58 dBFS is found and named, at -62 dBFS it is not") {
        auto make = [](double db) {
            AudioBuffer b(2, 10 * rate);
            add_noise(b, -90, 5);
            add_hum(b, 50, db);
            return b;
        };
        auto loud = make(-58);
        for (std::size_t block : {7u, 4096u}) {
            const auto h = hum(loud, block);
            CHECK(h.found);
            CHECK(h.frequency_hz == 50);
            CHECK(h.amplitude_dbfs == doctest::Approx(-58).epsilon(0.01)); // within ~0.6 dB
            CHECK(h.measured_hz == doctest::Approx(50.0).epsilon(0.0005)); // +-0.025 Hz
            REQUIRE(h.harmonics_hz.size() == 2);
            CHECK(h.harmonics_hz[0] == doctest::Approx(100.0).epsilon(0.0005));
            CHECK(h.harmonics_hz[1] == doctest::Approx(150.0).epsilon(0.0005));
            CHECK(h.first_frame == 0);
            CHECK(h.presence == doctest::Approx(1.0));
        }
        auto quiet = make(-62);
        CHECK_FALSE(hum(quiet).found);
    }

    TEST_CASE("hum: 60 Hz hum under music is found; music, sweeps, speech and a G1 bass note are "
              "not hum") {
        auto music = music_like(20);
        CHECK_FALSE(hum(music).found);
        add_hum(music, 60, -50);
        const auto h = hum(music);
        CHECK(h.found);
        CHECK(h.frequency_hz == 60);

        auto sweep = gen_signal(gen::SignalKind::sweep, 20, 1);
        CHECK_FALSE(hum(sweep).found);
        auto speech = speech_like(20);
        CHECK_FALSE(hum(speech).found);
        auto gmusic = gen_signal(gen::SignalKind::music, 30);
        CHECK_FALSE(hum(gmusic).found);
        auto g1 = sine(10 * rate, 1, 49.0, 0.3); // a sustained G1: a note, not the mains
        CHECK_FALSE(hum(g1).found);
        auto brief = sine(2 * rate, 1, 50.0, 0.01); // 2 s of a 50 Hz tone: under 3 windows
        CHECK_FALSE(hum(brief).found);
    }

    TEST_CASE("hum: a kick drum at 128 BPM (a body falling to 60 Hz, decaying in 150 ms) with a "
              "break every 8 s is not hum") {
        const std::size_t n = 24 * rate, bar = 8 * rate, brk = 2 * rate;
        const auto beat = static_cast<std::size_t>(rate * 60.0 / 128);
        AudioBuffer kick(1, n);
        add_noise(kick, -70, 3); // the rest of the band, quiet
        for (std::size_t s = 0; s < n; s += beat) {
            if (s % bar >= bar - brk)
                continue; // the break: no kick
            for (std::size_t i = 0; i < rate / 2 && s + i < n; ++i) {
                const double t = double(i) / rate;
                const double phase = 2 * pi * (60 * t + 60 * 0.02 * (1 - std::exp(-t / 0.02)));
                kick.channel(0)[s + i] +=
                    static_cast<float>(0.5 * std::exp(-t / 0.15) * std::sin(phase));
            }
        }
        CHECK_FALSE(hum(kick).found);
        // Hum under that kick is not found either: the kick's own line, 0.45% under 60 Hz,
        // takes its place in the loud windows and the level is not steady (docs/specs.md).
    }

    TEST_CASE("click: a sawtooth bass at 55 Hz (a step every period) is not a click; the edges of "
              "a digital-zero gap are the dropout's finding, not clicks") {
        AudioBuffer saw(1, 5 * rate);
        for (std::size_t i = 0; i < saw.frames(); ++i) {
            const double ph = 55.0 * double(i) / rate;
            saw.channel(0)[i] = static_cast<float>(0.2 * (2 * (ph - std::floor(ph)) - 1));
        }
        CHECK(clicks(saw).count() == 0);
        auto gap = music_like(2);
        for (std::size_t c = 0; c < 2; ++c)
            std::fill(gap.channel(c) + rate + 100, gap.channel(c) + rate + 580, 0.0f); // 10 ms
        CHECK(clicks(gap).count() == 0);
        CHECK(dropouts(gap).count() == 2);
        gap.channel(0)[rate / 2 + 100] += 0.3f; // a real click elsewhere is still found
        CHECK(clicks(gap).count() == 1);
    }

    TEST_CASE("silence edges: the first and last frames over the level") {
        auto b = sine(4 * rate, 2, 997, 0.5);
        for (std::size_t i = 0; i < std::size_t(2.5 * rate); ++i)
            b.channel(0)[i] = b.channel(1)[i] = 0.0f;
        for (std::size_t i = 3 * rate; i < b.frames(); ++i)
            b.channel(0)[i] = b.channel(1)[i] = 1e-4f; // -80 dBFS
        for (std::size_t block : {1u, 7u, 4096u}) {
            qc::SilenceEdges s(float(db_to_gain(-60)));
            feed(b, block, [&](AudioView v) { s.add(v); });
            CHECK(s.first_loud() == std::int64_t(2.5 * rate) + 1); // sin(0) = 0 at the onset
            CHECK(s.last_loud() < 3 * rate);
            CHECK(s.last_loud() > 3 * rate - 30);
        }
    }

    TEST_CASE("bit depth: 16-bit values in a 24-bit file use 16 bits; one more LSB makes 17") {
        auto b = sine(rate, 2, 997, 0.5);
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < b.frames(); ++i)
                b.channel(c)[i] =
                    static_cast<float>(std::round(b.channel(c)[i] * 32768.0) / 32768.0);
        qc::BitDepthDetector d;
        d.add(b.view());
        CHECK(d.used_bits() == 16);
        b.channel(1)[5] += static_cast<float>(1.0 / 65536.0);
        qc::BitDepthDetector e;
        e.add(b.view());
        CHECK(e.used_bits() == 17);
        qc::BitDepthDetector silent;
        AudioBuffer z(1, 100);
        silent.add(z.view());
        CHECK(silent.used_bits() == 0);
    }

    TEST_CASE("clean material: music-like tones, sweeps, wide stereo and speech-like bursts raise "
              "nothing") {
        std::vector<std::pair<std::string, AudioBuffer>> clean;
        clean.emplace_back("music-like", music_like(20));
        clean.emplace_back("gen music", gen_signal(gen::SignalKind::music, 30));
        clean.emplace_back("gen dialogue", gen_signal(gen::SignalKind::dialogue, 30));
        clean.emplace_back("sweep", gen_signal(gen::SignalKind::sweep, 20, 1));
        clean.emplace_back("speech-like", speech_like(20));
        AudioBuffer wide(2, 10 * rate);
        add_noise(wide, -20, 11);
        clean.emplace_back("wide", std::move(wide));
        for (auto& [clean_name, b] : clean) {
            const std::string name = clean_name; // clang 14: no binding in CAPTURE's lambda
            CAPTURE(name);
            CHECK(clip_events(b) == 0);
            CHECK(dropouts(b).count() == 0);
            CHECK(clicks(b).count() == 0);
            CHECK_FALSE(hum(b).found);
            if (b.channels() == 2) {
                auto d = stereo(b);
                CHECK_FALSE(d.correlation() < -0.5);
                CHECK_FALSE(d.mono_loss_db() < -4.5);
                CHECK(d.side_to_mid_db() > -60);
            }
        }
    }

    TEST_CASE("click, 4th difference: a spike 0.8 dB over the 25 dB ratio is a click, 0.8 dB "
              "under is not") {
        // A 4 kHz sine at 0.5: its 4th difference has RMS 0.5 (2 - 2 cos w)^2 / sqrt 2; a spike of
        // height a at a zero crossing gives |d| = 6a. Threshold: 6a = 10^(25/20) * RMS.
        const double w = 2 * pi * 4000 / rate;
        const double rms_d = 0.5 * std::pow(2 - 2 * std::cos(w), 2) / std::sqrt(2.0);
        const double a_thr = std::pow(10.0, 25.0 / 20) * rms_d / 6;
        auto spiked = [&](double a) {
            auto b = sine(rate, 1, 4000, 0.5);
            b.channel(0)[24000] += static_cast<float>(a);
            return b;
        };
        auto above = spiked(a_thr * db_to_gain(0.8));
        for (std::size_t block : {1u, 7u, 4096u}) {
            const auto log = clicks4(above, block);
            REQUIRE(log.count() == 1);
            CHECK(std::llabs(log.earliest().front().frame - 24000) <= 1);
            CHECK(log.worst().magnitude == doctest::Approx(25.8).epsilon(0.01));
        }
        auto below = spiked(a_thr * db_to_gain(-0.8));
        CHECK(clicks4(below).count() == 0);
        // The same spike is far under the 2nd difference's threshold (2a against the sine's 2nd
        // difference, RMS 0.5 (2 - 2 cos w) / sqrt 2: 4 dB): the 4th order sees small clicks in
        // bright material.
        CHECK(clicks(above).count() == 0);
    }

    TEST_CASE("merge_events: a click both detectors see is one event, the others add up") {
        qc::EventLog a, b;
        a.add({1000, 0, 30.0, 1});
        a.add({5000, 1, 25.0, 1});
        b.add({1001, 0, 35.0, 1}); // the first one again, a sample later
        b.add({1001, 1, 22.0, 1}); // same time, other channel: another event
        b.add({9000, 0, 40.0, 1});
        const auto m = qc::merge_events(a, b, 2);
        CHECK(m.count() == 4);
        REQUIRE(m.earliest().size() == 4);
        CHECK(m.earliest()[0].frame == 1000);
        CHECK(m.earliest()[1].frame == 1001);
        CHECK(m.earliest()[1].channel == 1);
        CHECK(m.earliest()[3].frame == 9000);
        CHECK(m.worst().magnitude == 40.0);
    }

    TEST_CASE("hum: measured at its own level where a note in the mains tolerance masks it; "
              "fundamental and harmonics measured, not nominal") {
        // 20 s: hum at 50.1 Hz (-55 dBFS, harmonics at exact multiples), and from 4 s to 12 s a
        // loud note at 50.2 Hz (-30 dBFS, inside +-0.5%) that raises the line in those windows.
        AudioBuffer b(2, 20 * rate);
        add_noise(b, -90, 7);
        const double a = db_to_gain(-55), loud = db_to_gain(-30);
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < b.frames(); ++i) {
                const double t = double(i) / rate;
                double v = a * (std::sin(2 * pi * 50.1 * t) + 0.5 * std::sin(4 * pi * 50.1 * t) +
                                0.4 * std::sin(6 * pi * 50.1 * t));
                if (t >= 4 && t < 12)
                    v += loud * std::sin(2 * pi * 50.2 * t);
                b.channel(c)[i] += static_cast<float>(v);
            }
        const auto h = hum(b);
        REQUIRE(h.found);
        CHECK(h.frequency_hz == 50);
        CHECK(h.amplitude_dbfs == doctest::Approx(-55).epsilon(0.01)); // the hum, not the note
        CHECK(h.measured_hz == doctest::Approx(50.1).epsilon(0.0005)); // +-0.025 Hz
        REQUIRE(h.harmonics_hz.size() == 2);
        CHECK(h.harmonics_hz[0] == doctest::Approx(100.2).epsilon(0.0005));
        CHECK(h.harmonics_hz[1] == doctest::Approx(150.3).epsilon(0.0005));
    }

    TEST_CASE("dropout: a cut whose audio resumes quietly (3 ms at -46 dBFS) is found with 20 ms "
              "to resume, not with the 1 ms edge alone") {
        auto b = sine(rate, 1, 997, 0.5);
        float* x = b.channel(0);
        for (std::size_t i = 20000; i < 22400; ++i) // 50 ms cut
            x[i] = 0.0f;
        for (std::size_t i = 22400; i < 22544; ++i) // back at 0.005 for 3 ms, then at 0.5
            x[i] *= 0.01f;
        auto run = [&](std::int64_t resume) {
            qc::DropoutDetector d(1, 48, 12000, float(db_to_gain(-40)), 48, resume);
            feed(b, 4096, [&](AudioView v) { d.add(v); });
            return d.dropouts();
        };
        const auto found = run(960);
        REQUIRE(found.count() == 1);
        CHECK(found.earliest().front().frame == 20000);
        CHECK(found.longest() == 2400);
        CHECK(run(48).count() == 0);
    }

    TEST_CASE("dropout: a held last sample (1.2 ms) and a DC level (10 ms) inside a tone are "
              "found, at any block length") {
        auto b = sine(2 * rate, 2, 997, 0.5);
        float* x = b.channel(0);
        for (std::size_t i = 30000; i < 30058; ++i) // the converter holds x[29999]
            x[i] = x[29999];
        for (std::size_t i = 60000; i < 60480; ++i) // a DC level, 0.2
            x[i] = 0.2f;
        for (std::size_t block : {1u, 7u, 4096u}) {
            qc::DropoutDetector d(2, 48, 12000, float(db_to_gain(-40)), 48, 960);
            feed(b, block, [&](AudioView v) { d.add(v); });
            const auto& log = d.dropouts();
            REQUIRE(log.count() == 2);
            CHECK(d.held_count() == 2);
            CHECK(log.earliest()[0].frame == 29999); // the run holds the original sample too
            CHECK(log.earliest()[0].length == 59);
            CHECK(log.earliest()[0].channel == 0);
            CHECK(log.earliest()[1].frame == 60000);
            CHECK(log.earliest()[1].length == 480);
        }
        auto shorter = sine(rate, 1, 997, 0.5); // 0.8 ms held: under the 1 ms minimum
        for (std::size_t i = 20000; i < 20037; ++i)
            shorter.channel(0)[i] = shorter.channel(0)[19999];
        CHECK(dropouts(shorter).count() == 0);
    }

    TEST_CASE("dropout: flat tops are not dropouts: hard clipping (a tone, a sawtooth), 8-bit "
              "peaks of a low tone, a DC level before the music starts; a stall at a peak is") {
        auto clipped = sine(rate, 1, 100, 0.9); // clipped at 0.5: flat tops of ~2.7 ms
        for (std::size_t i = 0; i < rate; ++i)
            clipped.channel(0)[i] = std::clamp(clipped.channel(0)[i], -0.5f, 0.5f);
        auto low = sine(rate, 1, 30, 0.05); // 8-bit: its peaks hold one code for ~4 ms
        for (std::size_t i = 0; i < rate; ++i) {
            float& v = low.channel(0)[i];
            v = std::round(v * 128.0f) / 128.0f;
        }
        auto dc = sine(rate, 1, 997, 0.5); // 100 ms at a constant 0.1, then the tone
        for (std::size_t i = 0; i < 4800; ++i)
            dc.channel(0)[i] = 0.1f;
        auto ends = sine(rate, 1, 997, 0.5); // the tone, then held at its last value to the end
        for (std::size_t i = 40000; i < std::size_t(rate); ++i)
            ends.channel(0)[i] = ends.channel(0)[39999];
        for (std::size_t block : {1u, 4096u}) {
            CHECK(dropouts(clipped, block).count() == 0);
            CHECK(dropouts(low, block).count() == 0);
            CHECK(dropouts(dc, block).count() == 0);
            CHECK(dropouts(ends, block).count() == 0);
        }
        // A sawtooth clipped at 0.3: each top is left by the saw's reset, a jump, but every
        // period holds the same ceiling.
        auto saw = sine(rate, 1, 997, 0.0);
        for (std::size_t i = 0; i < std::size_t(rate); ++i) {
            const double ph = std::fmod(double(i) * 55.0 / rate, 1.0);
            saw.channel(0)[i] = std::min(0.3f, float(0.5 * (2.0 * ph - 1.0)));
        }
        qc::DropoutDetector sd(1, 48, 12000, float(db_to_gain(-40)), 48, 960); // check's 20 ms
        feed(saw, 4096, [&](AudioView v) { sd.add(v); });
        CHECK(sd.dropouts().count() == 0);
        // A 100 Hz tone held at its peak for 3 ms, then resuming 3 ms on: a stall, found.
        auto peak = sine(rate, 1, 100, 0.5);
        for (std::size_t i = 12121; i < 12265; ++i)
            peak.channel(0)[i] = peak.channel(0)[12120];
        for (std::size_t block : {1u, 4096u}) {
            const auto log = dropouts(peak, block);
            REQUIRE(log.count() == 1);
            CHECK(log.earliest().front().frame == 12120);
        }
        // The same clipped tone held for 2 ms at its value by a zero crossing is a dropout.
        for (std::size_t i = 12000; i < 12096; ++i)
            clipped.channel(0)[i] = clipped.channel(0)[11999];
        REQUIRE(dropouts(clipped).count() == 1);
        CHECK(dropouts(clipped).earliest().front().frame == 11999);
    }

    TEST_CASE("click, top band: a 0.02 spike under loud band-limited noise is found at its frame "
              "(the 2nd and 4th differences miss it); a gap's edges and a held value's are not "
              "clicks") {
        // Noise at 0.15 RMS through (1 + z^-1)^8 / 256, 78 dB down at 19 kHz and more above:
        // dense hi-hats sampled at a lower rate, as far as the top band is concerned.
        const std::size_t n = rate;
        AudioBuffer b(1, n);
        std::uint32_t seed = 12;
        std::vector<float> w(n + 16);
        for (auto& v : w) {
            seed = seed * 1664525u + 1013904223u;
            v = float(double(seed) / 4294967296.0 - 0.5);
        }
        for (std::size_t i = 0; i < n; ++i) { // (1 + z^-1)^8: a zero of order 8 at fs/2
            double acc = 0.0, c = 1.0;
            for (std::size_t j = 0; j <= 8; ++j) {
                acc += c * w[i + j];
                c = c * double(8 - j) / double(j + 1);
            }
            b.channel(0)[i] = float(acc / 256.0 * 1.2);
        }
        b.channel(0)[24000] += 0.02f;
        auto top = [&](AudioBuffer& a, std::size_t block) {
            qc::ClickDetector d(1, rate, 20.0, float(db_to_gain(-50)), 64);
            feed(a, block, [&](AudioView v) { d.add(v); });
            d.finish();
            return d.clicks();
        };
        for (std::size_t block : {1u, 7u, 4096u}) {
            const auto log = top(b, block);
            REQUIRE(log.count() == 1);
            CHECK(log.earliest().front().frame == 24000);
        }
        CHECK(clicks(b).count() == 0);
        CHECK(clicks4(b).count() == 0);
        // Computed at every 4th frame, the band places a click within 2 frames of its own.
        b.channel(0)[24000] -= 0.02f;
        b.channel(0)[24003] += 0.02f;
        for (std::size_t block : {1u, 4096u}) {
            const auto log = top(b, block);
            REQUIRE(log.count() == 1);
            CHECK(std::llabs(log.earliest().front().frame - 24003) <= 2);
        }

        // A 997 Hz tone cut to zero for 10 ms, and held at its last value for 10 ms.
        auto cut = sine(rate, 1, 997, 0.5);
        for (std::size_t i = 10000; i < 10480; ++i)
            cut.channel(0)[i] = 0.0f;
        for (std::size_t i = 30000; i < 30480; ++i)
            cut.channel(0)[i] = cut.channel(0)[29999];
        for (std::size_t block : {1u, 4096u})
            CHECK(top(cut, block).count() == 0);
        // A spike in digital silence stays a click.
        AudioBuffer quiet(1, n);
        quiet.channel(0)[20000] = 0.02f;
        REQUIRE(top(quiet, 4096).count() == 1);
        CHECK(top(quiet, 4096).earliest().front().frame == 20000);
    }

} // TEST_SUITE
