#include "tapeop/gen/signals.hpp"
#include "tapeop/random.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

namespace tapeop::gen {
namespace {

constexpr double two_pi = 2.0 * std::numbers::pi;
constexpr double inv_sqrt2 = 0.70710678118654752440;

// ---------------------------------------------------------------------------------------------
// Random numbers: xoshiro256** (Blackman & Vigna, prng.di.unimi.it) seeded through splitmix64.
// Our own, so the stream is the same with every standard library.

// A stateless hash of (seed, stream, index): for choices that must not depend on render order.
std::uint64_t hash3(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
    std::uint64_t s = seed ^ (stream * 0xD1B54A32D192ED03ull) ^ (index * 0x8CB92BA72F3D8DD7ull);
    splitmix64(s);
    return splitmix64(s);
}

double unit_from_bits(std::uint64_t x) {
    return double(x >> 11) * 0x1.0p-53;
} // [0, 1)

class Rng {
  public:
    // Stream `stream` of `seed`: independent generators for each use, from one seed.
    Rng(std::uint64_t seed, std::uint64_t stream) : x_(seed ^ (stream * 0xA0761D6478BD642Full)) {}
    std::uint64_t next() { return x_.next(); }
    double uniform() { return unit_from_bits(next()); } // [0, 1)
    // Standard normal, Box-Muller (both outputs used, in order).
    double gaussian() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double u1 = 1.0 - uniform(); // (0, 1]: log is finite
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(two_pi * u2);
        has_spare_ = true;
        return r * std::cos(two_pi * u2);
    }

  private:
    Xoshiro256 x_;
    bool has_spare_ = false;
    double spare_ = 0.0;
};

// ---------------------------------------------------------------------------------------------
// Small DSP parts, double state.

// RBJ Audio EQ Cookbook biquad, transposed direct form II.
struct Biquad {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
    double z1 = 0, z2 = 0;
    double process(double x) {
        const double y = b0 * x + z1;
        z1 = b1 * x - a1 * y + z2;
        z2 = b2 * x - a2 * y;
        return y;
    }
    void set(double nb0, double nb1, double nb2, double a0, double na1, double na2) {
        b0 = nb0 / a0;
        b1 = nb1 / a0;
        b2 = nb2 / a0;
        a1 = na1 / a0;
        a2 = na2 / a0;
    }
    // RBJ cookbook high-pass.
    void highpass(double f_hz, double q, double fs) {
        const double w = two_pi * f_hz / fs, c = std::cos(w), alpha = std::sin(w) / (2.0 * q);
        set((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha);
    }
    // RBJ cookbook band-pass, constant 0 dB peak gain.
    void bandpass(double f_hz, double q, double fs) {
        const double w = two_pi * f_hz / fs, c = std::cos(w), alpha = std::sin(w) / (2.0 * q);
        set(alpha, 0, -alpha, 1 + alpha, -2 * c, 1 - alpha);
    }
};

// One-pole low-pass y += a (x - y), a = 1 - exp(-2 pi f / fs).
struct OnePole {
    double a = 1, y = 0;
    void lowpass(double f_hz, double fs) { a = 1.0 - std::exp(-two_pi * f_hz / fs); }
    double process(double x) { return y += a * (x - y); }
};

double frac(double x) {
    return x - std::floor(x);
}

// The phase in cycles, in [0, 1), of frame n of a tone of f Hz at fs Hz plus phase0 cycles,
// exact to ~1e-10 cycles at any n: n*f/fs = q*f + r*f/fs with n = q*fs + r, and q*floor(f) is
// a whole number of cycles.
double tone_cycles(std::int64_t n, double f, int fs, double phase0) {
    const std::int64_t q = n / fs, r = n % fs;
    const double f_frac = f - std::floor(f);
    return frac(frac(double(q) * f_frac) + double(r) * f / double(fs) + phase0);
}

// Equal-tempered MIDI note frequencies, A4 (69) = 440 Hz; a table, as the music needs several
// per frame.
double midi_hz(int note) {
    static const std::array<double, 128> table = [] {
        std::array<double, 128> t{};
        for (int n = 0; n < 128; ++n)
            t[std::size_t(n)] = 440.0 * std::pow(2.0, (n - 69) / 12.0);
        return t;
    }();
    return table[std::size_t(note)];
}

// Sum of harmonics amps[k-1] * sin(k theta) up to (but not including) max_hz, by the
// angle-addition recurrence (two libm calls per tone, not one per harmonic).
template <std::size_t N>
double harmonics(double cycles, double f_hz, const std::array<double, N>& amps, double max_hz) {
    const double th = two_pi * cycles;
    const double s1 = std::sin(th), c1 = std::cos(th);
    double s = s1, c = c1, sum = 0.0;
    for (std::size_t k = 1; k <= N; ++k) {
        if (double(k) * f_hz >= max_hz)
            break;
        sum += amps[k - 1] * s;
        const double s_next = s * c1 + c * s1;
        c = c * c1 - s * s1;
        s = s_next;
    }
    return sum;
}

// Constant-power pan, p in [-1, 1]: (left gain, right gain), -3 dB each at the centre.
std::array<double, 2> pan(double p) {
    const double a = (p + 1.0) * std::numbers::pi / 4.0;
    return {std::cos(a), std::sin(a)};
}

// ---------------------------------------------------------------------------------------------
// Sources. Each renders frames [start, start + frames) of its signal into a view; state that
// evolves per frame (noise, filters) is advanced strictly frame by frame, so the output does
// not depend on how the signal is cut into blocks.

class Source {
  public:
    virtual ~Source() = default;
    virtual void render(AudioView out, std::int64_t start) = 0;
};

class Silence final : public Source {
  public:
    void render(AudioView out, std::int64_t) override {
        for (std::size_t c = 0; c < out.channels(); ++c)
            std::fill_n(out.channel(c), out.frames(), 0.0f);
    }
};

// Sine and naive square from the exact phase.
class Tone final : public Source {
  public:
    Tone(const SignalSpec& s, bool square)
        : f_(s.frequency_hz), fs_(s.sample_rate), phase0_(frac(s.phase_deg / 360.0)),
          amp_(db_to_gain(s.level_dbfs)), square_(square) {}
    void render(AudioView out, std::int64_t start) override {
        if (out.channels() == 0)
            return;
        float* first = out.channel(0);
        for (std::size_t i = 0; i < out.frames(); ++i) {
            const double x = tone_cycles(start + std::int64_t(i), f_, fs_, phase0_);
            const double v = square_ ? (x < 0.5 ? amp_ : -amp_) : amp_ * std::sin(two_pi * x);
            first[i] = static_cast<float>(v);
        }
        for (std::size_t c = 1; c < out.channels(); ++c)
            std::copy_n(first, out.frames(), out.channel(c));
    }

