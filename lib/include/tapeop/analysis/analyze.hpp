#pragma once
// One streaming pass over a file through every meter: loudness (BS.1770 / EBU 3342), true peak,
// sample peak, RMS, DC offset, clipped samples; per channel and overall. Album figures combine
// the files' meters (all tracks as one programme).
#include "tapeop/analysis/levels.hpp"
#include "tapeop/analysis/loudness.hpp"
#include "tapeop/analysis/series.hpp"
#include "tapeop/audio_buffer.hpp"
#include "tapeop/io/format.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tapeop::analysis {

struct ChannelDetail {
    double sample_peak_dbfs = 0.0;
    double true_peak_dbtp = 0.0;
    double rms_dbfs = 0.0;
    double dc_offset = 0.0;
    std::uint64_t clipped_samples = 0;
};

struct FileAnalysis {
    io::FileInfo info;
    double integrated_lufs = 0.0; // -inf: nothing above the absolute gate
    double loudness_range_lu = 0.0;
    double true_peak_dbtp = 0.0;
    double sample_peak_dbfs = 0.0;
    double momentary_max_lufs = 0.0;
    double short_term_max_lufs = 0.0;
    double rms_dbfs = 0.0;
    double dc_offset = 0.0;
    std::uint64_t clipped_samples = 0;
    std::vector<ChannelDetail> channels;
    // Kept for album figures.
    std::shared_ptr<const LoudnessMeter> loudness;
    // The pass's level meter (its clip threshold: clip_threshold()), for a QC Checker fed the
    // same blocks (qc::Checker::Meters::supplied).
    std::shared_ptr<const LevelMeter> levels;
    // Only when asked for (AnalyzeExtras).
    std::shared_ptr<const Series> series;
};

// Something else that needs every block of the file, fed by analyze_file's pass so the file is
// read once (report: the QC checks beside the measurements). start() comes after the file is
// opened and before the first block; add() sees every block after the meters, in order.
class BlockObserver {
  public:
    virtual ~BlockObserver() = default;
    virtual void start(const io::FileInfo& info) = 0;
    // Where the pass reads the next block into (capacity default_block_frames; nullptr: the
    // pass's own buffer), so an observer that hands blocks to another thread needs no copy.
    // The pass only reads it until the add() of that block.
    virtual AudioBuffer* next_block() { return nullptr; }
    virtual void add(AudioView block) = 0;
};

// What analyze_file records besides the figures, in the same pass.
struct AnalyzeExtras {
    double series_step_s = 0.0; // > 0: the time series at this step (analysis/series.hpp)
    // > 0 (and no step): the step that gives about this many steps over the file's announced
    // length (a multiple of 10 ms), for plots at a page's resolution.
    int series_columns = 0;
    BlockObserver* observer = nullptr;
};

struct AlbumAnalysis {
    double integrated_lufs = 0.0;
    double loudness_range_lu = 0.0;
    double true_peak_dbtp = 0.0;
    double sample_peak_dbfs = 0.0;
};

// Called with the frames read so far, once per block (for progress displays).
using ProgressFn = std::function<void(std::int64_t frames_done)>;

// Reads `path` once. Throws Error naming the file when it cannot be read, has no frames, or
// holds non-finite samples (their count and the time of the first are in the message).
FileAnalysis analyze_file(const std::string& path, const ProgressFn& progress = {});
FileAnalysis analyze_file(const std::string& path, const ProgressFn& progress,
                          const AnalyzeExtras& extras);

AlbumAnalysis analyze_album(const std::vector<const FileAnalysis*>& files);

// The level at which a sample counts as clipped: the largest code of an integer format,
// 1.0 for float and lossy formats.
double clip_threshold(io::SampleFormat f);

} // namespace tapeop::analysis
