#include "tapeop/passes/normalize.hpp"

#include "tapeop/analysis/levels.hpp"
#include "tapeop/analysis/true_peak.hpp"
#include "tapeop/dsp/gain.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/units.hpp"

#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tapeop::passes {

std::string_view mode_name(NormalizeMode m) {
    switch (m) {
    case NormalizeMode::peak:
        return "peak";
    case NormalizeMode::true_peak:
        return "true-peak";
    case NormalizeMode::rms:
        return "rms";
    case NormalizeMode::lufs:
        return "lufs";
    }
    return "";
}

std::string_view mode_unit(NormalizeMode m) {
    switch (m) {
    case NormalizeMode::peak:
        return "dBFS";
    case NormalizeMode::true_peak:
        return "dBTP";
    case NormalizeMode::rms:
        return "dBFS";
    case NormalizeMode::lufs:
        return "LUFS";
    }
    return "";
}

NormalizeSettings normalize_settings_from(const steps::ParamValues& v) {
    NormalizeSettings s;
    const std::string& m = v.text("mode");
    s.mode = m == "peak"        ? NormalizeMode::peak
             : m == "true-peak" ? NormalizeMode::true_peak
             : m == "rms"       ? NormalizeMode::rms
                                : NormalizeMode::lufs;
    s.level = v.number("level");
    if (v.given("ceiling"))
        s.ceiling_dbtp = v.number("ceiling");
    return s;
}

double LevelScan::level(NormalizeMode m) const {
    switch (m) {
    case NormalizeMode::peak:
        return sample_peak_dbfs;
    case NormalizeMode::true_peak:
        return true_peak_dbtp;
    case NormalizeMode::rms:
        return rms_dbfs;
    case NormalizeMode::lufs:
        return integrated_lufs;
    }
    return 0.0;
}

LevelScan scan_levels(const std::string& path, NormalizeMode mode, const Progress& progress) {
    io::AudioReader reader(path);
    const io::FileInfo& fi = reader.info();
    if (fi.frames == 0)
        throw Error("contains no audio (0 frames)", path);
    // Sample peak always (a lean max-abs loop), RMS sums only when asked for.
    std::optional<analysis::LevelMeter> levels;
    if (mode == NormalizeMode::rms)
        levels.emplace(fi.channels);
    float peak = 0.0f;
    analysis::TruePeakMeter true_peak(fi.channels, fi.sample_rate);
    std::shared_ptr<analysis::LoudnessMeter> loudness;
    if (mode == NormalizeMode::lufs)
        loudness = std::make_shared<analysis::LoudnessMeter>(fi.channels, fi.sample_rate,
                                                             analysis::channel_weights(fi));
    AudioBuffer block(static_cast<std::size_t>(fi.channels), default_block_frames);
    std::int64_t done = 0;
    while (reader.read(block) > 0) {
        if (levels)
            levels->add(block.view());
        for (std::size_t c = 0; c < block.channels(); ++c)
            peak = std::max(peak, analysis::peak_abs(block.channel(c), block.frames()));
        true_peak.add(block.view());
        if (loudness)
            loudness->add(block.view());
        done += static_cast<std::int64_t>(block.frames());
        if (progress)
            progress(done);
    }
    if (done == 0)
        throw Error("contains no audio (0 frames could be read)", path);
    LevelScan s;
    s.info = fi;
    s.info.frames = done;
    s.sample_peak_dbfs = gain_to_db(peak);
    s.true_peak_dbtp = true_peak.true_peak_dbtp();
    s.samples = static_cast<std::uint64_t>(done) * static_cast<std::uint64_t>(fi.channels);
    s.rms_dbfs = levels ? levels->rms_dbfs() : std::numeric_limits<double>::quiet_NaN();
    s.sum_squares = levels ? std::pow(10.0, s.rms_dbfs / 10.0) * double(s.samples) : 0.0;
    s.integrated_lufs =
        loudness ? loudness->integrated_lufs() : std::numeric_limits<double>::quiet_NaN();
    s.loudness = loudness;
    return s;
}

double album_level(const std::vector<const LevelScan*>& scans, NormalizeMode mode) {
    double level = -std::numeric_limits<double>::infinity();
    switch (mode) {
    case NormalizeMode::peak:
    case NormalizeMode::true_peak:
        for (const auto* s : scans)
            level = std::max(level, s->level(mode));
        return level;
    case NormalizeMode::rms: {
        double sum = 0.0, n = 0.0;
        for (const auto* s : scans) {
            sum += s->sum_squares;
            n += double(s->samples);
        }
        return n > 0 ? power_to_db(sum / n) : level;
    }
    case NormalizeMode::lufs: {
        std::vector<const analysis::LoudnessMeter*> meters;
        for (const auto* s : scans)
            meters.push_back(s->loudness.get());
        return analysis::LoudnessMeter::integrated_lufs(meters);
    }
    }
    return level;
}

double gain_to_reach(double measured, double target, const std::string& path) {
    if (!std::isfinite(measured))
        throw Error("is silent (or below the loudness gate): there is no level to normalize", path);
    return target - measured;
}

