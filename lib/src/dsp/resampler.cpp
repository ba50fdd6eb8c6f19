#include "tapeop/dsp/resampler.hpp"

#include "tapeop/error.hpp"

#include <soxr.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <vector>

namespace tapeop::dsp {

namespace {
void check(soxr_error_t e, const char* what) {
    if (e)
        throw Error(std::string("resampler: ") + what + ": " + e);
}
} // namespace

void Resampler::Deleter::operator()(soxr* s) const {
    soxr_delete(s);
}

Resampler::Resampler(int channels, double in_rate, double out_rate)
    : channels_(channels), in_rate_(in_rate), out_rate_(out_rate) {
    if (channels < 1)
        throw UsageError("resampler: need at least one channel");
    if (!(in_rate > 0.0) || !(out_rate > 0.0))
        throw UsageError("resampler: rates must be > 0");
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_S, SOXR_FLOAT32_S);
    const soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    const soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr_error_t err = nullptr;
    soxr_.reset(
        soxr_create(in_rate, out_rate, static_cast<unsigned>(channels), &err, &io, &q, &rt));
    check(err, "cannot create");
    if (!soxr_)
        throw Error("resampler: cannot create");
    out_.resize(static_cast<std::size_t>(channels), block_frames);
    in_ptrs_.resize(static_cast<std::size_t>(channels));
    out_ptrs_.resize(static_cast<std::size_t>(channels));
}

Resampler::~Resampler() = default;
Resampler::Resampler(Resampler&&) noexcept = default;
Resampler& Resampler::operator=(Resampler&&) noexcept = default;

std::uint64_t Resampler::expected_total() const {
    return static_cast<std::uint64_t>(std::llround(double(in_total_) * ratio()));
}

void Resampler::feed(AudioView in) {
    assert(in.channels() == static_cast<std::size_t>(channels_) && !flushed_);
    assert(pending_at_ == pending_.frames()); // the previous block was drained
    pending_ = in;
    pending_at_ = 0;
    in_total_ += in.frames();
}

void Resampler::finish() {
    assert(!flushed_ && pending_at_ == pending_.frames());
    flushed_ = true;
    soxr_done_ = false;
    if (out_total_ > expected_total())
        throw Error("resampler: produced more output than the exact length");
}

AudioView Resampler::drain() {
    for (int c = 0; c < channels_; ++c)
        out_ptrs_[c] = out_.channel(c);
    std::size_t odone = 0;
    if (!flushed_) {
        // libsoxr stops taking input when the output space is full: what it left stays
        // pending for the next call.
        // It may also take input without output yet (filling its filters): go on until there
        // is output or the block is used up.
        do {
            for (int c = 0; c < channels_; ++c)
                in_ptrs_[c] = pending_.channel(c) + pending_at_;
            std::size_t idone = 0;
            check(soxr_process(soxr_.get(), in_ptrs_.data(), pending_.frames() - pending_at_,
                               &idone, out_ptrs_.data(), block_frames, &odone),
                  "process");
            if (idone == 0 && odone == 0 && pending_at_ < pending_.frames())
                throw Error("resampler: libsoxr took no input and gave no output");
            pending_at_ += idone;
        } while (odone == 0 && pending_at_ < pending_.frames());
    } else {
        const std::uint64_t left = expected_total() - out_total_;
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, block_frames));
        if (want > 0 && !soxr_done_) {
            // in = NULL signals the end of input; soxr then drains what its filters hold.
            check(soxr_process(soxr_.get(), nullptr, 0, nullptr, out_ptrs_.data(), want, &odone),
                  "flush");
            soxr_done_ = odone == 0;
        }
        if (soxr_done_) {
            // Pad the (rare) shortfall with silence so the length is exact.
            for (int c = 0; c < channels_; ++c)
                std::fill(out_.channel(c), out_.channel(c) + want, 0.0f);
            odone = want;
        }
    }
    out_total_ += odone;
    out_.set_frames(odone);
    return out_.view();
}

void Resampler::collect(AudioBuffer& out) {
    std::size_t produced = 0;
    for (AudioView v = drain(); v.frames() > 0; v = drain()) {
        if (out.channels() != static_cast<std::size_t>(channels_) ||
            out.capacity() < produced + v.frames()) {
            AudioBuffer bigger(static_cast<std::size_t>(channels_),
                               std::max(2 * out.capacity(), produced + v.frames()));
            for (int c = 0; c < channels_ && out.channels() == bigger.channels(); ++c)
                std::copy(out.channel(c), out.channel(c) + produced, bigger.channel(c));
            out = std::move(bigger);
        }
        out.set_frames(produced + v.frames());
        for (int c = 0; c < channels_; ++c)
            std::copy(v.channel(c), v.channel(c) + v.frames(), out.channel(c) + produced);
        produced += v.frames();
    }
    if (out.channels() != static_cast<std::size_t>(channels_))
        out.resize(static_cast<std::size_t>(channels_), 0);
    out.set_frames(produced);
}

void Resampler::process(AudioView in, AudioBuffer& out) {
    feed(in);
    collect(out);
}

void Resampler::flush(AudioBuffer& out) {
    finish();
    collect(out);
}

void Resampler::reset() {
    check(soxr_clear(soxr_.get()), "clear");
    in_total_ = out_total_ = 0;
    flushed_ = false;
    pending_ = AudioView();
    pending_at_ = 0;
}

} // namespace tapeop::dsp
