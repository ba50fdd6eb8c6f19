#include "tapeop/dsp/limiter.hpp"

#include "tapeop/dsp/float_kernels.hpp"

#include "tapeop/analysis/true_peak.hpp"
#include "tapeop/background.hpp"

#include "tapeop/error.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <bit>
#include <cmath>
#include <numbers>
#include <pthread.h>
#include <system_error>

namespace tapeop::dsp {

namespace {

// ITU-R BS.1770-4 Annex 2, 48-tap 4x interpolator (analysis::Oversampler4x's table), as
// four phases of 12 taps: phase p at input frame n is sum_k kPhase[p][k] * x[n - k], the value
// at time n - 6 + (2p + 1) / 8 (the prototype's centre is 5.875 frames back).
const std::array<std::array<double, 12>, 4> kPhase = [] {
    const auto& h = analysis::Oversampler4x::coefficients();
    std::array<std::array<double, 12>, 4> phases{};
    for (std::size_t p = 0; p < 4; ++p)
        for (std::size_t k = 0; k < 12; ++k)
            phases[p][k] = h[p + 4 * k];
    return phases;
}();

// 1 - 2^-40: a release gain this close to 1 is 1 (BoxMean's resolution).
constexpr double unity_snap = 1.0 - 1.0 / 1099511627776.0;

// Statistics count a frame as limited when its gain reduction is at least 0.01 dB (the
// exponential release approaches 1 for a long time after it stopped mattering).
const double active_gain = std::pow(10.0, -0.01 / 20.0);

} // namespace

Limiter::Limiter(const LimiterSettings& s) : settings_(s) {
    if (!(s.lookahead_ms >= 0.1 && s.lookahead_ms <= 50.0))
        throw UsageError("limiter look-ahead must be between 0.1 and 50 ms");
    if (!(s.release_ms >= 0.0))
        throw UsageError("limiter release must be >= 0 ms");
    if (!(s.margin_db >= 0.0 && s.margin_db <= 6.0))
        throw UsageError("limiter margin must be between 0 and 6 dB");
    if (!(s.ceiling_dbtp <= 0.0 && s.ceiling_dbtp >= -60.0))
        throw UsageError("limiter ceiling must be between -60 and 0 dBTP");
}

Limiter::~Limiter() {
    stop_worker();
}

void Limiter::prepare(const StreamSpec& spec, std::size_t) {
    stop_worker();
    channels_ = static_cast<std::size_t>(spec.channels);
    lookahead_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(
                                              settings_.lookahead_ms * 0.001 * spec.sample_rate)));
    target_ = db_to_gain(settings_.ceiling_dbtp - settings_.margin_db);
    release_coeff_ = one_pole_coeff(settings_.release_ms, spec.sample_rate);
    // libebur128 1.2 (ebur128.c, interp_create): 49 taps, sinc(m pi / factor) times a Hann
    // window, m = j - 24; tap j belongs to phase j % factor at delay j / factor.
    factor_ = spec.sample_rate < 96000 ? 4 : spec.sample_rate < 192000 ? 2 : 0;
    constexpr int hann_taps = 49;
    if (factor_ > 0) {
        hann_len_ = (hann_taps + factor_ - 1) / factor_;
        hann_.assign((factor_ - 1) * hann_len_, 0.0);
        for (int j = 0; j < hann_taps; ++j) {
            const double m = double(j) - (hann_taps - 1) / 2.0;
            const double x = m * std::numbers::pi / double(factor_);
            double c = std::abs(m) > 1e-6 ? std::sin(x) / x : 1.0;
            c *= 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * j / (hann_taps - 1)));
            const std::size_t f = std::size_t(j) % factor_, idx = std::size_t(j) / factor_;
            if (f > 0)
                hann_[(f - 1) * hann_len_ + idx] = c;
        }
        hann_delay_ = std::size_t((hann_taps - 1) / 2) / factor_; // 6 or 12
    } else {
        hann_len_ = 0;
        hann_.clear();
        hann_delay_ = 0;
    }
    // Every estimate covers [m, m+1], m = n - detect_delay_: the near-ideal one needs the most
    // future; the BS.1770 phases run on the window ending at m + 6, the Hann ones at m +
    // hann_delay_.
    detect_delay_ = IdealPeak8x::future;
    hist_len_ = std::max({detect_delay_ + IdealPeak8x::past + 1, detect_delay_ - 6 + 12,
                          detect_delay_ - hann_delay_ + hann_len_});
    // The detection on its own thread when background threads are on (and a thread can be
    // had): `pipeline_blocks` blocks more latency.
    jobs_.assign(job_slots, Job{});
    for (Job& j : jobs_) {
        j.samples.assign(channels_ * block_frames, 0.0f);
        j.interp.assign(block_frames, 0.0);
        j.sample.assign(block_frames, 0.0);
    }
    pipeline_frames_ = 0;
    if (background_threads())
        start_worker();
    // Per channel: a ring of at least latency_frames() + a block.
    delay_len_ = std::bit_ceil(latency_frames() + block_frames);
    delay_.assign(channels_ * delay_len_, 0.0f);
    needed_.assign(block_frames, 0.0);
    held_.assign(block_frames, 0.0);
    gains_.assign(block_frames, 0.0);
    // At most pipeline_frames_ + a block waiting, plus a job consumed early for a free slot.
    gain_queue_.assign(pipeline_frames_ + (job_slots + 1) * block_frames, 1.0);
    hold_.resize(lookahead_ + 1);
    smooth_.resize(lookahead_ + 1);
    // Fast path: the bound S, the float windows, and the screens' folded taps: the
    // interpolators are linear-phase, so their phases come in mirrored pairs (BS.1770: 0 and
    // 3, 1 and 2; the Hann sinc at 4x: 1 and 3, with 2 mirrored in itself; at 2x: 1 in itself),
    // which the float screen evaluates with half the multiplications (float_kernels.hpp).
    max_sum_abs_ = 0.0;
    mirror_error_ = 0.0;
    mirrored_.clear();
    auto fold = [&](const double* hp, const double* hq, std::size_t len, std::size_t offset) {
        Mirrored f;
        f.offset = offset;
        for (std::size_t k = 0; k < len / 2; ++k) {
            f.fe.push_back(float(hp[k] + hq[k]));
            if (hq != hp)
                f.fo.push_back(float(hp[k] - hq[k]));
        }
        // The fold takes h_q[k] as h_p[len - 1 - k]: what the computed taps miss of that
        // (last-bit differences of the window's cosines) joins the screen's slack.
        for (std::size_t k = 0; k < len; ++k)
            mirror_error_ = std::max(mirror_error_, std::abs(hq[k] - hp[len - 1 - k]));
        mirrored_.push_back(std::move(f));
    };
    for (const auto& ph : kPhase) {
        double sum = 0.0;
        for (double h : ph)
            sum += std::abs(h);
        max_sum_abs_ = std::max(max_sum_abs_, sum);
    }
    for (std::size_t p = 0; p + 1 < factor_; ++p) {
        double sum = 0.0;
        for (std::size_t k = 0; k < hann_len_; ++k)
            sum += std::abs(hann_[p * hann_len_ + k]);
        max_sum_abs_ = std::max(max_sum_abs_, sum);
    }
    fold(kPhase[0].data(), kPhase[3].data(), 12, detect_delay_ - 6);
    fold(kPhase[1].data(), kPhase[2].data(), 12, detect_delay_ - 6);
    // The Hann phases have 12 (4x) or 24 (2x) non-zero taps of their hann_len_ (13, 25).
    const std::size_t hann_taps_nonzero = hann_len_ - 1;
    if (factor_ == 4) {
        fold(&hann_[0], &hann_[2 * hann_len_], hann_taps_nonzero, detect_delay_ - hann_delay_);
        fold(&hann_[hann_len_], &hann_[hann_len_], hann_taps_nonzero, detect_delay_ - hann_delay_);
    } else if (factor_ == 2) {
        fold(&hann_[0], &hann_[0], hann_taps_nonzero, detect_delay_ - hann_delay_);
    }
    max_sum_abs_ *= 1.0 + 1e-12;
    max_gain_ = std::max({max_sum_abs_, ideal_.max_gain(), dac_.max_gain()});
    // Rounding slack per unit of M (see screen_chunk): the folded 4x evaluation (pair sums and
    // differences, taps, products, six or twelve terms, |e| + |o|) errs by < 20 * 2^-24 * S * M,
    // 2e-6 S covers it with room, plus the taps' mirror error; the near-ideal ones state theirs.
    slack4_ = 2e-6 * max_sum_abs_ + 24.0 * mirror_error_;
    slack8_ = std::max(ideal_.float_error_bound(1.0), dac_.float_error_bound(1.0));
    detect_.assign(channels_, Detect{});
    for (Detect& d : detect_) {
        d.fwin.assign(hist_len_ - 1 + chunk_frames, 0.0f);
        d.best4.assign(chunk_frames, 0.0f);
        d.best8.assign(chunk_frames, 0.0f);
        d.ideal_out.assign(chunk_frames, 0.0f);
        d.bound.assign(chunk_frames, 0.0f);
        d.interp.assign(block_frames, 0.0);
        d.sample.assign(block_frames, 0.0);
    }
    reset();
}

