#include "tapeop/passes/mix.hpp"

#include "../io/fd_output.hpp"

#include "tapeop/dsp/float_kernels.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/passes/normalize.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

namespace tapeop::passes {

MixStem stem_from_params(const std::string& path, const steps::ParamValues& v) {
    MixStem s;
    s.path = path;
    s.gain_db = v.number("gain");
    s.pan = dsp::parse_pan(v.text("pan"));
    s.mute = v.flag("mute");
    s.solo = v.flag("solo");
    s.invert = v.text("polarity") == "invert";
    const double off = v.number("offset");
    if (v.unit("offset") == Unit::samples) {
        if (off != std::floor(off))
            throw UsageError("offset=" + std::to_string(off) + " samples: expected a whole number");
        s.offset_frames = static_cast<std::int64_t>(off);
    } else {
        s.offset_s = off / 1000.0; // stored in ms, the parameter's first unit
    }
    return s;
}

MixSettings mix_settings_from(const steps::ParamValues& v) {
    MixSettings m;
    m.headroom_dbfs = v.number("headroom");
    m.pan_law = dsp::parse_pan_law(v.text("pan_law"));
    m.channels = v.text("channels") == "mono" ? 1 : 2;
    m.trim = v.flag("trim");
    const double rate = v.number("rate");
    if (rate != std::floor(rate) || (rate != 0 && rate < 1000))
        throw UsageError("rate: expected a whole number of Hz from 1000 to 768000");
    m.rate = static_cast<int>(rate);
    return m;
}

namespace {

// One stem as a stream at the mix rate: leading silence (positive offset), then the file
// through its pre-chain and resampler with its first frames dropped (negative offset).
// Frames come out as views into internal buffers (no copy when nothing is converted).
class StemSource {
  public:
    StemSource(const MixStem& stem, int mix_rate)
        : stem_(stem), reader_(stem.path), mix_rate_(mix_rate) {
        const io::FileInfo& fi = reader_.info();
        if (fi.channels < 1 || fi.channels > 2)
            throw Error("has " + std::to_string(fi.channels) +
                            " channels; mix takes mono and stereo stems",
                        stem.path);
        const std::int64_t offset =
            stem.offset_frames ? *stem.offset_frames : std::llround(stem.offset_s * mix_rate);
        offset_ = offset;
        if (fi.sample_rate != mix_rate) {
            resampled_ = true;
            body_frames_ = static_cast<std::int64_t>(
                std::llround(double(fi.frames) * mix_rate / fi.sample_rate));
        } else {
            body_frames_ = fi.frames;
        }
        in_.resize(static_cast<std::size_t>(fi.channels), default_block_frames);
    }

    const io::FileInfo& info() const { return reader_.info(); }
    std::size_t channels() const { return static_cast<std::size_t>(reader_.info().channels); }
    bool resampled() const { return resampled_; }
    bool has_chain() const { return chain_.size() > 0; }
    // Mix frames the stem covers, offset included (never negative).
    std::int64_t length() const { return std::max<std::int64_t>(0, offset_ + body_frames_); }

    // Ready for a pass from the first frame (builds the chain and resampler afresh).
    void start() {
        reader_.rewind();
        chain_ = dsp::Chain();
        const io::FileInfo& fi = reader_.info();
        const dsp::StreamSpec spec{fi.sample_rate, fi.channels};
        if (stem_.pre_chain)
            stem_.pre_chain(chain_, spec);
        chain_.prepare(spec, default_block_frames);
        if (resampled_)
            resampler_ = std::make_unique<dsp::Resampler>(fi.channels, fi.sample_rate, mix_rate_);
        lead_ = std::max<std::int64_t>(0, offset_);
        skip_ = std::max<std::int64_t>(0, -offset_);
        phase_ = Phase::reading;
        draining_ = false;
        avail_ = AudioView();
    }

    // Consumes up to `max` frames of leading silence; returns how many.
    std::size_t take_silence(std::size_t max) {
        const auto n =
            static_cast<std::size_t>(std::min<std::int64_t>(lead_, static_cast<std::int64_t>(max)));
        lead_ -= static_cast<std::int64_t>(n);
        return n;
    }

    // The next up to `max` frames of the stem (0 frames: it has ended).
    AudioView take(std::size_t max) {
        if (avail_.frames() == 0 && !refill())
            return AudioView();
        const std::size_t n = std::min(max, avail_.frames());
        AudioView out = avail_.sub(0, n);
        avail_ = avail_.sub(n, avail_.frames() - n);
        return out;
    }

