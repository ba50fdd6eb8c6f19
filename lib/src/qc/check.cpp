#include "tapeop/qc/check.hpp"

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
#include <map>
#include <optional>

namespace tapeop::qc {
namespace {

constexpr double nan = Finding::nan;

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string level_text(double db, const char* unit, int decimals = 2) {
    if (std::isinf(db))
        return std::string(db < 0 ? "-inf " : "+inf ") + unit;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f %s", decimals, db, unit);
    return buf;
}

// Limits are compared with the value as displayed (0.01 dB), so "-6.00 dBFS" passes a -6
// dBFS limit even when the exact value is 1e-7 dB above it.
double shown(double v) {
    return std::round(v * 100.0) / 100.0;
}

double finite_or_nan(double v) {
    return std::isfinite(v) ? v : nan;
}

// "at 00:01.234 (ch 1), 00:02.500 (ch 2) and 7 more"
std::string where(const EventLog& log, int rate, int channels, std::size_t show = 5) {
    std::string s;
    std::size_t i = 0;
    std::string previous;
    std::uint64_t used = 0;
    for (const auto& e : log.earliest()) {
        if (i == show)
            break;
        ++used;
        std::string at = format_timestamp(double(e.frame) / rate);
        if (channels > 1 && e.channel >= 0)
            at += " (ch " + std::to_string(e.channel + 1) + ")";
        if (at == previous)
            continue; // two events within the same millisecond
        s += (i++ == 0 ? "at " : ", ") + at;
        previous = at;
    }
    if (log.count() > used)
        s += " and " + std::to_string(log.count() - used) + " more";
    return s;
}

double first_time(const EventLog& a, int rate) {
    return a.count() ? double(a.earliest().front().frame) / rate : nan;
}

struct Pass {
    const Spec& spec;
    FileReport& rep;
    int rate = 0;
    int channels = 0;

