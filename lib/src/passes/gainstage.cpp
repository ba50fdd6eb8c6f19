#include "tapeop/passes/gainstage.hpp"

#include "tapeop/analysis/levels.hpp"
#include "tapeop/analysis/loudness.hpp"
#include "tapeop/dsp/gain.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/parallel.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>

namespace tapeop::passes {

std::string_view stage_kind_name(StageKind k) {
    switch (k) {
    case StageKind::rms:
        return "rms";
    case StageKind::peak:
        return "peak";
    case StageKind::lufs:
        return "lufs";
    }
    return "";
}

GainstageSettings gainstage_settings_from(const steps::ParamValues& v) {
    GainstageSettings s;
    parse_stage_target(v.text("target"), s);
    // A peak target needs no peak limit; for rms and lufs the limit holds unless disabled.
    if (s.kind == StageKind::peak && !v.given("max_peak"))
        s.max_peak_dbfs.reset();
    else
        s.max_peak_dbfs = v.number("max_peak");
    s.silence_dbfs = v.number("silence");
    s.remove_dc = v.flag("dc");
    return s;
}

void parse_stage_target(const std::string& text, GainstageSettings& s) {
    const auto colon = text.find(':');
    if (colon == std::string::npos)
        throw UsageError("--target " + text + ": expected rms:LEVEL, peak:LEVEL or lufs:LEVEL");
    const std::string kind = text.substr(0, colon);
    const std::string level = text.substr(colon + 1);
    if (kind == "rms") {
        s.kind = StageKind::rms;
        s.level = parse_value(level, {Unit::dBFS, Unit::dB}, "--target");
    } else if (kind == "peak") {
        s.kind = StageKind::peak;
        s.level = parse_value(level, {Unit::dBFS, Unit::dB}, "--target");
    } else if (kind == "lufs") {
        s.kind = StageKind::lufs;
        s.level = parse_value(level, {Unit::LUFS}, "--target");
    } else {
        throw UsageError("--target " + text + ": unknown level '" + kind +
                         "' (expected rms, peak or lufs)");
    }
    if (s.level > 0 || s.level < -100)
        throw UsageError("--target " + text + ": the level must be from -100 to 0");
}

std::size_t GainstageReport::failed() const {
    return static_cast<std::size_t>(std::count_if(
        stems.begin(), stems.end(), [](const StemOutcome& o) { return !o.error.empty(); }));
}

namespace {

// Subtracts a constant per channel (the measured DC offset).
class DcShift : public dsp::Processor {
  public:
    explicit DcShift(std::vector<float> offsets) : offsets_(std::move(offsets)) {}
    void prepare(const dsp::StreamSpec&, std::size_t) override {}
    void reset() override {}
    void process(AudioView io) override {
        for (std::size_t c = 0; c < io.channels() && c < offsets_.size(); ++c) {
            const float d = offsets_[c];
            float* x = io.channel(c);
            if (d != 0.0f)
                for (std::size_t i = 0; i < io.frames(); ++i)
                    x[i] -= d;
        }
    }

