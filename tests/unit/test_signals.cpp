// tapeop::gen: levels, spectra, ranges and determinism of the test signals.
#include "tapeop/analysis/levels.hpp"
#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/units.hpp"

#include <doctest/doctest.h>
#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numbers>
#include <unistd.h>
#include <vector>

using namespace tapeop;

namespace {

gen::SignalSpec spec(gen::SignalKind kind, double duration_s = 10.0) {
    gen::SignalSpec s = gen::default_spec(kind);
    s.duration_s = duration_s;
    return s;
}

analysis::LevelMeter measure(AudioBuffer& b) {
    analysis::LevelMeter m(int(b.channels()));
    m.add(b.view());
    return m;
}

bool identical(const AudioBuffer& a, const AudioBuffer& b) {
    if (a.channels() != b.channels() || a.frames() != b.frames())
        return false;
    for (std::size_t c = 0; c < a.channels(); ++c)
        if (std::memcmp(a.channel(c), b.channel(c), a.frames() * sizeof(float)) != 0)
            return false;
    return true;
}

// The signal rendered through a Generator in blocks of `block` frames.
AudioBuffer render_in_blocks(const gen::SignalSpec& s, std::size_t block) {
    gen::Generator g(s);
    AudioBuffer all(std::size_t(s.channels), std::size_t(g.total_frames()));
    AudioBuffer buf(std::size_t(s.channels), block);
    std::size_t at = 0;
    while (std::size_t n = g.render(buf)) {
        for (std::size_t c = 0; c < all.channels(); ++c)
            std::copy_n(buf.channel(c), n, all.channel(c) + at);
        at += n;
    }
    CHECK(at == all.frames());
    CHECK(g.render(buf) == 0);
    return all;
}

// Mean-square energy of channel 0 through an RBJ band-pass (constant 0 dB peak), Q = 1.414
// (one octave wide), after a settling time of 0.5 s.
double band_energy_db(const AudioBuffer& b, double f_hz, double fs) {
    const double w = 2.0 * std::numbers::pi * f_hz / fs, alpha = std::sin(w) / (2.0 * 1.414);
    const double a0 = 1 + alpha, b0 = alpha / a0, b2 = -alpha / a0;
    const double a1 = -2 * std::cos(w) / a0, a2 = (1 - alpha) / a0;
    double z1 = 0, z2 = 0, sum = 0;
    const float* x = b.channel(0);
    const std::size_t skip = std::size_t(fs / 2);
    for (std::size_t i = 0; i < b.frames(); ++i) {
        const double y = b0 * x[i] + z1;
        z1 = -a1 * y + z2;
        z2 = b2 * x[i] - a2 * y;
        if (i >= skip)
            sum += y * y;
    }
    return 10.0 * std::log10(sum / double(b.frames() - skip));
}

std::size_t sign_changes(const float* x, std::size_t from, std::size_t to) {
    std::size_t n = 0;
    for (std::size_t i = from + 1; i < to; ++i)
        n += (x[i - 1] < 0) != (x[i] < 0) ? 1 : 0;
    return n;
}

struct Loudness {
    double integrated_lufs, range_lu;
};
Loudness loudness(const AudioBuffer& b, int rate) {
    const unsigned ch = unsigned(b.channels());
    ebur128_state* st = ebur128_init(ch, unsigned(rate), EBUR128_MODE_I | EBUR128_MODE_LRA);
    REQUIRE(st != nullptr);
    std::vector<float> inter(b.frames() * ch);
    for (std::size_t i = 0; i < b.frames(); ++i)
        for (unsigned c = 0; c < ch; ++c)
            inter[i * ch + c] = b.channel(c)[i];
    REQUIRE(ebur128_add_frames_float(st, inter.data(), b.frames()) == EBUR128_SUCCESS);
    Loudness l{};
    ebur128_loudness_global(st, &l.integrated_lufs);
    ebur128_loudness_range(st, &l.range_lu);
    ebur128_destroy(&st);
    return l;
}

double correlation(const AudioBuffer& b) {
    double xy = 0, xx = 0, yy = 0;
    for (std::size_t i = 0; i < b.frames(); ++i) {
        const double x = b.channel(0)[i], y = b.channel(1)[i];
        xy += x * y;
        xx += x * x;
        yy += y * y;
    }
    return xy / std::sqrt(xx * yy);
}

constexpr gen::SignalKind all_kinds[] = {gen::SignalKind::sine,    gen::SignalKind::sweep,
                                         gen::SignalKind::white,   gen::SignalKind::pink,
                                         gen::SignalKind::silence, gen::SignalKind::square,
                                         gen::SignalKind::music,   gen::SignalKind::dialogue};

} // namespace

