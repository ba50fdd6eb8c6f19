#pragma once
// Runs processors in series over a stream and compensates their total latency, so the output
// is sample-aligned with the input and exactly as long (cf. SoX's effect chain: flow + drain).
//
//   Chain chain;  chain.add(std::make_unique<Limiter>(...));
//   chain.prepare(spec, max_block);
//   for each block:  AudioView out = chain.process(block);   // in place; a tail of `block`
//   chain.flush(tail);                                        // the last frames
//
// process() drops the first latency_frames() output frames of the stream (so early calls
// return fewer frames than given, possibly none); flush() feeds latency_frames() frames of
// silence and returns the frames still owed. The result does not depend on the block sizes.
#include "tapeop/dsp/processor.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace tapeop::dsp {

class Chain {
  public:
    void add(std::unique_ptr<Processor> p);
    std::size_t size() const { return procs_.size(); }
    Processor& operator[](std::size_t i) { return *procs_[i]; }

    // Prepares every processor for blocks of up to `max_block` frames; also resets.
    void prepare(const StreamSpec& spec, std::size_t max_block);
    void reset();
    std::size_t latency_frames() const;
    // True when every processor is an identity (also for an empty chain).
    bool is_identity() const;

    // Processes `io` (up to max_block frames) in place; returns the output part of it.
    AudioView process(AudioView io);
    // End of stream: writes the remaining output into `out` (resized when too small) and
    // sets out.frames(). After flush() the chain must be reset() before reuse.
    void flush(AudioBuffer& out);

    std::uint64_t input_frames() const { return in_total_; }

  private:
    std::vector<std::unique_ptr<Processor>> procs_;
    StreamSpec spec_;
    std::size_t max_block_ = 0;
    std::size_t latency_ = 0;
    std::uint64_t in_total_ = 0;
    std::uint64_t dropped_ = 0; // output frames dropped so far (<= latency_)
    AudioBuffer scratch_;
};

} // namespace tapeop::dsp
