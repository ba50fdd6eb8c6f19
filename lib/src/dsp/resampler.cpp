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
    in_ptrs_.resize(static_cast<std::size_t>(channels));
    out_ptrs_.resize(static_cast<std::size_t>(channels));
}

Resampler::~Resampler() = default;
Resampler::Resampler(Resampler&&) noexcept = default;
Resampler& Resampler::operator=(Resampler&&) noexcept = default;

std::size_t Resampler::max_output_frames(std::size_t in_frames) const {
    return static_cast<std::size_t>(std::ceil(double(in_frames) * ratio())) + 64;
}

void Resampler::ensure_capacity(AudioBuffer& out, std::size_t frames) const {
    if (out.channels() != static_cast<std::size_t>(channels_) || out.capacity() < frames)
        out.resize(static_cast<std::size_t>(channels_), frames);
}

std::uint64_t Resampler::expected_total() const {
    return static_cast<std::uint64_t>(std::llround(double(in_total_) * ratio()));
}

void Resampler::process(AudioView in, AudioBuffer& out) {
    assert(in.channels() == static_cast<std::size_t>(channels_) && !flushed_);
    ensure_capacity(out, max_output_frames(in.frames()));
    std::size_t consumed = 0, produced = 0;
    // libsoxr may stop early when the output space is full; loop until it took everything
    // and had room to spare.
    while (true) {
        for (int c = 0; c < channels_; ++c) {
            in_ptrs_[c] = in.channel(c) + consumed;
            out_ptrs_[c] = out.channel(c) + produced;
        }
        const std::size_t space = out.capacity() - produced;
        std::size_t idone = 0, odone = 0;
        check(soxr_process(soxr_.get(), in_ptrs_.data(), in.frames() - consumed, &idone,
                           out_ptrs_.data(), space, &odone),
              "process");
        consumed += idone;
        produced += odone;
        if (consumed == in.frames() && odone < space)
            break;
        if (produced == out.capacity()) {
            // Not expected with max_output_frames' margin; grow and keep going.
            AudioBuffer bigger(static_cast<std::size_t>(channels_), out.capacity() * 2);
            for (int c = 0; c < channels_; ++c)
                std::copy(out.channel(c), out.channel(c) + produced, bigger.channel(c));
            out = std::move(bigger);
        }
    }
    in_total_ += in.frames();
    out_total_ += produced;
    out.set_frames(produced);
}

void Resampler::flush(AudioBuffer& out) {
    assert(!flushed_);
    flushed_ = true;
    const std::uint64_t want_total = expected_total();
    if (out_total_ > want_total)
        throw Error("resampler: produced more output than the exact length");
    const std::size_t want = static_cast<std::size_t>(want_total - out_total_);
    ensure_capacity(out, want + 1);
    out.set_frames(out.capacity());
    std::size_t produced = 0;
    // in = NULL signals the end of input; soxr then drains what its filters hold.
    while (produced < want) {
        for (int c = 0; c < channels_; ++c)
            out_ptrs_[c] = out.channel(c) + produced;
        std::size_t odone = 0;
        check(soxr_process(soxr_.get(), nullptr, 0, nullptr, out_ptrs_.data(), want - produced,
                           &odone),
              "flush");
        if (odone == 0)
            break;
        produced += odone;
    }
    // Pad the (rare) shortfall with silence so the length is exact.
    for (int c = 0; c < channels_; ++c)
        std::fill(out.channel(c) + produced, out.channel(c) + want, 0.0f);
    out_total_ += want;
    out.set_frames(want);
}

void Resampler::reset() {
    check(soxr_clear(soxr_.get()), "clear");
    in_total_ = out_total_ = 0;
    flushed_ = false;
}

} // namespace tapeop::dsp
