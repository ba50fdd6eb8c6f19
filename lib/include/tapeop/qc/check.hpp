#pragma once
// QC of files against a delivery spec (DESIGN.md §3 "check"): one streaming pass per file
// feeds the meters (loudness, true peak, levels) and the defect detectors together, then every
// enabled check of the spec turns the numbers into findings: what, how bad, where.
//
// Usable from the CLI (`tapeop check`) and from a recipe pass alike:
//   const qc::Spec spec = qc::load_spec("ebu-r128", dirs);
//   std::vector<qc::FileReport> reports;
//   for (auto& f : files) reports.push_back(qc::check_file(f, spec));
//   qc::check_set(reports, spec); // stem-set checks across the files
#include "tapeop/analysis/analyze.hpp"
#include "tapeop/audio_buffer.hpp"
#include "tapeop/io/format.hpp"
#include "tapeop/qc/spec.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace tapeop::qc {

// One problem found. Numbers are NaN when they do not apply (null in JSON).
struct Finding {
    std::string check; // stable short name: "clipping", "hum", ... (see check_defs())
    Severity severity = Severity::error;
    std::string message; // one line for a human, with timestamps like 01:23.456
    double value = nan;  // what was measured, in the check's unit
    double limit = nan;  // the spec's limit it was compared with
    double at_s = nan;   // where (seconds from the start) the first occurrence is
    // Where each occurrence is (seconds, earliest first, one per channel and event; at most
    // EventLog's keep): for detectors of events (clicks, dropouts, clipping), else empty.
    std::vector<double> times_s;

    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
};

// What the pass measured (NaN when the spec did not need the meter).
struct Measurements {
    double integrated_lufs = Finding::nan;
    double loudness_range_lu = Finding::nan;
    double true_peak_dbtp = Finding::nan;
    double sample_peak_dbfs = Finding::nan;
};

struct FileReport {
    std::string path;
    io::FileInfo info;
    std::string error;               // non-empty: the file could not be read ("path: why")
    std::vector<Finding> findings;   // in check_defs() order
    std::vector<std::string> checks; // the checks that ran on this file, same order
    Measurements measured{};

    bool readable() const { return error.empty(); }
    // Readable and no finding of severity error.
    bool pass() const;
};

// The checks of one file, fed block by block: check_file's pass, or any other pass that reads
// the file (`report` measures and checks in one read). Feed every block of the file in order
// to add() (any block sizes: the findings do not depend on them), then call finish() once.
//
// Meters::own: the checker runs the loudness and true-peak meters its checks need itself, on
// a worker thread beside the detectors, and its own level meter. Meters::supplied: the
// caller's pass already runs them on the same blocks and hands their figures to finish()
// (integrated loudness and LRA when needs_loudness(), true peak when needs_true_peak()) and its
// level meter (sample peak, RMS and DC offset: the same sums over the same blocks, whatever
// its clip threshold); the findings are the same either way.
class Checker {
  public:
    enum class Meters { own, supplied };
    // Throws Error naming `path` when the file has no frames.
    Checker(const Spec& spec, const io::FileInfo& info, std::string path,
            Meters meters = Meters::own);
    ~Checker();
    Checker(const Checker&) = delete;
    Checker& operator=(const Checker&) = delete;

    bool needs_loudness() const;
    bool needs_true_peak() const;

    // A buffer to read the next block into (capacity default_block_frames), so that add() of
    // that block hands it to the meters' worker without a copy. Optional.
    AudioBuffer& next_block();
    void add(AudioView block);

    // What the reader counted and replaced by 0 (io::AudioReader::allow_nonfinite).
    struct NonFinite {
        std::uint64_t samples = 0;
        std::int64_t first_frame = -1;
    };
    // The end of the file: evaluates every check that applies. `supplied` and `levels` with
    // Meters::supplied (`supplied`'s sample peak is not used: it is `levels`'). Throws Error
    // naming the file when no frame was added (or `levels` is missing with Meters::supplied).
    // Call once.
    FileReport finish(const NonFinite& nonfinite, const Measurements& supplied = {},
                      const analysis::LevelMeter* levels = nullptr);

  private:
    struct State;
    std::unique_ptr<State> s_;
};

// Reads `path` once (a Checker fed by an io::AudioReader) and applies every enabled check of
// `spec`. Never throws for a problem
// with the file: an unreadable file comes back with `error` set (other files go on).
FileReport check_file(const std::string& path, const Spec& spec,
                      const analysis::ProgressFn& progress = {});

// The checks across a set of files (stem_mismatch: rates, lengths, sample formats, channel
// counts differing from the majority of the set). Appends findings to the odd files; does
// nothing unless the spec enables stem_mismatch or with fewer than two readable files.
void check_set(std::vector<FileReport>& reports, const Spec& spec);

// The JUnit XML for `reports` (one testsuite per run, one testcase per file and check;
// error findings are <failure>s, warnings go to <system-out>, unreadable files are <error>s).
std::string junit_xml(const std::vector<FileReport>& reports, const Spec& spec);

} // namespace tapeop::qc
