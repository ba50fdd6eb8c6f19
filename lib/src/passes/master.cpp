#include "tapeop/passes/master.hpp"

#include "tapeop/analysis/levels.hpp"
#include "tapeop/analysis/loudness.hpp"
#include "tapeop/analysis/true_peak.hpp"
#include "tapeop/background.hpp"
#include "tapeop/dsp/channels.hpp"
#include "tapeop/dsp/envelope.hpp"
#include "tapeop/dsp/gain.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/bext_loudness.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/units.hpp"
#include "tapeop/version.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>

namespace tapeop::passes {
namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// Loudness + true peak of a stream.
struct Meters {
    analysis::LoudnessMeter loudness;
    analysis::TruePeakMeter peak;
    Meters(int channels, int rate, std::vector<double> weights)
        : loudness(channels, rate, std::move(weights)), peak(channels, rate) {}
    void add(AudioView v) {
        loudness.add(v);
        peak.add(v);
    }
    Measurement result() const {
        return {loudness.integrated_lufs(),    loudness.loudness_range_lu(),
                peak.true_peak_dbtp(),         gain_to_db(peak.sample_peak()),
                loudness.momentary_max_lufs(), loudness.short_term_max_lufs()};
    }
};

// The loudness-vs-gain model of the analysis pass (see master.hpp). Per 16-frame group: the
// largest 4x-interpolated or sample value P over the channels and the group's energy. The
// limiter at gain g with ceiling c scales a group by about min(1, c / (g * Pmax)), Pmax the
// largest P within the limiter's reach (look-ahead + half the release on each side: the
// release's gradual recovery taken as a shorter full-depth hold). Energies are binned by
// log2(Pmax) (32 bins per octave), so any (g, c) is evaluated afterwards in O(bins) and the
// memory is fixed.
class GainModel {
  public:
    static constexpr std::size_t group = 16;
    // Share of the release counted as full-depth hold: calibrated on generated music against
    // measured render passes (0.1 .. 0.5 tried; 0.15 gave the smallest first-pass errors).
    static constexpr double reach_release = 0.15;
    static constexpr int bins_per_octave = 32;
    static constexpr int min_bin = -30 * bins_per_octave, max_bin = 12 * bins_per_octave;

    // `frames_hint`: the input's length, if known (the record is allocated once for it).
    GainModel(int channels, int rate, std::vector<double> weights, const dsp::LimiterSettings& ls,
              std::int64_t frames_hint)
        : channels_(std::size_t(channels)), hist_(std::size_t(max_bin - min_bin + 1), 0.0),
          kw_(channels, rate, std::move(weights)) {
        const double reach =
            ls.lookahead_ms * 1e-3 * rate + reach_release * ls.release_ms * 1e-3 * rate;
        half_ = std::size_t(std::ceil(reach / group));
        window_.resize(2 * half_ + 1);
        window_.reset(0.0);
        energy_ring_.assign(half_ + 1, 0.0);
        history_.assign(channels_ * analysis::Oversampler4x::history, 0.0f);
        hold_groups_ = std::size_t(std::ceil(ls.lookahead_ms * 1e-3 * rate / group));
        release_per_group_ = std::pow(dsp::one_pole_coeff(ls.release_ms, rate), double(group));
        step_frames_ = std::size_t(rate / 10);
        if (frames_hint > 0) {
            const std::size_t groups = std::min(max_groups, std::size_t(frames_hint) / group + 2);
            peaks_.reserve(groups);
            energies_.reserve(groups);
        }
    }