  private:
    enum class Phase { reading, chain_tail, resampler_tail, done };

    bool refill() {
        while (phase_ != Phase::done || draining_) {
            AudioView v;
            if (draining_) {
                // The resampler's output of the block fed last (or of its tail), in pieces of
                // at most Resampler::block_frames whatever the ratio.
                v = resampler_->drain();
                if (v.frames() == 0) {
                    draining_ = false;
                    continue;
                }
            } else {
                switch (phase_) {
                case Phase::reading:
                    // The reader's own block (no copy); a chain works on a copy of it.
                    if (const AudioView r = reader_.read_view(default_block_frames);
                        r.frames() > 0) {
                        if (chain_.size() > 0) {
                            in_.set_frames(r.frames());
                            for (std::size_t c = 0; c < r.channels(); ++c)
                                std::copy_n(r.channel(c), r.frames(), in_.channel(c));
                            v = chain_.process(in_.view());
                        } else {
                            v = r;
                        }
                    } else {
                        phase_ = Phase::chain_tail;
                        continue;
                    }
                    break;
                case Phase::chain_tail:
                    phase_ = resampled_ ? Phase::resampler_tail : Phase::done;
                    if (chain_.size() == 0)
                        continue;
                    chain_.flush(tail_);
                    v = tail_.view();
                    break;
                case Phase::resampler_tail:
                    phase_ = Phase::done;
                    resampler_->finish();
                    draining_ = true;
                    continue;
                case Phase::done:
                    break;
                }
                if (resampled_ && v.frames() > 0) {
                    resampler_->feed(v); // `v` stays valid until drained: see draining_
                    draining_ = true;
                    continue;
                }
            }
            if (skip_ > 0) {
                const auto n = static_cast<std::size_t>(
                    std::min<std::int64_t>(skip_, static_cast<std::int64_t>(v.frames())));
                skip_ -= static_cast<std::int64_t>(n);
                v = v.sub(n, v.frames() - n);
            }
            if (v.frames() > 0) {
                avail_ = v;
                return true;
            }
        }
        return false;
    }