  private:
    double f_;
    int fs_;
    double phase0_, amp_;
    bool square_;
};

// Logarithmic (exponential) sweep, Farina (AES 108th conv., 2000): f(t) = f1 exp(t L / T),
// L = ln(f2 / f1); phase(t) = f1 T / L (exp(t L / T) - 1) cycles. T is the whole length, so the
// last frame is at f2.
class Sweep final : public Source {
  public:
    explicit Sweep(const SignalSpec& s)
        : f1_(s.frequency_hz), fs_(s.sample_rate), phase0_(frac(s.phase_deg / 360.0)),
          amp_(db_to_gain(s.level_dbfs)) {
        const std::int64_t n = total_frames(s);
        t_end_ = n > 1 ? double(n - 1) / fs_ : 1.0;
        l_ = std::log(s.end_frequency_hz / s.frequency_hz);
    }
    void render(AudioView out, std::int64_t start) override {
        if (out.channels() == 0)
            return;
        float* first = out.channel(0);
        for (std::size_t i = 0; i < out.frames(); ++i) {
            const double t = double(start + std::int64_t(i)) / fs_;
            const double cycles =
                std::fabs(l_) < 1e-12 ? f1_ * t : f1_ * t_end_ / l_ * std::expm1(t * l_ / t_end_);
            first[i] = static_cast<float>(amp_ * std::sin(two_pi * frac(cycles + phase0_)));
        }
        for (std::size_t c = 1; c < out.channels(); ++c)
            std::copy_n(first, out.frames(), out.channel(c));
    }

  private:
    double f1_;
    int fs_;
    double phase0_, amp_, t_end_ = 1.0, l_ = 0.0;
};

// Gaussian white noise, independent per channel, RMS = level.
class WhiteNoise final : public Source {
  public:
    explicit WhiteNoise(const SignalSpec& s) : amp_(db_to_gain(s.level_dbfs)) {
        for (int c = 0; c < s.channels; ++c)
            rng_.emplace_back(s.seed, 0x100 + c);
    }
    void render(AudioView out, std::int64_t) override {
        for (std::size_t c = 0; c < out.channels(); ++c) {
            float* y = out.channel(c);
            for (std::size_t i = 0; i < out.frames(); ++i)
                y[i] = static_cast<float>(amp_ * rng_[c].gaussian());
        }
    }