    void add(AudioView v) {
        const std::size_t n = v.frames();
        if (n == 0)
            return;
        // Per frame, the largest 4x-interpolated or sample value over the channels, for the
        // whole block at once (the interpolator's values do not depend on where the stream is
        // cut; a maximum is exact): each channel after its last `hist` samples.
        const std::size_t hist = analysis::Oversampler4x::history;
        frame_peak_.assign(n, 0.0f);
        line_.resize(hist + n);
        interp_.resize(n);
        for (std::size_t c = 0; c < channels_; ++c) {
            const float* x = v.channel(c);
            float* last = history_.data() + c * hist;
            std::copy_n(last, hist, line_.data());
            std::copy_n(x, n, line_.data() + hist);
            std::fill(interp_.begin(), interp_.end(), 0.0f);
            analysis::Oversampler4x::frame_peaks(line_.data() + hist, n, interp_.data());
            // (An interpolation that overflowed, a NaN on a damaged float file, leaves the
            // sample's value.)
            for (std::size_t t = 0; t < n; ++t)
                frame_peak_[t] = std::max(frame_peak_[t], std::max(std::abs(x[t]), interp_[t]));
            std::copy_n(line_.data() + n, hist, last);
        }
        for (std::size_t i = 0; i < n;) {
            const std::size_t take = std::min(group - fill_, n - i);
            float m = group_peak_;
            for (std::size_t t = i; t < i + take; ++t)
                m = std::max(m, frame_peak_[t]);
            group_peak_ = m;
            kw_.add(v, i, take);
            fill_ += take;
            i += take;
            if (fill_ == group)
                flush_group();
        }
    }

    void finish() {
        if (fill_ > 0)
            flush_group();
        for (std::size_t k = 0; k < half_; ++k)
            push_group(0.0, 0.0);
    }

    // Loudness kept by the limiter at gain `gain_db` with ceiling `ceiling_dbtp`, in LU (<= 0).
    // With the per-group record (files up to `max_groups` groups), the limiter's gain is
    // simulated group by group as the limiter computes it per frame: needed gain, a hold over
    // the look-ahead, the exponential release at the group's rate, and the box mean over the
    // look-ahead; each group's K-weighted energy (the meter's filter) is scaled by the square
    // of that gain, summed per 100 ms step and gated as the meter gates 400 ms blocks.
    // Error of the first render at -14 LUFS / -1 dBTP on the hard benchmark set
    // (tests/bench/make_hard.sh), measured minus modelled, in LU: orchestra-48k24 -0.0004,
    // orchestra-96kf 0.0000, film-48k24 -0.0015, piano-intro-44k16 -0.0003, band-48k24
    // -0.0004, band-96kf -0.0002; with 5-8 dB of limiting drums-48k24 -0.0008, drums-44k16
    // -0.0026, mono-48k24 -0.0022, film-mono-44k16 +0.0062 (one render pass each; the limiter
    // is a little more careful than the model, by its detection's proven slack).
    // The same simulation on unweighted energies missed drums by -0.13 LU and mono by -0.14
    // LU: the limiter works on kicks and bass, whose energy K-weighting counts less. What
    // remains unmodelled: the limiter's detection reads the near-ideal reconstruction, which
    // on noise flat to Nyquist is up to a few tenths of a dB over the 4x interpolator recorded
    // here (the model then loses too little; a second render, when needed, corrects it from
    // the measured loss). Files longer than `max_groups` groups use the histogram (memory
    // stays bounded).
    double loss_db(double gain_db, double ceiling_dbtp) const {
        if (!peaks_.empty())
            return simulated_loss_db(gain_db, ceiling_dbtp);
        const double u = db_to_gain(gain_db - ceiling_dbtp);
        double kept = 0.0;
        for (std::size_t b = 0; b < hist_.size(); ++b) {
            if (hist_[b] == 0.0)
                continue;
            const double p = std::exp2((double(int(b) + min_bin) + 0.5) / bins_per_octave);
            const double g = std::min(1.0, 1.0 / (u * p));
            kept += hist_[b] * g * g;
        }
        return total_ > 0.0 && kept > 0.0 ? 10.0 * std::log10(kept / total_) : 0.0;
    }

  private:
    // 2^22 groups: 23 minutes at 48 kHz, 32 MiB of record.
    static constexpr std::size_t max_groups = std::size_t(1) << 22;

