// Limiter: true peak under the ceiling on torture signals (libebur128 and a brute-force
// BS.1770-4 Annex 2 4x interpolator), bit-exact pass-through under the ceiling, parts
// (moving minimum, exact box mean) against brute-force references, statistics.
#include "tapeop/background.hpp"
#include "tapeop/dsp/envelope.hpp"
#include "tapeop/dsp/gain_trace.hpp"
#include "tapeop/dsp/ideal_peak.hpp"
#include "tapeop/dsp/limiter.hpp"
#include "tapeop/dsp/resampler.hpp"

#include <doctest/doctest.h>
#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

namespace {

constexpr int rate = 48000;
using Signal = std::vector<std::vector<float>>; // [channel][frame]

double to_db(double x) {
    return 20.0 * std::log10(x);
}

// libebur128's true peak (max over channels), linear.
double ebur128_true_peak(const Signal& s, int sample_rate = rate) {
    const std::size_t nch = s.size(), n = s[0].size();
    ebur128_state* st = ebur128_init(unsigned(nch), unsigned(sample_rate), EBUR128_MODE_TRUE_PEAK);
    REQUIRE(st != nullptr);
    std::vector<float> inter(n * nch);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < nch; ++c)
            inter[i * nch + c] = s[c][i];
    REQUIRE(ebur128_add_frames_float(st, inter.data(), n) == EBUR128_SUCCESS);
    double peak = 0.0;
    for (std::size_t c = 0; c < nch; ++c) {
        double p = 0.0;
        REQUIRE(ebur128_true_peak(st, unsigned(c), &p) == EBUR128_SUCCESS);
        peak = std::max(peak, p);
    }
    ebur128_destroy(&st);
    return peak;
}

// Brute force BS.1770-4 Annex 2: zero-stuff by 4, convolve with the 48-tap prototype (the
// four printed phases interleaved), take max |y|. Written independently of the limiter's
// polyphase code on purpose.
double bs1770_true_peak(const Signal& s) {
    static const double ph[4][12] = {
        {0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875,
         0.1373291015625, 0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250,
         0.0148925781250, -0.0083007812500},
        {-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500,
         0.4650878906250, 0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625,
         0.0330810546875, -0.0189208984375},
        {-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125,
         0.7797851562500, 0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000,
         0.0292968750000, -0.0291748046875},
        {-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750,
         0.9721679687500, 0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125,
         0.0109863281250, 0.0017089843750}};
    double h[48];
    for (int k = 0; k < 12; ++k)
        for (int p = 0; p < 4; ++p)
            h[4 * k + p] = ph[p][k];
    double peak = 0.0;
    for (const auto& x : s) {
        const long n = long(x.size());
        for (long j = 0; j < 4 * n; ++j) { // upsampled index
            double acc = 0.0;
            for (int t = 0; t < 48; ++t) {
                const long u = j - t; // zero-stuffed input index
                if (u >= 0 && u % 4 == 0 && u / 4 < n)
                    acc += h[t] * x[u / 4];
            }
            peak = std::max(peak, std::abs(acc));
        }
    }
    return peak;
}

// 16x reference: libsoxr VHQ upsampling by 16 (tapeop::dsp::Resampler), then the sample peak.
double soxr16_true_peak(const Signal& s, int sample_rate = rate) {
    const std::size_t nch = s.size(), n = s[0].size();
    Resampler rs(int(nch), sample_rate, 16.0 * sample_rate);
    std::vector<const float*> ptrs(nch);
    for (std::size_t c = 0; c < nch; ++c)
        ptrs[c] = s[c].data();
    AudioBuffer up;
    double peak = 0.0;
    auto scan = [&] {
        for (std::size_t c = 0; c < nch; ++c)
            for (std::size_t i = 0; i < up.frames(); ++i)
                peak = std::max(peak, double(std::abs(up.channel(c)[i])));
    };
    for (std::size_t at = 0; at < n; at += 4096) {
        std::vector<float*> p(nch);
        for (std::size_t c = 0; c < nch; ++c)
            p[c] = const_cast<float*>(ptrs[c]) + at;
        rs.process(AudioView(p.data(), nch, std::min<std::size_t>(4096, n - at)), up);
        scan();
    }
    rs.flush(up);
    scan();
    return peak;
}

