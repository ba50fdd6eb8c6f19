#include "tapeop/passes/trim.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace tapeop::passes {

dsp::FadeCurve parse_fade_curve(const std::string& c) {
    if (c == "linear")
        return dsp::FadeCurve::linear;
    if (c == "equal-power")
        return dsp::FadeCurve::equal_power;
    if (c == "log" || c == "logarithmic")
        return dsp::FadeCurve::logarithmic;
    throw UsageError("unknown fade curve '" + c + "' (expected linear, equal-power or log)");
}

namespace {

FadeOptions fade_from(const steps::ParamValues& v) {
    FadeOptions f;
    f.in_s = v.number("fade_in");
    f.out_s = v.number("fade_out");
    f.curve = parse_fade_curve(v.text("curve"));
    return f;
}

std::int64_t to_frames(double seconds, int rate) {
    return static_cast<std::int64_t>(std::llround(seconds * rate));
}

} // namespace

TrimSettings trim_settings_from(const steps::ParamValues& v) {
    TrimSettings s;
    s.silence_dbfs = v.number("silence");
    s.pad_s = v.number("pad");
    if (v.given("start"))
        s.start_s = v.number("start");
    if (v.given("end"))
        s.end_s = v.number("end");
    if (v.given("duration"))
        s.duration_s = v.number("duration");
    if (s.end_s && s.duration_s)
        throw UsageError("trim takes end or duration, not both");
    s.fade = fade_from(v);
    return s;
}

SplitSettings split_settings_from(const steps::ParamValues& v) {
    SplitSettings s;
    s.silence_dbfs = v.number("silence");
    s.pad_s = v.number("pad");
    s.min_gap_s = v.number("min_gap");
    s.min_take_s = v.number("min_take");
    s.fade = fade_from(v);
    return s;
}

