// The table of checks: each one defined once, here, from its parameters to its findings.
// To add a check: a CheckDef entry in make_defs() (name, summary, default, severity,
// parameters, needs, probe, evaluate, validate), in report order, and a line in docs/specs.md.
#include "checks.hpp"

#include "tapeop/analysis/levels.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tapeop::qc {
namespace {

constexpr double nan = Finding::nan;
constexpr double unset = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Message helpers.

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

// Each kept occurrence's time (seconds), for the finding's times_s.
std::vector<double> times_of(const EventLog& log, int rate) {
    std::vector<double> t;
    for (const auto& e : log.earliest())
        t.push_back(double(e.frame) / rate);
    return t;
}

double first_time(const EventLog& a, int rate) {
    return a.count() ? double(a.earliest().front().frame) / rate : nan;
}

float linear(const Rule& r, const char* key) {
    return static_cast<float>(db_to_gain(r.number(key)));
}

// ---------------------------------------------------------------------------------------------
// Delivery constraints.

std::string list_text(const std::vector<double>& values) {
    std::string want;
    for (double v : values)
        want += (want.empty() ? "" : " or ") + fmt("%.0f", v);
    return want;
}

bool listed(const std::vector<double>& values, double v) {
    return std::find(values.begin(), values.end(), v) != values.end();
}

void eval_sample_rate(CheckContext& c) {
    const Rule& r = c.rule;
    if (!listed(r.numbers, double(c.rate)))
        c.add("sample rate " + std::to_string(c.rate) + " Hz; the spec wants " +
                  list_text(r.numbers) + " Hz",
              c.rate, r.numbers.size() == 1 ? r.numbers[0] : nan, nan);
}

void eval_sample_format(CheckContext& c) {
    const Rule& r = c.rule;
    if (std::find(r.formats.begin(), r.formats.end(), c.info.sample_format) != r.formats.end())
        return;
    std::string want;
    for (auto f : r.formats)
        want += (want.empty() ? "" : " or ") + std::string(io::sample_format_name(f));
    c.add("sample format " + c.info.subtype + "; the spec wants " + want, nan, nan, nan);
}

void eval_channels(CheckContext& c) {
    const Rule& r = c.rule;
    if (!listed(r.numbers, double(c.channels)))
        c.add(std::to_string(c.channels) + " channel(s); the spec wants " + list_text(r.numbers),
              c.channels, r.numbers.size() == 1 ? r.numbers[0] : nan, nan);
}

const char* need_list(const Rule& r) {
    return r.numbers.empty() ? "list the allowed values" : nullptr;
}

const char* need_formats(const Rule& r) {
    return r.formats.empty() ? "list the allowed formats (16, 24, 32, float)" : nullptr;
}

void eval_loudness(CheckContext& c) {
    const Rule& r = c.rule;
    const double L = c.measured.integrated_lufs;
    double lo = r.has("min") ? r.number("min") : -1e9, hi = r.has("max") ? r.number("max") : 1e9;
    std::string target;
    if (r.has("target")) {
        lo = std::max(lo, r.number("target") - r.number("tolerance"));
        hi = std::min(hi, r.number("target") + r.number("tolerance"));
        target = " (target " + fmt("%g", r.number("target")) + " LUFS +- " +
                 fmt("%g", r.number("tolerance")) + " LU)";
    }
    if (!std::isfinite(L))
        c.add("no loudness: nothing above the -70 LUFS gate" + target, nan, lo > -1e9 ? lo : hi,
              nan);
    else if (shown(L) < lo)
        c.add("integrated loudness " + level_text(L, "LUFS") + " is under " +
                  level_text(lo, "LUFS") + target,
              L, lo, nan);
    else if (shown(L) > hi)
        c.add("integrated loudness " + level_text(L, "LUFS") + " is over " +
                  level_text(hi, "LUFS") + target,
              L, hi, nan);
}

const char* need_loudness_limits(const Rule& r) {
    return !r.has("target") && !r.has("min") && !r.has("max")
               ? "give a target (loudness -23 LUFS) or min=/max="
               : nullptr;
}

void eval_peak(CheckContext& c, double v, const char* what, const char* unit) {
    const double max = c.rule.number("max");
    if (std::isfinite(v) && shown(v) > max)
        c.add(std::string(what) + level_text(v, unit) + " is over " + level_text(max, unit), v, max,
              nan);
}

void eval_true_peak(CheckContext& c) {
    eval_peak(c, c.measured.true_peak_dbtp, "true peak ", "dBTP");
}

void eval_sample_peak(CheckContext& c) {
    eval_peak(c, c.measured.sample_peak_dbfs, "sample peak ", "dBFS");
}

const char* need_max(const Rule& r) {
    return r.has("max") ? nullptr : "give max= (e.g. max=-1 dBTP)";
}

void eval_loudness_range(CheckContext& c) {
    const Rule& r = c.rule;
    const double v = c.measured.loudness_range_lu;
    if (std::isfinite(v) && r.has("max") && shown(v) > r.number("max"))
        c.add("loudness range " + level_text(v, "LU", 1) + " is over " +
                  level_text(r.number("max"), "LU", 1),
              v, r.number("max"), nan);
    else if (std::isfinite(v) && r.has("min") && shown(v) < r.number("min"))
        c.add("loudness range " + level_text(v, "LU", 1) + " is under " +
                  level_text(r.number("min"), "LU", 1),
              v, r.number("min"), nan);
}

const char* need_range_limits(const Rule& r) {
    return !r.has("min") && !r.has("max") ? "give min= and/or max= in LU" : nullptr;
}

// ---------------------------------------------------------------------------------------------
// Detectors.

void eval_nonfinite(CheckContext& c) {
    const auto n = c.nonfinite.samples;
    if (n == 0)
        return;
    const double at = double(c.nonfinite.first_frame) / c.rate;
    c.add(std::to_string(n) + " non-finite samples (NaN or Inf; checked as 0), the first at " +
              format_timestamp(at),
          double(n), 0, at);
}

std::unique_ptr<Probe> probe_clipping(const Rule& r, const io::FileInfo& fi) {
    const float thr = static_cast<float>(
        std::min(db_to_gain(r.number("level")), analysis::clip_threshold(fi.sample_format)));
    return make_probe<ClipDetector>(fi.channels, thr, static_cast<int>(r.number("run")),
                                    !io::is_integer(fi.sample_format));
}

void eval_clipping(CheckContext& c) {
    const Rule& r = c.rule;
    const auto& det = c.detector<ClipDetector>();
    const auto& k = det.clips();
    const auto& o = det.overs();
    std::string msg;
    if (k.count())
        msg = std::to_string(k.count()) + " clipped run(s) of " + fmt("%g", r.number("run")) +
              "+ samples at or above " + level_text(r.number("level"), "dBFS") + " (" +
              std::to_string(k.total_length()) + " samples, longest " +
              std::to_string(k.longest()) + ") " + where(k, c.rate, c.channels);
    if (o.count())
        msg += (msg.empty() ? "" : "; ") + std::to_string(o.count()) +
               " run(s) over 0 dBFS (float, " + std::to_string(o.total_length()) +
               " samples, peak " + level_text(gain_to_db(o.worst().magnitude), "dBFS") + ") " +
               where(o, c.rate, c.channels);
    if (!msg.empty()) {
        const double at = std::min(k.count() ? first_time(k, c.rate) : 1e300,
                                   o.count() ? first_time(o, c.rate) : 1e300);
        c.add(msg, double(k.count() + o.count()), 0, at);
    }
}

void eval_dc_offset(CheckContext& c) {
    const double max = c.rule.number("max");
    std::string msg;
    double worst = -1e300;
    for (int ch = 0; ch < c.channels; ++ch) {
        const double mean = c.levels.dc_offset(ch);
        const double db = gain_to_db(std::fabs(mean));
        if (shown(db) > max) {
            msg += (msg.empty() ? "" : ", ") +
                   (c.channels > 1 ? "ch " + std::to_string(ch + 1) + " " : std::string()) +
                   level_text(db, "dBFS") + " (mean " + fmt("%+.6f", mean) + ")";
            worst = std::max(worst, db);
        }
    }
    if (!msg.empty())
        c.add("DC offset " + msg + " is over " + level_text(max, "dBFS"), worst, max, nan);
}

void eval_silence(CheckContext& c) {
    if (c.silent)
        c.add("the whole file is silent (RMS " + level_text(c.levels.rms_dbfs(), "dBFS") +
                  ", peak " + level_text(c.levels.sample_peak_dbfs(), "dBFS") + ")",
              finite_or_nan(c.levels.rms_dbfs()), c.rule.number("level"), nan);
}

void eval_dead_channel(CheckContext& c) {
    const double level = c.rule.number("level");
    for (int ch = 0; ch < c.channels; ++ch) {
        const double db = c.levels.rms_dbfs(ch);
        if (db < level)
            c.add("channel " + std::to_string(ch + 1) + " is dead (RMS " + level_text(db, "dBFS") +
                      ", under " + level_text(level, "dBFS") + ") while others carry audio",
                  finite_or_nan(db), level, nan);
    }
}

// A frame of the stereo detector as seconds (NaN for -1: never).
double stereo_time(std::int64_t frame, int rate) {
    return frame >= 0 ? double(frame) / rate : nan;
}

void eval_polarity(CheckContext& c) {
    const double corr = c.stereo->correlation();
    if (!std::isnan(corr) && corr < c.rule.number("min"))
        c.add("L and R are anti-correlated over loud passages (correlation " + fmt("%.2f", corr) +
                  "): one channel is probably polarity-inverted; from " +
                  format_timestamp(double(c.stereo->first_anticorrelated()) / c.rate),
              corr, c.rule.number("min"), stereo_time(c.stereo->first_anticorrelated(), c.rate));
}

void eval_mono_compat(CheckContext& c) {
    const double loss = c.stereo->mono_loss_db();
    // An inverted channel is the polarity check's finding; the mono loss is its consequence.
    const Rule& polarity = c.spec.rule("polarity");
    const bool inverted = polarity.enabled && !std::isnan(c.stereo->correlation()) &&
                          c.stereo->correlation() < polarity.number("min");
    if (!inverted && !std::isnan(loss) && shown(loss) < c.rule.number("min"))
        c.add("the mono sum (L+R)/2 is " + level_text(-loss, "dB") +
                  " down on the stereo level over loud passages",
              finite_or_nan(loss), c.rule.number("min"),
              stereo_time(c.stereo->first_mono_loss(), c.rate));
}

void eval_fake_stereo(CheckContext& c) {
    const double stm = c.stereo->side_to_mid_db();
    if (!std::isnan(stm) && stm <= c.rule.number("max"))
        c.add(std::string("the two channels are ") +
                  (std::isinf(stm) ? "identical" : "nearly identical") + " (side " +
                  level_text(stm, "dB") + " relative to mid): a mono source in a stereo file",
              finite_or_nan(stm), c.rule.number("max"), nan);
}

std::unique_ptr<Probe> probe_hum(const Rule& r, const io::FileInfo& fi) {
    return make_probe<HumDetector>(fi.channels, fi.sample_rate, linear(r, "level"),
                                   r.number("prominence"), r.number("presence") / 100.0);
}

void eval_hum(CheckContext& c) {
    const auto h = c.detector<HumDetector>().result();
    if (!h.found)
        return;
    std::string harm;
    for (double f : h.harmonics_hz)
        harm += (harm.empty() ? "" : ", ") + fmt("%.2f", f);
    c.add(std::to_string(h.frequency_hz) + " Hz mains hum at " +
              level_text(h.amplitude_dbfs, "dBFS") + " (measured " + fmt("%.2f", h.measured_hz) +
              " Hz" + (harm.empty() ? std::string() : "; harmonics at " + harm + " Hz") + "), in " +
              fmt("%.0f", h.presence * 100) + "% of the file, from " +
              format_timestamp(double(h.first_frame) / c.rate),
          h.amplitude_dbfs, c.rule.number("level"), double(h.first_frame) / c.rate);
}

std::unique_ptr<Probe> probe_dropout(const Rule& r, const io::FileInfo& fi) {
    auto frames = [&](const char* k) {
        return std::int64_t(std::llround(r.number(k) * fi.sample_rate));
    };
    // After the gap the audio must be back within 20 ms: it may resume at a quiet point of its
    // waveform (a 50 ms cut in a word), but a piece that ends in zeros has no gap.
    return make_probe<DropoutDetector>(fi.channels, frames("min"), frames("max"),
                                       linear(r, "level"), frames("edge"),
                                       std::int64_t(std::llround(0.02 * fi.sample_rate)));
}

void eval_dropout(CheckContext& c) {
    const auto& dd = c.detector<DropoutDetector>();
    const auto& d = dd.dropouts();
    const std::uint64_t held = dd.held_count();
    if (d.count())
        c.add(std::to_string(d.count()) + " gap(s) inside audio (" +
                  (held == 0           ? std::string("digital zero")
                   : held == d.count() ? std::string("a constant value held")
                                       : std::to_string(d.count() - held) + " at digital zero, " +
                                             std::to_string(held) + " holding a constant value") +
                  "), longest " + fmt("%.1f", 1000.0 * double(d.longest()) / c.rate) + " ms, " +
                  where(d, c.rate, c.channels),
              double(d.count()), 0, first_time(d, c.rate));
    if (d.count())
        c.findings.back().times_s = times_of(d, c.rate);
}

// Clicks by the 2nd and the 4th difference and in the top band, each click once (see
// ClickDetector). The top band's peak may sit a few samples off a click among music.
class ClickSet {
  public:
    ClickSet(int channels, int rate, double ratio_db, float level)
        : d2_(channels, rate, ratio_db, level, 2), d4_(channels, rate, ratio_db, level, 4),
          top_(channels, rate, ratio_db, level, 64) {}
    void add(AudioView block) {
        d2_.add(block);
        d4_.add(block);
        top_.add(block);
    }
    void finish() {
        d2_.finish();
        d4_.finish();
        top_.finish();
        merged_ = merge_events(merge_events(d2_.clicks(), d4_.clicks(), 2), top_.clicks(), 6);
    }
    const EventLog& clicks() const { return merged_; }

