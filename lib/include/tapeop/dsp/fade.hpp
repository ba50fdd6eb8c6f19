#pragma once
// Fade-in and fade-out with linear, equal-power or logarithmic curves.
//
// Gains, with t the position in the fade, 0 at its silent end and 1 at its full end:
//   linear       g = t
//   equal_power  g = sin(t pi / 2)   (a fade-out and fade-in crossfaded keep constant power)
//   logarithmic  g = 10^(range_db (1 - t) / 20) for t > 0, 0 at t = 0 (straight in dB from
//                range_db (default -60 dB) up to 0 dB)
// A fade-in covers frames [start, start + length); a fade-out covers the last `length` frames
// of a stream of `total_frames` (the position is counted from the first frame processed after
// reset(), so the processor must see the stream from its start). Frames after a fade-out are
// silent; frames before a fade-in are silent.
#include "tapeop/dsp/processor.hpp"

#include <cstdint>

namespace tapeop::dsp {

enum class FadeCurve { linear, equal_power, logarithmic };
enum class FadeDirection { in, out };

struct FadeSettings {
    FadeDirection direction = FadeDirection::in;
    FadeCurve curve = FadeCurve::linear;
    std::uint64_t length_frames = 0;
    std::uint64_t start_frame = 0;  // fade-in: where it starts
    std::uint64_t total_frames = 0; // fade-out: length of the whole stream
    double range_db = -60.0;        // logarithmic curve: level at t -> 0
};

// The curve's gain at t in [0, 1].
double fade_gain(FadeCurve curve, double t, double range_db = -60.0);

class Fade : public Processor {
  public:
    explicit Fade(const FadeSettings& settings);
    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override { position_ = 0; }
    void process(AudioView io) override;
    // A fade of no length changes nothing (a fade-in that starts later silences what is
    // before it).
    bool is_identity() const override {
        return s_.length_frames == 0 && (s_.direction == FadeDirection::out || s_.start_frame == 0);
    }

  private:
    double gain_at(std::uint64_t frame) const;
    FadeSettings s_;
    std::uint64_t position_ = 0;
};

} // namespace tapeop::dsp