std::vector<FrameRange> find_audio(const std::string& path, double silence_dbfs,
                                   std::int64_t min_gap_frames) {
    io::AudioReader reader(path);
    const io::FileInfo& fi = reader.info();
    const float thr = static_cast<float>(db_to_gain(silence_dbfs));
    AudioBuffer block(static_cast<std::size_t>(fi.channels), default_block_frames);
    std::vector<float> loud(default_block_frames);
    std::vector<FrameRange> out;
    std::int64_t pos = 0;
    bool open = false;
    FrameRange cur;
    while (reader.read(block) > 0) {
        const std::size_t n = block.frames();
        // Per frame, the largest magnitude over the channels (vectorizes).
        std::fill(loud.begin(), loud.begin() + static_cast<std::ptrdiff_t>(n), 0.0f);
        for (std::size_t c = 0; c < block.channels(); ++c) {
            const float* x = block.channel(c);
            float* m = loud.data();
            for (std::size_t i = 0; i < n; ++i) {
                const float a = std::fabs(x[i]);
                m[i] = a > m[i] ? a : m[i];
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (!(loud[i] > thr))
                continue;
            const std::int64_t f = pos + static_cast<std::int64_t>(i);
            if (open && (min_gap_frames <= 0 || f - cur.end < min_gap_frames)) {
                cur.end = f + 1;
            } else {
                if (open)
                    out.push_back(cur);
                cur = {f, f + 1};
                open = true;
            }
        }
        pos += static_cast<std::int64_t>(n);
    }
    if (open)
        out.push_back(cur);
    return out;
}

namespace {

// Streams ranges of one input (ascending, not overlapping) into their outputs, reading once.
void render_ranges(io::AudioReader& reader, const std::vector<FrameRange>& ranges,
                   const std::vector<std::string>& outputs, const FadeOptions& fade,
                   const OutputSettings& out, std::vector<RenderResult>& results,
                   const Progress& progress) {
    const io::FileInfo& fi = reader.info();
    const io::Metadata meta = io::strip_metadata() ? io::Metadata{} : io::read_metadata(fi.path);
    reader.rewind();
    AudioBuffer block(static_cast<std::size_t>(fi.channels), default_block_frames);
    std::int64_t pos = 0;           // frames of the input read
    std::size_t have = 0, used = 0; // frames in `block` and consumed from it
    auto next = [&]() -> bool {
        if (used < have)
            return true;
        have = reader.read(block);
        used = 0;
        if (progress)
            progress(pos + static_cast<std::int64_t>(have));
        return have > 0;
    };
    for (std::size_t k = 0; k < ranges.size(); ++k) {
        const FrameRange& r = ranges[k];
        dsp::Chain chain;
        const std::uint64_t len = static_cast<std::uint64_t>(r.frames());
        if (fade.in_s > 0) {
            dsp::FadeSettings s;
            s.direction = dsp::FadeDirection::in;
            s.curve = fade.curve;
            s.length_frames = std::min<std::uint64_t>(
                len, static_cast<std::uint64_t>(to_frames(fade.in_s, fi.sample_rate)));
            chain.add(std::make_unique<dsp::Fade>(s));
        }
        if (fade.out_s > 0) {
            dsp::FadeSettings s;
            s.direction = dsp::FadeDirection::out;
            s.curve = fade.curve;
            s.length_frames = std::min<std::uint64_t>(
                len, static_cast<std::uint64_t>(to_frames(fade.out_s, fi.sample_rate)));
            s.total_frames = len;
            chain.add(std::make_unique<dsp::Fade>(s));
        }
        chain.prepare({fi.sample_rate, fi.channels}, default_block_frames);
        io::FileInfo source = fi;
        OutputStage stage(outputs[k], source, {fi.sample_rate, fi.channels}, out,
                          !chain.is_identity(), r.frames());
        if (chain.is_identity()) // without fades: the kept frames as stored
            stage.keep_source_samples(r.start);
        // Each output's TimeReference and markers point at its own first frame in the source.
        if (!meta.empty())
            stage.set_metadata(meta, r.start, r.frames(),
                               r.start > 0 || r.end < static_cast<std::int64_t>(fi.frames));
        while (pos < r.end && next()) {
            const std::size_t avail = have - used;
            // Skip what lies before the range, then pass what lies in it.
            if (pos < r.start) {
                const auto skip = static_cast<std::size_t>(
                    std::min<std::int64_t>(r.start - pos, static_cast<std::int64_t>(avail)));
                used += skip;
                pos += static_cast<std::int64_t>(skip);
                continue;
            }
            const auto n = static_cast<std::size_t>(
                std::min<std::int64_t>(r.end - pos, static_cast<std::int64_t>(avail)));
            AudioView v = block.view().sub(used, n);
            AudioView o = chain.size() > 0 ? chain.process(v) : v;
            if (o.frames() > 0)
                stage.push(o);
            used += n;
            pos += static_cast<std::int64_t>(n);
        }
        if (pos < r.end)
            throw Error("ended at " + format_timestamp(double(pos) / fi.sample_rate) +
                            ", before the end of the range",
                        fi.path);
        results.push_back(stage.finish());
    }
}

} // namespace

TrimResult trim_file(const std::string& input, const std::string& output, const TrimSettings& s,
                     const OutputSettings& out, const Progress& progress) {
    io::refuse_overwriting_inputs(output, {input}, false);
    io::AudioReader reader(input);
    const io::FileInfo& fi = reader.info();
    const int rate = fi.sample_rate;
    FrameRange keep{0, fi.frames};
    if (s.start_s || s.end_s || s.duration_s) {
        keep.start = to_frames(s.start_s.value_or(0.0), rate);
        if (s.end_s)
            keep.end = to_frames(*s.end_s, rate);
        if (s.duration_s)
            keep.end = keep.start + to_frames(*s.duration_s, rate);
        if (keep.start >= fi.frames)
            throw Error("start " + format_timestamp(double(keep.start) / rate) +
                            " is past the end (" + format_timestamp(fi.duration_s()) + ")",
                        input);
        keep.end = std::min(keep.end, fi.frames);
        if (keep.end <= keep.start)
            throw Error("the end is not after the start: nothing to keep", input);
    } else {
        const auto audio = find_audio(input, s.silence_dbfs, 0);
        if (audio.empty())
            throw Error("is silent throughout (nothing above " +
                            std::to_string(static_cast<int>(std::lround(s.silence_dbfs))) +
                            " dBFS): nothing to keep",
                        input);
        const std::int64_t pad = to_frames(s.pad_s, rate);
        keep.start = std::max<std::int64_t>(0, audio.front().start - pad);
        keep.end = std::min<std::int64_t>(fi.frames, audio.back().end + pad);
    }
    TrimResult r;
    r.input = fi;
    r.kept = keep;
    std::vector<RenderResult> results;
    render_ranges(reader, {keep}, {output}, s.fade, out, results, progress);
    r.render = results.front();
    return r;
}

std::vector<FrameRange> find_takes(const std::string& input, const SplitSettings& s) {
    const io::FileInfo fi = io::probe(input);
    const int rate = fi.sample_rate;
    const std::int64_t gap = std::max<std::int64_t>(1, to_frames(s.min_gap_s, rate));
    std::vector<FrameRange> audio = find_audio(input, s.silence_dbfs, gap);
    const std::int64_t min_take = to_frames(s.min_take_s, rate);
    std::erase_if(audio, [&](const FrameRange& r) { return r.frames() < min_take; });
    const std::int64_t pad = to_frames(s.pad_s, rate);
    std::vector<FrameRange> takes;
    for (std::size_t k = 0; k < audio.size(); ++k) {
        // Pads stop at the middle of the gap to the neighbour.
        const std::int64_t lo = k == 0 ? 0 : (audio[k - 1].end + audio[k].start) / 2;
        const std::int64_t hi =
            k + 1 == audio.size() ? fi.frames : (audio[k].end + audio[k + 1].start) / 2;
        takes.push_back({std::max(lo, audio[k].start - pad), std::min(hi, audio[k].end + pad)});
    }
    return takes;
}

std::vector<Take> split_file(const std::string& input, const std::string& out_dir,
                             const SplitSettings& s, const OutputSettings& out,
                             const std::string& extension) {
    io::ensure_folder(out_dir, "is not a folder (split writes one file per take)");
    const std::vector<FrameRange> takes = find_takes(input, s);
    if (takes.empty())
        throw Error("is silent throughout: no takes found", input);
    const std::filesystem::path in(input);
    const std::string ext = extension.empty() ? io::folder_output_extension(input) : extension;
    std::string dir = out_dir;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    std::vector<std::string> outputs;
    for (std::size_t k = 0; k < takes.size(); ++k) {
        char num[24];
        std::snprintf(num, sizeof num, "%02zu", k + 1);
        outputs.push_back(dir + "/" + in.stem().string() + "-take" + num + ext);
        io::refuse_overwriting_inputs(outputs.back(), {input}, false);
    }
    io::AudioReader reader(input);
    std::vector<RenderResult> results;
    render_ranges(reader, takes, outputs, s.fade, out, results, {});
    std::vector<Take> r;
    for (std::size_t k = 0; k < takes.size(); ++k)
        r.push_back({outputs[k], takes[k], results[k]});
    return r;
}

} // namespace tapeop::passes
