// Normalization: every mode reaches its target with a pure gain; album mode keeps every
// pairwise level difference exactly; the ceiling engages the limiter only when needed.
#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/passes/normalize.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace tapeop;
using namespace tapeop::passes;
using tapeop::test::float_out;

namespace {

std::string music(test::TempDir& d, const std::string& name, double lufs, std::uint64_t seed,
                  double seconds = 6) {
    gen::SignalSpec s = gen::default_spec(gen::SignalKind::music);
    s.level_dbfs = lufs;
    s.seed = seed;
    s.duration_s = seconds;
    const std::string p = d.file(name);
    gen::generate_to_file(s, p, io::SampleFormat::float32);
    return p;
}

} // namespace

TEST_SUITE("normalize") {

    TEST_CASE("each mode lands on its target (measured on the output)") {
        test::TempDir d;
        const std::string in = music(d, "in.wav", -24, 1);
        for (auto [mode, level] : {std::pair{NormalizeMode::peak, -1.0},
                                   {NormalizeMode::true_peak, -1.5},
                                   {NormalizeMode::rms, -20.0},
                                   {NormalizeMode::lufs, -16.0}}) {
            NormalizeSettings s;
            s.mode = mode;
            s.level = level;
            const LevelScan scan = scan_levels(in, mode);
            const double gain = gain_to_reach(scan.level(mode), level, in);
            const NormalizeResult r =
                render_normalized(scan, gain, s, d.file("out.wav"), float_out());
            const LevelScan after = scan_levels(d.file("out.wav"), mode);
            const std::string name(mode_name(mode)); // clang 14: no binding in INFO's lambda
            INFO(name);
            CHECK(std::fabs(after.level(mode) - level) < 0.01); // float output: only float rounding
            CHECK(r.level_after == doctest::Approx(level));
            CHECK_FALSE(r.gain.limited);
        }
    }

    TEST_CASE("album mode preserves every pairwise level difference exactly") {
        test::TempDir d;
        std::vector<std::string> in = {music(d, "a.wav", -20, 1), music(d, "b.wav", -27, 2),
                                       music(d, "c.wav", -23, 3, 4)};
        for (NormalizeMode mode : {NormalizeMode::lufs, NormalizeMode::peak, NormalizeMode::rms}) {
            std::vector<LevelScan> scans;
            for (const auto& p : in)
                scans.push_back(scan_levels(p, mode));
            std::vector<const LevelScan*> ptrs;
            for (const auto& s : scans)
                ptrs.push_back(&s);
            NormalizeSettings s;
            s.mode = mode;
            s.level = mode == NormalizeMode::lufs   ? -16.0
                      : mode == NormalizeMode::peak ? -1.0
                                                    : -20.0;
            const double gain = gain_to_reach(album_level(ptrs, mode), s.level, "album");
            std::vector<LevelScan> after;
            for (std::size_t i = 0; i < in.size(); ++i) {
                const std::string out = d.file("out" + std::to_string(i) + ".wav");
                const NormalizeResult r = render_normalized(scans[i], gain, s, out, float_out());
                CHECK(r.gain.gain_db == gain);
                after.push_back(scan_levels(out, mode));
            }
            for (std::size_t i = 0; i < in.size(); ++i)
                for (std::size_t k = i + 1; k < in.size(); ++k) {
                    const double before = scans[i].level(mode) - scans[k].level(mode);
                    const double now = after[i].level(mode) - after[k].level(mode);
                    // Float output: the same float gain on every track; differences agree to float
                    // rounding of the gain product (< 1e-4 dB).
                    CHECK(std::fabs(before - now) < 1e-4);
                }
            // The album as a whole reaches the target.
            std::vector<const LevelScan*> ap;
            for (const auto& s2 : after)
                ap.push_back(&s2);
            CHECK(std::fabs(album_level(ap, mode) - s.level) < 0.01);
        }
    }

    TEST_CASE("ceiling: the limiter follows the gain only when the true peak would pass it") {
        test::TempDir d;
        const std::string in = music(d, "in.wav", -24, 4);
        const LevelScan scan = scan_levels(in, NormalizeMode::lufs);
        NormalizeSettings s;
        s.mode = NormalizeMode::lufs;
        s.level = -10.0;
        s.ceiling_dbtp = -1.0;
        NormalizeResult r = render_normalized(scan, gain_to_reach(scan.integrated_lufs, -10.0, in),
                                              s, d.file("l.wav"), float_out());
        CHECK(r.gain.limited);
        CHECK(scan_levels(d.file("l.wav"), NormalizeMode::true_peak).true_peak_dbtp <= -1.0);
        s.level = -30.0;
        r = render_normalized(scan, gain_to_reach(scan.integrated_lufs, -30.0, in), s,
                              d.file("q.wav"), float_out());
        CHECK_FALSE(r.gain.limited);
    }

    TEST_CASE("clipping integer output is counted; silence cannot be normalized") {
        test::TempDir d;
        const std::string in = music(d, "in.wav", -20, 5, 3);
        OutputSettings o;
        o.bits = io::SampleFormat::pcm16;
        const GainResult r = render_gain(in, d.file("hot.wav"), 20.0, o);
        CHECK(r.clipped_samples > 0);
        CHECK_THROWS_AS(gain_to_reach(-INFINITY, -1.0, "x.wav"), Error);
    }

} // TEST_SUITE