  private:
    double amp_;
    std::vector<Rng> rng_;
};

// Pink noise: Gaussian white noise through Paul Kellet's refined pink filter ("pk3", musicdsp.org
// archive, "Filter to make pink noise from white"; +-0.05 dB above 9.2 Hz at 44.1 kHz), scaled
// so its RMS is the level: the scale is 1 / sqrt(sum of the filter's squared impulse response).
class PinkNoise final : public Source {
  public:
    explicit PinkNoise(const SignalSpec& s) {
        for (int c = 0; c < s.channels; ++c)
            ch_.push_back({Rng(s.seed, 0x200 + c), {}});
        Kellet impulse;
        double energy = 0.0;
        for (int i = 0; i < 200000; ++i) {
            const double y = impulse.process(i == 0 ? 1.0 : 0.0);
            energy += y * y;
        }
        amp_ = db_to_gain(s.level_dbfs) / std::sqrt(energy);
        // Start in the steady state: the slowest section has a time constant of ~880 frames.
        for (auto& ch : ch_)
            for (int i = 0; i < 16384; ++i)
                ch.filter.process(ch.rng.gaussian());
    }
    void render(AudioView out, std::int64_t) override {
        for (std::size_t c = 0; c < out.channels(); ++c) {
            float* y = out.channel(c);
            for (std::size_t i = 0; i < out.frames(); ++i)
                y[i] = static_cast<float>(amp_ * ch_[c].filter.process(ch_[c].rng.gaussian()));
        }
    }

  private:
    struct Kellet {
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
        double process(double w) {
            b0 = 0.99886 * b0 + w * 0.0555179;
            b1 = 0.99332 * b1 + w * 0.0750759;
            b2 = 0.96900 * b2 + w * 0.1538520;
            b3 = 0.86650 * b3 + w * 0.3104856;
            b4 = 0.55000 * b4 + w * 0.5329522;
            b5 = -0.7616 * b5 - w * 0.0168980;
            const double pink = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
            b6 = w * 0.115926;
            return pink;
        }
    };
    struct Channel {
        Rng rng;
        Kellet filter;
    };
    std::vector<Channel> ch_;
    double amp_ = 1.0;
};

// Writes a stereo pair into the output's channels: mono gets (L+R)/sqrt(2) (same loudness for
// centred material), channels beyond the second stay silent.
void put_stereo(AudioView out, std::size_t i, double l, double r) {
    const std::size_t n = out.channels();
    if (n == 1) {
        out.channel(0)[i] = static_cast<float>((l + r) * inv_sqrt2);
        return;
    }
    if (n >= 2) {
        out.channel(0)[i] = static_cast<float>(l);
        out.channel(1)[i] = static_cast<float>(r);
    }
    for (std::size_t c = 2; c < n; ++c)
        out.channel(c)[i] = 0.0f;
}

// ---------------------------------------------------------------------------------------------
// Music: a deterministic pop-like arrangement at 120 BPM in C major, 26 bars (52 s) repeated:
// intro, verse, chorus, verse, chorus, bridge, chorus, outro. Verses sit ~7 dB under the
// choruses so the loudness range is realistic (about 5-10 LU). Instruments: a pad (three
// harmonic tones per chord, chord every two beats, spread across the stereo image), a lead
// (one note per beat, panned left), a bass (eighth notes), a kick (decaying 135->45 Hz sine
// burst), hi-hats (high-passed noise bursts, decorrelated, panned right) and a quiet
// decorrelated room noise. Every note is a function of the frame number; only the noise and
// its filters carry state from frame to frame.
class Music final : public Source {
  public:
    // Integrated loudness of this design at scale 1.0 (48 kHz, stereo, one whole 52 s cycle),
    // measured with libebur128; the scale that reaches the requested LUFS follows from it.
    static constexpr double unit_loudness_lufs = -15.5;

    explicit Music(const SignalSpec& s) : fs_(s.sample_rate), seed_(s.seed) {
        scale_ = db_to_gain(s.level_dbfs - unit_loudness_lufs);
        beat_frames_ = fs_ * beat_s;
        max_hz_ = 0.45 * fs_;
        for (std::size_t i = 0; i < form.size(); ++i)
            section_gain_[i] = db_to_gain(form[i].gain_db);
        for (int c = 0; c < 2; ++c) {
            hat_rng_.emplace_back(s.seed, 0x300 + c);
            room_rng_.emplace_back(s.seed, 0x310 + c);
            hat_hp_[c].highpass(std::min(7000.0, 0.4 * fs_), 0.7071, fs_);
            room_lp_[c].lowpass(std::min(1500.0, 0.4 * fs_), fs_);
        }
    }