// Near-ideal true peak (IdealPeak8x), zeros around the signal.
double ideal_true_peak(const Signal& s) {
    const IdealPeak8x ip;
    double peak = 0.0;
    for (const auto& ch : s) {
        std::vector<double> x(ch.size() + 2 * 64, 0.0);
        std::copy(ch.begin(), ch.end(), x.begin() + 64);
        for (std::size_t m = 40; m + 40 < x.size(); ++m)
            peak = std::max(peak, ip.interval_peak(x.data() + m));
    }
    return peak;
}

double sample_peak(const Signal& s) {
    double p = 0.0;
    for (const auto& ch : s)
        for (float v : ch)
            p = std::max(p, double(std::abs(v)));
    return p;
}

// Runs the limiter over `in` in blocks of `block` and compensates the latency by hand.
Signal run_limiter(const Signal& in, const LimiterSettings& ls, std::size_t block = 4096,
                   LimiterStats* stats = nullptr, int sample_rate = rate) {
    Limiter lim(ls);
    const std::size_t nch = in.size(), n = in[0].size();
    lim.prepare({sample_rate, int(nch)}, block);
    const std::size_t lat = lim.latency_frames();
    Signal io = in;
    for (auto& ch : io)
        ch.resize(n + lat, 0.0f);
    std::vector<float*> ptrs(nch);
    for (std::size_t pos = 0; pos < n + lat; pos += block) {
        const std::size_t len = std::min(block, n + lat - pos);
        for (std::size_t c = 0; c < nch; ++c)
            ptrs[c] = io[c].data() + pos;
        lim.process(AudioView(ptrs.data(), nch, len));
    }
    for (auto& ch : io)
        ch.erase(ch.begin(), ch.begin() + long(lat));
    if (stats)
        *stats = lim.stats();
    return io;
}

Signal make(std::size_t frames, std::size_t channels,
            const std::function<float(std::size_t, std::size_t)>& f) {
    Signal s(channels, std::vector<float>(frames));
    for (std::size_t c = 0; c < channels; ++c)
        for (std::size_t i = 0; i < frames; ++i)
            s[c][i] = f(c, i);
    return s;
}

struct Torture {
    std::string name;
    Signal signal;
    // How far the 16x libsoxr reading may exceed the ceiling: libsoxr VHQ removes the top of
    // the band (0.913 .. 1.0 of Nyquist), which raises the peaks of noise that is flat up to
    // Nyquist (clipped noise, noise bursts) by up to ~0.33 dB over the ideal reconstruction
    // the limiter keeps under the ceiling. Music has little there (see test_master.cpp).
    double lowpass_excess_db = 0.0;
};