  private:
    std::vector<float> offsets_;
};

struct StemScan {
    io::FileInfo info;
    std::vector<double> dc;
    double peak_dbfs = 0.0; // as it will be rendered: about the mean when DC is removed
    double rms_dbfs = 0.0;  // likewise
    double lufs = 0.0;
};

// `remove_dc`: peak and RMS of the audio with each channel's mean taken out (what the DC
// removal renders); else as the file holds them, so that a target equal to the stem's own
// level (as analyze reads it) is a gain of exactly 0 dB.
StemScan scan_stem(const std::string& path, bool loudness, bool remove_dc,
                   const StemProgress& progress) {
    io::AudioReader reader(path);
    const io::FileInfo& fi = reader.info();
    if (fi.frames == 0)
        throw Error("contains no audio (0 frames)", path);
    const auto ch = static_cast<std::size_t>(fi.channels);
    analysis::LevelMeter levels(fi.channels);
    std::unique_ptr<analysis::LoudnessMeter> lm;
    if (loudness)
        lm = std::make_unique<analysis::LoudnessMeter>(fi.channels, fi.sample_rate,
                                                       analysis::channel_weights(fi));
    std::vector<float> hi(ch, -std::numeric_limits<float>::infinity()),
        lo(ch, std::numeric_limits<float>::infinity());
    AudioBuffer block(ch, default_block_frames);
    std::int64_t done = 0;
    while (reader.read(block) > 0) {
        levels.add(block.view());
        if (lm)
            lm->add(block.view());
        for (std::size_t c = 0; c < ch; ++c) {
            const float* x = block.channel(c);
            float h = hi[c], l = lo[c];
            for (std::size_t i = 0; i < block.frames(); ++i) {
                h = x[i] > h ? x[i] : h;
                l = x[i] < l ? x[i] : l;
            }
            hi[c] = h;
            lo[c] = l;
        }
        done += static_cast<std::int64_t>(block.frames());
        if (progress)
            progress(path, double(block.frames()) / fi.sample_rate);
    }
    if (done == 0)
        throw Error("contains no audio (0 frames could be read)", path);
    StemScan s;
    s.info = fi;
    s.info.frames = done;
    double peak = 0.0, ms_sum = 0.0;
    for (std::size_t c = 0; c < ch; ++c) {
        const double m = levels.dc_offset(static_cast<int>(c));
        s.dc.push_back(m);
        const double shift = remove_dc ? m : 0.0;
        peak = std::max({peak, double(hi[c]) - shift, shift - double(lo[c])});
        const double ms = std::pow(10.0, levels.rms_dbfs(static_cast<int>(c)) / 10.0);
        ms_sum += remove_dc ? std::max(0.0, ms - m * m) : ms; // about the mean, or as it is
    }
    s.peak_dbfs = gain_to_db(peak);
    s.rms_dbfs = power_to_db(ms_sum / double(ch));
    s.lufs = lm ? lm->integrated_lufs() : std::numeric_limits<double>::quiet_NaN();
    return s;
}

double level_of(const StemScan& s, StageKind k) {
    return k == StageKind::rms ? s.rms_dbfs : k == StageKind::peak ? s.peak_dbfs : s.lufs;
}

int format_rank(io::SampleFormat f) {
    switch (f) {
    case io::SampleFormat::pcm8:
        return 0;
    case io::SampleFormat::pcm16:
        return 1;
    case io::SampleFormat::pcm24:
        return 2;
    case io::SampleFormat::pcm32:
        return 3;
    case io::SampleFormat::float64:
        return 5; // double stays double: float would round it
    default:
        return 4; // float, lossy: float
    }
}

std::string db_text(double db) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f dB", db);
    return buf;
}

void render_stem(const StemScan& scan, StemOutcome& o, const GainstageSettings& s,
                 io::SampleFormat format, int rate, std::int64_t pad_to,
                 const StemProgress& progress) {
    io::AudioReader reader(scan.info.path);
    dsp::Chain chain;
    if (!o.silent) {
        if (s.remove_dc) {
            std::vector<float> dc;
            bool any = false;
            for (double d : scan.dc) {
                dc.push_back(static_cast<float>(d));
                any = any || static_cast<float>(d) != 0.0f;
            }
            if (any) {
                chain.add(std::make_unique<DcShift>(dc));
                o.dc_removed = scan.dc;
            }
        }
        if (o.gain_db != 0.0)
            chain.add(std::make_unique<dsp::Gain>(o.gain_db));
    }
    OutputSettings out;
    out.sample_rate = rate;
    out.bits = format;
    out.dither = s.dither;
    // Measure the content as written, not the padding.
    const std::int64_t content =
        rate == scan.info.sample_rate
            ? scan.info.frames
            : static_cast<std::int64_t>(
                  std::llround(double(scan.info.frames) * rate / scan.info.sample_rate));
    analysis::LevelMeter after(scan.info.channels);
    std::unique_ptr<analysis::LoudnessMeter> lufs;
    if (s.kind == StageKind::lufs)
        lufs = std::make_unique<analysis::LoudnessMeter>(scan.info.channels, rate,
                                                         analysis::channel_weights(scan.info));
    std::int64_t seen = 0;
    auto observe = [&](AudioView v) {
        const auto n = static_cast<std::size_t>(
            std::clamp<std::int64_t>(content - seen, 0, static_cast<std::int64_t>(v.frames())));
        seen += static_cast<std::int64_t>(v.frames());
        if (n == 0)
            return;
        after.add(v.sub(0, n));
        if (lufs)
            lufs->add(v.sub(0, n));
    };
    // render_file has no padding: run the chain into an output stage ourselves.
    reader.rewind();
    const dsp::StreamSpec spec{scan.info.sample_rate, scan.info.channels};
    chain.prepare(spec, default_block_frames);
    OutputStage stage(o.output, scan.info, spec, out, !chain.is_identity());
    if (chain.is_identity())
        stage.keep_source_samples(0);
    stage.set_observer(observe);
    if (!io::strip_metadata())
        stage.set_metadata(io::read_metadata(scan.info.path)); // each stem keeps its own
    stage.run_in_background();
    AudioBuffer block(static_cast<std::size_t>(scan.info.channels), default_block_frames);
    while (reader.read(block) > 0) {
        AudioView v = chain.process(block.view());
        if (v.frames() > 0)
            stage.push(v);
        if (progress)
            progress(scan.info.path, double(block.frames()) / scan.info.sample_rate);
    }
    AudioBuffer tail;
    chain.flush(tail);
    if (tail.frames() > 0)
        stage.push(tail.view());
    stage.finish(pad_to);

    o.peak_after_dbfs = after.sample_peak_dbfs();
    o.level_after = s.kind == StageKind::rms    ? after.rms_dbfs()
                    : s.kind == StageKind::peak ? after.sample_peak_dbfs()
                                                : lufs->integrated_lufs();
}

} // namespace

