#include "tapeop/background.hpp"
#include "tapeop/report/page.hpp"

#include <optional>

namespace tapeop::report {
namespace {

// The QC checks as an observer of analyze's pass: the detectors run on a worker thread
// beside the meters, and the loudness and true peak come from the pass's own meters.
class CheckObserver final : public analysis::BlockObserver {
  public:
    CheckObserver(const qc::Spec& spec, std::string path) : spec_(spec), path_(std::move(path)) {}

    void start(const io::FileInfo& info) override {
        checker_.emplace(spec_, info, path_, qc::Checker::Meters::supplied);
        sink_.emplace(
            static_cast<std::size_t>(info.channels), [this](AudioView v) { checker_->add(v); },
            "tapeop-check");
    }
    void add(AudioView block) override { sink_->push(block); }

    // analyze_file has returned, so the file held no non-finite sample (it throws on them).
    qc::FileReport finish(const analysis::FileAnalysis& a) {
        sink_->drain();
        qc::Measurements m;
        m.integrated_lufs = a.integrated_lufs;
        m.loudness_range_lu = a.loudness_range_lu;
        m.true_peak_dbtp = a.true_peak_dbtp;
        return checker_->finish({}, m);
    }

  private:
    const qc::Spec& spec_;
    std::string path_;
    std::optional<qc::Checker> checker_;
    std::optional<BackgroundSink> sink_; // declared after checker_: stops before it goes
};

} // namespace

FileSection measure_file(const std::string& path, const qc::Spec* spec,
                         const analysis::ProgressFn& progress) {
    analysis::AnalyzeExtras extras;
    extras.series_columns = plot_columns;
    extras.spectrum = true;
    extras.mid_side = true;
    std::optional<CheckObserver> checks;
    if (spec) {
        checks.emplace(*spec, path);
        extras.observer = &*checks;
    }
    FileSection s{analysis::analyze_file(path, progress, extras), {}};
    if (checks)
        s.qc = checks->finish(s.analysis);
    return s;
}

} // namespace tapeop::report