void Limiter::reset() {
    // Jobs still in the detection are waited for and dropped.
    {
        std::unique_lock lock(mutex_);
        if (worker_.joinable()) {
            if (worker_waits_)
                work_cv_.notify_one();
            caller_waits_ = true;
            done_cv_.wait(lock, [&] { return detected_ == submitted_ || worker_error_; });
            caller_waits_ = false;
        }
        submitted_ = detected_ = consumed_ = 0;
    }
    gain_head_ = 0;
    gain_count_ = pipeline_frames_;
    prefill_left_ = pipeline_frames_;
    std::fill(gain_queue_.begin(), gain_queue_.end(), 1.0);
    for (Detect& d : detect_) {
        std::fill(d.fwin.begin(), d.fwin.end(), 0.0f);
        d.piece_max = d.prev_max[0] = d.prev_max[1] = d.prev_max[2] = 0.0f;
        d.piece_fill = 0;
    }
    std::fill(delay_.begin(), delay_.end(), 0.0f);
    delay_pos_ = 0;
    prev_interp_peak_ = 0.0;
    release_gain_ = 1.0;
    hold_.reset(1.0);
    smooth_.reset(1.0);
    min_gain_ = gain_product_ = 1.0;
    gain_exponent_ = 0;
    active_ = frames_ = 0;
    unity_run_ = 0;
    idle_ = true;
}