GainstageReport gainstage(const std::vector<std::string>& stems, const GainstageSettings& s,
                          const std::string& out_dir, int jobs, const StemProgress& progress) {
    if (stems.empty())
        throw UsageError("gainstage needs at least one stem");
    io::ensure_folder(out_dir, "is not a folder (gainstage writes one file per stem)");
    GainstageReport report;
    report.stems.resize(stems.size());
    std::vector<std::string> outputs;
    for (std::size_t i = 0; i < stems.size(); ++i) {
        StemOutcome& o = report.stems[i];
        o.path = stems[i];
        std::string ext = std::filesystem::path(stems[i]).extension().string();
        try {
            if (io::container_for_path(stems[i]).lossy)
                ext = ".wav";
        } catch (const UsageError&) {
            ext = ".wav";
        }
        o.output = io::output_path_for(stems[i], out_dir, true, ext);
        io::refuse_overwriting_inputs(o.output, stems, false);
        if (std::find(outputs.begin(), outputs.end(), o.output) != outputs.end())
            throw UsageError("two stems would be written to the same file", o.output);
        outputs.push_back(o.output);
    }

    // Pass 1: measure every stem.
    std::vector<std::optional<StemScan>> scans(stems.size());
    parallel_for(stems.size(), jobs, [&](std::size_t i) {
        try {
            scans[i] = scan_stem(stems[i], s.kind == StageKind::lufs, s.remove_dc, progress);
        } catch (const Error& e) {
            report.stems[i].error = e.what();
        }
    });

    // The session's rate, format and length, from the stems that could be read.
    std::map<int, int> rate_count;
    int rank = -1;
    io::SampleFormat widest = io::SampleFormat::pcm16;
    for (const auto& sc : scans) {
        if (!sc)
            continue;
        ++rate_count[sc->info.sample_rate];
        const int r = format_rank(sc->info.sample_format);
        if (r > rank) {
            rank = r;
            widest = r == 4 ? io::SampleFormat::float32 : sc->info.sample_format;
        }
    }
    if (rate_count.empty())
        return report;
    int rate = 0, best = 0;
    for (const auto& [r, n] : rate_count)
        if (n >= best) { // ascending rates: ties go to the higher
            rate = r;
            best = n;
        }
    report.rate = s.rate.value_or(rate);
    report.format = s.bits.value_or(widest);
    for (const auto& sc : scans)
        if (sc) {
            const std::int64_t f =
                sc->info.sample_rate == report.rate
                    ? sc->info.frames
                    : static_cast<std::int64_t>(std::llround(double(sc->info.frames) * report.rate /
                                                             sc->info.sample_rate));
            report.frames = std::max(report.frames, f);
        }

    // Plan each stem's gain.
    for (std::size_t i = 0; i < stems.size(); ++i) {
        if (!scans[i])
            continue;
        const StemScan& sc = *scans[i];
        StemOutcome& o = report.stems[i];
        o.rate_in = sc.info.sample_rate;
        o.rate_out = report.rate;
        o.level_before = level_of(sc, s.kind);
        if (!(sc.peak_dbfs >= s.silence_dbfs) || !std::isfinite(o.level_before)) {
            o.silent = true;
            o.notes.push_back(sc.peak_dbfs == -std::numeric_limits<double>::infinity()
                                  ? "silent: left unchanged"
                                  : "near-silent: left unchanged");
            continue;
        }
        o.gain_db = s.level - o.level_before;
        if (s.max_peak_dbfs && sc.peak_dbfs + o.gain_db > *s.max_peak_dbfs) {
            const double limited = *s.max_peak_dbfs - sc.peak_dbfs;
            o.notes.push_back("peak-limited: " + db_text(o.gain_db - limited) + " under target");
            o.gain_db = limited;
            o.peak_limited = true;
        }
        if (o.rate_in != o.rate_out)
            o.notes.push_back("resampled");
        for (double d : sc.dc)
            if (std::fabs(d) >= 1e-4 && s.remove_dc) {
                o.notes.push_back("DC removed");
                break;
            }
    }

    // Pass 2: render.
    parallel_for(stems.size(), jobs, [&](std::size_t i) {
        if (!scans[i])
            return;
        try {
            render_stem(*scans[i], report.stems[i], s, report.format, report.rate, report.frames,
                        progress);
        } catch (const Error& e) {
            report.stems[i].error = e.what();
        }
    });
    return report;
}

} // namespace tapeop::passes
