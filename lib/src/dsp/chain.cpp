#include "tapeop/dsp/chain.hpp"

#include <algorithm>
#include <cassert>

namespace tapeop::dsp {

bool Chain::is_identity() const {
    for (const auto& p : procs_)
        if (!p->is_identity())
            return false;
    return true;
}

void Chain::add(std::unique_ptr<Processor> p) {
    procs_.push_back(std::move(p));
}

void Chain::prepare(const StreamSpec& spec, std::size_t max_block) {
    assert(max_block > 0);
    spec_ = spec;
    max_block_ = max_block;
    for (auto& p : procs_)
        p->prepare(spec, max_block);
    latency_ = 0;
    for (auto& p : procs_)
        latency_ += p->latency_frames();
    scratch_.resize(static_cast<std::size_t>(spec.channels), max_block);
    reset();
}

void Chain::reset() {
    for (auto& p : procs_)
        p->reset();
    in_total_ = 0;
    dropped_ = 0;
}

std::size_t Chain::latency_frames() const {
    return latency_;
}

AudioView Chain::process(AudioView io) {
    assert(io.frames() <= max_block_);
    for (auto& p : procs_)
        p->process(io);
    in_total_ += io.frames();
    const std::size_t drop =
        static_cast<std::size_t>(std::min<std::uint64_t>(latency_ - dropped_, io.frames()));
    dropped_ += drop;
    return io.sub(drop, io.frames() - drop);
}

void Chain::flush(AudioBuffer& out) {
    // The stream owes exactly the frames it dropped; feeding `latency_` frames of silence
    // pushes them out (after the part of the latency not yet dropped, if the input was short).
    const std::size_t owed = static_cast<std::size_t>(dropped_);
    if (out.channels() != scratch_.channels() || out.capacity() < owed)
        out.resize(scratch_.channels(), std::max<std::size_t>(owed, 1));
    std::size_t written = 0;
    std::size_t to_feed = latency_;
    while (to_feed > 0) {
        const std::size_t n = std::min(to_feed, max_block_);
        scratch_.set_frames(scratch_.capacity());
        scratch_.clear();
        AudioView block = scratch_.view().sub(0, n);
        AudioView kept = process(block);
        in_total_ -= n; // silence is not input
        for (std::size_t c = 0; c < kept.channels(); ++c)
            std::copy(kept.channel(c), kept.channel(c) + kept.frames(), out.channel(c) + written);
        written += kept.frames();
        to_feed -= n;
    }
    assert(written == owed);
    out.set_frames(written);
}

} // namespace tapeop::dsp