    Finding& add(const Rule& r, std::string message, double value, double limit, double at_s) {
        rep.findings.push_back({r.def->name, r.severity(), std::move(message), value, limit, at_s});
        return rep.findings.back();
    }
};

void run(FileReport& rep, const Spec& spec, const analysis::ProgressFn& progress) {
    io::AudioReader reader(rep.path);
    reader.allow_nonfinite(true);
    const io::FileInfo& fi = reader.info();
    rep.info = fi;
    if (fi.frames == 0)
        throw Error("contains no audio (0 frames)", rep.path);
    const int C = fi.channels, rate = fi.sample_rate;
    auto on = [&](const char* name) { return spec.on(name); };
    auto rule = [&](const char* name) -> const Rule& { return spec.rule(name); };

    // Meters and detectors: only what the spec needs, all fed by the one pass below.
    std::optional<analysis::LoudnessMeter> loudness;
    if (on("loudness") || on("loudness_range"))
        loudness.emplace(C, rate, analysis::channel_weights(fi));
    std::optional<analysis::TruePeakMeter> true_peak;
    if (on("true_peak"))
        true_peak.emplace(C, rate);
    analysis::LevelMeter levels(C);

    std::optional<ClipDetector> clips;
    if (on("clipping")) {
        const auto& r = rule("clipping");
        const float thr = static_cast<float>(
            std::min(db_to_gain(r.number("level")), analysis::clip_threshold(fi.sample_format)));
        clips.emplace(C, thr, static_cast<int>(r.number("run")), !io::is_integer(fi.sample_format));
    }
    std::optional<DropoutDetector> dropouts;
    if (on("dropout")) {
        const auto& r = rule("dropout");
        auto frames = [&](const char* k) { return std::int64_t(std::llround(r.number(k) * rate)); };
        dropouts.emplace(C, frames("min"), frames("max"),
                         static_cast<float>(db_to_gain(r.number("level"))), frames("edge"));
    }
    std::optional<ClickDetector> click;
    if (on("click"))
        click.emplace(C, rate, rule("click").number("ratio"),
                      static_cast<float>(db_to_gain(rule("click").number("level"))));
    std::optional<StereoDetector> stereo;
    if (C == 2 && (on("polarity") || on("mono_compat") || on("fake_stereo")))
        stereo.emplace(rate, static_cast<float>(db_to_gain(rule("polarity").number("gate"))),
                       rule("polarity").number("min"), rule("mono_compat").number("min"));
    std::optional<HumDetector> hum;
    if (on("hum")) {
        const auto& r = rule("hum");
        hum.emplace(C, rate, static_cast<float>(db_to_gain(r.number("level"))),
                    r.number("prominence"), r.number("presence") / 100.0);
    }
    std::optional<SilenceEdges> head, tail;
    if (on("silence_head"))
        head.emplace(static_cast<float>(db_to_gain(rule("silence_head").number("level"))));
    if (on("silence_tail"))
        tail.emplace(static_cast<float>(db_to_gain(rule("silence_tail").number("level"))));
    std::optional<BitDepthDetector> bits;
    if (on("bit_depth") && fi.sample_format == io::SampleFormat::pcm24)
        bits.emplace();

    AudioBuffer block(static_cast<std::size_t>(C), default_block_frames);
    BlockScreen screen(static_cast<std::size_t>(C));
    // The loudness and true-peak meters run on a worker, beside the detectors in this thread.
    std::optional<BackgroundSink> metering;
    if (loudness || true_peak)
        metering.emplace(
            static_cast<std::size_t>(C),
            [&](AudioView v) {
                if (loudness)
                    loudness->add(v);
                if (true_peak)
                    true_peak->add(v);
            },
            "tapeop-meter");
    std::int64_t done = 0;
    for (;;) {
        // Read straight into the meters' next block; the detectors read it first.
        AudioBuffer& blk = metering ? metering->next_block() : block;
        if (reader.read(blk) == 0)
            break;
        const AudioView v = blk.view();
        levels.add(v);
        screen.compute(v);
        if (clips)
            clips->add(v, screen);
        if (dropouts)
            dropouts->add(v, screen);
        if (click)
            click->add(v);
        if (stereo)
            stereo->add(v);
        if (hum)
            hum->add(v);
        if (head)
            head->add(v, screen);
        if (tail)
            tail->add(v, screen);
        if (bits)
            bits->add(v);
        if (metering)
            metering->submit();
        done += static_cast<std::int64_t>(v.frames());
        if (progress)
            progress(done);
    }
    if (metering)
        metering->drain();
    if (done == 0)
        throw Error("contains no audio (0 frames could be read)", rep.path);
    rep.info.frames = done; // what was really read (lossy formats may announce an estimate)
    if (clips)
        clips->finish();
    if (click)
        click->finish();

    Measurements& m = rep.measured;
    m.sample_peak_dbfs = levels.sample_peak_dbfs();
    if (loudness) {
        m.integrated_lufs = loudness->integrated_lufs();
        m.loudness_range_lu = loudness->loudness_range_lu();
    }
    if (true_peak)
        m.true_peak_dbtp = true_peak->true_peak_dbtp();

    Pass p{spec, rep, rate, C};
    const bool silent = levels.rms_dbfs() < rule("silence").number("level");
    const double dur = double(done) / rate;

    for (const auto& r : spec.rules) {
        if (!r.enabled)
            continue;
        const std::string& name = r.def->name;
        // Checks that mean nothing on silence, or on a file that is not stereo, do not run.
        const bool needs_sound = name == "dead_channel" || name == "polarity" ||
                                 name == "mono_compat" || name == "fake_stereo" || name == "hum" ||
                                 name == "silence_head" || name == "silence_tail" ||
                                 name == "dropout" || name == "click" || name == "bit_depth";
        const bool needs_stereo =
            name == "polarity" || name == "mono_compat" || name == "fake_stereo";
        if ((needs_sound && silent) || (needs_stereo && C != 2) ||
            (name == "dead_channel" && C < 2) || (name == "bit_depth" && !bits) ||
            name == "stem_mismatch")
            continue;
        rep.checks.push_back(name);

        if (name == "sample_rate") {
            if (std::find(r.numbers.begin(), r.numbers.end(), double(rate)) == r.numbers.end()) {
                std::string want;
                for (double v : r.numbers)
                    want += (want.empty() ? "" : " or ") + fmt("%.0f", v);
                p.add(r,
                      "sample rate " + std::to_string(rate) + " Hz; the spec wants " + want + " Hz",
                      rate, r.numbers.size() == 1 ? r.numbers[0] : nan, nan);
            }
        } else if (name == "sample_format") {
            if (std::find(r.formats.begin(), r.formats.end(), fi.sample_format) ==
                r.formats.end()) {
                std::string want;
                for (auto f : r.formats)
                    want += (want.empty() ? "" : " or ") + std::string(io::sample_format_name(f));
                p.add(r, "sample format " + fi.subtype + "; the spec wants " + want, nan, nan, nan);
            }
        } else if (name == "channels") {
            if (std::find(r.numbers.begin(), r.numbers.end(), double(C)) == r.numbers.end()) {
                std::string want;
                for (double v : r.numbers)
                    want += (want.empty() ? "" : " or ") + fmt("%.0f", v);
                p.add(r, std::to_string(C) + " channel(s); the spec wants " + want, C,
                      r.numbers.size() == 1 ? r.numbers[0] : nan, nan);
            }
        } else if (name == "loudness") {
            const double L = m.integrated_lufs;
            double lo = r.has("min") ? r.number("min") : -1e9,
                   hi = r.has("max") ? r.number("max") : 1e9;
            std::string target;
            if (r.has("target")) {
                lo = std::max(lo, r.number("target") - r.number("tolerance"));
                hi = std::min(hi, r.number("target") + r.number("tolerance"));
                target = " (target " + fmt("%g", r.number("target")) + " LUFS +- " +
                         fmt("%g", r.number("tolerance")) + " LU)";
            }
            if (!std::isfinite(L))
                p.add(r, "no loudness: nothing above the -70 LUFS gate" + target, nan,
                      lo > -1e9 ? lo : hi, nan);
            else if (shown(L) < lo)
                p.add(r,
                      "integrated loudness " + level_text(L, "LUFS") + " is under " +
                          level_text(lo, "LUFS") + target,
                      L, lo, nan);
            else if (shown(L) > hi)
                p.add(r,
                      "integrated loudness " + level_text(L, "LUFS") + " is over " +
                          level_text(hi, "LUFS") + target,
                      L, hi, nan);
        } else if (name == "true_peak" || name == "sample_peak") {
            const bool tp = name == "true_peak";
            const double v = tp ? m.true_peak_dbtp : m.sample_peak_dbfs;
            const char* unit = tp ? "dBTP" : "dBFS";
            if (std::isfinite(v) && shown(v) > r.number("max"))
                p.add(r,
                      std::string(tp ? "true peak " : "sample peak ") + level_text(v, unit) +
                          " is over " + level_text(r.number("max"), unit),
                      v, r.number("max"), nan);
        } else if (name == "loudness_range") {
            const double v = m.loudness_range_lu;
            if (std::isfinite(v) && r.has("max") && shown(v) > r.number("max"))
                p.add(r,
                      "loudness range " + level_text(v, "LU", 1) + " is over " +
                          level_text(r.number("max"), "LU", 1),
                      v, r.number("max"), nan);
            else if (std::isfinite(v) && r.has("min") && shown(v) < r.number("min"))
                p.add(r,
                      "loudness range " + level_text(v, "LU", 1) + " is under " +
                          level_text(r.number("min"), "LU", 1),
                      v, r.number("min"), nan);
        } else if (name == "nonfinite") {
            if (reader.nonfinite_samples() > 0) {
                const double at = double(reader.first_nonfinite_frame()) / rate;
                p.add(r,
                      std::to_string(reader.nonfinite_samples()) +
                          " non-finite samples (NaN or Inf; checked as 0), the first at " +
                          format_timestamp(at),
                      double(reader.nonfinite_samples()), 0, at);
            }
        } else if (name == "clipping") {
            const auto& c = clips->clips();
            const auto& o = clips->overs();
            std::string msg;
            if (c.count())
                msg = std::to_string(c.count()) + " clipped run(s) of " +
                      fmt("%g", r.number("run")) + "+ samples at or above " +
                      level_text(r.number("level"), "dBFS") + " (" +
                      std::to_string(c.total_length()) + " samples, longest " +
                      std::to_string(c.longest()) + ") " + where(c, rate, C);
            if (o.count())
                msg += (msg.empty() ? "" : "; ") + std::to_string(o.count()) +
                       " run(s) over 0 dBFS (float, " + std::to_string(o.total_length()) +
                       " samples, peak " + level_text(gain_to_db(o.worst().magnitude), "dBFS") +
                       ") " + where(o, rate, C);
            if (!msg.empty()) {
                const double at = std::min(c.count() ? first_time(c, rate) : 1e300,
                                           o.count() ? first_time(o, rate) : 1e300);
                p.add(r, msg, double(c.count() + o.count()), 0, at);
            }
        } else if (name == "dc_offset") {
            std::string msg;
            double worst = -1e300;
            for (int ch = 0; ch < C; ++ch) {
                const double db = gain_to_db(std::fabs(levels.dc_offset(ch)));
                if (shown(db) > r.number("max")) {
                    msg += (msg.empty() ? "" : ", ") +
                           (C > 1 ? "ch " + std::to_string(ch + 1) + " " : std::string()) +
                           level_text(db, "dBFS") + " (mean " + fmt("%+.6f", levels.dc_offset(ch)) +
                           ")";
                    worst = std::max(worst, db);
                }
            }
            if (!msg.empty())
                p.add(r, "DC offset " + msg + " is over " + level_text(r.number("max"), "dBFS"),
                      worst, r.number("max"), nan);
        } else if (name == "silence") {
            if (silent)
                p.add(r,
                      "the whole file is silent (RMS " + level_text(levels.rms_dbfs(), "dBFS") +
                          ", peak " + level_text(levels.sample_peak_dbfs(), "dBFS") + ")",
                      finite_or_nan(levels.rms_dbfs()), r.number("level"), nan);
        } else if (name == "dead_channel") {
            for (int ch = 0; ch < C; ++ch) {
                const double db = levels.rms_dbfs(ch);
                if (db < r.number("level"))
                    p.add(r,
                          "channel " + std::to_string(ch + 1) + " is dead (RMS " +
                              level_text(db, "dBFS") + ", under " +
                              level_text(r.number("level"), "dBFS") + ") while others carry audio",
                          finite_or_nan(db), r.number("level"), nan);
            }
        } else if (name == "polarity") {
            const double corr = stereo->correlation();
            if (!std::isnan(corr) && corr < r.number("min"))
                p.add(r,
                      "L and R are anti-correlated over loud passages (correlation " +
                          fmt("%.2f", corr) +
                          "): one channel is probably polarity-inverted; from " +
                          format_timestamp(double(stereo->first_anticorrelated()) / rate),
                      corr, r.number("min"),
                      stereo->first_anticorrelated() >= 0
                          ? double(stereo->first_anticorrelated()) / rate
                          : nan);
        } else if (name == "mono_compat") {
            const double loss = stereo->mono_loss_db();
            const bool inverted = spec.on("polarity") && !std::isnan(stereo->correlation()) &&
                                  stereo->correlation() < rule("polarity").number("min");
            if (!inverted && !std::isnan(loss) && shown(loss) < r.number("min"))
                p.add(r,
                      "the mono sum (L+R)/2 is " + level_text(-loss, "dB") +
                          " down on the stereo level over loud passages",
                      finite_or_nan(loss), r.number("min"),
                      stereo->first_mono_loss() >= 0 ? double(stereo->first_mono_loss()) / rate
                                                     : nan);
        } else if (name == "fake_stereo") {
            const double stm = stereo->side_to_mid_db();
            if (!std::isnan(stm) && stm <= r.number("max"))
                p.add(r,
                      std::string("the two channels are ") +
                          (std::isinf(stm) ? "identical" : "nearly identical") + " (side " +
                          level_text(stm, "dB") +
                          " relative to mid): a mono source in a stereo file",
                      finite_or_nan(stm), r.number("max"), nan);
        } else if (name == "hum") {
            const auto h = hum->result();
            if (h.found) {
                std::string harm;
                for (int f : h.harmonics_hz)
                    harm += (harm.empty() ? "" : ", ") + std::to_string(f);
                p.add(r,
                      std::to_string(h.frequency_hz) + " Hz mains hum at " +
                          level_text(h.amplitude_dbfs, "dBFS") +
                          (harm.empty() ? std::string() : " with harmonics at " + harm + " Hz") +
                          ", in " + fmt("%.0f", h.presence * 100) + "% of the file, from " +
                          format_timestamp(double(h.first_frame) / rate),
                      h.amplitude_dbfs, r.number("level"), double(h.first_frame) / rate);
            }
        } else if (name == "dropout") {
            const auto& d = dropouts->dropouts();
            if (d.count())
                p.add(r,
                      std::to_string(d.count()) + " digital-zero gap(s) inside audio, longest " +
                          fmt("%.1f", 1000.0 * double(d.longest()) / rate) + " ms, " +
                          where(d, rate, C),
                      double(d.count()), 0, first_time(d, rate));
        } else if (name == "click") {
            const auto& k = click->clicks();
            if (k.count())
                p.add(r,
                      std::to_string(k.count()) + " click(s), up to " +
                          fmt("%.0f", k.worst().magnitude) + " dB above the local level, " +
                          where(k, rate, C),
                      double(k.count()), 0, first_time(k, rate));
        } else if (name == "silence_head") {
            const double s = head->first_loud() < 0 ? dur : double(head->first_loud()) / rate;
            if (s > r.number("max"))
                p.add(r,
                      "leading silence of " + fmt("%.3f", s) + " s (under " +
                          level_text(r.number("level"), "dBFS") + "), over " +
                          fmt("%g", r.number("max")) + " s",
                      s, r.number("max"), 0.0);
        } else if (name == "silence_tail") {
            const double at = tail->last_loud() < 0 ? 0.0 : double(tail->last_loud() + 1) / rate;
            const double s = dur - at;
            if (s > r.number("max"))
                p.add(r,
                      "trailing silence of " + fmt("%.3f", s) + " s (under " +
                          level_text(r.number("level"), "dBFS") + ") from " + format_timestamp(at) +
                          ", over " + fmt("%g", r.number("max")) + " s",
                      s, r.number("max"), at);
        } else if (name == "bit_depth") {
            const int used = bits->used_bits();
            if (used > 0 && used <= r.number("bits"))
                p.add(r,
                      "24-bit file whose samples use only " + std::to_string(used) +
                          " bits (padded lower-resolution audio)",
                      used, r.number("bits"), nan);
        }
    }
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

bool FileReport::pass() const {
    if (!readable())
        return false;
    return std::none_of(findings.begin(), findings.end(),
                        [](const Finding& f) { return f.severity == Severity::error; });
}

FileReport check_file(const std::string& path, const Spec& spec,
                      const analysis::ProgressFn& progress) {
    FileReport rep;
    rep.path = path;
    try {
        run(rep, spec, progress);
    } catch (const std::exception& e) {
        rep.error = error_line(e, path);
        rep.findings.clear();
        rep.checks.clear();
    }
    return rep;
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
                {"stem_mismatch", sev, std::move(msg), value, limit, Finding::nan});
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