void Limiter::start_worker() {
    stopping_ = false;
    worker_error_ = nullptr;
    try {
        worker_ = std::thread([this] {
            pthread_setname_np(pthread_self(), "tapeop-detect");
            worker_loop();
        });
        pipeline_frames_ = pipeline_blocks * block_frames;
    } catch (const std::system_error&) {
        pipeline_frames_ = 0; // no thread to be had: the caller's thread detects
    }
}

void Limiter::stop_worker() {
    if (!worker_.joinable())
        return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_cv_.notify_one();
    worker_.join();
}

void Limiter::worker_loop() {
    for (;;) {
        std::uint64_t n;
        {
            std::unique_lock lock(mutex_);
            if (!stopping_ && detected_ == submitted_) {
                worker_waits_ = true;
                work_cv_.wait(lock, [&] { return stopping_ || detected_ < submitted_; });
                worker_waits_ = false;
            }
            if (stopping_)
                return;
            n = detected_;
        }
        // The job is the worker's until detected_ passes it: the caller neither writes it
        // (its slot is not reused before it is consumed) nor reads it.
        bool wake;
        try {
            detect_job(jobs_[n % job_slots]);
        } catch (...) {
            {
                std::lock_guard lock(mutex_);
                worker_error_ = std::current_exception();
            }
            done_cv_.notify_one();
            return;
        }
        {
            std::lock_guard lock(mutex_);
            detected_ = n + 1;
            wake = caller_waits_;
        }
        if (wake)
            done_cv_.notify_one();
    }
}