    double simulated_loss_db(double gain_db, double ceiling_dbtp) const {
        const double u = db_to_gain(gain_db - ceiling_dbtp);
        dsp::MovingMin hold;
        hold.resize(hold_groups_ + 1);
        hold.reset(1.0);
        double release = 1.0;
        std::vector<double> box(hold_groups_ + 1, 1.0);
        double box_sum = double(box.size());
        std::size_t box_pos = 0;
        const std::size_t n = peaks_.size();
        // Energies per 100 ms step, kept and as recorded: the meter gates 400 ms blocks.
        const std::size_t steps = (n * group + step_frames_ - 1) / step_frames_;
        std::vector<double> kept(steps, 0.0), total(steps, 0.0);
        // The hold at group k is the minimum of the needed gain over groups k .. k + hold:
        // pushed `hold_groups_` groups ahead of the group it applies to.
        std::size_t step = 0, step_end = step_frames_; // the 100 ms step of group k's first frame
        for (std::size_t j = 0; j < n + hold_groups_; ++j) {
            const double p = j < n ? double(peaks_[j]) : 0.0;
            const double needed = u * p > 1.0 ? 1.0 / (u * p) : 1.0;
            const double held = hold.push(needed);
            if (j < hold_groups_)
                continue;
            const std::size_t k = j - hold_groups_;
            release = std::min(held, 1.0 - (1.0 - release) * release_per_group_);
            // The limiter's box mean over the look-ahead, causal (delays the dip by half of
            // it: more of a hit's decay is limited than its attack).
            box_sum += release - box[box_pos];
            box[box_pos] = release;
            if (++box_pos == box.size())
                box_pos = 0;
            const double smooth = box_sum / double(box.size());
            const double e = double(energies_[k]);
            if (k * group >= step_end) {
                ++step;
                step_end += step_frames_;
            }
            kept[step] += e * smooth * smooth;
            total[step] += e;
        }
        const double scale = db_to_gain(2.0 * gain_db) / (4.0 * double(step_frames_));
        const double kept_mean = gated_mean(kept, scale), total_mean = gated_mean(total, scale);
        return total_mean > 0.0 && kept_mean > 0.0 ? 10.0 * std::log10(kept_mean / total_mean)
                                                   : 0.0;
    }

    // BS.1770-4 gating of 400 ms blocks (four steps, hop of one) with `scale` turning a
    // block's energy sum into its mean square at the planned gain: the mean of the blocks
    // over -70 LUFS and over the relative gate (-10 LU). Ungated mean when no block is whole.
    static double gated_mean(const std::vector<double>& steps, double scale) {
        if (steps.size() < 4) {
            double sum = 0.0;
            for (double e : steps)
                sum += e;
            return sum;
        }
        const double absolute = std::pow(10.0, (-70.0 + 0.691) / 10.0);
        std::vector<double> blocks(steps.size() - 3);
        for (std::size_t b = 0; b < blocks.size(); ++b)
            blocks[b] = scale * (steps[b] + steps[b + 1] + steps[b + 2] + steps[b + 3]);
        double sum = 0.0;
        std::size_t count = 0;
        for (double e : blocks)
            if (e >= absolute)
                sum += e, ++count;
        if (count == 0)
            return 0.0;
        const double relative = 0.1 * sum / double(count);
        sum = 0.0;
        count = 0;
        for (double e : blocks)
            if (e >= absolute && e >= relative)
                sum += e, ++count;
        return count > 0 ? sum / double(count) : 0.0;
    }

    void flush_group() {
        const double p = group_peak_;
        const double energy = kw_.take();
        push_group(p, energy);
        if (record_) {
            if (peaks_.size() < max_groups) {
                peaks_.push_back(float(p));
                energies_.push_back(float(energy));
            } else {
                record_ = false;
                std::vector<float>().swap(peaks_);
                std::vector<float>().swap(energies_);
            }
        }
        fill_ = 0;
        group_peak_ = 0.0f;
    }

    void push_group(double p, double e) {
        const double pmax = -window_.push(-p);
        // The group at the window's centre entered `half_` groups ago.
        const double e_centre = energy_ring_[ring_pos_];
        energy_ring_[ring_pos_] = e;
        ring_pos_ = (ring_pos_ + 1) % energy_ring_.size();
        if (e_centre <= 0.0)
            return;
        total_ += e_centre;
        // Clamped in double: a damaged float file's peaks can be infinite (it is refused after
        // the analysis pass, but the model sees its samples first).
        // The moving maximum stays the same over many groups: its bin is computed once.
        if (pmax != bin_peak_) {
            const double level = pmax > 0.0 ? std::log2(pmax) * bins_per_octave : double(min_bin);
            bin_ = !(level < double(max_bin)) ? max_bin
                   : level <= double(min_bin) ? min_bin
                                              : int(std::floor(level));
            bin_peak_ = pmax;
        }
        hist_[std::size_t(bin_ - min_bin)] += e_centre;
    }

