#pragma once
// Look-ahead, true-peak aware brickwall limiter (after Signalsmith-Audio/basics limiter.h).
//
// Per frame (all channels linked, so the stereo image never moves):
//  1. peak estimate p[m] = max over channels of |x[m]| and of four reconstructions of
//     [m, m+1]: the BS.1770-4 Annex 2 4x interpolator (48 taps); the one libebur128 1.2
//     measures with (49-tap Hann-windowed sinc, 4x below 96 kHz, 2x below 192 kHz; ebur128.c
//     interp_create); the near-ideal band-limited reconstruction (IdealPeak8x: 8x, Kaiser
//     half-band stages, parabolic refinement; within 0.001 dB of a 64x reference on music);
//     and the same low-passed at 0.955 of Nyquist (`dac_cutoff`), as a resampler or a DAC
//     filter that stops at Nyquist sees it (removing the top of the band can raise peaks);
//  2. needed gain d[m] = min(1, c / p[m]) with c = ceiling - margin;
//  3. moving minimum of d over L + 1 frames (peak hold), L = look-ahead in frames;
//  4. exponential release toward 1 (never above the hold's value);
//  5. box filter (moving mean) over L + 1 frames;
//  6. the audio, delayed by L + D frames, is multiplied by that gain.
// Steps 3-5 guarantee gain[m] <= d[m] for every frame (each of the L + 1 values averaged is
// a minimum over a window containing m), so every sample and every estimate is under c as
// long as the gain is locally constant; the smooth gain (it moves at most 1/(L+1) of its
// depth per frame) makes the remaining error tiny. `margin_db` covers that and the meters
// that differ from all four. Measured on the torture signals of tests/unit/test_limiter.cpp
// (fs/4 sine at 45 deg, squares, clipped noise, bursts and clicks, +12 dB overs, 20 kHz sine;
// 44.1 to 192 kHz) with the default margin of 0.1 dB: libebur128, BS.1770 4x and the ideal
// read at most ceiling - 0.087 dB; libsoxr VHQ 16x up to ceiling - 0.05 dB, except on noise
// flat to Nyquist (clipped white noise, noise bursts), which its low-pass (0.913 .. 1.0 of
// Nyquist) raises by up to 0.33 dB over the ideal.
//
// latency_frames() = L + D: the look-ahead plus the detection's future context D = 36 frames
// (IdealPeak8x::future) at every rate.
// A signal whose peaks stay under c passes bit-exact (gain exactly 1.0), apart from the delay.
//
// Work order: process() takes blocks of up to 4096 frames; the detection (step 1) runs over
// the whole block channel by channel, each channel on its own (its estimates, and which of
// them it can skip, depend on its samples only), and the channels' results are combined frame
// by frame; steps 2-6 then run over the block. With background threads (not under
// --no-pipeline) the detection runs on a thread of its own ("tapeop-detect"), up to
// `pipeline_blocks` blocks ahead of steps 2-6, which stay on the caller's thread: the
// latency grows by that many blocks (the chain drops them as it drops the look-ahead), and
// every gain, statistic and output sample is the same as detecting in the caller's thread
// (tested). (Detecting half of the channels on a second thread and waiting for both halves
// at every block made mastering slower on two cores, 2.1 s -> 2.3-2.5 s on the 10-minute bench
// file: the detection thread must run ahead, not in step.)
//
// The estimates of step 1 are evaluated in float (SSE2, or AVX where the CPU has it, with the
// same values: dsp/float_kernels.hpp; the 4x interpolators' mirrored phases folded, half the
// multiplications), and each is used as an upper bound of its exact value: the float value
// plus its proven rounding error, slack * M, where M bounds |x| over the samples it reads
// (the maxima of aligned 32-frame pieces, so the result does not depend on the block sizes).
// Every estimate is thus at or above the exact one, by at most 2 slack (about 3e-6 of M for
// the 4x ones, 6e-4 of M for the near-ideal ones: 0.005 dB where the window's largest sample is
// at the estimate, more below it; the margin is 0.1 dB or more). The limiter is that much more
// careful, never less.
// (Evaluating the frames over c again in double would change the gains in their last bits
// only, and cost about 15% of the time of a master.) The same inputs give the same bytes on
// every machine: the float arithmetic is the same everywhere.
//
// Fast path (output bit-identical to evaluating every estimate of every frame; tested). Frames
// are taken in chunks of up to 64. The 4x and the 8x estimates of a chunk are skipped when none
// can exceed c by the chunk bound S * M (S: the largest sum |h| over the phases of the
// interpolators, x 1.125 for the refinement; |estimate| <= S * M; 3.35 for the near-ideal
// ones) plus twice the slack; within a chunk that is not skipped, runs of 8 frames whose 2x
// values prove their 8x values under c (IdealPeak8x::bc_gain(), 2.09 x the largest of them)
// are not interpolated past 2x, and 8x values that cannot come near c are not refined (their
// bound, 1.125 x the largest 8x point, stands). A skipped value can only matter through the
// comparison with c (the gain needs the value only above c), so the result is unchanged.
// After L + 1 frames of unity gain the envelope is idle (hold, release and smoothing all
// exactly 1) and is not stepped until a frame needs gain reduction again; it then restarts
// from reset(1.0), which is the same state.
#include "tapeop/dsp/envelope.hpp"
#include "tapeop/dsp/gain_trace.hpp"
#include "tapeop/dsp/ideal_peak.hpp"
#include "tapeop/dsp/processor.hpp"