  private:
    ClickDetector d2_, d4_, top_;
    EventLog merged_;
};

std::unique_ptr<Probe> probe_click(const Rule& r, const io::FileInfo& fi) {
    return make_probe<ClickSet>(fi.channels, fi.sample_rate, r.number("ratio"), linear(r, "level"));
}

void eval_click(CheckContext& c) {
    const auto& k = c.detector<ClickSet>().clicks();
    if (k.count())
        c.add(std::to_string(k.count()) + " click(s), up to " + fmt("%.0f", k.worst().magnitude) +
                  " dB above the local level, " + where(k, c.rate, c.channels),
              double(k.count()), 0, first_time(k, c.rate));
    if (k.count())
        c.findings.back().times_s = times_of(k, c.rate);
}

std::unique_ptr<Probe> probe_silence_edges(const Rule& r, const io::FileInfo&) {
    return make_probe<SilenceEdges>(linear(r, "level"));
}

void eval_silence_head(CheckContext& c) {
    const Rule& r = c.rule;
    const auto& e = c.detector<SilenceEdges>();
    const double s = e.first_loud() < 0 ? c.duration_s : double(e.first_loud()) / c.rate;
    if (s > r.number("max"))
        c.add("leading silence of " + fmt("%.3f", s) + " s (under " +
                  level_text(r.number("level"), "dBFS") + "), over " + fmt("%g", r.number("max")) +
                  " s",
              s, r.number("max"), 0.0);
}

void eval_silence_tail(CheckContext& c) {
    const Rule& r = c.rule;
    const auto& e = c.detector<SilenceEdges>();
    const double at = e.last_loud() < 0 ? 0.0 : double(e.last_loud() + 1) / c.rate;
    const double s = c.duration_s - at;
    if (s > r.number("max"))
        c.add("trailing silence of " + fmt("%.3f", s) + " s (under " +
                  level_text(r.number("level"), "dBFS") + ") from " + format_timestamp(at) +
                  ", over " + fmt("%g", r.number("max")) + " s",
              s, r.number("max"), at);
}

std::unique_ptr<Probe> probe_bit_depth(const Rule&, const io::FileInfo& fi) {
    if (fi.sample_format != io::SampleFormat::pcm24)
        return nullptr; // only a 24-bit container can hide padded 16-bit audio
    return make_probe<BitDepthDetector>();
}

void eval_bit_depth(CheckContext& c) {
    const int used = c.detector<BitDepthDetector>().used_bits();
    if (used > 0 && used <= c.rule.number("bits"))
        c.add("24-bit file whose samples use only " + std::to_string(used) +
                  " bits (padded lower-resolution audio)",
              used, c.rule.number("bits"), nan);
}

// ---------------------------------------------------------------------------------------------
// The table.

// A limit of a check; a NaN default makes it optional (unset unless the spec gives it).
steps::ParamSpec limit(std::string key, std::vector<Unit> units, double default_value, double min,
                       double max, std::string help) {
    steps::ParamSpec p;
    p.key = std::move(key);
    p.units = std::move(units);
    p.optional = std::isnan(default_value);
    p.default_value = p.optional ? 0.0 : default_value;
    p.min = min;
    p.max = max;
    p.help = std::move(help);
    return p;
}

steps::ParamSpec severity_param(Severity default_severity) {
    steps::ParamSpec p;
    p.key = "severity";
    p.type = steps::ParamType::choice;
    p.choices = {"error", "warning"};
    p.default_text = severity_name(default_severity);
    p.help = "error fails the file; warning is only reported";
    return p;
}

std::vector<CheckDef> make_defs() {
    using U = Unit;
    const Severity E = Severity::error, W = Severity::warning;
    constexpr unsigned stereo = need_sound | need_stereo | need_stereo_image;
    std::vector<CheckDef> d;
    auto add = [&](CheckDef c) {
        c.params.push_back(severity_param(c.default_severity));
        d.push_back(std::move(c));
    };
    // Delivery constraints: only checked when a spec states them.
    add({.name = "sample_rate",
         .summary = "sample rate is one of the listed rates",
         .default_on = false,
         .default_severity = E,
         .positional = Positional::numbers,
         .list_units = {U::Hz, U::kHz},
         .evaluate = eval_sample_rate,
         .validate = need_list});
    add({.name = "sample_format",
         .summary = "sample format is one of the listed ones (16, 24, 32, float, double)",
         .default_on = false,
         .default_severity = E,
         .positional = Positional::formats,
         .evaluate = eval_sample_format,
         .validate = need_formats});
    add({.name = "channels",
         .summary = "channel count is one of the listed counts",
         .default_on = false,
         .default_severity = E,
         .positional = Positional::numbers,
         .evaluate = eval_channels,
         .validate = need_list});
    add({.name = "loudness",
         .summary = "integrated loudness (ITU-R BS.1770-5) within target +- tolerance, or min..max",
         .default_on = false,
         .default_severity = E,
         .params = {limit("target", {U::LUFS}, unset, -70, 0, "target integrated loudness"),
                    limit("tolerance", {U::LU, U::dB}, 1.0, 0, 20,
                          "allowed deviation from the target"),
                    limit("min", {U::LUFS}, unset, -70, 0, "lowest allowed integrated loudness"),
                    limit("max", {U::LUFS}, unset, -70, 0, "highest allowed integrated loudness")},
         .positional_keys = {"target"},
         .needs = need_loudness,
         .evaluate = eval_loudness,
         .validate = need_loudness_limits});
    add({.name = "true_peak",
         .summary = "true peak (4x oversampled, BS.1770-5 Annex 2) at or under max",
         .default_on = false,
         .default_severity = E,
         .params = {limit("max", {U::dBTP, U::dBFS, U::dB}, unset, -60, 6,
                          "highest allowed true peak")},
         .positional_keys = {"max"},
         .needs = need_true_peak,
         .evaluate = eval_true_peak,
         .validate = need_max});
    add({.name = "sample_peak",
         .summary = "sample peak at or under max",
         .default_on = false,
         .default_severity = E,
         .params = {limit("max", {U::dBFS, U::dB}, unset, -60, 6, "highest allowed sample peak")},
         .positional_keys = {"max"},
         .evaluate = eval_sample_peak,
         .validate = need_max});
    add({.name = "loudness_range",
         .summary = "loudness range (EBU Tech 3342) within min..max",
         .default_on = false,
         .default_severity = E,
         .params = {limit("min", {U::LU}, unset, 0, 60, "lowest allowed LRA"),
                    limit("max", {U::LU}, unset, 0, 60, "highest allowed LRA")},
         .positional_keys = {"max"},
         .needs = need_loudness,
         .evaluate = eval_loudness_range,
         .validate = need_range_limits});
    // Detectors: on by default.
    add({.name = "nonfinite",
         .summary = "NaN or infinite samples (float files)",
         .default_severity = E,
         .evaluate = eval_nonfinite});
    add({.name = "clipping",
         .summary = "runs of consecutive samples at or near full scale; float samples over 0 dBFS",
         .default_severity = E,
         .params = {limit("level", {U::dBFS, U::dB}, -0.01, -6, 0,
                          "a sample at or above this counts as at full scale"),
                    limit("run", {U::samples}, 3, 1, 10000,
                          "consecutive samples that make a clip")},
         .probe = probe_clipping,
         .evaluate = eval_clipping});
    add({.name = "dc_offset",
         .summary = "DC offset (mean) of any channel above max",
         .default_severity = E,
         .params = {limit("max", {U::dBFS, U::dB}, -60, -140, 0,
                          "highest allowed |mean| of a channel")},
         .positional_keys = {"max"},
         .evaluate = eval_dc_offset});
    add({.name = "silence",
         .summary = "the whole file is silent (RMS under level)",
         .default_severity = E,
         .params = {limit("level", {U::dBFS, U::dB}, -80, -140, 0,
                          "RMS under which the file counts as silent")},
         .evaluate = eval_silence});
    add({.name = "dead_channel",
         .summary = "a channel is silent (RMS under level) while others are not",
         .default_severity = E,
         .params = {limit("level", {U::dBFS, U::dB}, -80, -140, 0,
                          "RMS under which a channel counts as dead")},
         .needs = need_sound | need_channels,
         .evaluate = eval_dead_channel});
    add({.name = "polarity",
         .summary = "stereo channels strongly anti-correlated over loud passages (one inverted)",
         .default_severity = E,
         .params = {limit("min", {}, -0.5, -1, 1, "lowest allowed correlation of L and R"),
                    limit("gate", {U::dBFS, U::dB}, -40, -100, 0,
                          "100 ms windows under this RMS are ignored")},
         .needs = stereo,
         .evaluate = eval_polarity});
    add({.name = "mono_compat",
         .summary = "level lost in the mono sum (L+R)/2 over loud passages",
         .default_severity = W,
         .params = {limit("min", {U::dB}, -4.5, -60, 0,
                          "lowest allowed mono-sum level relative to the stereo level"),
                    limit("gate", {U::dBFS, U::dB}, -40, -100, 0,
                          "100 ms windows under this RMS are ignored")},
         .needs = stereo,
         .evaluate = eval_mono_compat});
    add({.name = "fake_stereo",
         .summary = "stereo file whose channels are identical (side level under max)",
         .default_severity = W,
         .params = {limit("max", {U::dB}, -60, -140, 0,
                          "side (L-R) level relative to mid (L+R) under which it is mono")},
         .needs = stereo,
         .evaluate = eval_fake_stereo});
    add({.name = "hum",
         .summary = "mains hum: a steady line within 0.5% of 50 or 60 Hz, also in the quiet "
                    "passages (harmonics listed)",
         .default_severity = W,
         .params = {limit("level", {U::dBFS, U::dB}, -75, -140, 0,
                          "smallest hum amplitude reported"),
                    limit("prominence", {U::dB}, 10, 0, 60,
                          "line above the music 1.25-3 Hz from it (the quieter side)"),
                    limit("presence", {U::percent}, 50, 1, 100,
                          "share of the 2 s windows clear of music near the line where it is "
                          "found")},
         .needs = need_sound,
         .probe = probe_hum,
         .evaluate = eval_hum});
    add({.name = "dropout",
         .summary = "gaps inside active audio: digital zero or a held value",
         .default_severity = E,
         .params = {limit("min", {U::s, U::ms}, 0.001, 0, 10, "shortest gap reported"),
                    limit("max", {U::s, U::ms}, 0.25, 0, 60,
                          "longest gap reported (longer ones are pauses)"),
                    limit("level", {U::dBFS, U::dB}, -40, -100, 0,
                          "audio this loud must surround the gap"),
                    limit("edge", {U::s, U::ms}, 0.001, 0, 1,
                          "how close to the gap that audio must be (a cut, not a fade)")},
         .needs = need_sound,
         .probe = probe_dropout,
         .evaluate = eval_dropout});
    add({.name = "click",
         .summary = "isolated impulsive discontinuities",
         .default_severity = W,
         .params = {limit("ratio", {U::dB}, 20, 6, 80,
                          "click above the local high-frequency level"),
                    limit("level", {U::dBFS, U::dB}, -50, -120, 0,
                          "smallest click reported (2nd difference peak)")},
         .needs = need_sound,
         .probe = probe_click,
         .evaluate = eval_click});
    add({.name = "silence_head",
         .summary = "silence at the start longer than max",
         .default_severity = W,
         .params = {limit("max", {U::s, U::ms}, 2, 0, 1e6, "longest allowed leading silence"),
                    limit("level", {U::dBFS, U::dB}, -60, -140, 0,
                          "samples under this count as silence")},
         .positional_keys = {"max"},
         .needs = need_sound,
         .probe = probe_silence_edges,
         .evaluate = eval_silence_head});
    add({.name = "silence_tail",
         .summary = "silence at the end longer than max",
         .default_severity = W,
         .params = {limit("max", {U::s, U::ms}, 5, 0, 1e6, "longest allowed trailing silence"),
                    limit("level", {U::dBFS, U::dB}, -60, -140, 0,
                          "samples under this count as silence")},
         .positional_keys = {"max"},
         .needs = need_sound,
         .probe = probe_silence_edges,
         .evaluate = eval_silence_tail});
    add({.name = "bit_depth",
         .summary = "a 24-bit file whose samples use only `bits` bits (padded 16-bit audio)",
         .default_severity = W,
         .params = {limit("bits", {}, 16, 8, 23, "report when at most this many bits are used")},
         .positional_keys = {"bits"},
         .needs = need_sound,
         .probe = probe_bit_depth,
         .evaluate = eval_bit_depth});
    // Evaluated by check_set() across the files.
    add({.name = "stem_mismatch",
         .summary = "within a set of stems: different rates, lengths, formats or channels",
         .default_on = false,
         .default_severity = E,
         .params = {limit("tolerance", {U::s, U::ms}, 0.001, 0, 3600, "allowed length difference")},
         .needs = per_set});
    return d;
}

} // namespace

const std::vector<CheckDef>& check_defs() {
    static const std::vector<CheckDef> defs = make_defs();
    return defs;
}

const CheckDef* find_check(std::string_view name) {
    for (const auto& d : check_defs())
        if (d.name == name)
            return &d;
    return nullptr;
}

std::unique_ptr<StereoDetector> make_stereo_image(const Spec& spec, int sample_rate) {
    // One detector for the three stereo checks: polarity's gate decides the loud passages.
    const Rule& polarity = spec.rule("polarity");
    return std::make_unique<StereoDetector>(sample_rate, linear(polarity, "gate"),
                                            polarity.number("min"),
                                            spec.rule("mono_compat").number("min"));
}

double silence_level_dbfs(const Spec& spec) {
    return spec.rule("silence").number("level");
}

} // namespace tapeop::qc