    std::size_t channels_;
    std::size_t half_ = 0;
    dsp::MovingMin window_; // of -P: a moving maximum
    std::vector<double> energy_ring_;
    std::size_t ring_pos_ = 0;
    std::vector<float> history_;                    // per channel, its last samples
    std::vector<float> line_, interp_, frame_peak_; // add()'s scratch
    float group_peak_ = 0.0f;                       // of the group being filled
    double bin_peak_ = -1.0;                        // the peak whose histogram bin is bin_
    int bin_ = 0;
    std::size_t fill_ = 0;
    double total_ = 0.0;
    std::vector<double> hist_;
    std::size_t hold_groups_ = 0;
    double release_per_group_ = 0.0;
    bool record_ = true;
    std::vector<float> peaks_, energies_; // per group, while record_
    analysis::KWeightedEnergy kw_;        // the group's K-weighted energy, weighted as the meter
    std::size_t step_frames_ = 0;
};

// The gain that the model says reaches `target`, its limiter loss scaled by `scale` (the ratio
// measured / modelled so far) and shifted by `offset`.
double solve_gain(const GainModel& model, double l0, double target, double ceiling, double offset,
                  double scale = 1.0) {
    // f(g) = predicted - target rises with g (more slowly the more the limiter works).
    auto f = [&](double g) { return l0 + g + scale * model.loss_db(g, ceiling) + offset - target; };
    double lo = target - l0 - offset, hi = lo + 1.0;
    double flo = f(lo);
    if (flo >= 0.0)
        return lo;
    double fhi = f(hi);
    // The limiter's loss grows with the gain: widen the bracket (up to 31 dB past the gain
    // without limiting) until the prediction passes the target.
    const double start = lo;
    for (double step = 1.0; fhi < 0.0 && hi - start < 24.0;) {
        lo = hi, flo = fhi;
        step *= 2.0;
        hi = lo + step;
        fhi = f(hi);
    }
    if (fhi < 0.0)
        return hi;
    // False position with the Illinois modification (each evaluation may walk the whole
    // record): f is close to linear, so a few steps reach 1e-5 LU, far below the tolerance.
    int kept_side = 0; // +1: hi kept twice in a row, -1: lo
    double g = hi;
    for (int i = 0; i < 40 && hi - lo > 1e-6; ++i) {
        g = hi - fhi * (hi - lo) / (fhi - flo);
        const double fg = f(g);
        if (std::abs(fg) < 1e-5)
            break;
        if (fg < 0.0) {
            lo = g, flo = fg;
            if (kept_side == 1)
                fhi *= 0.5;
            kept_side = 1;
        } else {
            hi = g, fhi = fg;
            if (kept_side == -1)
                flo *= 0.5;
            kept_side = -1;
        }
    }
    return g;
}

bool is_lossy(const std::string& path) {
    return io::container_for_path(path).lossy;
}

struct RenderOutcome {
    Measurement measured;
    dsp::LimiterStats limiter;
    std::unique_ptr<OutputStage> stage; // not yet committed
    std::optional<io::BextLoudness> bext;
    std::shared_ptr<dsp::GainTrace> gain_trace; // with trace_columns > 0
};

// What the CodingHistory line of a WAV deliverable says after "T=" (EBU R 98 separates its
// parameters with commas, so the text has none).
std::string coding_history_text(double target_lufs, double ceiling_dbtp) {
    return std::string("tapeop ") + tapeop::version + "; master to " + fmt("%.1f", target_lufs) +
           " LUFS; ceiling " + fmt("%.1f", ceiling_dbtp) + " dBTP";
}

// Above this sample peak an input is refused as damaged (float files may exceed 0 dBFS, not by
// 100 dB; 3e38 is +770 dBFS).
constexpr double max_input_peak_dbfs = 100.0;

io::LoudnessFields bext_fields(const Measurement& m) {
    return {m.integrated_lufs, m.loudness_range_lu, m.true_peak_dbtp, m.momentary_max_lufs,
            m.short_term_max_lufs};
}

// One render pass: pre-chain -> layout -> resampler -> gain -> limiter -> output stage.
// `history_text`: the CodingHistory text of a WAV/RF64 output's bext (none: no bext).
RenderOutcome render_pass(io::AudioReader& reader, const ChainBuilder& pre_chain,
                          const OutputSettings& out, const std::string& write_path, double gain_db,
                          const dsp::LimiterSettings& lim_settings, const Progress& progress,
                          const std::optional<std::string>& history_text = std::nullopt,
                          int trace_columns = 0) {
    const io::FileInfo& fi = reader.info();
    const dsp::StreamSpec in_spec{fi.sample_rate, fi.channels};
    const dsp::StreamSpec out_spec{out.sample_rate.value_or(fi.sample_rate),
                                   out.channels.value_or(fi.channels)};
    dsp::Chain pre;
    if (pre_chain)
        pre_chain(pre, in_spec);
    pre.prepare(in_spec, default_block_frames);

    std::unique_ptr<dsp::Resampler> resampler;
    if (out_spec.sample_rate != in_spec.sample_rate)
        resampler = std::make_unique<dsp::Resampler>(out_spec.channels, in_spec.sample_rate,
                                                     out_spec.sample_rate);
    AudioBuffer layout;
    if (out_spec.channels != in_spec.channels)
        layout.resize(std::size_t(out_spec.channels), default_block_frames);

    dsp::Chain loud;
    loud.add(std::make_unique<dsp::Gain>(gain_db));
    loud.add(std::make_unique<dsp::Limiter>(lim_settings));
    auto& limiter = static_cast<dsp::Limiter&>(loud[1]);
    loud.prepare(out_spec, default_block_frames);
    std::shared_ptr<dsp::GainTrace> trace;

    OutputSettings stage_settings = out;
    stage_settings.sample_rate.reset();
    stage_settings.channels.reset();
    const std::int64_t expected =
        std::int64_t(std::llround(double(fi.frames) * out_spec.sample_rate / in_spec.sample_rate));
    if (trace_columns > 0) { // the report's gain reduction; the limiter's latency is dropped
        trace = std::make_shared<dsp::GainTrace>(dsp::GainTrace::step_for(expected, trace_columns),
                                                 std::size_t(trace_columns) + 1,
                                                 limiter.latency_frames(), out_spec.sample_rate);
        limiter.set_trace(trace.get());
    }
    auto stage =
        std::make_unique<OutputStage>(write_path, fi, out_spec, stage_settings, true, expected);
    auto meters = std::make_shared<Meters>(
        out_spec.channels, out_spec.sample_rate,
        out_spec.channels == fi.channels ? analysis::channel_weights(fi)
                                         : analysis::default_channel_weights(out_spec.channels));
    stage->set_observer([meters](AudioView v) { meters->add(v); });
    if (!io::strip_metadata())
        stage->set_metadata(io::read_metadata(fi.path));
    std::optional<io::BextLoudness> bext;
    if (history_text) {
        // Before the first sample: libsndfile keeps the bext in the header (see
        // io/bext_loudness.hpp); the loudness follows once the pass is measured.
        const io::OutputSpec& os = stage->spec();
        bext.emplace();
        bext->begin(stage->writer().handle(),
                    io::coding_history_line(os.sample_rate, io::integer_bits(os.sample_format),
                                            os.channels, *history_text),
                    write_path);
    }
    stage->run_in_background(); // dither, the meters and writing on a second core

    auto to_loud = [&](AudioView v) {
        for (std::size_t at = 0; at < v.frames(); at += default_block_frames) {
            AudioView part = v.sub(at, std::min(default_block_frames, v.frames() - at));
            AudioView o = loud.process(part);
            if (o.frames() > 0)
                stage->push(o);
        }
    };
    auto after_pre = [&](AudioView v) {
        if (layout.channels() > 0) {
            layout.set_frames(v.frames());
            dsp::convert_channels(v, layout.view());
            v = layout.view();
        }
        if (resampler) {
            resampler->process(v, to_loud); // pieces of at most Resampler::block_frames
        } else {
            to_loud(v);
        }
    };

    reader.rewind();
    AudioBuffer block(std::size_t(fi.channels), default_block_frames);
    std::int64_t done = 0;
    while (reader.read(block) > 0) {
        AudioView o = pre.process(block.view());
        if (o.frames() > 0)
            after_pre(o);
        done += std::int64_t(block.frames());
        if (progress)
            progress(done);
    }
    AudioBuffer tail;
    pre.flush(tail);
    if (tail.frames() > 0)
        after_pre(tail.view());
    if (resampler) {
        resampler->flush(to_loud);
    }
    loud.flush(tail);
    if (tail.frames() > 0)
        stage->push(tail.view());
    stage->drain();

    RenderOutcome r;
    r.measured = meters->result();
    r.limiter = limiter.stats();
    r.stage = std::move(stage);
    r.bext = std::move(bext);
    if (trace) {
        limiter.set_trace(nullptr);
        trace->finish();
        r.gain_trace = std::move(trace);
    }
    return r;
}

Measurement measure_file(const std::string& path) {
    io::AudioReader reader(path);
    Meters m(reader.info().channels, reader.info().sample_rate,
             analysis::channel_weights(reader.info()));
    AudioBuffer block(std::size_t(reader.info().channels), default_block_frames);
    while (reader.read(block) > 0)
        m.add(block.view());
    return m.result();
}

DeliverableReport master_one(io::AudioReader& reader, const ChainBuilder& pre_chain,
                             const LoudnessSettings& ls, const Deliverable& d,
                             const GainModel& model, double l0, int& passes,
                             const Progress& progress) {
    DeliverableReport rep;
    rep.path = d.path;
    rep.preset = d.preset;
    rep.target_lufs = d.target_lufs.value_or(ls.target_lufs);
    rep.ceiling_dbtp = d.ceiling_dbtp.value_or(ls.ceiling_dbtp);
    const double target = rep.target_lufs, ceiling = rep.ceiling_dbtp;
    if (!(target <= 0.0 && target >= -70.0))
        throw UsageError("target must be between -70 and 0 LUFS", d.path);
    if (!(ceiling <= 0.0 && ceiling >= -30.0))
        throw UsageError("ceiling must be between -30 and 0 dBTP", d.path);
    const double accept = std::max(0.5 * ls.tolerance_lu, ls.tolerance_lu - 0.02);
    const bool lossy = is_lossy(d.path);
    // Lossy outputs are decoded and checked under a name of their own (unique to this
    // process: two masters writing one MP3 each verify their own audio) before they take the
    // real one.
    std::optional<io::OwnedTemporary> verify;
    if (lossy)
        verify.emplace(d.path, ".verify" + std::filesystem::path(d.path).extension().string());
    const std::string write_path = lossy ? verify->path() : d.path;
    std::optional<std::string> history;
    if (!lossy && io::carries_bext(d.path) && !io::strip_metadata())
        history = coding_history_text(target, ceiling);

    dsp::LimiterSettings lim = ls.limiter;
    lim.ceiling_dbtp = ceiling;
    double offset = 0.0; // measured minus modelled loudness
    double gain = solve_gain(model, l0, target, lim.ceiling_dbtp - lim.margin_db, offset);
    struct Point {
        double gain, lufs;
    };
    std::vector<Point> points; // at the current limiter ceiling
    double lo = -std::numeric_limits<double>::infinity(),
           hi = std::numeric_limits<double>::infinity();
    Measurement last{};
    for (int pass = 1; pass <= ls.max_render_passes; ++pass) {
        ++passes;
        RenderOutcome r;
        Measurement m;
        try {
            r = render_pass(reader, pre_chain, d.output, write_path, gain, lim, progress, history,
                            ls.gain_trace_columns);
            m = r.measured;
            if (lossy) {
                RenderResult written = r.stage->finish();
                rep.spec = written.spec;
                rep.dithered = written.dithered;
                try {
                    m = measure_file(write_path); // on a throw, `verify` removes the file
                } catch (const Error& e) {
                    throw Error("the encoded file does not read back: " + e.message(), write_path);
                }
            }
        } catch (const Error& e) {
            // The verification copy's troubles (a full disk) are the deliverable's: the user
            // asked for d.path and never sees the copy's name.
            if (lossy && e.where() == write_path)
                throw Error(e.message(), d.path);
            throw;
        }
        last = m;
        const bool peak_ok = m.true_peak_dbtp <= ceiling;
        const bool loud_ok = std::abs(m.integrated_lufs - target) <= accept;
        if (peak_ok && loud_ok) {
            if (lossy) {
                std::error_code ec;
                std::filesystem::rename(write_path, d.path, ec);
                if (ec)
                    throw Error("cannot rename the verified file into place: " + ec.message(),
                                d.path);
                verify->release();
            } else {
                if (r.bext)
                    r.bext->finish(r.stage->writer().handle(), bext_fields(m), d.path);
                RenderResult written = r.stage->finish();
                rep.spec = written.spec;
                rep.dithered = written.dithered;
            }
            rep.after = m;
            rep.gain_db = gain;
            rep.limiter_ceiling_dbtp = lim.ceiling_dbtp;
            rep.limiter = r.limiter;
            rep.gain_trace = r.gain_trace;
            rep.render_passes = pass;
            if (r.limiter.max_gain_reduction_db > ls.heavy_limiting_db)
                rep.warnings.push_back("heavy limiting: the target needed up to " +
                                       fmt("%.1f", r.limiter.max_gain_reduction_db) +
                                       " dB of gain reduction (more than " +
                                       fmt("%.0f", ls.heavy_limiting_db) +
                                       " dB); consider a lower target or less dynamic input");
            return rep;
        }
        r.stage.reset(); // not committed: the temporary file goes
        if (!peak_ok) {
            // Resampling or a lossy codec raised the peak: lower the limiter's ceiling.
            const double lowered = lim.ceiling_dbtp - (m.true_peak_dbtp - ceiling) - 0.02;
            if (lowered < -60.0)
                break;
            lim.ceiling_dbtp = lowered;
            points.clear();
            lo = -std::numeric_limits<double>::infinity();
            hi = std::numeric_limits<double>::infinity();
            offset = m.integrated_lufs -
                     (l0 + gain + model.loss_db(gain, lim.ceiling_dbtp - lim.margin_db));
            gain = solve_gain(model, l0, target, lim.ceiling_dbtp - lim.margin_db, offset);
            continue;
        }
        // Loudness rises with the gain (more slowly the more the limiter works): keep a
        // bracket. The model's limiter loss is off by a factor that changes slowly with the
        // gain (0.88 .. 0.92 between 14 and 38 dB of gain into -2 dBTP on generated music, for
        // example), so the next gain solves the model with its loss scaled by the factor
        // measured on the last pass (shifted instead when the limiter barely worked). Once two
        // passes are close (< 0.5 dB apart) their secant is more accurate. A step that would
        // leave the bracket bisects it.
        points.push_back({gain, m.integrated_lufs});
        if (m.integrated_lufs < target)
            lo = std::max(lo, gain);
        else
            hi = std::min(hi, gain);
        const double ceiling_used = lim.ceiling_dbtp - lim.margin_db;
        const double modelled_loss = model.loss_db(gain, ceiling_used);
        const double measured_loss = m.integrated_lufs - (l0 + gain);
        double next;
        if (points.size() >= 2 && std::abs(points[points.size() - 2].gain - gain) < 0.5) {
            const Point& a = points[points.size() - 2];
            const Point& b = points.back();
            const double slope = b.gain != a.gain ? (b.lufs - a.lufs) / (b.gain - a.gain) : 1.0;
            next = b.gain + (target - b.lufs) / std::clamp(slope, 0.02, 1.0);
        } else if (modelled_loss < -0.05) {
            next = solve_gain(model, l0, target, ceiling_used, 0.0,
                              std::clamp(measured_loss / modelled_loss, 0.25, 4.0));
        } else {
            next = solve_gain(model, l0, target, ceiling_used, measured_loss - modelled_loss);
        }
        next = std::clamp(next, gain - 24.0, gain + 24.0);
        if (next <= lo || next >= hi)
            next = std::isfinite(hi) && std::isfinite(lo)
                       ? 0.5 * (lo + hi)
                       : (next <= lo ? lo + 0.5 * std::abs(gain - lo) + 0.1 : hi - 0.5);
        gain = next;
    }
    // Named by the input (the deliverable is in the text): when this happens on a damaged
    // file, the input is what the user has to look at.
    throw Error("could not reach " + fmt("%.1f", target) + " LUFS / " + fmt("%.1f", ceiling) +
                    " dBTP for " + d.path + " in " + std::to_string(ls.max_render_passes) +
                    " passes (last: " + fmt("%.2f", last.integrated_lufs) + " LUFS, " +
                    fmt("%.2f", last.true_peak_dbtp) + " dBTP)",
                reader.info().path);
}

} // namespace

