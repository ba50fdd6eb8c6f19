#pragma once
// The time series behind analyze's numbers (`analyze --series`, the report pages): per step of
// a fixed length, momentary and short-term loudness, true peak, sample peak, RMS and the
// signed sample range (for waveforms), observed on the same meters as analyze_file in the
// same pass (the collector feeds the meters itself, split at its boundaries; no second meter).
//
// Timing: a step is a whole number of the loudness meter's 10 ms sub-blocks
// (analysis/loudness.hpp): step k covers the frames [floor(k s R / 100), floor((k + 1) s R /
// 100)) for s sub-blocks per step at rate R, so steps tile the file exactly and end where a
// sub-block ends. The last step may be shorter (the file's end).
//  - momentary_lufs / short_term_lufs: the meter's reading at the end of the step (the last
//    400 ms / 3 s; before a full window has been fed the missing part counts as silence);
//  - momentary_max_lufs / short_term_max_lufs: the largest reading at any 10 ms sub-block end
//    within the step (full windows only, like the file's maxima; -inf before), so the largest
//    of them is the file's momentary / short-term maximum exactly;
//  - true_peak / sample_peak / rms / min / max: per channel, over the step's frames (true
//    peak: BS.1770-4 Annex 2 4x, never below the sample peak).
// Levels are dB (LUFS, dBTP, dBFS); silence is -infinity.
#include "tapeop/analysis/loudness.hpp"
#include "tapeop/analysis/true_peak.hpp"
#include "tapeop/audio_buffer.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace tapeop::analysis {

struct Series {
    int sample_rate = 0;
    int channels = 0;
    double step_s = 0.0;
    std::vector<double> start_s; // start of each step, seconds from the file's start
    std::vector<float> momentary_lufs, short_term_lufs;
    std::vector<float> momentary_max_lufs, short_term_max_lufs;
    // [channel][step]
    std::vector<std::vector<float>> true_peak_dbtp, sample_peak_dbfs, rms_dbfs;
    std::vector<std::vector<float>> min, max; // signed sample range, linear
    std::size_t size() const { return start_s.size(); }
};

// The file-wide reading per step, as analyze combines channels: the largest channel's peak
// (true or sample peak, dB), and the RMS of all channels together (mean of the channels' mean
// squares, dB). -infinity for silence.
std::vector<float> peak_over_channels(const std::vector<std::vector<float>>& per_channel_db);
std::vector<float> rms_over_channels(const std::vector<std::vector<float>>& per_channel_db);

class SeriesCollector {
  public:
    // `step_s`: rounded to the nearest multiple of 10 ms, at least 10 ms (UsageError when
    // not positive or over one hour).
    SeriesCollector(int channels, int sample_rate, double step_s);

    // Feeds `block` to both meters and records the steps that end in it. The meters must be
    // fed only through here (the collector reads them at its boundaries).
    void add(AudioView block, LoudnessMeter& loudness, TruePeakMeter& true_peak);
    // Records the last, partial step (if any frames are pending). Call once at the end.
    void finish(const TruePeakMeter& true_peak);

    const Series& series() const { return s_; }
    Series take() { return std::move(s_); }
    std::int64_t step_frames_nominal() const;

  private:
    std::uint64_t boundary(std::uint64_t subblock) const;
    void end_step(const TruePeakMeter& true_peak);

    Series s_;
    std::uint64_t subblocks_per_step_ = 10;
    std::uint64_t frames_fed_ = 0;
    std::uint64_t subblocks_done_ = 0;
    std::uint64_t step_start_frame_ = 0;
    float momentary_max_, short_term_max_;
    std::vector<std::array<double, 4>> sum_sq_; // per channel: lane = frame index mod 4
    std::vector<float> lo_, hi_;
};

} // namespace tapeop::analysis
