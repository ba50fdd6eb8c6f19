// Master pass: every target (-24 .. -9 LUFS) and ceiling (-1, -2 dBTP) reached on music-like
// material, measured independently with libebur128 (integrated within +-0.1 LU, true peak at
// or under the ceiling); bit-identical reruns; deliverables at other rates and lossy; errors.
#include "tapeop/dsp/ideal_peak.hpp"
#include "tapeop/dsp/resampler.hpp"
#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/passes/master.hpp"
#include "tapeop/presets.hpp"
#include "tapeop/random.hpp"
#include "tapeop/steps/registry.hpp"

#include <unistd.h>

#include <doctest/doctest.h>
#include <ebur128.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace tapeop;
namespace fs = std::filesystem;

namespace {

struct Ebu {
    double lufs, dbtp;
    int rate;
};

// Integrated loudness and true peak (max over channels) of a file, by libebur128.
Ebu ebur128_measure(const std::string& path) {
    io::AudioReader r(path);
    const auto nch = unsigned(r.info().channels);
    ebur128_state* st =
        ebur128_init(nch, unsigned(r.info().sample_rate), EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    REQUIRE(st != nullptr);
    AudioBuffer b(nch, 8192);
    std::vector<float> inter;
    while (r.read(b) > 0) {
        inter.resize(b.frames() * nch);
        for (std::size_t i = 0; i < b.frames(); ++i)
            for (std::size_t c = 0; c < nch; ++c)
                inter[i * nch + c] = b.channel(c)[i];
        REQUIRE(ebur128_add_frames_float(st, inter.data(), b.frames()) == EBUR128_SUCCESS);
    }
    Ebu e{0, 0, r.info().sample_rate};
    REQUIRE(ebur128_loudness_global(st, &e.lufs) == EBUR128_SUCCESS);
    double peak = 0.0;
    for (unsigned c = 0; c < nch; ++c) {
        double p = 0.0;
        REQUIRE(ebur128_true_peak(st, c, &p) == EBUR128_SUCCESS);
        peak = std::max(peak, p);
    }
    e.dbtp = 20.0 * std::log10(peak);
    ebur128_destroy(&st);
    return e;
}

// True peak of a file by two more meters: libsoxr VHQ upsampling by 16 then the sample peak,
// and the near-ideal reconstruction (IdealPeak8x); dBTP.
std::pair<double, double> soxr16_and_ideal_dbtp(const std::string& path) {
    io::AudioReader r(path);
    const std::size_t nch = std::size_t(r.info().channels);
    dsp::Resampler rs(int(nch), r.info().sample_rate, 16.0 * r.info().sample_rate);
    AudioBuffer b(nch, 8192), up;
    std::vector<std::vector<double>> all(nch);
    double p16 = 0.0;
    auto scan = [&] {
        for (std::size_t c = 0; c < nch; ++c)
            for (std::size_t i = 0; i < up.frames(); ++i)
                p16 = std::max(p16, double(std::abs(up.channel(c)[i])));
    };
    while (r.read(b) > 0) {
        for (std::size_t c = 0; c < nch; ++c)
            all[c].insert(all[c].end(), b.channel(c), b.channel(c) + b.frames());
        rs.process(b.view(), up);
        scan();
    }
    rs.flush(up);
    scan();
    const dsp::IdealPeak8x ip;
    double pi = 0.0;
    for (auto& ch : all) {
        ch.insert(ch.begin(), 64, 0.0);
        ch.insert(ch.end(), 64, 0.0);
        for (std::size_t m = 40; m + 40 < ch.size(); ++m)
            if (std::abs(ch[m]) > 0.1)
                pi = std::max(pi, ip.interval_peak(ch.data() + m));
    }
    return {20.0 * std::log10(p16), 20.0 * std::log10(pi)};
}

struct TempDir {
    fs::path dir;
    TempDir() {
        dir = fs::temp_directory_path() / ("tapeop-master-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::create_directories(dir);
    }
    ~TempDir() { fs::remove_all(dir); }
    std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

std::string music(const TempDir& t, double seconds = 20.0, double level = -20.0) {
    gen::SignalSpec s = gen::default_spec(gen::SignalKind::music);
    s.duration_s = seconds;
    s.level_dbfs = level;
    const std::string path = t / "music.wav";
    gen::generate_to_file(s, path, io::SampleFormat::pcm24);
    return path;
}

// 30 s of dense drums at 48 kHz, stereo 24-bit: a kick (55 Hz, fast decay) on every beat at
// 128 bpm, a snare (band-passed noise) on the off-beats, hi-hats on the eighths, over a 25 Hz
// drone, peak-normalised to -1 dBFS. Its crest factor makes -14 LUFS / -1 dBTP need about 5 dB of
// limiting, with hits closer together than the limiter's release.
std::string dense_drums(const TempDir& t) {
    const int rate = 48000;
    const std::size_t frames = std::size_t(30 * rate);
    AudioBuffer b(2, frames);
    Xoshiro256 rng(7);
    const double beat_s = 60.0 / 128.0;
    double hp = 0.0, prev = 0.0, lp = 0.0, lp2 = 0.0;
    for (std::size_t i = 0; i < frames; ++i) {
        const double t_s = double(i) / rate;
        const double in_beat = std::fmod(t_s, beat_s);
        const double in_eighth = std::fmod(t_s, beat_s / 2.0);
        const int beat = int(t_s / beat_s);
        const double noise = 2.0 * rng.uniform() - 1.0;
        // noise through one-pole high- and low-passes: the snare's and hats' band
        hp = 0.7 * (hp + noise - prev);
        prev = noise;
        lp += 0.2 * (hp - lp);
        lp2 += 0.2 * (lp - lp2);
        double v = 0.6 * std::exp(-in_beat / 0.12) * std::sin(2.0 * M_PI * 55.0 * in_beat);
        if (beat % 2 == 1)
            v += 0.6 * std::exp(-in_beat / 0.08) * 2.0 * lp2;
        v += 0.25 * std::exp(-in_eighth / 0.03) * 2.0 * lp2;
        v += 0.35 * std::sin(2.0 * M_PI * 25.0 * t_s); // a sub-bass drone: K-weighting cuts it
        b.channel(0)[i] = float(v);
        b.channel(1)[i] = float(0.9 * v + 0.2 * lp2 * std::exp(-in_eighth / 0.02));
    }
    float peak = 0.0f;
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < frames; ++i)
            peak = std::max(peak, std::abs(b.channel(c)[i]));
    const float k = float(std::pow(10.0, -1.0 / 20.0)) / peak;
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < frames; ++i)
            b.channel(c)[i] *= k;
    const std::string path = t / "drums.wav";
    io::AudioWriter w(path, io::OutputSpec{rate, 2, io::SampleFormat::pcm24, -1, {}});
    w.write(b.view());
    w.commit();
    return path;
}

std::string bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

passes::Deliverable deliverable(const std::string& path) {
    passes::Deliverable d;
    d.path = path;
    return d;
}

} // namespace

TEST_SUITE("master") {

    TEST_CASE("master reaches every target within 0.1 LU with the true peak under the ceiling "
              "(libebur128)") {
        TempDir t;
        const std::string in = music(t, 20.0);
        for (double ceiling : {-1.0, -2.0})
            for (double target : {-24.0, -23.0, -16.0, -14.0, -11.0, -9.0}) {
                CAPTURE(target);
                CAPTURE(ceiling);
                passes::LoudnessSettings ls;
                ls.target_lufs = target;
                ls.ceiling_dbtp = ceiling;
                const std::string out = t / "out.wav";
                const auto rep = passes::master_file(in, {}, ls, {deliverable(out)});
                const Ebu e = ebur128_measure(out);
                MESSAGE("target " << target << " ceiling " << ceiling << ": libebur128 " << e.lufs
                                  << " LUFS " << e.dbtp << " dBTP; " << rep.passes << " passes");
                CHECK(std::abs(e.lufs - target) <= 0.1);
                CHECK(e.dbtp <= ceiling);
                CHECK(std::abs(rep.deliverables[0].after.integrated_lufs - e.lufs) < 0.02);
            }
    }

    TEST_CASE("master: music with hi-hats reads under the ceiling by libebur128, 16x libsoxr and "
              "the ideal") {
        // 40 s of generated music (choruses with hi-hats: noise high-passed at 7 kHz, flat to
        // Nyquist), at the targets where the limiter works hardest.
        TempDir t;
        const std::string in = music(t, 40.0);
        for (const auto& [target_lufs, ceiling_dbtp] :
             {std::pair{-14.0, -1.0}, {-11.0, -1.0}, {-9.0, -2.0}}) {
            // Copies: clang 14 cannot capture structured bindings in CAPTURE's lambda.
            const double target = target_lufs, ceiling = ceiling_dbtp;
            CAPTURE(target);
            CAPTURE(ceiling);
            passes::LoudnessSettings ls;
            ls.target_lufs = target;
            ls.ceiling_dbtp = ceiling;
            const std::string out = t / "hats.wav";
            const auto rep = passes::master_file(in, {}, ls, {deliverable(out)});
            const Ebu e = ebur128_measure(out);
            const auto [tp16, tp_ideal] = soxr16_and_ideal_dbtp(out);
            MESSAGE("target " << target << " / " << ceiling << ": libebur128 " << e.lufs << " LUFS "
                              << e.dbtp << " dBTP; soxr 16x " << tp16 << " dBTP; ideal " << tp_ideal
                              << " dBTP; " << rep.deliverables[0].render_passes
                              << " render passes");
            CHECK(std::abs(e.lufs - target) <= 0.1);
            CHECK(e.dbtp <= ceiling);
            CHECK(tp16 <= ceiling);
            CHECK(tp_ideal <= ceiling);
            CHECK(rep.deliverables[0].render_passes <= 3);
        }
    }

    TEST_CASE("master: dense drums needing 5 dB of limiting land on target in one render pass") {
        // The gain model K-weights its per-group energies as the meter does; with unweighted
        // energies (the drone's, which K-weighting cuts by about 8 dB, diluting the loss) the
        // first render missed by more than the tolerance and cost a second render pass.
        TempDir t;
        const std::string in = dense_drums(t);
        passes::LoudnessSettings ls;
        ls.target_lufs = -14.0;
        ls.ceiling_dbtp = -1.0;
        const std::string out = t / "out.wav";
        const auto rep = passes::master_file(in, {}, ls, {deliverable(out)});
        const Ebu e = ebur128_measure(out);
        const auto& d = rep.deliverables[0];
        MESSAGE("dense drums: libebur128 " << e.lufs << " LUFS " << e.dbtp << " dBTP; limiting "
                                           << d.limiter.max_gain_reduction_db << " dB; "
                                           << d.render_passes << " render passes");
        CHECK(d.limiter.max_gain_reduction_db > 3.0);
        CHECK(std::abs(e.lufs - -14.0) <= 0.1);
        CHECK(e.dbtp <= -1.0);
        CHECK(d.render_passes == 1);
    }

    TEST_CASE("master with EQ and compression in the pre-chain reaches the target; rerun is "
              "bit-identical") {
        TempDir t;
        const std::string in = music(t, 20.0, -18.0);
        const auto& reg = steps::builtin_registry();
        const passes::ChainBuilder chain = [&](dsp::Chain& c, const dsp::StreamSpec& spec) {
            steps::StepContext ctx;
            ctx.stream = spec;
            for (auto [name, text] : {std::pair{"highpass", "25Hz"},
                                      {"eq", "peak 3kHz -1.5dB q=1"},
                                      {"compress", "threshold=-20dBFS ratio=2"}}) {
                const auto& s = reg.get(name);
                c.add(s.make(steps::parse_option(s, text), ctx));
            }
        };
        passes::LoudnessSettings ls;
        ls.target_lufs = -14.0;
        const auto r1 = passes::master_file(in, chain, ls, {deliverable(t / "a.flac")});
        const auto r2 = passes::master_file(in, chain, ls, {deliverable(t / "b.flac")});
        const Ebu e = ebur128_measure(t / "a.flac");
        CHECK(std::abs(e.lufs + 14.0) <= 0.1);
        CHECK(e.dbtp <= -1.0);
        CHECK(bytes(t / "a.flac") == bytes(t / "b.flac"));
        CHECK(r1.deliverables[0].gain_db == r2.deliverables[0].gain_db);
        CHECK(r1.pre_chain.integrated_lufs != r1.before.integrated_lufs);
    }

    TEST_CASE("deliverables: a 44.1 kHz 16-bit CD file and a 44.1 kHz MP3 verified on the decoded "
              "audio") {
        TempDir t;
        const std::string in = music(t, 20.0);
        passes::LoudnessSettings ls;
        ls.target_lufs = -14.0;
        std::vector<passes::Deliverable> ds;
        for (auto [preset, name] :
             {std::pair{"spotify", "s.flac"}, {"cd", "cd.wav"}, {"apple-podcasts", "p.mp3"}}) {
            const DeliveryPreset& p = find_preset(preset);
            passes::Deliverable d = deliverable(t / name);
            d.target_lufs = p.target_lufs;
            d.ceiling_dbtp = p.ceiling_dbtp;
            d.output.sample_rate = p.sample_rate;
            d.output.bits = p.bits;
            d.preset = preset;
            ds.push_back(d);
        }
        const auto rep = passes::master_file(in, {}, ls, ds);
        REQUIRE(rep.deliverables.size() == 3);
        const double targets[] = {-14.0, -14.0, -16.0};
        for (int i = 0; i < 3; ++i) {
            CAPTURE(ds[i].path);
            const Ebu e = ebur128_measure(ds[i].path);
            CHECK(std::abs(e.lufs - targets[i]) <= 0.1);
            CHECK(e.dbtp <= -1.0);
        }
        CHECK(ebur128_measure(t / "cd.wav").rate == 44100);
        CHECK(io::probe(t / "cd.wav").sample_format == io::SampleFormat::pcm16);
        CHECK(ebur128_measure(t / "p.mp3").rate == 44100);
        for (const auto& entry : fs::directory_iterator(t.dir))
            CHECK(entry.path().filename().string().find("tapeop-tmp") == std::string::npos);
    }

    TEST_CASE("master refuses silent input, naming the file, and writes nothing") {
        TempDir t;
        gen::SignalSpec s = gen::default_spec(gen::SignalKind::silence);
        s.duration_s = 2.0;
        gen::generate_to_file(s, t / "silence.wav", io::SampleFormat::pcm24);
        passes::LoudnessSettings ls;
        CHECK_THROWS_WITH_AS(
            passes::master_file(t / "silence.wav", {}, ls, {deliverable(t / "out.wav")}),
            doctest::Contains("silent"), Error);
        CHECK(!fs::exists(t / "out.wav"));
    }

    TEST_CASE("master handles float input with overs above full scale and louder than 0 LUFS") {
        TempDir t;
        gen::SignalSpec s = gen::default_spec(gen::SignalKind::music);
        s.duration_s = 10.0;
        s.level_dbfs = 3.0; // about +3 LUFS: samples far over 1.0
        gen::generate_to_file(s, t / "hot.wav", io::SampleFormat::float32);
        passes::LoudnessSettings ls;
        ls.target_lufs = -14.0;
        passes::master_file(t / "hot.wav", {}, ls, {deliverable(t / "out.wav")});
        const Ebu e = ebur128_measure(t / "out.wav");
        CHECK(std::abs(e.lufs + 14.0) <= 0.1);
        CHECK(e.dbtp <= -1.0);
    }

    TEST_CASE("presets: table values and unknown names") {
        CHECK(find_preset("spotify").target_lufs == -14.0);
        CHECK(find_preset("ebu-r128").target_lufs == -23.0);
        CHECK(find_preset("atsc-a85").ceiling_dbtp == -2.0);
        CHECK(find_preset("amazon-music").ceiling_dbtp == -2.0);
        CHECK(find_preset("deezer").target_lufs == -15.0);
        CHECK(find_preset("cd").sample_rate == 44100);
        CHECK_THROWS_WITH_AS(find_preset("spotfy"), doctest::Contains("did you mean 'spotify'"),
                             UsageError);
    }

} // TEST_SUITE
