#include "tapeop/analysis/analyze.hpp"

#include "tapeop/analysis/levels.hpp"
#include "tapeop/analysis/true_peak.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace tapeop::analysis {

double clip_threshold(io::SampleFormat f) {
    const int bits = io::integer_bits(f);
    if (bits == 0)
        return 1.0;
    const double full = std::ldexp(1.0, bits - 1);
    return (full - 1.0) / full;
}

FileAnalysis analyze_file(const std::string& path, const ProgressFn& progress) {
    return analyze_file(path, progress, AnalyzeExtras{});
}

FileAnalysis analyze_file(const std::string& path, const ProgressFn& progress,
                          const AnalyzeExtras& extras) {
    io::AudioReader reader(path);
    reader.allow_nonfinite(true);
    const io::FileInfo& fi = reader.info();
    if (fi.frames == 0)
        throw Error("contains no audio (0 frames)", path);

    auto loudness =
        std::make_shared<LoudnessMeter>(fi.channels, fi.sample_rate, channel_weights(fi));
    TruePeakMeter true_peak(fi.channels, fi.sample_rate);
    auto levels_meter = std::make_shared<LevelMeter>(fi.channels, clip_threshold(fi.sample_format));
    LevelMeter& levels = *levels_meter;

    double step_s = extras.series_step_s;
    if (step_s <= 0.0 && extras.series_columns > 0)
        step_s = std::max(0.01, std::ceil(fi.duration_s() * 100.0 / extras.series_columns) / 100.0);
    std::optional<SeriesCollector> series;
    if (step_s > 0.0)
        series.emplace(fi.channels, fi.sample_rate, step_s);
    if (extras.observer)
        extras.observer->start(fi);

    AudioBuffer block(static_cast<std::size_t>(fi.channels), default_block_frames);
    std::int64_t done = 0;
    for (;;) {
        AudioBuffer* into = extras.observer ? extras.observer->next_block() : nullptr;
        AudioBuffer& blk = into ? *into : block;
        if (reader.read(blk) == 0)
            break;
        const AudioView v = blk.view();
        if (series) {
            series->add(v, *loudness, true_peak);
        } else {
            loudness->add(v);
            true_peak.add(v);
        }
        levels.add(v);
        if (extras.observer)
            extras.observer->add(v);
        done += static_cast<std::int64_t>(v.frames());
        if (progress)
            progress(done);
    }
    if (reader.nonfinite_samples() > 0)
        throw Error("contains " + std::to_string(reader.nonfinite_samples()) +
                        " non-finite samples (NaN or Inf), the first at " +
                        format_timestamp(double(reader.first_nonfinite_frame()) / fi.sample_rate),
                    path);
    if (done == 0)
        throw Error("contains no audio (0 frames could be read)", path);

    FileAnalysis a;
    a.info = fi;
    a.info.frames = done; // what was really read (lossy formats may announce an estimate)
    a.integrated_lufs = loudness->integrated_lufs();
    a.loudness_range_lu = loudness->loudness_range_lu();
    a.momentary_max_lufs = loudness->momentary_max_lufs();
    a.short_term_max_lufs = loudness->short_term_max_lufs();
    a.true_peak_dbtp = true_peak.true_peak_dbtp();
    a.sample_peak_dbfs = levels.sample_peak_dbfs();
    a.rms_dbfs = levels.rms_dbfs();
    a.dc_offset = levels.dc_offset();
    a.clipped_samples = levels.clipped_samples();
    for (int c = 0; c < fi.channels; ++c)
        a.channels.push_back({levels.sample_peak_dbfs(c), true_peak.true_peak_dbtp(c),
                              levels.rms_dbfs(c), levels.dc_offset(c), levels.clipped_samples(c)});
    a.loudness = std::move(loudness);
    a.levels = std::move(levels_meter);
    if (series) {
        series->finish(true_peak);
        a.series = std::make_shared<const Series>(series->take());
    }
    return a;
}

AlbumAnalysis analyze_album(const std::vector<const FileAnalysis*>& files) {
    AlbumAnalysis album;
    std::vector<const LoudnessMeter*> meters;
    album.true_peak_dbtp = -std::numeric_limits<double>::infinity();
    album.sample_peak_dbfs = -std::numeric_limits<double>::infinity();
    for (const auto* f : files) {
        meters.push_back(f->loudness.get());
        album.true_peak_dbtp = std::max(album.true_peak_dbtp, f->true_peak_dbtp);
        album.sample_peak_dbfs = std::max(album.sample_peak_dbfs, f->sample_peak_dbfs);
    }
    album.integrated_lufs = LoudnessMeter::integrated_lufs(meters);
    album.loudness_range_lu = LoudnessMeter::loudness_range_lu(meters);
    return album;
}

} // namespace tapeop::analysis
