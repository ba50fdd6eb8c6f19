#pragma once
// Test signals, generated in blocks with flat memory (a 3-hour 96 kHz file costs one block).
//
// Conventions:
// - Lengths are frames (one sample per channel); the signal has
//   round(duration_s * sample_rate) frames.
// - `level_dbfs` means, by kind:
//     sine, sweep, square ... peak level, dBFS (0 dBFS: samples reach +-1.0)
//     white, pink ........... RMS level, dBFS (Gaussian noise: peaks run about 12-14 dB higher)
//     music, dialogue ....... approximate integrated loudness, LUFS (BS.1770), reached by a
//                             fixed scale factor measured on the design, not by a measurement
//     silence ............... ignored
// - Every kind is deterministic: the same spec gives bit-identical samples on any x86-64
//   machine, whatever block size it is rendered in. Noise comes from our own xoshiro256**
//   generator seeded from `seed`; no std:: distributions.
// - Sine, square and sweep values are computed in double from the exact phase n*f/fs (no
//   accumulated phase), so a long tone does not drift.
// - Noise is independent (decorrelated) in each channel. Tones are identical in every channel.
//   Music and dialogue are stereo designs: one channel gets a loudness-preserving fold-down
//   (L+R)/sqrt(2); channels beyond the second are silent.
#include "tapeop/audio_buffer.hpp"
#include "tapeop/io/format.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tapeop::gen {

enum class SignalKind { sine, sweep, white, pink, silence, square, music, dialogue };

// "sine", "sweep", ... ; parse throws UsageError listing the known kinds.
std::string_view kind_name(SignalKind kind);
SignalKind parse_kind(std::string_view text);
// "sine sweep white pink silence square music dialogue", for help texts.
std::string known_kinds();

struct SignalSpec {
    SignalKind kind = SignalKind::sine;
    double frequency_hz = 997.0;       // sine, square; the start of a sweep
    double end_frequency_hz = 20000.0; // sweep: logarithmic from frequency_hz to this
    double level_dbfs = -20.0;         // see the table above (peak, RMS or LUFS)
    double duration_s = 10.0;
    int sample_rate = 48000;
    int channels = 2;
    double phase_deg = 0.0;  // sine, square, sweep: starting phase (90: sine starts at its peak)
    std::uint64_t seed = 1;  // noise, music, dialogue
    double offset_db = -6.0; // dialogue: voice B's level relative to voice A
};

// The spec a producer gets by naming only the kind: sine 997 Hz -20 dBFS; sweep 20 Hz..20 kHz
// -20 dBFS; noise -20 dBFS RMS; music -20 LUFS; dialogue -23 LUFS. 10 s, 48 kHz, stereo.
SignalSpec default_spec(SignalKind kind);

// Throws UsageError naming the bad field (frequency at or over Nyquist, a non-positive rate,
// no channels, a negative duration, ...).
void validate(const SignalSpec& spec);

// round(duration_s * sample_rate).
std::int64_t total_frames(const SignalSpec& spec);

// Streams a signal in blocks.
class Generator {
  public:
    // Validates the spec (throws UsageError).
    explicit Generator(const SignalSpec& spec);
    ~Generator();
    Generator(Generator&&) noexcept;
    Generator& operator=(Generator&&) noexcept;

    const SignalSpec& spec() const;
    std::int64_t total_frames() const;
    std::int64_t position() const; // frames rendered so far

    // Fills up to out.capacity() frames (out must have spec().channels channels), sets
    // out.frames() to the count and returns it; 0 once the signal has ended.
    std::size_t render(AudioBuffer& out);

    // Back to the first frame; the next render starts the same signal again.
    void reset();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The whole signal in memory: for tests and short signals only.
AudioBuffer generate(const SignalSpec& spec);

// Streams the signal into `path` (container from the extension) through the atomic writer.
// Integer formats are rounded to nearest; a sample at or over full scale is clamped.
// Returns the number of samples clamped (e.g. a 0 dBFS sine into 24-bit: the +1.0 peaks).
std::uint64_t generate_to_file(const SignalSpec& spec, const std::string& path,
                               io::SampleFormat format);

} // namespace tapeop::gen
