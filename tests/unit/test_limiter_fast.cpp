// Limiter fast path: skipping interpolation (chunk bounds, unrefined 8x values far under the
// ceiling, idle envelope) gives output bit-identical to evaluating every estimate of every
// frame, on music at several gains (up to heavy limiting),
// noise, sines near and over the ceiling, bursts after silence, at 44.1/48/96/192 kHz and any
// block size.
#include "tapeop/dsp/limiter.hpp"
#include "tapeop/gen/signals.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <vector>

using namespace tapeop;

namespace {

AudioBuffer signal(gen::SignalKind kind, double level, int rate, double seconds,
                   std::uint64_t seed = 1) {
    gen::SignalSpec s = gen::default_spec(kind);
    s.level_dbfs = level;
    s.sample_rate = rate;
    s.duration_s = seconds;
    s.seed = seed;
    if (kind == gen::SignalKind::sine)
        s.frequency_hz = 3001.0;
    return gen::generate(s);
}

AudioBuffer limit(const AudioBuffer& in, int rate, bool fast, std::size_t block,
                  double ceiling = -1.0, dsp::LimiterStats* stats = nullptr) {
    dsp::LimiterSettings ls;
    ls.ceiling_dbtp = ceiling;
    dsp::Limiter lim(ls);
    lim.set_fast_path(fast);
    lim.prepare({rate, int(in.channels())}, block);
    AudioBuffer out = in;
    for (std::size_t at = 0; at < out.frames(); at += block)
        lim.process(out.view().sub(at, std::min(block, out.frames() - at)));
    if (stats)
        *stats = lim.stats();
    return out;
}

bool identical(const AudioBuffer& a, const AudioBuffer& b) {
    if (a.channels() != b.channels() || a.frames() != b.frames())
        return false;
    for (std::size_t c = 0; c < a.channels(); ++c)
        if (std::memcmp(a.channel(c), b.channel(c), a.frames() * sizeof(float)) != 0)
            return false;
    return true;
}

} // namespace

TEST_SUITE("limiter") {

    TEST_CASE("limiter fast path is bit-identical to interpolating every frame") {
        struct Case {
            gen::SignalKind kind;
            double level;
            int rate;
        };
        const Case cases[] = {
            {gen::SignalKind::music, -20, 48000},
            {gen::SignalKind::music, -14, 48000},
            {gen::SignalKind::music, -8, 48000},
            {gen::SignalKind::music, -3, 44100},
            {gen::SignalKind::music, -9, 96000},
            {gen::SignalKind::music, -9, 192000},
            {gen::SignalKind::pink, -12, 48000},
            {gen::SignalKind::white, -6, 48000},
            {gen::SignalKind::sine, -1.02, 48000},
            {gen::SignalKind::square, -3, 44100},
            // Heavy limiting: most chunks need every estimate, interleaved with chunks that do
            // not.
            {gen::SignalKind::music, 0, 48000},
            {gen::SignalKind::white, 0, 96000},
            {gen::SignalKind::sine, 3, 44100},
        };
        for (const Case& c : cases) {
            CAPTURE(c.level);
            CAPTURE(c.rate);
            const AudioBuffer in = signal(c.kind, c.level, c.rate, 6.0);
            dsp::LimiterStats s_fast, s_slow;
            const AudioBuffer slow = limit(in, c.rate, false, 4096, -1.0, &s_slow);
            for (std::size_t block : {std::size_t(1), std::size_t(7), std::size_t(4096)}) {
                const AudioBuffer fast = limit(in, c.rate, true, block, -1.0, &s_fast);
                CHECK(identical(fast, slow));
                CHECK(s_fast.max_gain_reduction_db == s_slow.max_gain_reduction_db);
                CHECK(s_fast.active_share == s_slow.active_share);
            }
        }
    }

    TEST_CASE(
        "limiter fast path: bursts after silence and near-ceiling material, several ceilings") {
        AudioBuffer in = signal(gen::SignalKind::music, -10, 48000, 8.0, 7);
        // Silence stretches of different lengths, so the envelope goes idle and wakes up again.
        for (std::size_t c = 0; c < in.channels(); ++c)
            for (std::size_t i = 0; i < in.frames(); ++i)
                if ((i / 3000) % 3 == 1 || (i % 50000) < 200)
                    in.channel(c)[i] = 0.0f;
        for (double ceiling : {-0.1, -1.0, -2.0, -6.0})
            CHECK(identical(limit(in, 48000, true, 512, ceiling),
                            limit(in, 48000, false, 512, ceiling)));
    }

    TEST_CASE("limiter fast path: 1 to 5 channels of different material, any block size") {
        const AudioBuffer st = signal(gen::SignalKind::music, -6, 48000, 4.0, 3);
        const AudioBuffer noise = signal(gen::SignalKind::white, -4, 48000, 4.0, 4);
        for (std::size_t channels = 1; channels <= 5; ++channels) {
            CAPTURE(channels);
            // Channels of different material, so each skips different work.
            AudioBuffer in(channels, st.frames());
            for (std::size_t c = 0; c < channels; ++c) {
                const AudioBuffer& src = c % 3 == 2 ? noise : st;
                const float scale =
                    c == 3 ? 0.25f : 1.0f; // a quiet channel: its chunks are skipped
                for (std::size_t i = 0; i < in.frames(); ++i)
                    in.channel(c)[i] = scale * src.channel(c % 2)[i];
            }
            dsp::LimiterStats s_ref, s_fast;
            const AudioBuffer ref = limit(in, 48000, false, 4096, -1.0, &s_ref);
            for (std::size_t block : {std::size_t(300), std::size_t(4097), std::size_t(20000)}) {
                CAPTURE(block);
                CHECK(identical(limit(in, 48000, true, block, -1.0, &s_fast), ref));
                CHECK(s_fast.average_gain_reduction_db == s_ref.average_gain_reduction_db);
            }
        }
    }

    TEST_CASE("limiter fast path speed (informational)") {
        const AudioBuffer in = signal(gen::SignalKind::music, -14, 48000, 60.0);
        for (bool fast : {false, true}) {
            const auto t0 = std::chrono::steady_clock::now();
            (void)limit(in, 48000, fast, 8192);
            const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            MESSAGE((fast ? "fast" : "slow")
                    << " path: " << 60.0 / s << "x realtime on music at -14 LUFS");
        }
    }

} // TEST_SUITE