    void render(AudioView out, std::int64_t start) override {
        for (std::size_t i = 0; i < out.frames(); ++i) {
            const auto [l, r] = frame(start + std::int64_t(i));
            put_stereo(out, i, l * scale_, r * scale_);
        }
    }

  private:
    static constexpr double beat_s = 0.5; // 120 BPM

    enum Part : unsigned {
        pad = 1,
        lead = 2,
        bass_sync = 4,
        bass_all = 8,
        kick_13 = 16,
        kick_all = 32,
        hat_beat = 64,
        hat_off = 128,
        hat_all = 256
    };
    struct Section {
        int bars;
        double gain_db;
        unsigned parts;
    };
    static constexpr std::array<Section, 8> form{{
        {2, -5.0, pad | bass_sync | hat_beat},                 // intro
        {4, -5.0, pad | lead | bass_sync | kick_13 | hat_off}, // verse
        {4, 0.0, pad | lead | bass_all | kick_all | hat_all},  // chorus
        {4, -5.0, pad | lead | bass_sync | kick_13 | hat_off}, // verse
        {4, 0.0, pad | lead | bass_all | kick_all | hat_all},  // chorus
        {2, -3.0, pad | lead | bass_sync | hat_beat},          // bridge
        {4, 0.0, pad | lead | bass_all | kick_all | hat_all},  // chorus
        {2, -5.0, pad | bass_sync | hat_beat},                 // outro
    }};
    static constexpr int cycle_bars = 26;

    // Chords, one per two beats: C Am F G C Em F G (MIDI notes), with the bass root.
    struct Chord {
        std::array<int, 3> notes;
        int root;
    };
    static constexpr std::array<Chord, 8> chords{{{{60, 64, 67}, 36},
                                                  {{57, 60, 64}, 45},
                                                  {{57, 60, 65}, 41},
                                                  {{59, 62, 67}, 43},
                                                  {{60, 64, 67}, 36},
                                                  {{59, 64, 67}, 40},
                                                  {{57, 60, 65}, 41},
                                                  {{59, 62, 67}, 43}}};

