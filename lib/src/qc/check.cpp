#include "tapeop/qc/check.hpp"

#include "checks.hpp"

#include "tapeop/analysis/levels.hpp"
#include "tapeop/analysis/loudness.hpp"
#include "tapeop/analysis/true_peak.hpp"
#include "tapeop/background.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/qc/detectors.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

namespace tapeop::qc {
namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

template <class T> T mode_of(const std::vector<T>& v) {
    // Most common value; ties go to the one seen first (deterministic).
    T best = v.front();
    std::size_t best_n = 0;
    for (const auto& x : v) {
        const auto n = static_cast<std::size_t>(std::count(v.begin(), v.end(), x));
        if (n > best_n) {
            best = x;
            best_n = n;
        }
    }
    return best;
}

} // namespace

// The one streaming pass: the meters and every enabled check's probe see each block once;
// then each check that applies to the file evaluates in check_defs() order. Which checks
// exist and what they need is the table's business (checks.cpp), not this class's.
struct Checker::State {
    const Spec& spec;
    FileReport rep;
    Meters meters;
    int C, rate;
    // Probes of the enabled checks (null: none, or the check does not apply to this file).
    std::vector<std::unique_ptr<Probe>> probes;
    std::vector<bool> applies;
    unsigned needs = 0; // what the applying checks need together
    // Shared meters: only what the checks need (own: fed on a worker, beside the detectors).
    std::optional<analysis::LoudnessMeter> loudness;
    std::optional<analysis::TruePeakMeter> true_peak;
    std::optional<BackgroundSink> metering;
    std::optional<analysis::LevelMeter> own_levels; // Meters::own; else the caller's
    const analysis::LevelMeter* levels = nullptr;
    std::unique_ptr<StereoDetector> stereo;
    BlockScreen screen;
    AudioBuffer block;            // next_block() without a worker
    bool block_from_sink = false; // next_block() handed out the worker's buffer
    std::int64_t done = 0;

    State(const Spec& sp, const io::FileInfo& fi, std::string path, Meters m)
        : spec(sp), meters(m), C(fi.channels), rate(fi.sample_rate), probes(sp.rules.size()),
          applies(sp.rules.size(), false), screen(static_cast<std::size_t>(fi.channels)) {
        rep.path = std::move(path);
        rep.info = fi;
        if (fi.frames == 0)
            throw Error("contains no audio (0 frames)", rep.path);
        for (std::size_t i = 0; i < spec.rules.size(); ++i) {
            const Rule& r = spec.rules[i];
            if (!r.enabled || (r.def->needs & per_set))
                continue;
            if (r.def->probe) {
                probes[i] = r.def->probe(r, fi);
                if (!probes[i])
                    continue;
            }
            applies[i] = true;
            needs |= r.def->needs;
        }
        if (meters == Meters::own) {
            own_levels.emplace(fi.channels);
            levels = &*own_levels;
            if (needs & need_loudness)
                loudness.emplace(C, rate, analysis::channel_weights(fi));
            if (needs & need_true_peak)
                true_peak.emplace(C, rate);
            if (loudness || true_peak)
                metering.emplace(
                    static_cast<std::size_t>(C),
                    [this](AudioView v) {
                        if (loudness)
                            loudness->add(v);
                        if (true_peak)
                            true_peak->add(v);
                    },
                    "tapeop-meter");
        }
        if (C == 2 && (needs & need_stereo_image))
            stereo = make_stereo_image(spec, rate);
    }
};

Checker::Checker(const Spec& spec, const io::FileInfo& info, std::string path, Meters meters)
    : s_(std::make_unique<State>(spec, info, std::move(path), meters)) {}

Checker::~Checker() = default;

bool Checker::needs_loudness() const {
    return (s_->needs & need_loudness) != 0;
}
bool Checker::needs_true_peak() const {
    return (s_->needs & need_true_peak) != 0;
}

AudioBuffer& Checker::next_block() {
    State& s = *s_;
    if (s.metering) {
        s.block_from_sink = true;
        return s.metering->next_block();
    }
    if (s.block.channels() == 0)
        s.block.resize(static_cast<std::size_t>(s.C), default_block_frames);
    return s.block;
}

void Checker::add(AudioView v) {
    State& s = *s_;
    if (s.own_levels)
        s.own_levels->add(v);
    s.screen.compute(v);
    for (auto& p : s.probes)
        if (p)
            p->add(v, s.screen);
    if (s.stereo)
        s.stereo->add(v);
    // The detectors have read the block: now the meters' worker may have it.
    if (s.metering) {
        if (s.block_from_sink)
            s.metering->submit();
        else
            s.metering->push(v);
    }
    s.block_from_sink = false;
    s.done += static_cast<std::int64_t>(v.frames());
}