namespace {

// The gain, and a count of the samples an integer (or lossy) output cannot hold (those that
// would round past the largest code), in one loop. Counted before dither, which would clamp
// them silently. A gain of exactly 0 dB leaves the samples untouched.
class GainCounter : public dsp::Processor {
  public:
    GainCounter(double gain_db, float over_level)
        : unity_(gain_db == 0.0), gain_(static_cast<float>(db_to_gain(gain_db))),
          level_(over_level) {}
    void prepare(const dsp::StreamSpec&, std::size_t) override {}
    void reset() override { count_ = 0; }
    void process(AudioView io) override {
        const float g = unity_ ? 1.0f : gain_;
        const float level = level_ > 0 ? level_ : std::numeric_limits<float>::infinity();
        for (std::size_t c = 0; c < io.channels(); ++c) {
            float* x = io.channel(c);
            std::uint64_t n = 0;
            std::size_t i = 0;
#if defined(__SSE2__)
            // The same products and comparisons, four at a time (GCC leaves the loop scalar).
            const __m128 vg = _mm_set1_ps(g), vlevel = _mm_set1_ps(level);
            const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
            __m128i counts = _mm_setzero_si128(); // minus the count, per lane
            for (; i + 4 <= io.frames(); i += 4) {
                const __m128 y = _mm_mul_ps(_mm_loadu_ps(x + i), vg);
                _mm_storeu_ps(x + i, y);
                counts = _mm_add_epi32(
                    counts, _mm_castps_si128(_mm_cmpge_ps(_mm_and_ps(y, abs_mask), vlevel)));
            }
            alignas(16) std::int32_t lanes[4];
            _mm_store_si128(reinterpret_cast<__m128i*>(lanes), counts);
            for (std::int32_t k : lanes)
                n += static_cast<std::uint64_t>(-static_cast<std::int64_t>(k));
#endif
            for (; i < io.frames(); ++i) {
                const float y = x[i] * g; // x * 1.0f == x exactly
                x[i] = y;
                n += std::fabs(y) >= level ? 1u : 0u;
            }
            count_ += n;
        }
    }
    bool is_identity() const override {
        return unity_ || gain_ == 1.0f;
    }
    std::uint64_t count() const {
        return count_;
    }

  private:
    bool unity_;
    float gain_;
    float level_;
    std::uint64_t count_ = 0;
};

} // namespace

double clip_level(io::SampleFormat f) {
    const int bits = io::integer_bits(f);
    if (bits > 0)
        return 1.0 - 0.5 / std::ldexp(1.0, bits - 1);
    if (f == io::SampleFormat::lossy)
        return 1.0;
    return 0.0;
}

GainResult render_gain(const std::string& input, const std::string& output, double gain_db,
                       const OutputSettings& settings,
                       const std::optional<dsp::LimiterSettings>& limiter,
                       std::optional<double> true_peak_before_dbtp, const Progress& progress) {
    io::AudioReader reader(input);
    const io::FileInfo& fi = reader.info();
    dsp::Chain chain;
    const io::SampleFormat out_format = io::output_sample_format(
        io::container_for_path(output), fi.sample_format, settings.bits, output);
    const auto level = static_cast<float>(clip_level(out_format));
    GainCounter* over = nullptr;
    if (limiter) {
        chain.add(std::make_unique<dsp::Gain>(gain_db));
        chain.add(std::make_unique<dsp::Limiter>(*limiter));
        auto counter = std::make_unique<GainCounter>(0.0, level);
        over = counter.get();
        chain.add(std::move(counter));
    } else {
        auto gc = std::make_unique<GainCounter>(gain_db, level);
        over = gc.get();
        chain.add(std::move(gc));
    }
    // The sample peak after, as written (cheap); the true peak is measured only when limited
    // (a pure gain scales it exactly).
    float peak = 0.0f;
    std::unique_ptr<analysis::TruePeakMeter> tp;
    if (limiter || !true_peak_before_dbtp)
        tp = std::make_unique<analysis::TruePeakMeter>(fi.channels, fi.sample_rate);
    const int out_channels = settings.channels.value_or(fi.channels);
    if (out_channels != fi.channels ||
        (settings.sample_rate && *settings.sample_rate != fi.sample_rate))
        tp.reset(); // measured on a different stream: predicted from the input instead
    auto observe = [&](AudioView v) {
        for (std::size_t c = 0; c < v.channels(); ++c)
            peak = std::max(peak, analysis::peak_abs(v.channel(c), v.frames()));
        if (tp)
            tp->add(v);
    };
    GainResult r;
    r.gain_db = gain_db;
    r.render = render_file(reader, chain, output, settings, observe, progress);
    r.sample_peak_after_dbfs = gain_to_db(peak);
    r.clipped_samples = std::max<std::uint64_t>(r.render.clipped_samples, over->count());
    if (tp)
        r.true_peak_after_dbtp = tp->true_peak_dbtp();
    else
        r.true_peak_after_dbtp = true_peak_before_dbtp.value_or(0.0) + gain_db;
    if (limiter) {
        r.limited = true;
        r.limiter_max_reduction_db =
            static_cast<dsp::Limiter&>(chain[1]).stats().max_gain_reduction_db;
    }
    return r;
}

NormalizeResult render_normalized(const LevelScan& scan, double gain_db,
                                  const NormalizeSettings& settings, const std::string& output,
                                  const OutputSettings& out, const Progress& progress) {
    NormalizeResult r;
    r.before = scan;
    std::optional<dsp::LimiterSettings> limiter;
    if (settings.ceiling_dbtp && scan.true_peak_dbtp + gain_db > *settings.ceiling_dbtp) {
        dsp::LimiterSettings ls;
        ls.ceiling_dbtp = *settings.ceiling_dbtp;
        limiter = ls;
    }
    r.gain =
        render_gain(scan.info.path, output, gain_db, out, limiter, scan.true_peak_dbtp, progress);
    r.level_after = scan.level(settings.mode) + gain_db;
    if (limiter) {
        // The limiter moved the level: measure it on the written file.
        if (settings.mode == NormalizeMode::true_peak)
            r.level_after = r.gain.true_peak_after_dbtp;
        else if (settings.mode == NormalizeMode::peak)
            r.level_after = r.gain.sample_peak_after_dbfs;
        else
            r.level_after = scan_levels(output, settings.mode).level(settings.mode);
    }
    return r;
}

} // namespace tapeop::passes
