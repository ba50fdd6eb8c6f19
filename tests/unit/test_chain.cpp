// Chain: latency compensated (aligned, same length), block-size invariant, bit-identical reruns.
#include "tapeop/dsp/chain.hpp"
#include "tapeop/dsp/compressor.hpp"
#include "tapeop/dsp/filters.hpp"
#include "tapeop/dsp/gain.hpp"
#include "tapeop/dsp/limiter.hpp"
#include "tapeop/steps/registry.hpp"

#include <doctest/doctest.h>
#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

namespace {

constexpr int rate = 48000;
using Signal = std::vector<std::vector<float>>;

Chain make_master_chain(double limiter_ceiling = -1.0) {
    Chain chain;
    chain.add(std::make_unique<FilterCascade>(make_highpass(25.0, Slope::db24)));
    chain.add(
        std::make_unique<FilterCascade>(make_eq_band(BiquadType::peaking, 3000.0, -1.5, 1.0)));
    CompressorSettings cs;
    cs.threshold_db = -20.0;
    cs.ratio = 2.0;
    chain.add(std::make_unique<Compressor>(cs));
    chain.add(std::make_unique<Gain>(8.0));
    LimiterSettings ls;
    ls.ceiling_dbtp = limiter_ceiling;
    chain.add(std::make_unique<Limiter>(ls));
    return chain;
}

// Streams `in` through `chain` in blocks of `block` frames, as a file job would.
Signal run_chain(Chain& chain, const Signal& in, std::size_t block) {
    const std::size_t nch = in.size(), n = in[0].size();
    chain.prepare({rate, int(nch)}, block);
    Signal out(nch);
    AudioBuffer buf(nch, block);
    for (std::size_t pos = 0; pos < n; pos += block) {
        const std::size_t len = std::min(block, n - pos);
        buf.set_frames(len);
        for (std::size_t c = 0; c < nch; ++c)
            std::copy_n(in[c].data() + pos, len, buf.channel(c));
        const AudioView kept = chain.process(buf.view());
        for (std::size_t c = 0; c < nch; ++c)
            out[c].insert(out[c].end(), kept.channel(c), kept.channel(c) + kept.frames());
    }
    AudioBuffer tail;
    chain.flush(tail);
    for (std::size_t c = 0; c < nch; ++c)
        out[c].insert(out[c].end(), tail.channel(c), tail.channel(c) + tail.frames());
    return out;
}

Signal music(std::size_t n) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g(0.0, 0.05);
    Signal s(2, std::vector<float>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const double t = double(i) / rate;
        const double env = 0.5 + 0.5 * std::sin(2 * std::numbers::pi * 2.0 * t);
        for (std::size_t c = 0; c < 2; ++c)
            s[c][i] = float(env * (0.4 * std::sin(2 * std::numbers::pi * 110.0 * t + double(c)) +
                                   0.2 * std::sin(2 * std::numbers::pi * 2500.0 * t)) +
                            g(rng));
    }
    return s;
}

} // namespace

