#include "tapeop/background.hpp"
#include "tapeop/report/page.hpp"

#include <optional>

namespace tapeop::report {
namespace {

// What the page needs besides analyze's figures, as an observer of analyze's pass: the
// spectrum and the QC checks, on a worker thread beside the meters. The checks' loudness and
// true peak are the pass's own.
class SectionObserver final : public analysis::BlockObserver {
  public:
    SectionObserver(const qc::Spec* spec, std::string path) : spec_(spec), path_(std::move(path)) {}

    void start(const io::FileInfo& info) override {
        spectrum_.emplace(info.channels, info.sample_rate, info.frames,
                          analysis::SpectrumCollector::default_segments, info.channels == 2);
        if (spec_)
            checker_.emplace(*spec_, info, path_, qc::Checker::Meters::supplied);
        sink_.emplace(
            static_cast<std::size_t>(info.channels),
            [this](AudioView v) {
                spectrum_->add(v);
                if (checker_)
                    checker_->add(v);
            },
            "tapeop-report");
    }
    AudioBuffer* next_block() override { return &sink_->next_block(); }
    void add(AudioView) override { sink_->submit(); } // the block read into next_block()

    // analyze_file has returned, so the file held no non-finite sample (it throws on them).
    void finish(FileSection& s) {
        sink_->drain();
        s.spectrum = spectrum_->finish();
        if (checker_) {
            qc::Measurements m;
            m.integrated_lufs = s.analysis.integrated_lufs;
            m.loudness_range_lu = s.analysis.loudness_range_lu;
            m.true_peak_dbtp = s.analysis.true_peak_dbtp;
            s.qc = checker_->finish({}, m, s.analysis.levels.get());
        }
    }

  private:
    const qc::Spec* spec_;
    std::string path_;
    std::optional<analysis::SpectrumCollector> spectrum_;
    std::optional<qc::Checker> checker_;
    std::optional<BackgroundSink> sink_; // declared last: stops before what it feeds goes
};

} // namespace

FileSection measure_file(const std::string& path, const qc::Spec* spec,
                         const analysis::ProgressFn& progress) {
    analysis::AnalyzeExtras extras;
    extras.series_columns = plot_columns;
    SectionObserver observer(spec, path);
    extras.observer = &observer;
    FileSection s{analysis::analyze_file(path, progress, extras), {}, {}, {}};
    observer.finish(s);
    s.metadata = io::read_metadata(path);
    return s;
}

} // namespace tapeop::report
