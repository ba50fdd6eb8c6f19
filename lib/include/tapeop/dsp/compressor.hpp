#pragma once
// Feed-forward compressor: detector -> gain computer in dB -> apply.
//
// Detector: the mean square of the input (per frame, the largest of the channels' squares, so
// the stereo image never moves), smoothed by a branching one-pole (attack while rising,
// release while falling; Giannoulis/Massberg/Reiss 2012, eq. (17)). Its level in dB is an RMS
// level: a steady sine of peak amplitude A reads 20 log10(A / sqrt(2)) dBFS, so a full-scale
// sine is at -3.01 dBFS (the convention of ffmpeg acompressor's default rms detection).
// Gain computer: threshold, ratio and quadratic soft knee of Giannoulis et al. eq. (4).
// The gain (computed gain change + makeup) is applied to every channel alike.
//
// For a steady tone the output level is therefore output_db(level) + makeup within the
// detector's ripple (under 0.05 dB for tones above 200 Hz with attack >= 5 ms).
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
};

class Compressor : public Processor {
public:
    // Throws UsageError for ratio < 1, negative knee or times.
    explicit Compressor(const CompressorSettings& settings);

    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override;
    void process(AudioView io) override;

    const CompressorSettings& settings() const { return settings_; }
    const GainComputer& gain_computer() const { return computer_; }
    // Detector level (dB, RMS) after the last frame processed.
    double detector_level_db() const;
    // Largest gain reduction so far (dB, >= 0; makeup not included).
    double max_gain_reduction_db() const { return max_gr_db_; }

private:
    CompressorSettings settings_;
    GainComputer computer_;
    BranchingSmoother detector_;
    double max_gr_db_ = 0.0;
};

} // namespace tapeop::dsp