TEST_SUITE("gen.signals") {

    TEST_CASE("a full-scale 997 Hz sine peaks at 0 dBFS and has an RMS of -3.0103 dBFS") {
        auto s = spec(gen::SignalKind::sine);
        s.level_dbfs = 0.0;
        AudioBuffer b = gen::generate(s);
        REQUIRE(b.frames() == 480000);
        auto m = measure(b);
        // 997 and 48000 are coprime: every phase k/48000 occurs, so the peak is within
        // 1 - cos(pi/48000) ~ 2e-9 of 1.0.
        CHECK(std::fabs(m.sample_peak(0) - 1.0) < 1e-6);
        CHECK(std::fabs(m.sample_peak(1) - 1.0) < 1e-6);
        // 10 s hold exactly 9970 cycles: the mean square is exactly 1/2 (float rounding aside).
        CHECK(std::fabs(m.rms_dbfs() + 3.0103) < 0.001);
    }

    TEST_CASE("a -20 dBFS sine peaks at -20 dBFS") {
        auto s = spec(gen::SignalKind::sine);
        s.level_dbfs = -20.0;
        AudioBuffer b = gen::generate(s);
        auto m = measure(b);
        CHECK(std::fabs(m.sample_peak_dbfs() + 20.0) < 0.001);
        CHECK(std::fabs(m.rms_dbfs() + 23.0103) < 0.001);
    }

    TEST_CASE("a sine with a 90 degree phase starts at its peak") {
        auto s = spec(gen::SignalKind::sine, 0.01);
        s.level_dbfs = -6.0;
        s.phase_deg = 90.0;
        AudioBuffer b = gen::generate(s);
        const float peak = static_cast<float>(db_to_gain(-6.0));
        CHECK(b.channel(0)[0] == peak);
        CHECK(b.channel(1)[0] == peak);
        CHECK(b.channel(0)[1] < peak);
        s.phase_deg = 0.0;
        CHECK(gen::generate(s).channel(0)[0] == 0.0f);
    }

    TEST_CASE("a sine does not drift: a 1 kHz tone at 48 kHz repeats every 48 frames") {
        auto s = spec(gen::SignalKind::sine, 60.0);
        s.frequency_hz = 1000.0;
        s.channels = 1;
        s.level_dbfs = 0.0;
        AudioBuffer b = gen::generate(s);
        const float* x = b.channel(0);
        double worst = 0.0;
        for (std::size_t i = b.frames() - 48; i < b.frames(); ++i)
            worst = std::max(worst, double(std::fabs(x[i] - x[i % 48])));
        CHECK(worst < 1e-7); // a float's rounding, not an accumulated phase error
    }

    TEST_CASE("white noise has the requested RMS level over 10 s, independently per channel") {
        auto s = spec(gen::SignalKind::white);
        s.level_dbfs = -18.0;
        AudioBuffer b = gen::generate(s);
        auto m = measure(b);
        // 480000 Gaussian samples: the RMS estimate's spread is ~0.01 dB.
        CHECK(std::fabs(m.rms_dbfs(0) + 18.0) < 0.1);
        CHECK(std::fabs(m.rms_dbfs(1) + 18.0) < 0.1);
        CHECK(std::fabs(m.dc_offset(0)) < 1e-3);
        CHECK(std::fabs(correlation(b)) < 0.01);
    }

    TEST_CASE("pink noise falls at 3 dB per octave and has the requested RMS level") {
        auto s = spec(gen::SignalKind::pink);
        s.level_dbfs = -20.0;
        s.channels = 1;
        AudioBuffer b = gen::generate(s);
        auto m = measure(b);
        // Low frequencies make the estimate noisier than for white noise.
        CHECK(std::fabs(m.rms_dbfs() + 20.0) < 0.2);
        // Equal energy per octave: octave bands at 250 Hz and 2 kHz (three octaves apart) read the
        // same within 1 dB, i.e. a slope of -3 +- 0.33 dB per octave. White noise reads +9 dB.
        const double lo = band_energy_db(b, 250.0, 48000.0),
                     hi = band_energy_db(b, 2000.0, 48000.0);
        CHECK(std::fabs(hi - lo) < 1.0);
        const double lo2 = band_energy_db(b, 62.5, 48000.0);
        CHECK(std::fabs(lo - lo2) < 1.0);

        auto w = spec(gen::SignalKind::white);
        w.channels = 1;
        AudioBuffer wb = gen::generate(w);
        CHECK(band_energy_db(wb, 2000.0, 48000.0) - band_energy_db(wb, 250.0, 48000.0) ==
              doctest::Approx(9.03).epsilon(0.1));
    }

    TEST_CASE("a logarithmic sweep covers its range from start to end frequency") {
        auto s = spec(gen::SignalKind::sweep);
        s.frequency_hz = 20.0;
        s.end_frequency_hz = 20000.0;
        s.channels = 1;
        s.level_dbfs = -6.0;
        AudioBuffer b = gen::generate(s);
        const double fs = 48000.0, T = double(b.frames() - 1) / fs, L = std::log(1000.0);
        // Sign changes over [t0, t1] = twice the cycles of the analytic phase f1 T/L exp(t L/T).
        const auto cycles = [&](double t) { return 20.0 * T / L * std::expm1(t * L / T); };
        const std::size_t n1 = std::size_t(fs);
        const double first = double(sign_changes(b.channel(0), 0, n1)) / 2.0;
        const double last = double(sign_changes(b.channel(0), b.frames() - n1, b.frames())) / 2.0;
        CHECK(first == doctest::Approx(cycles(1.0)).epsilon(0.03));
        CHECK(last == doctest::Approx(cycles(T) - cycles(T - 1.0)).epsilon(0.03));
        // The last 10 ms are at about 20 kHz: ~200 cycles.
        const std::size_t n10 = std::size_t(fs / 100);
        const double end = double(sign_changes(b.channel(0), b.frames() - n10, b.frames())) / 2.0;
        CHECK(end / 0.01 == doctest::Approx(19950.0).epsilon(0.03));
        auto m = measure(b);
        CHECK(std::fabs(m.sample_peak_dbfs() + 6.0) < 0.01);
    }

    TEST_CASE("a square wave holds only its two levels") {
        auto s = spec(gen::SignalKind::square, 1.0);
        s.frequency_hz = 12000.0;
        s.phase_deg = 45.0;
        s.level_dbfs = -1.0;
        AudioBuffer b = gen::generate(s);
        const float a = static_cast<float>(db_to_gain(-1.0));
        std::size_t plus = 0, minus = 0;
        for (std::size_t i = 0; i < b.frames(); ++i) {
            plus += b.channel(0)[i] == a ? 1 : 0;
            minus += b.channel(0)[i] == -a ? 1 : 0;
        }
        CHECK(plus + minus == b.frames());
        CHECK(plus == minus);
    }

    TEST_CASE("silence is all zeros") {
        AudioBuffer b = gen::generate(spec(gen::SignalKind::silence, 1.0));
        CHECK(measure(b).sample_peak(0) == 0.0);
    }

    TEST_CASE("music is stereo, dynamic and near its loudness target, with headroom") {
        auto s = spec(gen::SignalKind::music, 52.0); // one whole song cycle
        AudioBuffer b = gen::generate(s);
        const Loudness l = loudness(b, s.sample_rate);
        // The level is reached by a fixed factor: "approximately", here within 0.5 LU.
        CHECK(std::fabs(l.integrated_lufs - s.level_dbfs) < 0.5);
        CHECK(l.range_lu >= 5.0);
        CHECK(l.range_lu <= 10.0);
        auto m = measure(b);
        CHECK(m.sample_peak_dbfs() < -3.0);
        CHECK(m.sample_peak_dbfs() > -12.0);
        const double r = correlation(b);
        CHECK(r > 0.3);
        CHECK(r < 0.98);

        s.level_dbfs = -14.0;
        s.duration_s = 52.0;
        CHECK(std::fabs(loudness(gen::generate(s), s.sample_rate).integrated_lufs + 14.0) < 0.5);
    }

    TEST_CASE("music folds down to mono at about the same loudness") {
        auto s = spec(gen::SignalKind::music, 52.0);
        s.channels = 1;
        s.sample_rate = 44100;
        AudioBuffer b = gen::generate(s);
        CHECK(std::fabs(loudness(b, s.sample_rate).integrated_lufs - s.level_dbfs) < 0.75);
    }

    TEST_CASE("dialogue: voice A at the level, voice B at the offset, pauses between turns") {
        auto s = spec(gen::SignalKind::dialogue, 60.0);
        s.level_dbfs = -23.0;
        s.offset_db = -200.0; // voice B silent: voice A alone
        const double a = loudness(gen::generate(s), s.sample_rate).integrated_lufs;
        CHECK(std::fabs(a + 23.0) < 0.5);
        s.offset_db = 0.0; // both at the same loudness
        const double both = loudness(gen::generate(s), s.sample_rate).integrated_lufs;
        CHECK(std::fabs(both + 23.0) < 0.5);
        s.offset_db = -10.0;
        AudioBuffer b = gen::generate(s);
        const double quieter = loudness(b, s.sample_rate).integrated_lufs;
        CHECK(quieter < both - 1.5);
        // Pauses: some 250 ms windows hold only room noise, far under the voices.
        std::size_t quiet = 0;
        const std::size_t w = 12000;
        for (std::size_t at = 0; at + w <= b.frames(); at += w) {
            double sum = 0;
            for (std::size_t i = at; i < at + w; ++i)
                sum += double(b.channel(0)[i]) * b.channel(0)[i];
            quiet += power_to_db(sum / double(w)) < -60.0 ? 1 : 0;
        }
        CHECK(quiet >= 10);
    }

    TEST_CASE("every signal is the same for the same spec, whatever the block size") {
        for (auto kind : all_kinds) {
            CAPTURE(gen::kind_name(kind));
            auto s = spec(kind, 2.0);
            s.channels = kind == gen::SignalKind::music ? 2 : 3;
            const AudioBuffer whole = gen::generate(s);
            CHECK(identical(whole, gen::generate(s)));
            CHECK(identical(whole, render_in_blocks(s, 1)));
            CHECK(identical(whole, render_in_blocks(s, 7)));
            CHECK(identical(whole, render_in_blocks(s, 4096)));
        }
    }

    TEST_CASE("reset starts the same signal again") {
        auto s = spec(gen::SignalKind::pink, 0.1);
        gen::Generator g(s);
        AudioBuffer a(2, 8192), b(2, 8192);
        g.render(a);
        g.reset();
        CHECK(g.position() == 0);
        g.render(b);
        CHECK(identical(a, b));
    }

    TEST_CASE("a different seed gives a different take") {
        for (auto kind : {gen::SignalKind::white, gen::SignalKind::pink, gen::SignalKind::music,
                          gen::SignalKind::dialogue}) {
            CAPTURE(gen::kind_name(kind));
            auto s = spec(kind, 3.0);
            const AudioBuffer one = gen::generate(s);
            s.seed = 2;
            CHECK_FALSE(identical(one, gen::generate(s)));
        }
    }

    TEST_CASE("a 24-bit file reads back as the generated signal within 1 LSB") {
        const auto dir = std::filesystem::temp_directory_path() /
                         ("tapeop-test-signals-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        for (auto kind : {gen::SignalKind::music, gen::SignalKind::sine}) {
            CAPTURE(gen::kind_name(kind));
            auto s = spec(kind, 5.0);
            const std::string path = (dir / "signal.wav").string();
            CHECK(gen::generate_to_file(s, path, io::SampleFormat::pcm24) == 0);
            const AudioBuffer mem = gen::generate(s);
            io::AudioReader r(path);
            REQUIRE(r.info().frames == std::int64_t(mem.frames()));
            REQUIRE(r.info().channels == s.channels);
            CHECK(r.info().sample_rate == s.sample_rate);
            AudioBuffer blk(std::size_t(s.channels), 4096);
            std::size_t at = 0;
            double worst = 0.0;
            while (std::size_t n = r.read(blk)) {
                for (std::size_t c = 0; c < blk.channels(); ++c)
                    for (std::size_t i = 0; i < n; ++i)
                        worst = std::max(worst, std::fabs(double(blk.channel(c)[i]) -
                                                          double(mem.channel(c)[at + i])));
                at += n;
            }
            CHECK(at == mem.frames());
            CHECK(worst <= 1.0 / 8388608.0);
        }
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("bad specs and unknown kinds are usage errors") {
        auto s = spec(gen::SignalKind::sine);
        s.frequency_hz = 24000.0;
        CHECK_THROWS_AS(gen::validate(s), UsageError);
        CHECK_THROWS_AS(gen::Generator{s}, UsageError);
        s = spec(gen::SignalKind::sweep);
        s.end_frequency_hz = 30000.0;
        CHECK_THROWS_AS(gen::validate(s), UsageError);
        s = spec(gen::SignalKind::white);
        s.channels = 0;
        CHECK_THROWS_AS(gen::validate(s), UsageError);
        s = spec(gen::SignalKind::white);
        s.duration_s = -1.0;
        CHECK_THROWS_AS(gen::validate(s), UsageError);
        CHECK_THROWS_AS(gen::parse_kind("triangle"), UsageError);
        CHECK(gen::parse_kind("pink") == gen::SignalKind::pink);
        CHECK(gen::total_frames(spec(gen::SignalKind::sine, 0.5)) == 24000);
    }

} // TEST_SUITE
