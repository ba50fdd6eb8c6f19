#pragma once
// What a check's handler works with (the other half of CheckDef in tapeop/qc/spec.hpp).
//
// A check is one entry of the table in checks.cpp, in the manner of SoX's effect handlers:
// its name and parameters, what it needs (sound, stereo, the shared meters), a probe factory
// (its own streaming detector, fed every block of the one pass) and an evaluation that turns
// the measurements into findings. check.cpp runs the pass and knows no check by name.
#include "tapeop/analysis/levels.hpp"
#include "tapeop/qc/check.hpp"
#include "tapeop/qc/detectors.hpp"

#include <memory>
#include <string>
#include <utility>

namespace tapeop::qc {

// A check's own streaming detector. One virtual call per block and probe, never per sample.
class Probe {
  public:
    virtual ~Probe() = default;
    virtual void add(AudioView block, const BlockScreen& screen) = 0;
    virtual void finish() {} // the end of the file: close what is still open
};

// Any detector of detectors.hpp as a Probe: add(block, screen) when it uses the screen,
// add(block) otherwise; finish() when it has one.
template <class D> class ProbeOf final : public Probe {
  public:
    template <class... A> explicit ProbeOf(A&&... args) : d_(std::forward<A>(args)...) {}
    void add(AudioView block, const BlockScreen& screen) override {
        if constexpr (requires { d_.add(block, screen); })
            d_.add(block, screen);
        else
            d_.add(block);
    }
    void finish() override {
        if constexpr (requires { d_.finish(); })
            d_.finish();
    }
    const D& detector() const { return d_; }

  private:
    D d_;
};

template <class D, class... A> std::unique_ptr<Probe> make_probe(A&&... args) {
    return std::make_unique<ProbeOf<D>>(std::forward<A>(args)...);
}

// Everything an evaluation may read once the pass is over, and where its findings go.
struct CheckContext {
    const Spec& spec;
    const Rule& rule; // this check as the spec configures it
    const io::FileInfo& info;
    int rate = 0;
    int channels = 0;
    double duration_s = 0.0; // what was read
    bool silent = false;     // the whole file under the `silence` level
    const Measurements& measured;
    const analysis::LevelMeter& levels;
    Checker::NonFinite nonfinite; // what the reader counted and replaced by 0
    const StereoDetector* stereo; // when the check needs stereo_image (2 channels)
    const Probe* probe;           // the check's own probe, if it has one
    std::vector<Finding>& findings;

    // The check's own detector (the type its probe factory made).
    template <class D> const D& detector() const {
        return static_cast<const ProbeOf<D>*>(probe)->detector();
    }
    void add(std::string message, double value, double limit, double at_s) {
        findings.push_back(
            {rule.def->name, rule.severity(), std::move(message), value, limit, at_s, {}});
    }
};

// The StereoDetector the stereo checks share (polarity, mono_compat, fake_stereo), set up
// from their rules.
std::unique_ptr<StereoDetector> make_stereo_image(const Spec& spec, int sample_rate);

// RMS (dBFS) under which the whole file counts as silent (the `silence` check's level): checks
// that need sound do not run under it.
double silence_level_dbfs(const Spec& spec);

} // namespace tapeop::qc