#include <array>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tapeop::dsp {

struct LimiterSettings {
    double ceiling_dbtp = -1.0;
    double lookahead_ms = 3.0; // 0.1 .. 50
    double release_ms = 80.0;  // >= 0
    double margin_db = 0.1;    // detection runs against ceiling - margin; >= 0
};

struct LimiterStats {
    double max_gain_reduction_db = 0.0;
    // A frame counts as active when its gain reduction is >= 0.01 dB.
    double average_gain_reduction_db = 0.0; // over the active frames
    double active_share = 0.0;              // share of active frames (0..1)
    std::uint64_t frames = 0;
};

class Limiter : public Processor {
  public:
    // Throws UsageError for out-of-range settings.
    explicit Limiter(const LimiterSettings& settings);
    ~Limiter() override;
    Limiter(const Limiter&) = delete;
    Limiter& operator=(const Limiter&) = delete;

    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override;
    void process(AudioView io) override;
    std::size_t latency_frames() const override {
        return lookahead_ + detect_delay_ + pipeline_frames_;
    }

    const LimiterSettings& settings() const { return settings_; }
    std::size_t lookahead_frames() const { return lookahead_; }
    // Statistics over the frames output since reset() (includes the latency's leading frames).
    LimiterStats stats() const;

    // Records the gain of every frame output from now on (master --report); nullptr stops.
    // The trace must outlive the processing; the limiter does not own it.
    void set_trace(GainTrace* trace) { trace_ = trace; }

    // Testing aid: with the fast path off every frame is interpolated (same output, slower).
    void set_fast_path(bool on) { fast_path_ = on; }

  private:
    static constexpr std::size_t chunk_frames = 64;
    // The pieces of the stream over which |x| maxima bound the rounding slack: three whole
    // pieces and the current one always cover an estimate's 72 samples.
    static constexpr std::size_t piece_frames = 32;
    // process() works in blocks of up to this many frames: detection of the whole block, then
    // the envelope over it.
    static constexpr std::size_t block_frames = 4096;
    // The reconstruction low-passed at this share of Nyquist (libsoxr VHQ's transition band,
    // 0.913 .. 1.0, has its centre there; DACs' reconstruction filters sit near it too).
    static constexpr double dac_cutoff = 0.955;

    // Per channel: the detection's state and its results for the current block.
    struct Detect {
        std::vector<float> fwin; // the last hist_len_ - 1 samples, then the current chunk
        std::vector<float> best4, best8, ideal_out, ideal_scratch, bound;
        // |x| maxima: of the current piece of piece_frames so far (piece_fill frames), and of
        // the three pieces before it, newest first.
        float piece_max = 0.0f, prev_max[3] = {0.0f, 0.0f, 0.0f};
        std::size_t piece_fill = 0;
        // Results, per frame of the block: an upper bound of the interpolated peak of
        // [m, m + 1] (0 when provably <= target_) and |x[m]|, m = n - detect_delay_.
        std::vector<double> interp, sample;
    };

    // One block on its way through the detection: its samples, then per frame the largest
    // interpolated estimate (0 when provably <= target_) and the largest |x| over the channels.
    struct Job {
        std::vector<float> samples; // channels_ x block_frames
        std::vector<double> interp, sample;
        std::size_t count = 0;
    };
    static constexpr std::size_t pipeline_blocks = 4;
    static constexpr std::size_t job_slots = pipeline_blocks + 2;