void Limiter::process(AudioView io) {
    assert(io.channels() == channels_);
    for (std::size_t first = 0; first < io.frames(); first += block_frames) {
        const std::size_t count = std::min(block_frames, io.frames() - first);
        submit(io, first, count);
        // The gains of these frames: detected up to pipeline_frames_ before the newest.
        while (gain_count_ < count)
            consume();
        apply(io, first, count);
    }
}

void Limiter::submit(AudioView io, std::size_t first, std::size_t count) {
    if (submitted_ - consumed_ == job_slots)
        consume(); // every slot in use (short blocks): the oldest is done with first
    Job& job = jobs_[submitted_ % job_slots];
    job.count = count;
    for (std::size_t c = 0; c < channels_; ++c)
        std::copy_n(io.channel(c) + first, count, job.samples.data() + c * block_frames);
    if (!worker_.joinable()) {
        detect_job(job);
        ++submitted_;
        ++detected_;
        return;
    }
    // The worker is woken for two jobs at a time (or when the caller waits for one): half the
    // wake-ups where the detection has little to do.
    bool wake;
    {
        std::lock_guard lock(mutex_);
        ++submitted_;
        wake = worker_waits_ && submitted_ - detected_ >= 2;
    }
    if (wake)
        work_cv_.notify_one();
}

void Limiter::consume() {
    assert(consumed_ < submitted_);
    if (worker_.joinable()) {
        std::unique_lock lock(mutex_);
        if (detected_ <= consumed_ && !worker_error_) {
            if (worker_waits_)
                work_cv_.notify_one();
            caller_waits_ = true;
            done_cv_.wait(lock, [&] { return detected_ > consumed_ || worker_error_; });
            caller_waits_ = false;
        }
        if (detected_ <= consumed_)
            std::rethrow_exception(worker_error_);
    }
    envelope(jobs_[consumed_ % job_slots]);
    ++consumed_;
}

void Limiter::detect_job(Job& job) {
    const std::size_t count = job.count;
    for (std::size_t c = 0; c < channels_; ++c)
        detect(c, job.samples.data() + c * block_frames, count);
    // Over the channels: the sample and the interpolated peaks.
    std::copy_n(detect_[0].interp.data(), count, job.interp.data());
    std::copy_n(detect_[0].sample.data(), count, job.sample.data());
    for (std::size_t c = 1; c < channels_; ++c) {
        const double* ci = detect_[c].interp.data();
        const double* cs = detect_[c].sample.data();
        for (std::size_t k = 0; k < count; ++k) {
            job.interp[k] = std::max(job.interp[k], ci[k]);
            job.sample[k] = std::max(job.sample[k], cs[k]);
        }
    }
}

void Limiter::detect(std::size_t c, const float* x, std::size_t n) {
    for (std::size_t i0 = 0; i0 < n; i0 += chunk_frames)
        screen_chunk(detect_[c], x + i0, std::min(chunk_frames, n - i0), i0);
}