    std::array<double, 2> frame(std::int64_t n) {
        // Noise runs every frame (state), whether or not a hat is sounding.
        std::array<double, 2> hat{}, room{};
        for (int c = 0; c < 2; ++c) {
            hat[c] = hat_hp_[c].process(hat_rng_[c].gaussian());
            room[c] = room_lp_[c].process(room_rng_[c].gaussian());
        }

        const double beat_pos = double(n) / beat_frames_;
        const std::int64_t beat = static_cast<std::int64_t>(std::floor(beat_pos));
        const double t_beat = (beat_pos - double(beat)) * beat_s;
        const std::int64_t bar = beat / 4;
        const int beat_in_bar = int(beat % 4);

        // Section and its gain, ramped over 50 ms from the previous section's.
        int b = int(bar % cycle_bars), idx = 0;
        while (b >= form[std::size_t(idx)].bars)
            b -= form[std::size_t(idx++)].bars;
        const Section& sec = form[std::size_t(idx)];
        const double t_sec = (double(b) * 4.0 + beat_in_bar) * beat_s + t_beat;
        const double ramp = std::min(1.0, t_sec / 0.05);
        const double g0 =
            section_gain_[std::size_t((idx + int(form.size()) - 1) % int(form.size()))];
        const double gain = g0 + (section_gain_[std::size_t(idx)] - g0) * ramp;

        double l = 0.0, r = 0.0;
        const Chord& chord = chords[std::size_t((beat / 2) % 8)];

        if (sec.parts & pad) {
            const double t = t_beat + double(beat % 2) * beat_s, dur = 2.0 * beat_s;
            const double env = (1.0 - std::exp(-t / 0.04)) * (0.55 + 0.45 * std::exp(-t / 0.4)) *
                               std::min(1.0, (dur - t) / 0.03);
            static constexpr std::array<double, 5> amps{1.0, 0.5, 0.33, 0.25, 0.2};
            static constexpr std::array<double, 3> pans{-0.5, 0.0, 0.5};
            for (std::size_t k = 0; k < 3; ++k) {
                const double f = midi_hz(chord.notes[k]);
                const double v = 0.12 * env * harmonics(frac(f * t), f, amps, max_hz_);
                const auto g = pan(pans[k]);
                l += g[0] * v;
                r += g[1] * v;
            }
        }
        if (sec.parts & lead) {
            const std::uint64_t h = hash3(seed_, 1, std::uint64_t(beat));
            if (h % 5 != 0) { // a rest on about one beat in five
                const int degree = int((h >> 8) % 4);
                const int note = degree < 3 ? chord.notes[std::size_t(degree)] + 12
                                            : chord.notes[0] + 14; // the ninth
                const double f = midi_hz(note), t = t_beat;
                const double env = (1.0 - std::exp(-t / 0.005)) * std::exp(-t / 0.25) *
                                   std::min(1.0, (beat_s - t) / 0.01);
                static constexpr std::array<double, 5> amps{1.0, 0.0, 0.33, 0.0, 0.2};
                const double v = 0.16 * env * harmonics(frac(f * t), f, amps, max_hz_);
                const auto g = pan(-0.6);
                l += g[0] * v;
                r += g[1] * v;
            }
        }
        if (sec.parts & (bass_sync | bass_all)) {
            const double eighth_pos = beat_pos * 2.0;
            const std::int64_t eighth = static_cast<std::int64_t>(std::floor(eighth_pos));
            const int e_in_bar = int(eighth % 8);
            const bool on = (sec.parts & bass_all) || e_in_bar == 0 || e_in_bar == 3 ||
                            e_in_bar == 4 || e_in_bar == 6;
            if (on) {
                const double t = (eighth_pos - double(eighth)) * beat_s / 2.0;
                const double f = midi_hz(chord.root);
                const double env = (1.0 - std::exp(-t / 0.004)) * std::exp(-t / 0.35) *
                                   std::min(1.0, (beat_s / 2.0 - t) / 0.008);
                static constexpr std::array<double, 3> amps{1.0, 0.35, 0.12};
                const double v = 0.30 * env * harmonics(frac(f * t), f, amps, max_hz_);
                l += v * inv_sqrt2;
                r += v * inv_sqrt2;
            }
        }
        const bool kick = (sec.parts & kick_all) ||
                          ((sec.parts & kick_13) && (beat_in_bar == 0 || beat_in_bar == 2));
        if (kick && t_beat < 0.4) {
            const double t = t_beat;
            const double cycles = 45.0 * t + 90.0 * 0.035 * (-std::expm1(-t / 0.035));
            const double env =
                (-std::expm1(-t / 0.001)) * std::exp(-t / 0.15) * std::min(1.0, (0.4 - t) / 0.02);
            const double v = 0.7 * env * std::sin(two_pi * frac(cycles));
            l += v * inv_sqrt2;
            r += v * inv_sqrt2;
        }
        {
            const double eighth_pos = beat_pos * 2.0;
            const std::int64_t eighth = static_cast<std::int64_t>(std::floor(eighth_pos));
            const bool odd = eighth % 2 != 0;
            const bool on = (sec.parts & hat_all) || ((sec.parts & hat_off) && odd) ||
                            ((sec.parts & hat_beat) && !odd);
            if (on) {
                const double t = (eighth_pos - double(eighth)) * beat_s / 2.0;
                const bool open = (sec.parts & hat_all) && eighth % 8 == 7;
                const double env = std::exp(-t / (open ? 0.1 : 0.025)) * std::min(1.0, t / 0.0005) *
                                   std::min(1.0, (beat_s / 2.0 - t) / 0.005);
                l += 0.10 * 0.55 * env * hat[0];
                r += 0.10 * 0.85 * env * hat[1];
            }
        }
        l = l * gain + 0.003 * room[0];
        r = r * gain + 0.003 * room[1];
        return {l, r};
    }

    int fs_;
    std::uint64_t seed_;
    double scale_ = 1.0, beat_frames_ = 1.0, max_hz_ = 1.0;
    std::array<double, form.size()> section_gain_{};
    std::vector<Rng> hat_rng_, room_rng_;
    std::array<Biquad, 2> hat_hp_{};
    std::array<OnePole, 2> room_lp_{};
};

// ---------------------------------------------------------------------------------------------
// Dialogue: two talkers taking turns. Voice A (low, ~110 Hz) and voice B (higher, ~200 Hz)
// speak turns of 3-8 words of 1-3 syllables; a syllable is an optional fricative (band-passed
// noise) and a vowel: a harmonic pulse-like source (1/k harmonics up to 4 kHz) through three
// formant band-passes (Peterson & Barney 1952 averages for men and women), with a smooth
// syllable envelope and a gliding pitch. Between turns, 0.5-1.2 s pauses hold only a low room
// noise (about 45 dB under the voices). Voice B is `offset_db` relative to voice A; the level
// is voice A's approximate integrated loudness. The schedule is drawn from a seeded generator
// as the frames go by, so it is the same for any block size.
class Dialogue final : public Source {
  public:
    // Integrated loudness of each voice alone at scale 1.0 (48 kHz stereo, 60 s, seed 1),
    // measured with libebur128: each voice is scaled to `level` separately.
    static constexpr double unit_loudness_a_lufs = -17.85;
    static constexpr double unit_loudness_b_lufs = -16.85;

