#pragma once
// True peak per ITU-R BS.1770-4 Annex 2: 4x oversampling with the Annex's 48-tap polyphase FIR
// interpolator (12 taps per phase), per channel, in dBTP. The true peak reported is the larger
// of the interpolated values and the samples themselves, so it is never below the sample peak.
//
// The 4x interpolator is applied at every sample rate (the Annex is written for 48 kHz; at
// higher rates 4x only brings the estimate closer to the analog peak). Each new sample yields
// the four interpolated values between it and the samples before it; the interpolation past
// the last sample (into what follows the signal) is not evaluated.
//
// The fast path is exact: the meter only interpolates the stretches that could raise the
// running maximum (bound: the largest sum |h| over the phases, times the local sample peak,
// with a margin for float rounding), so its result is bit-identical to interpolating
// everything. The inner FIR runs 4 outputs at a time in SSE2 (float), using the symmetry of the
// Annex's filter (phase 3 is phase 0 reversed, phase 2 is phase 1 reversed).
#include "tapeop/audio_buffer.hpp"

#include <array>
#include <cstddef>
#include <vector>

namespace tapeop::analysis {

// The 4x interpolator, usable on its own (the true-peak limiter detects with it).
class Oversampler4x {
  public:
    static constexpr std::size_t taps_per_phase = 12;
    static constexpr std::size_t phases = 4;
    // Past samples an output needs besides the current one.
    static constexpr std::size_t history = taps_per_phase - 1;
    // The 48 coefficients of BS.1770-4 Annex 2, phase p = coefficients [p, p+4, p+8, ...].
    static const std::array<double, 48>& coefficients();
    // The largest sum |h| over the four phases: |interpolated| <= this x max |input window|.
    static double max_phase_gain();

    // Interpolates `frames` samples. `in` points at the first one; in[-history .. -1] must be
    // readable (the previous samples; zeros at the start of a signal). Writes 4 * frames
    // values: out[4 n + p] = sum_j h[p + 4 j] * in[n - j].
    static void process(const float* in, std::size_t frames, float* out);
    // max |out| of process() over the same input, without writing it (0 for frames == 0).
    static float max_abs(const float* in, std::size_t frames);
    // Per sample: out[n] = max(out[n], max_p |out[4 n + p]| of process()), the same values
    // max_abs() takes its maximum of, however the input is cut into calls.
    static void frame_peaks(const float* in, std::size_t frames, float* out);
};

class TruePeakMeter {
  public:
    // `sample_rate` is accepted for symmetry with LoudnessMeter; 4x is used at every rate.
    TruePeakMeter(int channels, int sample_rate);
    // Any block length; results do not depend on it. Extra channels in the view are ignored.
    void add(AudioView block);
    void reset();
    // Linear (1.0 = 0 dBTP) and dBTP (-infinity for silence), per channel and overall.
    double true_peak(int channel) const;
    double true_peak() const;
    double true_peak_dbtp(int channel) const;
    double true_peak_dbtp() const;
    // The plain sample peak seen (linear), per channel and overall.
    double sample_peak(int channel) const;
    double sample_peak() const;

    // Peaks since the last start_window() (or reset()), linear, per channel: the time series
    // read them per step (analysis/series.hpp). Restarting the window only makes the fast
    // path skip less (it compares against the window's peak); the totals are unchanged.
    void start_window();
    double window_true_peak(int channel) const {
        return window_peak_[static_cast<std::size_t>(channel)];
    }
    double window_sample_peak(int channel) const {
        return window_sample_peak_[static_cast<std::size_t>(channel)];
    }

    // Testing aid: with the fast path off every sample is interpolated (same results, slower).
    void set_fast_path(bool on) { fast_path_ = on; }

  private:
    static constexpr std::size_t chunk_frames = 4096;
    void add_channel(std::size_t c, const float* x, std::size_t frames);

    int channels_;
    bool fast_path_ = true;
    std::vector<std::vector<float>> history_; // last taps_per_phase-1 samples per channel
    std::vector<double> peak_;                // max(sample peak, interpolated), per channel
    std::vector<double> sample_peak_;
    std::vector<double> window_peak_, window_sample_peak_;
    std::vector<float> scratch_; // history + one chunk + padding
};

} // namespace tapeop::analysis