void Limiter::envelope(const Job& job) {
    // 1. The frames' peaks: over the channels (detect_job), the sample and the interpolated
    // peaks of the intervals on both sides of each frame. A skipped interpolation is <=
    // target_; 0.0 stands for it (only compared with target_). Then the needed gain.
    const std::size_t count = job.count;
    const double* interp = job.interp.data();
    const double* sample = job.sample.data();
    double* needed = needed_.data();
    for (std::size_t k = 0; k < count; ++k) {
        const double before = k > 0 ? interp[k - 1] : prev_interp_peak_;
        const double peak = std::max({sample[k], interp[k], before});
        needed[k] = peak > target_ ? target_ / peak : 1.0;
    }
    prev_interp_peak_ = interp[count - 1];
    // 3. The hold, over every frame (an idle stretch has needed gains of 1, as the unity run
    // before it: the same minima as if the hold had been reset to 1 on waking up).
    double* held = held_.data();
    hold_.process(needed, count, held);
    // 4.-5. Release and smoothing: the gain of each frame. (The state in locals: members
    // would be stored and loaded again every frame.)
    double* gains = gains_.data();
    double release = release_gain_;
    std::size_t unity_run = unity_run_;
    bool idle = idle_;
    const bool fast = fast_path_;
    const double keep = 1.0 - release_coeff_;
    for (std::size_t k = 0; k < count; ++k) {
        const double need = needed[k];
        double gain = 1.0;
        if (!(fast && idle && need == 1.0)) {
            if (fast && idle) {
                // Leaving the idle state: every value in the smoothing window is 1.
                smooth_.reset(1.0);
                idle = false;
                unity_run = 0;
            }
            double rel = release + (1.0 - release) * keep;
            if (rel > unity_snap)
                rel = 1.0;
            release = std::min(held[k], rel);
            gain = smooth_.push(release);
            if (need == 1.0 && release == 1.0) {
                if (++unity_run >= lookahead_ + 1)
                    idle = true;
            } else {
                unity_run = 0;
            }
        }
        gains[k] = gain;
    }
    release_gain_ = release;
    unity_run_ = unity_run;
    idle_ = idle;
    // Into the queue of gains to apply.
    const std::size_t cap = gain_queue_.size();
    assert(gain_count_ + count <= cap);
    std::size_t tail = (gain_head_ + gain_count_) % cap;
    for (std::size_t k = 0; k < count; ++k) {
        gain_queue_[tail] = gains[k];
        if (++tail == cap)
            tail = 0;
    }
    gain_count_ += count;
}

void Limiter::apply(AudioView io, std::size_t first, std::size_t count) {
    // The oldest `count` gains, in order (the ring may wrap once).
    const std::size_t cap = gain_queue_.size();
    double* gains = gains_.data();
    for (std::size_t k = 0, at = gain_head_; k < count; ++k) {
        gains[k] = gain_queue_[at];
        if (++at == cap)
            at = 0;
    }
    gain_head_ = (gain_head_ + count) % cap;
    gain_count_ -= count;
    // 6. Applied to the frames that entered latency_frames() ago: each channel's ring holds the
    // last latency_frames() inputs or more; this block's go in at delay_pos_. (x * 1.0 is x:
    // unity gain is exact.)
    const std::size_t latency = latency_frames(), mask = delay_len_ - 1;
    const std::size_t write = delay_pos_, read = (delay_pos_ - latency) & mask;
    for (std::size_t c = 0; c < channels_; ++c) {
        float* line = delay_.data() + c * delay_len_;
        float* out = io.channel(c) + first;
        // In and out in at most two pieces each (the ring wraps).
        const std::size_t in1 = std::min(count, delay_len_ - write);
        std::copy_n(out, in1, line + write);
        std::copy_n(out + in1, count - in1, line);
        const std::size_t out1 = std::min(count, delay_len_ - read);
        for (std::size_t k = 0; k < out1; ++k)
            out[k] = static_cast<float>(double(line[read + k]) * gains[k]);
        for (std::size_t k = out1; k < count; ++k)
            out[k] = static_cast<float>(double(line[k - out1]) * gains[k]);
    }
    delay_pos_ = (delay_pos_ + count) & mask;
    if (trace_)
        for (std::size_t k = 0; k < count; ++k)
            trace_->add(gains[k]);
    // The statistics leave out the gains of the frames before the stream that only the
    // detection thread's latency adds.
    const std::size_t skip = std::min(prefill_left_, count);
    prefill_left_ -= skip;
    frames_ += count - skip;
    double min_gain = min_gain_, product = gain_product_;
    std::uint64_t active = active_;
    for (std::size_t k = skip; k < count; ++k) {
        const double gain = gains[k];
        if (gain < active_gain) {
            // The sum of the reductions in dB is -20 log10 of the product of the gains: kept
            // as mantissa and binary exponent (one multiplication per frame, not a log10).
            ++active;
            min_gain = std::min(min_gain, gain);
            product *= gain;
            if (product < 0x1p-512) {
                int e = 0;
                product = std::frexp(product, &e);
                gain_exponent_ += e;
            }
        }
    }
    min_gain_ = min_gain;
    gain_product_ = product;
    active_ = active;
}