    explicit Dialogue(const SignalSpec& s) : fs_(s.sample_rate), sched_(s.seed, 0x400) {
        gain_[0] = db_to_gain(s.level_dbfs - unit_loudness_a_lufs);
        gain_[1] = db_to_gain(s.level_dbfs + s.offset_db - unit_loudness_b_lufs);
        noise_gain_ = db_to_gain(s.level_dbfs - unit_loudness_a_lufs);
        max_hz_ = std::min(4000.0, 0.45 * fs_);
        for (int c = 0; c < 2; ++c) {
            room_rng_.emplace_back(s.seed, 0x410 + c);
            room_lp_[c].lowpass(std::min(3000.0, 0.4 * fs_), fs_);
        }
        fric_rng_.emplace_back(s.seed, 0x420);
        // The first turn starts after a short pause.
        syl_.start = syl_.end = std::int64_t(0.4 * fs_);
        syl_.voice = 1; // so that the first turn is voice A
    }

    void render(AudioView out, std::int64_t start) override {
        for (std::size_t i = 0; i < out.frames(); ++i) {
            const std::int64_t n = start + std::int64_t(i);
            while (n >= syl_.end)
                next_syllable();
            const double v = voice_sample(n) * inv_sqrt2;
            const double l = v + 0.004 * noise_gain_ * room_lp_[0].process(room_rng_[0].gaussian());
            const double r = v + 0.004 * noise_gain_ * room_lp_[1].process(room_rng_[1].gaussian());
            put_stereo(out, i, l, r);
        }
    }

  private:
    struct Syllable {
        std::int64_t start = 0, cons_end = 0, end = 0;
        int voice = 0, vowel = 0;
        double f0_start = 100, f0_end = 100, amp = 1;
    };

    // F1 F2 F3 (Hz) of /a i u e o/, men and women (Peterson & Barney 1952).
    static constexpr std::array<std::array<std::array<double, 3>, 5>, 2> formants{{
        {{{730, 1090, 2440},
          {270, 2290, 3010},
          {300, 870, 2240},
          {530, 1840, 2480},
          {570, 840, 2410}}},
        {{{850, 1220, 2810},
          {310, 2790, 3310},
          {370, 950, 2670},
          {610, 2330, 2990},
          {590, 920, 2710}}},
    }};

    double uniform(double lo, double hi) { return lo + (hi - lo) * sched_.uniform(); }
    std::int64_t frames(double s) const { return std::int64_t(std::llround(s * fs_)); }

    void next_syllable() {
        std::int64_t at = syl_.end;
        if (syllables_left_ == 0) {
            if (words_left_ == 0) { // a new turn, by the other talker, after a pause
                syl_.voice = 1 - syl_.voice;
                words_left_ = 3 + int(sched_.next() % 6);
                at += frames(uniform(0.5, 1.2));
                turn_f0_ = (syl_.voice == 0 ? 110.0 : 200.0) * uniform(0.95, 1.05);
            } else {
                at += frames(uniform(0.04, 0.12)); // between words
            }
            --words_left_;
            syllables_left_ = 1 + int(sched_.next() % 3);
            turn_f0_ *= 0.985; // declination
            stressed_ = true;
        }
        --syllables_left_;
        syl_.start = at;
        const bool fricative = sched_.uniform() < 0.4;
        syl_.cons_end = at + (fricative ? frames(uniform(0.04, 0.08)) : 0);
        syl_.end = syl_.cons_end + frames(uniform(0.10, 0.22));
        syl_.vowel = int(sched_.next() % 5);
        syl_.f0_start = turn_f0_ * uniform(0.97, 1.08);
        syl_.f0_end = syl_.f0_start * uniform(0.9, 1.02);
        syl_.amp = stressed_ ? 1.0 : uniform(0.6, 0.85);
        stressed_ = false;
        const auto& f = formants[std::size_t(syl_.voice)][std::size_t(syl_.vowel)];
        static constexpr std::array<double, 3> bandwidth_hz{90, 110, 150};
        for (std::size_t k = 0; k < 3; ++k) {
            const double fk = std::min(f[k], 0.45 * fs_);
            formant_[k].bandpass(fk, fk / bandwidth_hz[k], fs_);
        }
        fricative_bp_.bandpass(std::min(4500.0, 0.4 * fs_), 1.5, fs_);
    }