std::vector<Torture> torture_signals() {
    std::vector<Torture> t;
    const std::size_t n = rate; // 1 s each
    const double pi = std::numbers::pi;
    // fs/4 at 45 degrees: every sample is +-1.0 (0 dBFS), the waveform peaks at +3.01 dBTP.
    t.push_back(
        {"fs/4 sine, 45 deg, 0 dBFS samples (+3 dBTP)", make(n, 2, [&](std::size_t, std::size_t i) {
             return float(std::sqrt(2.0) * std::sin(pi / 2.0 * double(i) + pi / 4.0));
         })});
    t.push_back({"square 1 kHz, 0 dBFS", make(n, 2, [](std::size_t c, std::size_t i) {
                     return ((i + c * 7) / 24) % 2 ? 1.0f : -1.0f;
                 })});
    t.push_back(
        {"square 997 Hz, 0 dBFS (non-integer period)", make(n, 2, [&](std::size_t, std::size_t i) {
             return std::sin(2 * pi * 997.0 * double(i) / rate) >= 0 ? 1.0f : -1.0f;
         })});
    {
        std::mt19937_64 rng(42);
        std::normal_distribution<double> g(0.0, 1.0);
        t.push_back({"white noise x4, hard clipped at 0 dBFS",
                     make(n, 2,
                          [&](std::size_t, std::size_t) {
                              return float(std::clamp(4.0 * g(rng), -1.0, 1.0));
                          }),
                     0.35});
    }
    {
        std::mt19937_64 rng(7);
        std::normal_distribution<double> g(0.0, 1.0);
        t.push_back({"transient bursts (5 ms, +6 dB) and clicks over silence",
                     make(n, 2,
                          [&](std::size_t, std::size_t i) {
                              const std::size_t ph = i % 4800;
                              if (ph < 240)
                                  return float(2.0 * std::clamp(g(rng), -1.0, 1.0));
                              if (ph == 2400)
                                  return 1.0f;
                              if (ph == 2401)
                                  return -1.0f;
                              return 0.0f;
                          }),
                     0.35});
    }
    {
        // "Music": a few partials plus noise, scaled so the sample peak is 12 dB over -1 dBFS.
        std::mt19937_64 rng(3);
        std::normal_distribution<double> g(0.0, 0.2);
        Signal s = make(n, 2, [&](std::size_t c, std::size_t i) {
            const double t = double(i) / rate;
            return float(std::sin(2 * pi * 55.0 * t) + 0.5 * std::sin(2 * pi * 440.0 * t + c) +
                         0.3 * std::sin(2 * pi * 3520.0 * t) +
                         0.2 * std::sin(2 * pi * 15000.0 * t) + g(rng));
        });
        const double k = std::pow(10.0, 11.0 / 20.0) / sample_peak(s);
        for (auto& ch : s)
            for (auto& v : ch)
                v = float(v * k);
        t.push_back({"partials + noise, +12 dB over the ceiling", std::move(s)});
    }
    t.push_back({"sine 20 kHz, 0 dBFS", make(n, 2, [&](std::size_t c, std::size_t i) {
                     return float(std::sin(2 * pi * 20000.0 * double(i) / rate + 0.3 * double(c)));
                 })});
    t.push_back({"sine 11.99 kHz at +12 dB (samples up to 4.0)",
                 make(n, 1, [&](std::size_t, std::size_t i) {
                     return float(4.0 * std::sin(2 * pi * 11990.0 * double(i) / rate + 0.7));
                 })});
    return t;
}

} // namespace

