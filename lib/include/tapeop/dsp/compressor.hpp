#pragma once
// Feed-forward compressor: detector -> gain computer in dB -> smoothing -> apply.
//
// Detector: the mean square of the input (per frame, the largest of the channels' squares, so
// the stereo image never moves), averaged by a one-pole of `rms_ms` (10 ms): an RMS level.
// A steady sine of peak amplitude A reads 20 log10(A / sqrt(2)) dBFS, so a full-scale sine is
// at -3.01 dBFS (RMS detection is also ffmpeg acompressor's default).
// Gain computer: threshold, ratio and quadratic soft knee, Giannoulis/Massberg/Reiss,
// "Digital Dynamic Range Compressor Design", JAES 60(6) 2012, eq. (4).
// Smoothing: the gain reduction in dB through a branching one-pole (attack while the
// reduction grows, release while it shrinks): the "log domain, smooth branching" detector
// placement of Giannoulis et al. sec. 3 (fig. 7), so attack and release are the time
// constants (to 63 %) of the gain reduction itself.
// The gain (-reduction + makeup) is applied to every channel alike.
//
// For a steady tone the output level is output_db(level) + makeup within the detector's
// ripple (about 0.02 dB for a 1 kHz tone; it grows as 1/f for low tones).
#include "tapeop/dsp/envelope.hpp"
#include "tapeop/dsp/processor.hpp"

namespace tapeop::dsp {

struct CompressorSettings {
    double threshold_db = -20.0; // dBFS (RMS level, see above)
    double ratio = 2.0;          // >= 1
    double knee_db = 6.0;        // full knee width, >= 0
    double attack_ms = 10.0;     // >= 0
    double release_ms = 150.0;   // >= 0
    double makeup_db = 0.0;
    double rms_ms = 10.0; // RMS averaging time constant, > 0
};

class Compressor : public Processor {
  public:
    // Throws UsageError for ratio < 1, negative knee or times.
    explicit Compressor(const CompressorSettings& settings);

    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override;
    void process(AudioView io) override;
    // Ratio 1 reduces nothing at any level (the knee included), so without makeup the gain is
    // exactly 0 dB throughout.
    bool is_identity() const override {
        return settings_.ratio == 1.0 && settings_.makeup_db == 0.0;
    }

    const CompressorSettings& settings() const { return settings_; }
    const GainComputer& gain_computer() const { return computer_; }
    // Detector level (dB, RMS) and smoothed gain reduction (dB) after the last frame.
    double detector_level_db() const;
    double gain_reduction_db() const { return reduction_.value(); }
    // Largest gain reduction so far (dB, >= 0; makeup not included).
    double max_gain_reduction_db() const { return max_gr_db_; }

  private:
    CompressorSettings settings_;
    GainComputer computer_;
    double rms_coeff_ = 0.0;
    double mean_square_ = 0.0;
    BranchingSmoother reduction_; // gain reduction in dB, >= 0
    double max_gr_db_ = 0.0;
};

} // namespace tapeop::dsp