    double voice_sample(std::int64_t n) {
        // Filters run every frame (their input is 0 outside a syllable), so their state
        // advances the same way whatever the block size.
        double src = 0.0, noise = 0.0;
        const bool in_syl = n >= syl_.start && n < syl_.end;
        const double fric_in = fric_rng_[0].gaussian();
        if (in_syl && n < syl_.cons_end) {
            const double t = double(n - syl_.start) / fs_;
            const double d = double(syl_.cons_end - syl_.start) / fs_;
            noise = fric_in * std::min({1.0, t / 0.01, (d - t) / 0.01});
        } else if (in_syl) {
            const double t = double(n - syl_.cons_end) / fs_;
            const double d = double(syl_.end - syl_.cons_end) / fs_;
            const double f0 = syl_.f0_start + (syl_.f0_end - syl_.f0_start) * (t / d);
            phase_ = frac(phase_ + f0 / fs_);
            const double a = std::min(1.0, t / 0.025), rel = std::min(1.0, (d - t) / 0.05);
            const double env = 0.5 - 0.5 * std::cos(std::numbers::pi * a);
            const double env_out = 0.5 - 0.5 * std::cos(std::numbers::pi * rel);
            static constexpr std::array<double, 48> amps = [] {
                std::array<double, 48> a{};
                for (std::size_t k = 0; k < a.size(); ++k)
                    a[k] = 1.0 / double(k + 1);
                return a;
            }();
            src = env * env_out * harmonics(phase_, f0, amps, max_hz_);
        } else {
            phase_ = 0.0;
        }
        const double voiced = formant_[0].process(src) + 0.6 * formant_[1].process(src) +
                              0.3 * formant_[2].process(src);
        const double fric = 0.25 * fricative_bp_.process(noise);
        return gain_[std::size_t(syl_.voice)] * syl_.amp * (voiced + fric);
    }

    int fs_;
    Rng sched_;
    std::vector<Rng> room_rng_, fric_rng_;
    std::array<OnePole, 2> room_lp_{};
    std::array<Biquad, 3> formant_{};
    Biquad fricative_bp_{};
    std::array<double, 2> gain_{};
    double noise_gain_ = 1.0, max_hz_ = 4000.0, phase_ = 0.0, turn_f0_ = 110.0;
    Syllable syl_{};
    int words_left_ = 0, syllables_left_ = 0;
    bool stressed_ = true;
};

std::string hz_text(double f) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g Hz", f);
    return buf;
}

std::unique_ptr<Source> make_source(const SignalSpec& s) {
    switch (s.kind) {
    case SignalKind::sine:
        return std::make_unique<Tone>(s, false);
    case SignalKind::square:
        return std::make_unique<Tone>(s, true);
    case SignalKind::sweep:
        return std::make_unique<Sweep>(s);
    case SignalKind::white:
        return std::make_unique<WhiteNoise>(s);
    case SignalKind::pink:
        return std::make_unique<PinkNoise>(s);
    case SignalKind::silence:
        return std::make_unique<Silence>();
    case SignalKind::music:
        return std::make_unique<Music>(s);
    case SignalKind::dialogue:
        return std::make_unique<Dialogue>(s);
    }
    return std::make_unique<Silence>();
}

constexpr std::array<SignalKind, 8> all_kinds{
    SignalKind::sine,    SignalKind::sweep,  SignalKind::white, SignalKind::pink,
    SignalKind::silence, SignalKind::square, SignalKind::music, SignalKind::dialogue};

} // namespace

// ---------------------------------------------------------------------------------------------

std::string_view kind_name(SignalKind kind) {
    switch (kind) {
    case SignalKind::sine:
        return "sine";
    case SignalKind::sweep:
        return "sweep";
    case SignalKind::white:
        return "white";
    case SignalKind::pink:
        return "pink";
    case SignalKind::silence:
        return "silence";
    case SignalKind::square:
        return "square";
    case SignalKind::music:
        return "music";
    case SignalKind::dialogue:
        return "dialogue";
    }
    return "?";
}

std::string known_kinds() {
    std::string out;
    for (SignalKind k : all_kinds) {
        if (!out.empty())
            out += " ";
        out += kind_name(k);
    }
    return out;
}

SignalKind parse_kind(std::string_view text) {
    for (SignalKind k : all_kinds)
        if (kind_name(k) == text)
            return k;
    if (text == "noise")
        return SignalKind::white;
    throw UsageError("unknown signal '" + std::string(text) + "' (known: " + known_kinds() + ")");
}

SignalSpec default_spec(SignalKind kind) {
    SignalSpec s;
    s.kind = kind;
    switch (kind) {
    case SignalKind::sweep:
        s.frequency_hz = 20.0;
        break;
    case SignalKind::music:
        s.level_dbfs = -20.0;
        break;
    case SignalKind::dialogue:
        s.level_dbfs = -23.0;
        break;
    default:
        break;
    }
    return s;
}