    // Detection of channel c over the next n frames (x), into detect_[c].interp / .sample.
    void detect(std::size_t c, const float* x, std::size_t n);
    // The whole detection of a job: every channel, then the maxima over the channels.
    void detect_job(Job& job);
    // The estimates of a chunk of m <= chunk_frames frames (x), into d.interp / d.sample from
    // index `at` of the block.
    void screen_chunk(Detect& d, const float* x, std::size_t m, std::size_t at);
    // Hands frames [first, first + count) of io to the detection (at once without a thread).
    void submit(AudioView io, std::size_t first, std::size_t count);
    // Steps 2-6 of the oldest detected job (waiting for it): its gains join the queue.
    void consume();
    // Steps 2-5 over the `count` frames of a detected job: their gains, into gain_queue_.
    void envelope(const Job& job);
    // Step 6 over frames [first, first + count) of io, with the oldest gains of the queue.
    void apply(AudioView io, std::size_t first, std::size_t count);
    void start_worker();
    void stop_worker();
    void worker_loop();

    bool fast_path_ = true;
    GainTrace* trace_ = nullptr;
    double max_sum_abs_ = 0.0; // S of the 4x interpolators
    double max_gain_ = 0.0;    // S above: the larger of that and IdealPeak8x::max_gain()
    IdealPeak8x ideal_;
    IdealPeak8x dac_{dac_cutoff};
    // A mirrored pair of 4x phases (or one phase mirrored in itself), folded for the float
    // screen (dsp/float_kernels.hpp); offset: how far its window ends before the newest frame.
    struct Mirrored {
        std::vector<float> fe, fo;
        std::size_t offset = 0;
    };
    std::vector<Mirrored> mirrored_;
    double mirror_error_ = 0.0;          // largest |h_q[k] - h_p[len - 1 - k]| of the folds
    double slack4_ = 0.0, slack8_ = 0.0; // rounding slack of the float estimates per unit of M
    std::vector<Detect> detect_;
    // The detection's jobs, a ring: submitted_, detected_ and consumed_ count jobs; job n lives
    // in jobs_[n % job_slots]. The worker writes detected_ and a job's results under mutex_.
    std::vector<Job> jobs_;
    std::uint64_t submitted_ = 0, detected_ = 0, consumed_ = 0;
    std::thread worker_;
    std::mutex mutex_;
    std::condition_variable work_cv_, done_cv_;
    bool stopping_ = false;
    bool worker_waits_ = false, caller_waits_ = false; // who sleeps on a condition variable
    std::exception_ptr worker_error_;
    // Extra latency of the detection thread (0 without it); the first pipeline_frames_ gains
    // of the queue are those of the frames before the stream (1.0, not counted in the stats).
    std::size_t pipeline_frames_ = 0;
    std::size_t prefill_left_ = 0;
    // The gains computed and not applied yet, a ring of gain_capacity_.
    std::vector<double> gain_queue_;
    std::size_t gain_head_ = 0, gain_count_ = 0;
    std::size_t unity_run_ = 0; // consecutive frames with needed == 1 and release gain == 1
    bool idle_ = true;
    LimiterSettings settings_;
    double target_ = 1.0; // linear ceiling - margin
    double release_coeff_ = 0.0;
    std::size_t channels_ = 0;
    std::size_t lookahead_ = 0;

    // libebur128-style interpolator: phases 1..factor-1 (phase 0 is the sample itself),
    // dense, `hann_len_` taps each, applied to the window w[k] = x[n - k].
    std::size_t factor_ = 0;
    std::size_t hann_len_ = 0;
    std::vector<double> hann_;   // (factor - 1) x hann_len_
    std::size_t hann_delay_ = 0; // its centre: 6 or 12 frames back
    std::size_t detect_delay_ = IdealPeak8x::future;
    std::size_t hist_len_ = 72;
    // Per channel: the audio's delay line, a ring of at least latency_frames() + block_frames.
    std::vector<float> delay_;
    std::size_t delay_len_ = 0; // a power of two
    std::size_t delay_pos_ = 0; // where the next input frame goes
    // Per frame of the block: the needed gains; their held minima; the gains.
    std::vector<double> needed_, held_, gains_;

    double prev_interp_peak_ = 0.0;
    double release_gain_ = 1.0;
    BlockMovingMin hold_;
    BoxMean smooth_;

    // Over the active frames: the smallest gain, and the product of the gains as
    // gain_product_ * 2^gain_exponent_.
    double min_gain_ = 1.0, gain_product_ = 1.0;
    std::int64_t gain_exponent_ = 0;
    std::uint64_t active_ = 0, frames_ = 0;
};

} // namespace tapeop::dsp