FileReport Checker::finish(const NonFinite& nonfinite, const Measurements& supplied,
                           const analysis::LevelMeter* levels) {
    State& s = *s_;
    if (s.metering)
        s.metering->drain();
    if (s.done == 0)
        throw Error("contains no audio (0 frames could be read)", s.rep.path);
    if (!s.own_levels) {
        if (!levels)
            throw Error("QC checks: no level meter supplied", s.rep.path);
        s.levels = levels;
    }
    FileReport& rep = s.rep;
    rep.info.frames = s.done; // what was really read (lossy formats may announce an estimate)
    for (auto& p : s.probes)
        if (p)
            p->finish();

    Measurements& m = rep.measured;
    m.sample_peak_dbfs = s.levels->sample_peak_dbfs();
    if (s.needs & need_loudness) {
        m.integrated_lufs = s.loudness ? s.loudness->integrated_lufs() : supplied.integrated_lufs;
        m.loudness_range_lu =
            s.loudness ? s.loudness->loudness_range_lu() : supplied.loudness_range_lu;
    }
    if (s.needs & need_true_peak)
        m.true_peak_dbtp = s.true_peak ? s.true_peak->true_peak_dbtp() : supplied.true_peak_dbtp;

    const int C = s.C;
    const bool silent = s.levels->rms_dbfs() < silence_level_dbfs(s.spec);
    for (std::size_t i = 0; i < s.spec.rules.size(); ++i) {
        const Rule& r = s.spec.rules[i];
        const unsigned n = r.def->needs;
        // Checks that mean nothing on silence, or on a file that is not stereo, do not run.
        if (!s.applies[i] || ((n & need_sound) && silent) || ((n & need_stereo) && C != 2) ||
            ((n & need_channels) && C < 2))
            continue;
        rep.checks.push_back(r.def->name);
        CheckContext ctx{s.spec,
                         r,
                         rep.info,
                         s.rate,
                         C,
                         double(s.done) / s.rate,
                         silent,
                         m,
                         *s.levels,
                         nonfinite,
                         s.stereo.get(),
                         s.probes[i].get(),
                         rep.findings};
        r.def->evaluate(ctx);
    }
    return std::move(rep);
}

bool FileReport::pass() const {
    if (!readable())
        return false;
    return std::none_of(findings.begin(), findings.end(),
                        [](const Finding& f) { return f.severity == Severity::error; });
}

FileReport check_file(const std::string& path, const Spec& spec,
                      const analysis::ProgressFn& progress) {
    try {
        io::AudioReader reader(path);
        reader.allow_nonfinite(true);
        Checker checker(spec, reader.info(), path);
        std::int64_t done = 0;
        for (;;) {
            AudioBuffer& block = checker.next_block(); // read straight into the meters' block
            if (reader.read(block) == 0)
                break;
            checker.add(block.view());
            done += static_cast<std::int64_t>(block.frames());
            if (progress)
                progress(done);
        }
        return checker.finish({reader.nonfinite_samples(), reader.first_nonfinite_frame()});
    } catch (const std::exception& e) {
        FileReport rep;
        rep.path = path;
        rep.error = error_line(e, path);
        return rep;
    }
}

void check_set(std::vector<FileReport>& reports, const Spec& spec) {
    if (!spec.on("stem_mismatch"))
        return;
    const Rule& r = spec.rule("stem_mismatch");
    std::vector<FileReport*> ok;
    for (auto& rep : reports)
        if (rep.readable())
            ok.push_back(&rep);
    if (ok.size() < 2)
        return;
    std::vector<int> rates, channels;
    std::vector<std::string> formats;
    for (auto* rep : ok) {
        rates.push_back(rep->info.sample_rate);
        channels.push_back(rep->info.channels);
        formats.push_back(rep->info.subtype);
    }
    const int rate = mode_of(rates), chans = mode_of(channels);
    const std::string format = mode_of(formats);
    std::vector<std::int64_t> lengths; // among the files at the common rate
    for (auto* rep : ok)
        if (rep->info.sample_rate == rate)
            lengths.push_back(rep->info.frames);
    const double ref_s = double(mode_of(lengths)) / rate;

    for (auto* rep : ok) {
        rep->checks.push_back("stem_mismatch");
        auto add = [&](Severity sev, std::string msg, double value, double limit) {
            rep->findings.push_back(
                {"stem_mismatch", sev, std::move(msg), value, limit, Finding::nan, {}});
        };
        const auto& fi = rep->info;
        if (fi.sample_rate != rate)
            add(r.severity(),
                "sample rate " + std::to_string(fi.sample_rate) +
                    " Hz differs from the other stems (" + std::to_string(rate) + " Hz)",
                fi.sample_rate, rate);
        const double len_s = fi.duration_s();
        if (std::fabs(len_s - ref_s) > r.number("tolerance") + 1e-9)
            add(r.severity(),
                "length " + format_timestamp(len_s) + " differs from the other stems (" +
                    format_timestamp(ref_s) + ") by " + fmt("%.3f", std::fabs(len_s - ref_s)) +
                    " s",
                len_s, ref_s);
        // Mixed formats or a mono stem among stereo ones are common and workable: warnings.
        if (fi.subtype != format)
            add(Severity::warning,
                "sample format " + fi.subtype + " differs from the other stems (" + format + ")",
                Finding::nan, Finding::nan);
        if (fi.channels != chans)
            add(Severity::warning,
                std::to_string(fi.channels) + " channel(s) where the other stems have " +
                    std::to_string(chans),
                fi.channels, chans);
    }
}

} // namespace tapeop::qc