void validate(const SignalSpec& s) {
    const auto bad = [](const std::string& m) { throw UsageError(m); };
    if (s.sample_rate < 1000 || s.sample_rate > 768000)
        bad("sample rate " + std::to_string(s.sample_rate) +
            " Hz is out of range (1000 to 768000)");
    if (s.channels < 1 || s.channels > 64)
        bad("channel count " + std::to_string(s.channels) + " is out of range (1 to 64)");
    if (!std::isfinite(s.duration_s) || s.duration_s < 0.0)
        bad("duration must be zero or more seconds");
    if (s.duration_s * s.sample_rate > 0x1.0p40)
        bad("duration is too long");
    if (!std::isfinite(s.level_dbfs) || s.level_dbfs > 20.0)
        bad("level must be a finite number up to +20");
    if (!std::isfinite(s.phase_deg))
        bad("phase must be a finite number of degrees");
    if (!std::isfinite(s.offset_db) || s.offset_db > 40.0)
        bad("voice offset must be a finite number of dB up to +40");
    const double nyquist = s.sample_rate / 2.0;
    const auto check_freq = [&](double f, const char* what) {
        if (!std::isfinite(f) || f <= 0.0 || f >= nyquist)
            bad(std::string(what) + " " + hz_text(f) + " must be above 0 and below half the " +
                "sample rate (" + hz_text(nyquist) + ")");
    };
    switch (s.kind) {
    case SignalKind::sine:
        check_freq(s.frequency_hz, "frequency");
        break;
    case SignalKind::square:
        if (!std::isfinite(s.frequency_hz) || s.frequency_hz <= 0.0 || s.frequency_hz > nyquist)
            bad("square frequency must be above 0 and at most half the sample rate");
        break;
    case SignalKind::sweep:
        check_freq(s.frequency_hz, "sweep start frequency");
        check_freq(s.end_frequency_hz, "sweep end frequency");
        break;
    default:
        break;
    }
}

std::int64_t total_frames(const SignalSpec& s) {
    return std::int64_t(std::llround(s.duration_s * double(s.sample_rate)));
}

struct Generator::Impl {
    SignalSpec spec;
    std::int64_t total = 0;
    std::int64_t position = 0;
    std::unique_ptr<Source> source;
};

Generator::Generator(const SignalSpec& spec) : impl_(std::make_unique<Impl>()) {
    validate(spec);
    impl_->spec = spec;
    impl_->total = gen::total_frames(spec);
    impl_->source = make_source(spec);
}

Generator::~Generator() = default;
Generator::Generator(Generator&&) noexcept = default;
Generator& Generator::operator=(Generator&&) noexcept = default;

const SignalSpec& Generator::spec() const {
    return impl_->spec;
}
std::int64_t Generator::total_frames() const {
    return impl_->total;
}
std::int64_t Generator::position() const {
    return impl_->position;
}

std::size_t Generator::render(AudioBuffer& out) {
    if (out.channels() != std::size_t(impl_->spec.channels))
        throw Error("generator: buffer has " + std::to_string(out.channels()) +
                    " channels, the signal " + std::to_string(impl_->spec.channels));
    const std::int64_t left = impl_->total - impl_->position;
    const std::size_t n = std::size_t(std::min<std::int64_t>(left, std::int64_t(out.capacity())));
    out.set_frames(n);
    if (n == 0)
        return 0;
    impl_->source->render(out.view(), impl_->position);
    impl_->position += std::int64_t(n);
    return n;
}

void Generator::reset() {
    impl_->position = 0;
    impl_->source = make_source(impl_->spec);
}

AudioBuffer generate(const SignalSpec& spec) {
    Generator g(spec);
    AudioBuffer all(std::size_t(spec.channels), std::size_t(g.total_frames()));
    AudioBuffer block(std::size_t(spec.channels), default_block_frames);
    std::size_t at = 0;
    while (std::size_t n = g.render(block)) {
        for (std::size_t c = 0; c < all.channels(); ++c)
            std::copy_n(block.channel(c), n, all.channel(c) + at);
        at += n;
    }
    return all;
}

std::uint64_t generate_to_file(const SignalSpec& spec, const std::string& path,
                               io::SampleFormat format) {
    Generator g(spec);
    io::OutputSpec out;
    out.sample_rate = spec.sample_rate;
    out.channels = spec.channels;
    out.sample_format = format;
    io::AudioWriter writer(path, out);
    AudioBuffer block(std::size_t(spec.channels), default_block_frames);
    while (g.render(block) > 0)
        writer.write(block.view());
    writer.commit();
    return writer.clipped_samples();
}

} // namespace tapeop::gen
