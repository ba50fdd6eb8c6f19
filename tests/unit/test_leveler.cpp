// The speech leveler on a generated two-voice dialogue: voices recorded 9 dB apart end up
// close together, and the pauses are not pumped up.
#include "tapeop/dsp/chain.hpp"
#include "tapeop/dsp/leveler.hpp"
#include "tapeop/gen/signals.hpp"

#include <algorithm>
#include <cmath>
#include <doctest/doctest.h>
#include <vector>

using namespace tapeop;

namespace {

struct Segment {
    std::size_t begin, end;
    bool speech;
};

// Mean power per 50 ms hop of a stereo buffer.
std::vector<double> hop_powers(const AudioBuffer& b, std::size_t hop) {
    std::vector<double> p;
    for (std::size_t at = 0; at + hop <= b.frames(); at += hop) {
        double s = 0;
        for (std::size_t c = 0; c < b.channels(); ++c)
            for (std::size_t i = at; i < at + hop; ++i)
                s += double(b.channel(c)[i]) * b.channel(c)[i];
        p.push_back(s / double(hop));
    }
    return p;
}

double db(double p) {
    return 10.0 * std::log10(p);
}

AudioBuffer run_leveler(AudioBuffer in, const dsp::LevelerSettings& s, std::size_t block) {
    dsp::Chain chain;
    chain.add(std::make_unique<dsp::Leveler>(s));
    chain.prepare({48000, 2}, block);
    AudioBuffer out(2, in.frames());
    std::size_t written = 0;
    for (std::size_t at = 0; at < in.frames(); at += block) {
        const std::size_t n = std::min(block, in.frames() - at);
        AudioView v = chain.process(in.view().sub(at, n));
        for (std::size_t c = 0; c < 2; ++c)
            std::copy(v.channel(c), v.channel(c) + v.frames(), out.channel(c) + written);
        written += v.frames();
    }
    AudioBuffer tail;
    chain.flush(tail);
    for (std::size_t c = 0; c < 2; ++c)
        std::copy(tail.channel(c), tail.channel(c) + tail.frames(), out.channel(c) + written);
    written += tail.frames();
    REQUIRE(written == in.frames());
    return out;
}

} // namespace

TEST_SUITE("leveler") {

    TEST_CASE(
        "two voices 9 dB apart end within 2 dB; pauses rise no more than 6 dB against speech") {
        gen::SignalSpec spec = gen::default_spec(gen::SignalKind::dialogue);
        spec.duration_s = 90;
        spec.level_dbfs = -20; // voice A
        spec.offset_db = -9;   // voice B
        const AudioBuffer in = gen::generate(spec);
        dsp::LevelerSettings s;
        s.target_lufs = -20;
        const AudioBuffer out = run_leveler(in, s, 4096);

        // Segment the input into turns and pauses by its own hop levels: a hop is speech when it is
        // within 30 dB of the loudest hop. Voices are told apart by each turn's level.
        const std::size_t hop = 2400;
        const auto pin = hop_powers(in, hop), pout = hop_powers(out, hop);
        double loudest = 0;
        for (double p : pin)
            loudest = std::max(loudest, p);
        // Turns: runs of hops separated by at least 8 quiet hops (400 ms).
        std::vector<Segment> turns;
        std::size_t quiet = 99, start = 0;
        for (std::size_t h = 0; h < pin.size(); ++h) {
            const bool speech = pin[h] > loudest * 1e-3;
            if (speech) {
                if (quiet >= 8) {
                    if (!turns.empty() || h > 0)
                        start = h;
                    turns.push_back({h, h + 1, true});
                } else if (!turns.empty()) {
                    turns.back().end = h + 1;
                }
                quiet = 0;
            } else {
                ++quiet;
            }
        }
        (void)start;
        REQUIRE(turns.size() >= 8);
        // Mean power of each turn, in and out; classify turns into loud (A) and quiet (B) by input.
        std::vector<double> lin, lout;
        for (const auto& t : turns) {
            double a = 0, b = 0;
            for (std::size_t h = t.begin; h < t.end; ++h) {
                a += pin[h];
                b += pout[h];
            }
            lin.push_back(db(a / double(t.end - t.begin)));
            lout.push_back(db(b / double(t.end - t.begin)));
        }
        const double lmax = *std::max_element(lin.begin(), lin.end());
        double a_in = 0, b_in = 0, a_out = 0, b_out = 0;
        int na = 0, nb = 0;
        for (std::size_t i = 0; i < lin.size(); ++i) {
            if (lin[i] > lmax - 5) {
                a_in += lin[i];
                a_out += lout[i];
                ++na;
            } else {
                b_in += lin[i];
                b_out += lout[i];
                ++nb;
            }
        }
        REQUIRE(na >= 3);
        REQUIRE(nb >= 3);
        const double diff_in = a_in / na - b_in / nb;
        const double diff_out = a_out / na - b_out / nb;
        MESSAGE("voice A - voice B: before " << diff_in << " dB, after " << diff_out << " dB");
        CHECK(diff_in > 7.0);
        CHECK(std::abs(diff_out) < 2.0);

        // Pauses: hops well inside the gaps between turns (2 hops from either side).
        double pause_in = 0, pause_out = 0, speech_in = 0, speech_out = 0;
        std::size_t np = 0, ns = 0;
        for (std::size_t i = 0; i + 1 < turns.size(); ++i)
            for (std::size_t h = turns[i].end + 2; h + 2 < turns[i + 1].begin; ++h) {
                pause_in += pin[h];
                pause_out += pout[h];
                ++np;
            }
        for (const auto& t : turns)
            for (std::size_t h = t.begin; h < t.end; ++h) {
                speech_in += pin[h];
                speech_out += pout[h];
                ++ns;
            }
        REQUIRE(np > 10);
        const double floor_in = db(pause_in / double(np)) - db(speech_in / double(ns));
        const double floor_out = db(pause_out / double(np)) - db(speech_out / double(ns));
        MESSAGE("pause floor relative to speech: before " << floor_in << " dB, after " << floor_out
                                                          << " dB");
        CHECK(floor_out - floor_in <= 6.0);
    }

    TEST_CASE("the leveler's output does not depend on the block size") {
        gen::SignalSpec spec = gen::default_spec(gen::SignalKind::dialogue);
        spec.duration_s = 8;
        const AudioBuffer in = gen::generate(spec);
        const AudioBuffer a = run_leveler(in, {}, 4096);
        const AudioBuffer b = run_leveler(in, {}, 7);
        for (std::size_t c = 0; c < 2; ++c)
            CHECK(std::equal(a.channel(c), a.channel(c) + a.frames(), b.channel(c)));
    }
}