TEST_SUITE("limiter") {

    TEST_CASE("moving minimum matches a brute-force minimum on random input") {
        std::mt19937_64 rng(1);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (std::size_t window : {1u, 2u, 5u, 64u}) {
            MovingMin mm;
            mm.resize(window);
            mm.reset(1.0);
            std::vector<double> hist;
            for (int i = 0; i < 2000; ++i) {
                const double v = u(rng);
                hist.push_back(v);
                double ref = 1.0; // the reset value counts until `window` values were pushed
                if (hist.size() < window)
                    ref = 1.0;
                else
                    ref = 2.0;
                for (std::size_t k = hist.size() >= window ? hist.size() - window : 0;
                     k < hist.size(); ++k)
                    ref = std::min(ref, hist[k]);
                REQUIRE(mm.push(v) == ref);
            }
        }
    }

    TEST_CASE("block moving minimum matches the streaming one for any block lengths") {
        std::mt19937_64 rng(2);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        std::uniform_int_distribution<std::size_t> len(1, 700);
        for (std::size_t window : {1u, 2u, 5u, 145u, 288u}) {
            MovingMin ref;
            ref.resize(window);
            ref.reset(1.0);
            BlockMovingMin block;
            block.resize(window);
            block.reset(1.0);
            for (int b = 0; b < 40; ++b) {
                std::vector<double> in(len(rng)), out(in.size());
                for (double& v : in)
                    v = u(rng) < 0.3 ? 1.0 : u(rng);
                block.process(in.data(), in.size(), out.data());
                for (std::size_t k = 0; k < in.size(); ++k)
                    REQUIRE(out[k] == ref.push(in[k]));
            }
        }
    }

    TEST_CASE("box mean is exact and returns exactly 1.0 for ones") {
        BoxMean box;
        box.resize(10);
        box.reset(1.0);
        for (int i = 0; i < 100; ++i)
            REQUIRE(box.push(1.0) == 1.0);
        std::vector<double> v;
        std::mt19937_64 rng(2);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (int i = 0; i < 1000; ++i) {
            v.push_back(u(rng));
            const double got = box.push(v.back());
            if (v.size() >= 10) {
                double ref = 0.0;
                for (std::size_t k = v.size() - 10; k < v.size(); ++k)
                    ref += v[k];
                ref /= 10.0;
                // Each value is floored to 2^-40: the mean may only be lower, by < 2^-40.
                REQUIRE(got <= ref);
                REQUIRE(got > ref - 1e-12);
            }
        }
    }

    TEST_CASE("the test's brute-force interpolator reads a 45 degree fs/4 sine at +3 dB") {
        Signal s = make(4800, 1, [](std::size_t, std::size_t i) {
            return float(std::sqrt(2.0) *
                         std::sin(std::numbers::pi / 2.0 * double(i) + std::numbers::pi / 4.0));
        });
        // The interpolated points fall at +-1/8 sample from the true crest: the meter reads the
        // crest (sqrt(2)) times cos(pi/16) = -0.084 dB under the ideal, plus filter ripple.
        CHECK(to_db(bs1770_true_peak(s)) == doctest::Approx(3.01).epsilon(0.05));
        CHECK(to_db(ebur128_true_peak(s)) == doctest::Approx(3.01).epsilon(0.05));
    }

    TEST_CASE("limiter keeps the true peak under the ceiling on torture signals") {
        for (double ceiling : {-1.0, -0.1, -3.0}) {
            LimiterSettings ls;
            ls.ceiling_dbtp = ceiling;
            for (const auto& t : torture_signals()) {
                CAPTURE(t.name);
                CAPTURE(ceiling);
                const Signal out = run_limiter(t.signal, ls);
                const double tp_ebu = to_db(ebur128_true_peak(out));
                const double tp_4x = to_db(bs1770_true_peak(out));
                const double sp = to_db(sample_peak(out));
                const double tp_ideal = to_db(ideal_true_peak(out));
                const double tp_16x = to_db(soxr16_true_peak(out));
                MESSAGE(t.name << ": ceiling " << ceiling << " dBTP, in "
                               << to_db(ebur128_true_peak(t.signal)) << " dBTP -> out libebur128 "
                               << tp_ebu << " dBTP, BS.1770 4x " << tp_4x << " dBTP, ideal "
                               << tp_ideal << " dBTP, soxr 16x " << tp_16x << " dBTP, sample peak "
                               << sp << " dBFS");
                CHECK(tp_ebu <= ceiling);
                CHECK(tp_4x <= ceiling);
                CHECK(tp_ideal <= ceiling);
                CHECK(tp_16x <= ceiling + t.lowpass_excess_db);
                CHECK(sp <= ceiling);
            }
        }
    }

    TEST_CASE("limiter keeps the true peak under the ceiling at 44.1, 96 and 192 kHz") {
        LimiterSettings ls;
        ls.ceiling_dbtp = -1.0;
        for (int sr : {44100, 96000, 192000}) {
            for (const auto& t : torture_signals()) {
                CAPTURE(t.name);
                CAPTURE(sr);
                const Signal out = run_limiter(t.signal, ls, 4096, nullptr, sr);
                const double tp_ebu = to_db(ebur128_true_peak(out, sr));
                CHECK(tp_ebu <= -1.0);
                CHECK(to_db(bs1770_true_peak(out)) <= -1.0);
            }
        }
    }

    TEST_CASE("limiter passes a signal under the ceiling bit-exact, delayed by its latency") {
        LimiterSettings ls;
        ls.ceiling_dbtp = -1.0;
        // A 1 kHz sine at -6 dBFS: true peak far under the ceiling.
        const Signal in = make(20000, 2, [](std::size_t c, std::size_t i) {
            return float(0.5 *
                         std::sin(2 * std::numbers::pi * 1000.0 * double(i) / rate + double(c)));
        });
        LimiterStats st;
        const Signal out = run_limiter(in, ls, 333, &st);
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < in[c].size(); ++i)
                REQUIRE(out[c][i] == in[c][i]);
        CHECK(st.max_gain_reduction_db == 0.0);
        CHECK(st.active_share == 0.0);
    }

    TEST_CASE("limiter output does not depend on the block size") {
        LimiterSettings ls;
        const Signal in = torture_signals()[3].signal; // clipped noise
        const Signal a = run_limiter(in, ls, 1), b = run_limiter(in, ls, 7),
                     c = run_limiter(in, ls, 4096);
        CHECK(a == b);
        CHECK(a == c);
    }

    TEST_CASE("limiter statistics: a +6 dB burst in silence") {
        LimiterSettings ls;
        ls.ceiling_dbtp = -1.0;
        ls.margin_db = 0.0;
        ls.release_ms = 10.0;
        // 0.5 s silence, 0.5 s of a 100 Hz sine at +5 dB true peak, 1 s silence.
        const double amp = std::pow(10.0, 5.0 / 20.0);
        const Signal in = make(2 * rate, 1, [&](std::size_t, std::size_t i) {
            if (i < std::size_t(rate / 2) || i >= std::size_t(rate))
                return 0.0f;
            return float(amp * std::sin(2 * std::numbers::pi * 100.0 * double(i) / rate));
        });
        LimiterStats st;
        run_limiter(in, ls, 4096, &st);
        MESSAGE("max GR " << st.max_gain_reduction_db << " dB, average "
                          << st.average_gain_reduction_db << " dB, active " << st.active_share);
        // Needed: 5 + 1 = 6 dB. The sine's peaks are 10 ms apart and the hold is 3 ms, so the gain
        // swings between peaks: the average is under the maximum.
        CHECK(st.max_gain_reduction_db == doctest::Approx(6.0).epsilon(0.01));
        CHECK(st.average_gain_reduction_db > 1.0);
        CHECK(st.average_gain_reduction_db < 6.0);
        // Active for roughly the burst (0.5 s of 2 s) plus look-ahead and release: ~25-30 %.
        CHECK(st.active_share > 0.24);
        CHECK(st.active_share < 0.32);
    }

} // TEST_SUITE