    const MixStem& stem_;
    io::AudioReader reader_;
    int mix_rate_;
    std::int64_t offset_ = 0, body_frames_ = 0, lead_ = 0, skip_ = 0;
    bool resampled_ = false;
    dsp::Chain chain_;
    std::unique_ptr<dsp::Resampler> resampler_;
    AudioBuffer in_, tail_;
    AudioView avail_;
    Phase phase_ = Phase::done;
    bool draining_ = false; // the resampler may hold output: drain it before reading on
};

// bus[i] += g * x[i] over contiguous floats (vectorizes).
void accumulate(float* __restrict bus, const float* __restrict x, float g, std::size_t n) {
    if (g == 1.0f) {
        for (std::size_t i = 0; i < n; ++i)
            bus[i] += x[i];
    } else if (g == -1.0f) {
        for (std::size_t i = 0; i < n; ++i)
            bus[i] -= x[i];
    } else {
        for (std::size_t i = 0; i < n; ++i)
            bus[i] += g * x[i];
    }
}

float peak_of(AudioView v) {
    const auto max_abs = dsp::kernels::float_kernels().max_abs; // SIMD: the same maximum
    float p = 0.0f;
    for (std::size_t c = 0; c < v.channels(); ++c)
        p = std::max(p, max_abs(v.channel(c), v.frames()));
    return p;
}

struct StemGains {
    // gains[o][i]: from stem channel i to bus channel o (a mono stem uses i = 0 only).
    float g[2][2] = {{0, 0}, {0, 0}};
    bool unity_or_inverted = true; // every gain in use is exactly +-1 or 0
};

StemGains gains_for(const MixStem& s, std::size_t stem_channels, const MixSettings& m) {
    const double level = db_to_gain(s.gain_db) * (s.invert ? -1.0 : 1.0);
    StemGains out;
    double g[2][2] = {{0, 0}, {0, 0}};
    if (m.channels == 1) {
        if (stem_channels == 1)
            g[0][0] = level;
        else
            g[0][0] = g[0][1] = level * 0.5;
    } else if (stem_channels == 1) {
        const dsp::PanGains p = dsp::pan_gains(s.pan, m.pan_law);
        g[0][0] = level * p.left;
        g[1][0] = level * p.right;
    } else {
        const dsp::PanGains p = dsp::balance_gains(s.pan, m.pan_law);
        g[0][0] = level * p.left;
        g[1][1] = level * p.right;
    }
    for (int o = 0; o < 2; ++o)
        for (int i = 0; i < 2; ++i) {
            out.g[o][i] = static_cast<float>(g[o][i]);
            const float a = std::fabs(out.g[o][i]);
            const bool used = !(m.channels == 1 && o == 1) && !(stem_channels == 1 && i == 1);
            if (used && a != 0.0f && a != 1.0f)
                out.unity_or_inverted = false;
        }
    return out;
}

// The bus of a pass that may have to be trimmed, kept in a temporary file next to the output
// (raw float, per block: its frame count, then each channel's samples), so the trim pass
// replays it instead of reading, decoding and summing every stem again (16 stems: the
// second pass costs about a tenth of the first). Replayed blocks are the same floats in the
// same block sizes, so the output is bit-identical to mixing the stems again. Its errors name
// the output (the user never asked for the hidden file).
class BusSpool {
  public:
    BusSpool(const std::string& output_path, std::size_t channels)
        : output_(output_path), temp_(output_path, ".bus"), channels_(channels) {
        file_.reset(std::fopen(temp_.path().c_str(), "w+b"));
        if (!file_)
            fail("cannot open the mix bus's temporary file");
    }
    void write(AudioView v) {
        errno = 0;
        const std::uint64_t n = v.frames();
        bool ok = std::fwrite(&n, sizeof n, 1, file_.get()) == 1;
        for (std::size_t c = 0; c < v.channels() && ok; ++c)
            ok = std::fwrite(v.channel(c), sizeof(float), v.frames(), file_.get()) == v.frames();
        if (!ok)
            fail("cannot write the mix bus's temporary file");
    }
    // Calls `f` with every block written, in order.
    template <class F> void replay(F&& f) {
        errno = 0;
        if (std::fflush(file_.get()) != 0)
            fail("cannot write the mix bus's temporary file");
        if (std::fseek(file_.get(), 0, SEEK_SET) != 0)
            fail("cannot read back the mix bus");
        AudioBuffer b(channels_, default_block_frames);
        std::uint64_t n = 0;
        while (std::fread(&n, sizeof n, 1, file_.get()) == 1) {
            if (n > b.capacity())
                b.resize(channels_, std::size_t(n));
            b.set_frames(std::size_t(n));
            for (std::size_t c = 0; c < channels_; ++c)
                if (std::fread(b.channel(c), sizeof(float), n, file_.get()) != n)
                    throw Error("the mix bus's temporary file is short", output_);
            f(b.view());
        }
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        const int err = errno;
        throw Error(what + (err != 0 ? ": " + io::write_error_text(err) : std::string()), output_);
    }
    struct Close {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::string output_;
    io::OwnedTemporary temp_; // removed on destruction (and on SIGINT)
    std::unique_ptr<std::FILE, Close> file_;
    std::size_t channels_;
};

} // namespace

namespace {

// The mix's metadata: the first stem's, its markers moved by its offset, and the session's
// TimeReference: the earliest start of any stem with one, offsets included (a stem delayed by
// d frames starts d frames after the mix), at the mix rate.
io::Metadata mix_metadata(const std::vector<MixStem>& stems, int rate) {
    auto offset_of = [&](const MixStem& s) {
        return s.offset_frames ? *s.offset_frames : std::llround(s.offset_s * rate);
    };
    const io::Metadata first = io::read_metadata(stems.front().path);
    const int first_rate = first.sample_rate > 0 ? first.sample_rate : rate;
    const auto head = -std::llround(double(offset_of(stems.front())) * first_rate / rate);
    io::Metadata m = io::moved(first, head, -1, rate, true);
    std::optional<std::int64_t> start;
    for (const auto& s : stems) {
        const io::Metadata sm = s.path == stems.front().path ? first : io::read_metadata(s.path);
        if (!sm.bext || sm.sample_rate <= 0)
            continue;
        const std::int64_t at =
            std::llround(double(sm.bext->time_reference) * rate / sm.sample_rate) - offset_of(s);
        start = std::min(start.value_or(at), at);
    }
    if (start) {
        if (!m.bext)
            m.bext = io::Bext{};
        m.bext->time_reference = static_cast<std::uint64_t>(std::max<std::int64_t>(0, *start));
    }
    return m;
}

} // namespace

MixResult mix(const std::vector<MixStem>& stems, const MixSettings& settings,
              const std::string& output_path, const OutputSettings& output,
              const ChainBuilder& bus_chain, const Progress& progress) {
    if (stems.empty())
        throw UsageError("mix needs at least one stem");
    if (settings.channels != 1 && settings.channels != 2)
        throw UsageError("a mix is mono or stereo");
    std::vector<std::string> inputs;
    for (const auto& s : stems)
        inputs.push_back(s.path);
    io::refuse_overwriting_inputs(output_path, inputs, false);

    MixResult result;
    const io::FileInfo first = io::probe(stems.front().path);
    const int rate = settings.rate > 0 ? settings.rate : first.sample_rate;
    result.mix_rate = rate;

    bool any_solo = false;
    for (const auto& s : stems)
        any_solo = any_solo || (s.solo && !s.mute);
    std::vector<std::unique_ptr<StemSource>> sources;
    std::vector<StemGains> gains;
    std::int64_t total = 0;
    for (const auto& s : stems) {
        auto src = std::make_unique<StemSource>(s, rate);
        total = std::max(total, src->length());
        const bool active = !s.mute && (!any_solo || s.solo);
        if (!active)
            continue;
        if (src->resampled())
            result.resampled.push_back(s.path);
        gains.push_back(gains_for(s, src->channels(), settings));
        sources.push_back(std::move(src));
    }
    result.mix_frames = total;
    result.stems_mixed = sources.size();
    if (total == 0)
        throw Error("the stems hold no audio", stems.front().path);

    // Output format, and whether the sum lands exactly on its grid (no dither then): unity or
    // inverted gains, no chains, no conversion, and stems no finer than the output.
    const io::Container& container = io::container_for_path(output_path);
    const io::SampleFormat out_format =
        io::output_sample_format(container, first.sample_format, output.bits, output_path);
    const int out_bits = io::integer_bits(out_format);
    bool exact = !bus_chain && out_bits > 0 &&
                 (!output.sample_rate || *output.sample_rate == rate) &&
                 (!output.channels || *output.channels == settings.channels);
    for (std::size_t k = 0; k < sources.size(); ++k) {
        const io::FileInfo& fi = sources[k]->info();
        const int b = io::integer_bits(fi.sample_format);
        if (!gains[k].unity_or_inverted || sources[k]->resampled() || b == 0 || b > out_bits)
            exact = false;
    }
    for (const auto& s : stems)
        if (s.pre_chain)
            exact = false;

    const io::Metadata meta = io::strip_metadata() ? io::Metadata{} : mix_metadata(stems, rate);
    io::FileInfo source = first;
    source.sample_rate = rate;
    source.channels = settings.channels;
    source.frames = total;
    const double clip = clip_level(out_format);
    const std::size_t bus_ch = static_cast<std::size_t>(settings.channels);

    // One pass over all stems. `trim_gain` multiplies the bus; returns whether it completed
    // with output (false: it stopped writing because the output would clip).
    //
    // The trim pass does not read the stems again where it can help it: from the first block
    // of the first pass that reaches the clip level (in the bus, or in the output stage's
    // observer), every block the first pass emits is kept in a temporary file (BusSpool), and
    // the trim pass mixes again only the blocks before it, then replays the rest. A mix that
    // never comes near the clip level writes no temporary at all (16 stems: 20% of the time of
    // the whole mix), and one that clips from its first loud note replays nearly everything.
    // The emitted blocks are the same floats in the same sizes either way, so the output is
    // bit-identical to mixing the stems again.
    AudioBuffer bus(bus_ch, default_block_frames);
    double bus_peak = 0.0;
    std::uint64_t over = 0;
    const bool may_trim = settings.trim && clip > 0;
    std::optional<BusSpool> spool; // the first pass's blocks from spool_from on
    std::size_t spool_from = 0;    // blocks emitted before the spool began
    auto run_pass = [&](float trim_gain, bool first, std::optional<RenderResult>& rendered) {
        const bool may_abort = first && may_trim;
        // Blocks to mix from the stems: all of them, or in the trim pass those the spool lacks.
        const std::size_t head =
            !first && spool ? spool_from : std::numeric_limits<std::size_t>::max();
        dsp::Chain chain;
        if (bus_chain)
            bus_chain(chain, {rate, settings.channels});
        chain.prepare({rate, settings.channels}, default_block_frames);
        auto stage = std::make_unique<OutputStage>(output_path, source,
                                                   dsp::StreamSpec{rate, settings.channels}, output,
                                                   !exact || trim_gain != 1.0f, total);
        if (!meta.empty())
            stage->set_metadata(meta, 0, -1, true);
        // Written by the output stage's worker (encoding and writing run beside the summing),
        // read here: a clip seen late still abandons the file after drain() below.
        std::atomic<float> out_peak{0.0f};
        if (may_abort)
            stage->set_observer([&](AudioView v) {
                const float p = peak_of(v);
                if (p > out_peak.load(std::memory_order_relaxed))
                    out_peak.store(p, std::memory_order_relaxed);
            });
        stage->run_in_background();
        float peak = 0.0f;
        over = 0;
        std::size_t emitted = 0;
        const float over_level = static_cast<float>(clip);
        auto emit = [&](AudioView v) {
            if (v.frames() == 0)
                return;
            const float p = peak_of(v);
            if (may_abort && !spool &&
                (p >= over_level || out_peak.load(std::memory_order_relaxed) >= clip)) {
                spool.emplace(output_path, bus_ch);
                spool_from = emitted;
            }
            ++emitted;
            if (may_abort && spool)
                spool->write(v);
            peak = std::max(peak, p);
            for (std::size_t c = 0; c < v.channels(); ++c) {
                float* x = v.channel(c);
                if (trim_gain != 1.0f)
                    for (std::size_t i = 0; i < v.frames(); ++i)
                        x[i] *= trim_gain;
                // Nothing can be over when the block's peak is under (and no trim scales it).
                if (clip > 0 && (trim_gain != 1.0f || p >= over_level)) {
                    std::uint64_t k = 0;
                    for (std::size_t i = 0; i < v.frames(); ++i)
                        k += std::fabs(x[i]) >= over_level ? 1u : 0u;
                    over += k;
                }
            }
            if (stage) {
                stage->push(v);
                if (may_abort && clip > 0 && out_peak.load(std::memory_order_relaxed) >= clip)
                    stage.reset(); // abandons the file
            }
        };
        std::int64_t done = 0;
        if (head > 0) {
            for (auto& s : sources)
                s->start();
            while (done < total && emitted < head) {
                const auto n = static_cast<std::size_t>(
                    std::min<std::int64_t>(total - done, default_block_frames));
                bus.set_frames(n);
                for (std::size_t c = 0; c < bus_ch; ++c)
                    std::fill(bus.channel(c), bus.channel(c) + n, 0.0f);
                for (std::size_t k = 0; k < sources.size(); ++k) {
                    StemSource& src = *sources[k];
                    const StemGains& g = gains[k];
                    std::size_t pos = src.take_silence(n);
                    while (pos < n) {
                        AudioView v = src.take(n - pos);
                        if (v.frames() == 0)
                            break;
                        for (std::size_t o = 0; o < bus_ch; ++o)
                            for (std::size_t i = 0; i < v.channels(); ++i)
                                if (g.g[o][i] != 0.0f)
                                    accumulate(bus.channel(o) + pos, v.channel(i), g.g[o][i],
                                               v.frames());
                        pos += v.frames();
                    }
                }
                emit(chain.size() > 0 ? chain.process(bus.view()) : bus.view());
                done += static_cast<std::int64_t>(n);
                if (progress)
                    progress(done);
            }
            if (chain.size() > 0 && emitted < head) {
                AudioBuffer tail;
                chain.flush(tail);
                emit(tail.view());
            }
        }
        if (!first && spool)
            spool->replay([&](AudioView v) {
                emit(v);
                done = std::min(total, done + static_cast<std::int64_t>(v.frames()));
                if (progress)
                    progress(done);
            });
        bus_peak = peak;
        if (stage && may_abort && clip > 0) {
            stage->drain();
            if (out_peak.load(std::memory_order_relaxed) >= clip)
                stage.reset();
        }
        if (!stage)
            return false;
        rendered = stage->finish();
        return true;
    };

    std::optional<RenderResult> rendered;
    if (!run_pass(1.0f, true, rendered)) {
        // Pass 2: the bus trimmed so its peak sits at the headroom.
        result.passes = 2;
        result.trimmed = true;
        result.trim_db = settings.headroom_dbfs - gain_to_db(bus_peak);
        const double peak_keep = bus_peak;
        run_pass(static_cast<float>(db_to_gain(result.trim_db)), false, rendered);
        bus_peak = peak_keep;
    }
    result.bus_peak_dbfs = gain_to_db(bus_peak);
    result.render = *rendered;
    result.render.clipped_samples = std::max(result.render.clipped_samples, over);
    return result;
}

} // namespace tapeop::passes
