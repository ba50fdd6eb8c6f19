#pragma once
// One DSP step with a streaming interface (DESIGN.md §2, STYLE.md "Lifecycle of a processor"):
// construct(settings) -> prepare(spec, max_block) allocates -> reset() -> process(view) never
// allocates. A processor with look-ahead reports latency_frames(); whoever runs the chain
// (dsp/chain.hpp) compensates it so that output stays aligned and the same length as input.
#include "tapeop/audio_buffer.hpp"

#include <cstddef>

namespace tapeop::dsp {

struct StreamSpec {
    int sample_rate = 48000;
    int channels = 2;
};

class Processor {
  public:
    virtual ~Processor() = default;
    // Allocates for blocks of up to `max_block` frames; also resets.
    virtual void prepare(const StreamSpec& spec, std::size_t max_block) = 0;
    // Clears state (filter memories, envelopes, delay lines) for a fresh signal.
    virtual void reset() = 0;
    // Processes `io` in place; io.frames() <= max_block and io.channels() == spec.channels.
    virtual void process(AudioView io) = 0;
    // Look-ahead delay the processor adds, in frames.
    virtual std::size_t latency_frames() const { return 0; }
    // Whether process() leaves every sample exactly as it was, whatever the signal: a gain of
    // exactly 1, a fade of no length, an EQ band at 0 dB, a compressor at ratio 1 without
    // makeup. A chain of identities changes nothing, so no automatic dither is added and the
    // output stage copies the samples as stored: unity is identity. An identity must have no
    // latency (its process() returns at once).
    virtual bool is_identity() const { return false; }
};

} // namespace tapeop::dsp