// Its own suite: CI runs it under ThreadSanitizer (Makefile, TSAN_TESTS).
TEST_SUITE("limiter_thread") {

    TEST_CASE("the detection thread changes the latency only: same samples, statistics, trace") {
        // With background threads the detection runs ahead on a thread of its own; without,
        // in the caller's thread. Music with heavy limiting and clipped noise, 1 and 2
        // channels, blocks of 1 to 10000 frames (short blocks fill every slot of the ring).
        LimiterSettings ls;
        ls.ceiling_dbtp = -1.0;
        for (std::size_t t : {std::size_t(3), std::size_t(4)}) {
            const Signal stereo = torture_signals()[t].signal;
            for (const Signal& in : {stereo, Signal{stereo[0]}})
                for (std::size_t block :
                     {std::size_t(1), std::size_t(100), std::size_t(4096), std::size_t(10000)}) {
                    CAPTURE(t);
                    CAPTURE(in.size());
                    CAPTURE(block);
                    LimiterStats with_thread, without;
                    tapeop::set_background_threads(false);
                    const Signal a = run_limiter(in, ls, block, &without);
                    tapeop::set_background_threads(true);
                    const Signal b = run_limiter(in, ls, block, &with_thread);
                    CHECK(a == b);
                    CHECK(with_thread.frames == without.frames);
                    CHECK(with_thread.max_gain_reduction_db == without.max_gain_reduction_db);
                    CHECK(with_thread.average_gain_reduction_db ==
                          without.average_gain_reduction_db);
                    CHECK(with_thread.active_share == without.active_share);
                    CHECK(with_thread.max_gain_reduction_db > 1.0); // it did limit
                }
        }
        // The gain trace skips the latency either way: the same steps.
        const Signal in = torture_signals()[3].signal;
        auto trace_of = [&](bool threads) {
            tapeop::set_background_threads(threads);
            Limiter lim(ls);
            lim.prepare({rate, int(in.size())}, 512);
            const std::size_t lat = lim.latency_frames(), n = in[0].size();
            GainTrace trace(64, 1000, lat, rate);
            lim.set_trace(&trace);
            Signal io = in;
            for (auto& ch : io)
                ch.resize(n + lat, 0.0f);
            std::vector<float*> ptrs(io.size());
            for (std::size_t pos = 0; pos < n + lat; pos += 512) {
                for (std::size_t c = 0; c < io.size(); ++c)
                    ptrs[c] = io[c].data() + pos;
                lim.process(
                    AudioView(ptrs.data(), io.size(), std::min<std::size_t>(512, n + lat - pos)));
            }
            trace.finish();
            std::vector<float> steps = trace.min_gain();
            steps.insert(steps.end(), trace.max_gain().begin(), trace.max_gain().end());
            return steps;
        };
        const auto without = trace_of(false), with_thread = trace_of(true);
        tapeop::set_background_threads(true);
        CHECK(without.size() > 10);
        CHECK(without == with_thread);
    }

} // TEST_SUITE
