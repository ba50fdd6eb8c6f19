// GainTrace (the limiter's gain per column for master --report): steps, the latency skipped,
// folding past capacity; fed by the limiter, it sees the reduction where the signal is hot and
// the audio is bit-identical with and without it.
#include "tapeop/dsp/chain.hpp"
#include "tapeop/dsp/gain_trace.hpp"
#include "tapeop/dsp/limiter.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

TEST_SUITE("gain_trace") {

    TEST_CASE("gain trace keeps min and max per step after skipping the latency") {
        GainTrace t(4, 10, 2, 48000);
        const double g[] = {0.1, 0.2, 1.0, 0.5, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3};
        for (const double v : g)
            t.add(v);
        t.finish();
        REQUIRE(t.size() == 2);
        CHECK(t.min_gain()[0] == doctest::Approx(0.5f)); // 1.0 0.5 0.9 0.8
        CHECK(t.max_gain()[0] == doctest::Approx(1.0f));
        CHECK(t.min_gain()[1] == doctest::Approx(0.3f)); // 0.7 0.6 0.4 0.3
        CHECK(t.max_gain()[1] == doctest::Approx(0.7f));
        CHECK(t.frames_recorded() == 8);
        CHECK(GainTrace::step_for(1000, 800) == 2);
        CHECK(GainTrace::step_for(800, 800) == 1);
    }

    TEST_CASE("gain trace folds steps past its capacity into the last one") {
        GainTrace t(1, 2, 0, 48000);
        for (const double v : {0.9, 0.8, 0.2, 0.7})
            t.add(v);
        t.finish();
        REQUIRE(t.size() == 2);
        CHECK(t.min_gain()[1] == doctest::Approx(0.2f));
        CHECK(t.max_gain()[1] == doctest::Approx(0.8f));
        CHECK(t.frames_recorded() == 4);
    }

    TEST_CASE(
        "limiter gain trace: reduction only where the signal is over the ceiling, same audio") {
        const int rate = 48000;
        const std::size_t n = 2 * rate; // 1 s at -20 dBFS, then 1 s at -3 dBFS, ceiling -6 dBTP
        std::vector<float> x(n);
        for (std::size_t i = 0; i < n; ++i)
            x[i] = float((i < n / 2 ? 0.1 : 0.708) *
                         std::sin(2.0 * std::numbers::pi * 997.0 * double(i) / rate));
        auto render = [&](GainTrace* trace, LimiterStats& stats) {
            LimiterSettings ls;
            ls.ceiling_dbtp = -6.0;
            Chain chain;
            chain.add(std::make_unique<Limiter>(ls));
            auto& lim = static_cast<Limiter&>(chain[0]);
            chain.prepare({rate, 1}, 4096);
            lim.set_trace(trace);
            std::vector<float> out;
            AudioBuffer buf(1, 4096);
            for (std::size_t at = 0; at < n; at += 4096) {
                const std::size_t m = std::min<std::size_t>(4096, n - at);
                buf.set_frames(m);
                std::copy_n(x.data() + at, m, buf.view().channel(0));
                AudioView o = chain.process(buf.view());
                out.insert(out.end(), o.channel(0), o.channel(0) + o.frames());
            }
            AudioBuffer tail;
            chain.flush(tail);
            out.insert(out.end(), tail.view().channel(0), tail.view().channel(0) + tail.frames());
            stats = lim.stats();
            return out;
        };
        LimiterStats plain_stats, traced_stats;
        const std::vector<float> plain = render(nullptr, plain_stats);
        LimiterSettings probe;
        probe.ceiling_dbtp = -6.0;
        Limiter lat(probe);
        lat.prepare({rate, 1}, 4096);
        GainTrace trace(GainTrace::step_for(std::int64_t(n), 100), 101, lat.latency_frames(), rate);
        const std::vector<float> traced = render(&trace, traced_stats);
        trace.finish();
        CHECK(plain == traced);
        REQUIRE(trace.size() == 100);
        CHECK(trace.frames_recorded() == std::int64_t(n));
        // The quiet half: no reduction at all (the limiter passes it bit-exact).
        for (std::size_t k = 0; k < 49; ++k)
            CHECK(trace.min_gain()[k] == 1.0f);
        // The loud half: about 3 dB (-3 dBFS peaks into -6 - 0.1 margin), and the deepest column
        // is the limiter's own maximum.
        float deepest = 1.0f;
        for (std::size_t k = 51; k < 100; ++k) {
            CHECK(-20.0 * std::log10(trace.min_gain()[k]) > 2.5);
            deepest = std::min(deepest, trace.min_gain()[k]);
        }
        CHECK(-20.0 * std::log10(deepest) ==
              doctest::Approx(traced_stats.max_gain_reduction_db).epsilon(1e-4));
    }

} // TEST_SUITE
