#pragma once
// Test signals for the meters, generated in memory: EBU Tech 3341 / 3342 tone sequences and a
// seeded, music-like mix (noise bursts and tones under moving envelopes).
#include "tapeop/audio_buffer.hpp"

#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <vector>

namespace tapeop::test {

// One stretch of a tone sequence: sine peak level in dBFS (or silence) and duration.
struct Segment {
    double level_dbfs; // -infinity (or below -200) for silence
    double seconds;
};

// Sine of `freq_hz` at the given segment levels on every channel, phase continuous across
// segments. Amplitude 10^(dBFS/20): a stereo 1 kHz sine at X dBFS reads X LUFS (Tech 3341).
inline AudioBuffer tone_sequence(const std::vector<Segment>& segments, int rate, int channels = 2,
                                 double freq_hz = 1000.0) {
    std::size_t total = 0;
    for (const Segment& s : segments)
        total += static_cast<std::size_t>(std::llround(s.seconds * rate));
    AudioBuffer buf(static_cast<std::size_t>(channels), total);
    std::size_t n = 0;
    for (const Segment& s : segments) {
        const auto len = static_cast<std::size_t>(std::llround(s.seconds * rate));
        const double amp = s.level_dbfs < -200.0 ? 0.0 : std::pow(10.0, s.level_dbfs / 20.0);
        for (std::size_t i = 0; i < len; ++i, ++n) {
            const double v = amp * std::sin(2.0 * std::numbers::pi * freq_hz * double(n) / rate);
            for (int c = 0; c < channels; ++c)
                buf.channel(c)[n] = static_cast<float>(v);
        }
    }
    return buf;
}

// Feeds `buf` to anything with add(AudioView) in blocks of `block` frames.
template <class Meter> void feed(Meter& meter, AudioBuffer& buf, std::size_t block) {
    AudioView all = buf.view();
    for (std::size_t pos = 0; pos < all.frames(); pos += block)
        meter.add(all.sub(pos, std::min(block, all.frames() - pos)));
}

// Small deterministic generator (xorshift64*), so signals are identical everywhere.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
    std::uint64_t next() {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 0x2545F4914F6CDD1DULL;
    }
    double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); } // [0, 1)
    double uniform(double a, double b) { return a + (b - a) * uniform(); }

  private:
    std::uint64_t s_;
};

// Music-like stereo material: a few tones and filtered-noise layers, each under its own
// envelope that moves in steps of 0.5-4 s over roughly 40 dB, with occasional near-silent
// gaps; partly correlated channels. Peaks stay around -1 dBFS.
inline AudioBuffer music_like(int rate, double seconds, std::uint64_t seed, int channels = 2) {
    const auto frames = static_cast<std::size_t>(seconds * rate);
    AudioBuffer buf(static_cast<std::size_t>(channels), frames);
    Rng rng(seed);
    struct Layer {
        bool noise;
        double freq, lp;       // tone frequency or noise low-pass coefficient
        double sn = 0, cs = 1; // tone phasor (sin, cos), rotated each sample
        double rot_s = 0, rot_c = 1;
        double gain, target;
        std::size_t next_change;
        double state[8] = {};
        double pan;
    };
    std::vector<Layer> layers;
    for (int i = 0; i < 6; ++i) {
        Layer l{};
        l.noise = i >= 3;
        l.freq = 60.0 * std::pow(2.0, rng.uniform(0.0, 7.5));
        l.lp = rng.uniform(0.05, 0.5);
        l.rot_s = std::sin(2.0 * std::numbers::pi * l.freq / rate);
        l.rot_c = std::cos(2.0 * std::numbers::pi * l.freq / rate);
        l.pan = rng.uniform(0.2, 0.8);
        l.gain = 0.0;
        l.next_change = 0;
        layers.push_back(l);
    }
    const double glide = 1.0 / (0.05 * rate);
    double peak = 0.0;
    std::vector<double> mix(static_cast<std::size_t>(channels));
    for (std::size_t n = 0; n < frames; ++n) {
        std::fill(mix.begin(), mix.end(), 0.0);
        for (Layer& l : layers) {
            if (n == l.next_change) {
                const double db = rng.uniform() < 0.1 ? -80.0 : rng.uniform(-40.0, 0.0);
                l.target = std::pow(10.0, db / 20.0);
                l.next_change = n + static_cast<std::size_t>(rng.uniform(0.5, 4.0) * rate);
            }
            l.gain += (l.target - l.gain) * glide; // one-pole glide, ~50 ms
            for (int c = 0; c < channels; ++c) {
                double v;
                if (l.noise) {
                    const double white = rng.uniform(-1.0, 1.0);
                    l.state[c] += l.lp * (white - l.state[c]);
                    v = l.state[c] * 2.0;
                } else {
                    v = c == 0 ? l.sn : l.sn * 0.955336 + l.cs * 0.295520; // +0.3 rad
                }
                const double pan = c % 2 == 0 ? l.pan : 1.0 - l.pan;
                mix[static_cast<std::size_t>(c)] += l.gain * v * pan;
            }
            if (!l.noise) {
                const double sn = l.sn * l.rot_c + l.cs * l.rot_s;
                l.cs = l.cs * l.rot_c - l.sn * l.rot_s;
                l.sn = sn;
            }
        }
        for (int c = 0; c < channels; ++c) {
            buf.channel(c)[n] = static_cast<float>(mix[static_cast<std::size_t>(c)]);
            peak = std::max(peak, std::abs(mix[static_cast<std::size_t>(c)]));
        }
    }
    const float norm = static_cast<float>(0.89 / peak);
    for (int c = 0; c < channels; ++c)
        for (std::size_t n = 0; n < frames; ++n)
            buf.channel(c)[n] *= norm;
    return buf;
}

} // namespace tapeop::test