TEST_SUITE("chain") {

    TEST_CASE(
        "EQ + compressor + limiter chain: blocks of 1, 7 and 4096 frames give identical output") {
        const Signal in = music(30000);
        Chain a = make_master_chain(), b = make_master_chain(), c = make_master_chain();
        const Signal oa = run_chain(a, in, 1), ob = run_chain(b, in, 7),
                     oc = run_chain(c, in, 4096);
        CHECK(oa[0].size() == in[0].size());
        CHECK(oa == ob);
        CHECK(oa == oc);
        // Rerunning the same chain object (prepare resets it) is bit-identical too.
        CHECK(run_chain(c, in, 4096) == oc);
    }

    TEST_CASE("chain output is aligned with the input and the same length") {
        // Gain 0 dB + a limiter that never acts: output must equal input sample for sample.
        for (std::size_t n : {5u, 100u, 1000u, 48000u}) {
            Signal in(2, std::vector<float>(n));
            for (std::size_t i = 0; i < n; ++i) {
                in[0][i] = float(0.3 * std::sin(0.01 * double(i)));
                in[1][i] = i == n / 2 ? 0.5f : 0.0f; // an impulse marks the position
            }
            for (std::size_t block : {1u, 64u, 4096u}) {
                Chain chain;
                chain.add(std::make_unique<Gain>(0.0));
                chain.add(std::make_unique<Limiter>(LimiterSettings{}));
                chain.add(std::make_unique<Limiter>(LimiterSettings{-1.0, 1.0, 50.0, 0.1}));
                CAPTURE(n);
                CAPTURE(block);
                const Signal out = run_chain(chain, in, block);
                CHECK(chain.latency_frames() > 0);
                CHECK(out == in);
            }
        }
    }

    TEST_CASE("every processing step that can change nothing says so, and changes nothing") {
        // Unity is identity: a chain of identities is not dithered, and the output stage copies
        // the samples as stored. Each step as a recipe line makes it (through the registry);
        // the controls change the audio and must not claim to be identities.
        const auto& registry = steps::builtin_registry();
        auto make = [&](const std::string& name, const std::vector<std::string>& words) {
            const steps::StepSpec& spec = registry.get(name);
            return spec.make(steps::parse_params(spec, words),
                             steps::StepContext{{rate, 2}, std::int64_t(rate)});
        };
        const std::vector<std::pair<std::string, std::vector<std::string>>> identities = {
            {"gain", {"0dB"}},
            {"fade", {"in=0s", "out=0s"}},
            {"fade", {}},
            {"eq", {"peak", "1kHz", "0dB"}},
            {"eq", {"lowshelf", "120Hz", "0dB", "q=2"}},
            {"eq", {"highshelf", "8kHz", "0dB"}},
            {"compress", {"threshold=-40dB", "ratio=1", "knee=12dB"}},
            {"level", {"max_gain=0dB", "max_cut=0dB"}},
        };
        const std::vector<std::pair<std::string, std::vector<std::string>>> changes = {
            {"gain", {"0.01dB"}},
            {"fade", {"in=10ms"}},
            {"fade", {"out=10ms"}},
            {"eq", {"peak", "1kHz", "0.1dB"}},
            {"eq", {"notch", "1kHz"}},
            {"compress", {"threshold=-40dB", "ratio=1", "makeup=1dB"}},
            {"compress", {"threshold=-40dB", "ratio=1.01"}},
            {"level", {"max_gain=0dB", "max_cut=1dB"}},
            {"highpass", {"20Hz"}},
            {"lowpass", {"20kHz"}},
            {"limit", {"-12dBTP"}},
        };
        const Signal in = music(rate);
        for (const auto& step : identities) {
            const std::string& name = step.first;
            const std::vector<std::string>& words = step.second;
            Chain chain;
            chain.add(make(name, words));
            CAPTURE(name);
            CAPTURE(words.size());
            CHECK(chain.is_identity());
            const Signal out = run_chain(chain, in, 4096);
            CHECK(chain.latency_frames() == 0);
            CHECK(out == in);
        }
        for (const auto& step : changes) {
            const std::string& name = step.first;
            const std::vector<std::string>& words = step.second;
            Chain chain;
            chain.add(make(name, words));
            CAPTURE(name);
            CHECK_FALSE(chain.is_identity());
            CHECK(run_chain(chain, in, 4096) != in);
        }
        // A chain is an identity when every step is.
        Chain all;
        for (const auto& [name, words] : identities)
            all.add(make(name, words));
        CHECK(all.is_identity());
        all.add(make("gain", {"-0.5dB"}));
        CHECK_FALSE(all.is_identity());
    }

    TEST_CASE("chain output keeps the limiter's ceiling (libebur128)") {
        Signal in = music(3 * rate);
        Chain chain = make_master_chain(-1.0);
        const Signal out = run_chain(chain, in, 4096);
        ebur128_state* st = ebur128_init(2, rate, EBUR128_MODE_TRUE_PEAK);
        std::vector<float> inter(out[0].size() * 2);
        for (std::size_t i = 0; i < out[0].size(); ++i)
            inter[2 * i] = out[0][i], inter[2 * i + 1] = out[1][i];
        ebur128_add_frames_float(st, inter.data(), out[0].size());
        double tp = 0, p = 0;
        for (unsigned c = 0; c < 2; ++c) {
            ebur128_true_peak(st, c, &p);
            tp = std::max(tp, p);
        }
        ebur128_destroy(&st);
        MESSAGE("chain output true peak " << 20 * std::log10(tp) << " dBTP");
        CHECK(20 * std::log10(tp) <= -1.0);
        CHECK(20 * std::log10(tp) > -1.5); // it did limit
    }

} // TEST_SUITE