MasterReport master_file(const std::string& input, const ChainBuilder& pre_chain,
                         const LoudnessSettings& ls, const std::vector<Deliverable>& deliverables,
                         const Progress& progress) {
    if (deliverables.empty())
        throw UsageError("no output given", input);
    io::AudioReader reader(input);
    const io::FileInfo& fi = reader.info();
    MasterReport rep;
    rep.input = input;
    rep.info = fi;
    if (fi.frames <= 0)
        throw Error("the input has no audio", input);
    // BS.1770's integrated loudness is gated over 400 ms blocks: a shorter file has none.
    if (fi.frames * 10 < std::int64_t(fi.sample_rate) * 4)
        throw Error("too short to master: " + std::to_string(fi.frames) + " frames (" +
                        fmt("%.1f", 1000.0 * double(fi.frames) / fi.sample_rate) +
                        " ms); loudness needs at least 400 ms of audio",
                    input);

    // Pass 1: analysis of the input and of the pre-chain's output, and the model.
    const dsp::StreamSpec spec{fi.sample_rate, fi.channels};
    dsp::Chain pre;
    if (pre_chain)
        pre_chain(pre, spec);
    const bool has_chain = pre.size() > 0;
    Meters before(fi.channels, fi.sample_rate, analysis::channel_weights(fi)),
        after_chain(fi.channels, fi.sample_rate, analysis::channel_weights(fi));
    GainModel model(fi.channels, fi.sample_rate, analysis::channel_weights(fi), ls.limiter,
                    fi.frames);
    // The meters run on workers while this thread runs the chain and the model.
    const auto channels = static_cast<std::size_t>(fi.channels);
    BackgroundSink metering(
        channels, [&](AudioView v) { after_chain.add(v); }, "tapeop-meter");
    std::optional<BackgroundSink> metering_before;
    if (has_chain)
        metering_before.emplace(
            channels, [&](AudioView v) { before.add(v); }, "tapeop-meter");
    auto observe = [&](AudioView v) {
        metering.push(v);
        model.add(v);
    };
    pre.prepare(spec, default_block_frames);
    AudioBuffer block(std::size_t(fi.channels), default_block_frames);
    std::int64_t done = 0;
    while (reader.read(block) > 0) {
        if (metering_before)
            metering_before->push(block.view());
        AudioView o = pre.process(block.view());
        if (o.frames() > 0)
            observe(o);
        done += std::int64_t(block.frames());
        if (progress)
            progress(done);
    }
    AudioBuffer tail;
    pre.flush(tail);
    if (tail.frames() > 0)
        observe(tail.view());
    model.finish();
    metering.drain();
    if (metering_before)
        metering_before->drain();
    rep.passes = 1;
    rep.pre_chain = after_chain.result();
    rep.before = has_chain ? before.result() : rep.pre_chain;
    const double l0 = rep.pre_chain.integrated_lufs;
    if (!std::isfinite(rep.before.integrated_lufs))
        throw Error("the input is silent (no audio above -70 LUFS): nothing to master", input);
    // A damaged float file can hold samples near FLT_MAX: any gain then overflows to Inf and
    // every render pass measures -inf. Real float masters stay within a few dB of full scale.
    if (rep.before.sample_peak_dbfs > max_input_peak_dbfs)
        throw Error("samples up to " + fmt("%+.0f", rep.before.sample_peak_dbfs) +
                        " dBFS, far outside full scale (over " + fmt("%+.0f", max_input_peak_dbfs) +
                        " dBFS): the file is damaged",
                    input);
    if (!std::isfinite(l0))
        throw Error("the processing chain turns the input into silence", input);

    for (const Deliverable& d : deliverables) {
        DeliverableReport dr =
            master_one(reader, pre_chain, ls, d, model, l0, rep.passes, progress);
        for (const auto& w : dr.warnings)
            rep.warnings.push_back(d.path + ": " + w);
        rep.deliverables.push_back(std::move(dr));
    }
    return rep;
}

} // namespace tapeop::passes