void Limiter::screen_chunk(Detect& d, const float* x, std::size_t m, std::size_t at) {
    // The window: the last hist_len_ - 1 samples, then the chunk. Frame j of the chunk gives
    // the estimates of the interval [i, i + 1], i = j - detect_delay_ (index past + j - D).
    const std::size_t past = hist_len_ - 1, D = detect_delay_;
    float* w = d.fwin.data();
    std::copy(x, x + m, w + past);
    // Per frame, a bound M of |x| over everything its estimates read (the 72 samples up to it):
    // the running maximum of the current 32-frame piece (aligned on the stream, not on the
    // blocks) and the maxima of the three pieces before. It sets the frame's rounding slack, so
    // the values below do not depend on how the stream is cut into blocks.
    float piece = d.piece_max, p0 = d.prev_max[0], p1 = d.prev_max[1], p2 = d.prev_max[2];
    float older = std::max({p0, p1, p2}), quiet = 0.0f;
    float* bound = d.bound.data();
    for (std::size_t j = 0; j < m;) {
        // The rest of the current piece, or of the chunk.
        const std::size_t end = std::min(m, j + (piece_frames - d.piece_fill));
        d.piece_fill += end - j;
#if defined(__SSE2__)
        // Four frames at a time: the running maximum as a prefix maximum within the vector
        // (lanes shifted in twice), then carried on. A NaN sample counts as 0, as it does in
        // std::max(piece, NaN) below; the maxima are exact, so the bounds are the same.
        const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
        const __m128 old_v = _mm_set1_ps(older);
        __m128 carry = _mm_set1_ps(piece);
        for (; j + 4 <= end; j += 4) {
            __m128 v = _mm_and_ps(_mm_loadu_ps(x + j), abs_mask);
            v = _mm_and_ps(v, _mm_cmpord_ps(v, v));
            v = _mm_max_ps(v, _mm_castsi128_ps(_mm_slli_si128(_mm_castps_si128(v), 4)));
            v = _mm_max_ps(v, _mm_castsi128_ps(_mm_slli_si128(_mm_castps_si128(v), 8)));
            v = _mm_max_ps(v, carry);
            _mm_storeu_ps(bound + j, _mm_max_ps(v, old_v));
            carry = _mm_shuffle_ps(v, v, _MM_SHUFFLE(3, 3, 3, 3));
        }
        piece = _mm_cvtss_f32(carry);
#endif
        for (; j < end; ++j) {
            piece = std::max(piece, std::abs(x[j]));
            bound[j] = std::max(piece, older);
        }
        quiet = std::max(quiet, bound[end - 1]); // the bounds only grow within a piece
        if (d.piece_fill == piece_frames) {
            p2 = p1;
            p1 = p0;
            p0 = piece;
            older = std::max({p0, p1, p2});
            piece = 0.0f;
            d.piece_fill = 0;
        }
    }
    d.piece_max = piece;
    d.prev_max[0] = p0;
    d.prev_max[1] = p1;
    d.prev_max[2] = p2;
    const double quiet_m = quiet;
    // Skipped: a group of estimates none of which can exceed the target (each is at most the
    // exact value, <= S M, plus its rounding error plus the slack added, both <= slack(M)).
    const bool quiet4 = fast_path_ && quiet_m * (max_sum_abs_ + 2.0 * slack4_) <= target_;
    const bool quiet8 = fast_path_ && quiet_m * (max_gain_ + 2.0 * slack8_) <= target_;
    const kernels::FloatKernels& k = kernels::float_kernels();
    std::fill(d.best4.begin(), d.best4.begin() + std::ptrdiff_t(m), 0.0f);
    std::fill(d.best8.begin(), d.best8.begin() + std::ptrdiff_t(m), 0.0f);
    if (!quiet4)
        for (const Mirrored& f : mirrored_)
            k.mirrored_peaks(w + past - f.offset, m, f.fe.data(),
                             f.fo.empty() ? nullptr : f.fo.data(), f.fe.size(), d.best4.data());
    if (!quiet8) {
        // Values that cannot come near the target need no parabolic refinement (their bound
        // 1.125 x the largest 8x point is used: still an upper bound, still under the target).
        const float refine_above = fast_path_ ? float(0.999 * (target_ - slack8_ * quiet_m)) : 0.0f;
        // Runs of frames whose 8x values provably stay at or under this are not interpolated
        // past 2x: the bound that proves it and the value interpolation would give, each plus
        // its slack, both stay under the target, where only the comparison with it matters.
        const bool small_slack = 2.0 * slack8_ * quiet_m <= 0.25 * target_;
        const float skip_below =
            fast_path_ && small_slack ? float(0.999 * (target_ - 2.0 * slack8_ * quiet_m)) : 0.0f;
        for (const IdealPeak8x* ip : {&ideal_, &dac_}) {
            ip->interval_peaks_float(w + past - D, m, d.ideal_out.data(), d.ideal_scratch,
                                     refine_above, skip_below);
            for (std::size_t j = 0; j < m; ++j)
                d.best8[j] = std::max(d.best8[j], d.ideal_out[j]);
        }
    }
    // Upper bounds of the exact values: the float values plus their error bounds. A skipped
    // group stays 0 (provably under the target, where its value does not matter).
    const float* best4 = d.best4.data();
    const float* best8 = d.best8.data();
    const float* xs = w + past - D; // the frames the estimates are of
    double* interp = d.interp.data() + at;
    double* sample = d.sample.data() + at;
    std::size_t j = 0;
#if defined(__SSE2__)
    // Two frames at a time, the same operations as below (std::max(a, b) is _mm_max_pd(b, a),
    // NaN included).
    {
        const __m128d s4 = _mm_set1_pd(quiet4 ? 0.0 : slack4_),
                      s8 = _mm_set1_pd(quiet8 ? 0.0 : slack8_);
        const __m128d keep4 = _mm_castsi128_pd(_mm_set1_epi64x(quiet4 ? 0 : -1)),
                      keep8 = _mm_castsi128_pd(_mm_set1_epi64x(quiet8 ? 0 : -1));
        const __m128d abs_mask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
        auto pair = [](const float* p) {
            return _mm_cvtps_pd(
                _mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
        };
        for (; j + 2 <= m; j += 2) {
            const __m128d mj = pair(bound + j);
            const __m128d v4 = _mm_and_pd(_mm_add_pd(pair(best4 + j), _mm_mul_pd(s4, mj)), keep4);
            const __m128d v8 = _mm_and_pd(_mm_add_pd(pair(best8 + j), _mm_mul_pd(s8, mj)), keep8);
            _mm_storeu_pd(interp + j, _mm_max_pd(v8, v4));
            _mm_storeu_pd(sample + j, _mm_and_pd(pair(xs + j), abs_mask));
        }
    }
#endif
    for (; j < m; ++j) {
        const double mj = bound[j];
        const double v4 = quiet4 ? 0.0 : double(best4[j]) + slack4_ * mj;
        const double v8 = quiet8 ? 0.0 : double(best8[j]) + slack8_ * mj;
        interp[j] = std::max(v4, v8);
        sample[j] = std::abs(double(xs[j]));
    }
    std::copy(w + m, w + m + past, w);
}

LimiterStats Limiter::stats() const {
    LimiterStats s;
    s.frames = frames_;
    s.max_gain_reduction_db = active_ ? -20.0 * std::log10(min_gain_) : 0.0;
    const double sum_db =
        -20.0 * (std::log10(gain_product_) + double(gain_exponent_) * std::log10(2.0));
    s.average_gain_reduction_db = active_ ? sum_db / double(active_) : 0.0;
    s.active_share = frames_ ? double(active_) / double(frames_) : 0.0;
    return s;
}

} // namespace tapeop::dsp
