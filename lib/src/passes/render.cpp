#include "tapeop/passes/render.hpp"

#include "tapeop/dsp/channels.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/format.hpp"
#include "tapeop/io/libav_input.hpp"

namespace tapeop::passes {

DitherMode parse_dither(const std::string& text) {
    if (text == "auto" || text == "automatic")
        return DitherMode::automatic;
    if (text == "tpdf")
        return DitherMode::tpdf;
    if (text == "shaped")
        return DitherMode::shaped;
    if (text == "none" || text == "off")
        return DitherMode::none;
    throw UsageError("unknown dither '" + text + "' (expected auto, tpdf, shaped or none)");
}

OutputStage::OutputStage(const std::string& path, const io::FileInfo& source,
                         const dsp::StreamSpec& stream, const OutputSettings& settings,
                         bool changed, std::int64_t expected_input_frames)
    : stream_(stream) {
    const int out_channels = settings.channels.value_or(stream.channels);
    const int out_rate = settings.sample_rate.value_or(stream.sample_rate);
    io::FileInfo shaped = source;
    shaped.frames = expected_input_frames >= 0 ? expected_input_frames : source.frames;
    shaped.sample_rate = stream.sample_rate;
    const bool layout_changed = out_channels != stream.channels;
    const bool rate_changed = out_rate != stream.sample_rate;
    std::optional<io::SampleFormat> bits = settings.bits;
    if (settings.intermediate) // float once changed, else the source's own samples
        bits = changed || layout_changed || rate_changed
                   ? std::optional<io::SampleFormat>(io::SampleFormat::float32)
                   : std::nullopt;
    io::OutputSpec spec = io::output_spec_for(path, shaped, bits, out_rate, out_channels);
    spec.intermediate = settings.intermediate;
    // libsndfile's FLAC and MP3 encoders write a file with no frames that its decoders cannot
    // open again, so the read-back check would call it a failed write: say what it is.
    if (shaped.frames == 0) {
        const io::Container& c = io::container_for_path(path);
        if (c.extension == "flac" || c.extension == "mp3")
            throw Error("holds no audio (0 frames): nothing to write into " + path +
                            " (an empty FLAC or MP3 file cannot be read back)",
                        source.path);
    }

    const int out_bits = io::integer_bits(spec.sample_format);
    const int src_bits = io::integer_bits(source.sample_format);
    const bool fewer_bits = out_bits > 0 && (src_bits == 0 || out_bits < src_bits);
    const bool audio_changed = changed || layout_changed || rate_changed || fewer_bits;
    audio_changed_ = changed || layout_changed || rate_changed; // bits alone keep loudness
    DitherMode mode = settings.intermediate ? DitherMode::none : settings.dither;
    if (mode == DitherMode::automatic)
        mode = audio_changed ? DitherMode::tpdf : DitherMode::none;
    if (mode != DitherMode::none && (out_bits == 16 || out_bits == 24 || out_bits == 8)) {
        dsp::DitherSettings ds;
        ds.bits = out_bits;
        ds.seed = settings.dither_seed;
        ds.shaping =
            mode == DitherMode::shaped ? dsp::NoiseShaping::second_order : dsp::NoiseShaping::none;
        dither_ = std::make_unique<dsp::Dither>(ds);
        dither_->prepare({out_rate, out_channels}, default_block_frames);
        result_.dithered = true;
    }
    if (rate_changed)
        resampler_ = std::make_unique<dsp::Resampler>(out_channels, stream.sample_rate, out_rate);
    if (layout_changed)
        layout_buf_.resize(static_cast<std::size_t>(out_channels), default_block_frames);
    try {
        writer_ = std::make_unique<io::AudioWriter>(path, spec);
    } catch (const UsageError& e) {
        // What the output cannot hold comes from the input (its channels, its rate): the one
        // line names the input, and the output it was going to.
        throw UsageError(e.message() + " (writing " + path + ")", source.path);
    }
    result_.path = path;
    result_.spec = spec;
    stored_possible_ =
        !changed && !layout_changed && !rate_changed && !dither_ &&
        stream.channels == source.channels && stream.sample_rate == source.sample_rate &&
        spec.sample_format == source.sample_format && io::float_rounds(source.sample_format) &&
        !source.path.empty() && io::libav_container(source.path).empty();
    source_path_ = source.path;
    source_format_ = source.sample_format;
}

void OutputStage::keep_source_samples(std::int64_t first_frame) {
    if (frames_out() > 0 || background_)
        throw Error("internal: keep_source_samples after the first block", result_.path);
    if (stored_possible_)
        stored_ = std::make_unique<io::StoredFrames>(source_path_, source_format_, stream_.channels,
                                                     first_frame);
}

OutputStage::~OutputStage() {
    // The worker first: it uses the members below (the writer, the dither, stored_), which
    // would otherwise be destroyed while it still runs (a stage abandoned mid-stream).
    background_.reset();
}

void OutputStage::set_metadata(const io::Metadata& source, std::int64_t head_frames,
                               std::int64_t kept_frames, bool cut) {
    writer_->set_metadata(io::moved(source, head_frames, kept_frames, writer_->spec().sample_rate,
                                    audio_changed_ || cut));
}

void OutputStage::run_in_background() {
    want_background_ = true;
}

void OutputStage::push(AudioView block) {
    if (want_background_ && !background_)
        background_ = std::make_unique<BackgroundSink>(
            static_cast<std::size_t>(stream_.channels), [this](AudioView v) { consume(v); },
            "tapeop-write");
    if (background_) {
        background_->push(block);
        return;
    }
    consume(block);
}

void OutputStage::drain() {
    want_background_ = false;
    if (!background_)
        return;
    // Dropped first, so the stage works in this thread again even when the worker failed.
    std::unique_ptr<BackgroundSink> bg = std::move(background_);
    bg->drain();
}

void OutputStage::consume(AudioView block) {
    // Blocks larger than the internal buffers are split.
    for (std::size_t at = 0; at < block.frames(); at += default_block_frames) {
        AudioView part = block.sub(at, std::min(default_block_frames, block.frames() - at));
        AudioView v = part;
        if (layout_buf_.channels() > 0) {
            layout_buf_.set_frames(part.frames());
            dsp::convert_channels(part, layout_buf_.view());
            v = layout_buf_.view();
        }
        if (resampler_) {
            // In pieces of at most Resampler::block_frames, whatever the ratio.
            resampler_->process(v, [this](AudioView o) { emit(o); });
        } else {
            emit(v);
        }
    }
}

void OutputStage::emit(AudioView block) {
    for (std::size_t at = 0; at < block.frames(); at += default_block_frames) {
        AudioView part = block.sub(at, std::min(default_block_frames, block.frames() - at));
        if (dither_)
            dither_->process(part);
        if (observer_)
            observer_(part);
        if (stored_) {
            stored_->read_matching(part);
            writer_->write_stored(*stored_, part.frames());
        } else {
            writer_->write(part);
        }
    }
}

RenderResult OutputStage::finish(std::int64_t pad_to_frames) {
    drain();
    if (resampler_) {
        resampler_->flush([this](AudioView o) { emit(o); });
    }
    if (pad_to_frames > frames_out()) {
        AudioBuffer zeros(static_cast<std::size_t>(writer_->spec().channels), default_block_frames);
        while (frames_out() < pad_to_frames) {
            const auto n =
                std::min<std::int64_t>(pad_to_frames - frames_out(), default_block_frames);
            zeros.set_frames(static_cast<std::size_t>(n));
            if (observer_)
                observer_(zeros.view());
            writer_->write(zeros.view());
        }
    }
    writer_->commit();
    result_.frames = static_cast<std::int64_t>(writer_->frames_written());
    result_.clipped_samples = writer_->clipped_samples();
    return result_;
}

namespace {

void stream_chain(io::AudioReader& input, dsp::Chain& chain,
                  const std::function<void(AudioView)>& sink, const Progress& progress) {
    const io::FileInfo& fi = input.info();
    input.rewind();
    chain.prepare({fi.sample_rate, fi.channels}, default_block_frames);
    AudioBuffer block(static_cast<std::size_t>(fi.channels), default_block_frames);
    std::int64_t done = 0;
    while (input.read(block) > 0) {
        AudioView out = chain.process(block.view());
        if (out.frames() > 0)
            sink(out);
        done += static_cast<std::int64_t>(block.frames());
        if (progress)
            progress(done);
    }
    AudioBuffer tail;
    chain.flush(tail);
    if (tail.frames() > 0)
        sink(tail.view());
}

} // namespace

RenderResult render_file(io::AudioReader& input, dsp::Chain& chain, const std::string& output_path,
                         const OutputSettings& settings, const Observer& observe,
                         const Progress& progress) {
    const io::FileInfo& fi = input.info();
    OutputStage stage(output_path, fi, {fi.sample_rate, fi.channels}, settings,
                      !chain.is_identity());
    if (chain.is_identity())
        stage.keep_source_samples(0);
    if (observe)
        stage.set_observer(observe);
    if (!io::strip_metadata())
        stage.set_metadata(io::read_metadata(fi.path));
    stage.run_in_background();
    stream_chain(
        input, chain, [&](AudioView v) { stage.push(v); }, progress);
    return stage.finish();
}

void run_chain(io::AudioReader& input, dsp::Chain& chain, const Observer& observe,
               const Progress& progress) {
    stream_chain(input, chain, observe, progress);
}

} // namespace tapeop::passes
