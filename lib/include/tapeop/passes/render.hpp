#pragma once
// Rendering: input -> processor chain -> output stage (channel layout, sample rate, dither)
// -> atomic writer. Streaming, block by block; the chain's latency is compensated, so the
// output is aligned with the input and as long (times the rate ratio).
//
// Dither (automatic): TPDF when the output is 16- or 24-bit integer and the audio was changed
// (a processing chain, a new rate or layout, or fewer bits than the source). An unprocessed
// copy into the same format stays bit-identical: processing is in float (24-bit mantissa), so
// for the formats float does not hold (32-bit integer, double) the output stage then writes
// the source's samples as stored (OutputStage::keep_source_samples).
#include "tapeop/background.hpp"
#include "tapeop/dsp/chain.hpp"
#include "tapeop/dsp/dither.hpp"
#include "tapeop/dsp/resampler.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace tapeop::passes {

enum class DitherMode { automatic, tpdf, shaped, none };
// "auto" | "tpdf" | "shaped" | "none"; throws UsageError.
DitherMode parse_dither(const std::string& text);

struct OutputSettings {
    std::optional<int> sample_rate;       // resample with libsoxr (very high quality)
    std::optional<io::SampleFormat> bits; // sample format; default: the source's
    std::optional<int> channels;          // 1 (fold down) or 2 (...); default: the stream's
    DitherMode dither = DitherMode::automatic;
    std::uint64_t dither_seed = 0x7a9e0bULL;
    // An intermediate file of a multi-step job (recipes): float when the audio was changed
    // (nothing lost before the next step), else the source's own format (its samples exactly,
    // so an unchanged stream stays unchanged to the end); never dithered. `bits` and `dither`
    // are then ignored.
    bool intermediate = false;
};

struct RenderResult {
    std::string path;
    io::OutputSpec spec;
    std::int64_t frames = 0;
    std::uint64_t clipped_samples = 0;
    bool dithered = false;
};

// Adds processors to an empty chain for a stream (a pre-chain, a stem's chain, the bus chain);
// called once per pass, so every pass starts from fresh processors.
using ChainBuilder = std::function<void(dsp::Chain&, const dsp::StreamSpec&)>;

// Sees every block exactly as it is written (after resampling and dither, before the
// writer's integer rounding, which dither makes exact).
using Observer = std::function<void(AudioView)>;
// Frames of input consumed so far.
using Progress = std::function<void(std::int64_t frames_done)>;

// The output stage, for passes that produce audio themselves (mix, generators).
class OutputStage {
  public:
    // `source` decides the default sample format; `stream` is what will be pushed.
    // `changed`: whether the audio differs from the source's samples (for automatic dither).
    OutputStage(const std::string& path, const io::FileInfo& source, const dsp::StreamSpec& stream,
                const OutputSettings& settings, bool changed,
                std::int64_t expected_input_frames = -1);
    ~OutputStage();
    void set_observer(Observer o) { observer_ = std::move(o); }
    // The source's metadata, carried to the output moved to its audio: the output starts
    // `head_frames` into the source and is `kept_frames` long there (-1: to the end); `cut`:
    // the output holds less than the whole source. Loudness tags are dropped when the audio
    // changed (a chain, a cut, a new rate or layout). Before the first push().
    void set_metadata(const io::Metadata& source, std::int64_t head_frames = 0,
                      std::int64_t kept_frames = -1, bool cut = false);
    // The pushed audio is the source's own frames from `first_frame` on, unchanged (the
    // caller's chain is an identity). When the output also has the source's sample format and
    // rate and float does not hold that format (32-bit integer, double), the stage writes the
    // source's samples as stored, read again from the source (io::StoredFrames), instead of
    // their float values; the float blocks still go to the observer, and each block is checked
    // against the stored samples. Otherwise nothing changes. Before the first push().
    void keep_source_samples(std::int64_t first_frame = 0);
    // From the next push() on, the stage's own work (layout, resampling, dither, the observer,
    // encoding and writing) runs on a worker thread while the caller prepares the next block;
    // push() only copies the block (at most six wait, so memory stays fixed). The output is
    // the same as in the caller's thread. The observer then runs on the worker: what it
    // touches must be read only after drain() or finish(). An error of the worker is thrown
    // by the next push(), drain() or finish().
    void run_in_background();
    void push(AudioView block);
    // Waits until every pushed block has been through the stage (and the observer);
    // afterwards the stage works in the caller's thread again.
    void drain();
    // Drains, flushes the resampler and commits the file. Without it nothing is written.
    // `pad_to_frames` (output frames): appends digital silence (no dither) up to that length.
    RenderResult finish(std::int64_t pad_to_frames = -1);
    // Output frames emitted so far (in the background: as of the last drain()).
    std::int64_t frames_out() const { return static_cast<std::int64_t>(writer_->frames_written()); }
    const io::OutputSpec& spec() const { return writer_->spec(); }
    // The writer, for metadata set around the audio (not while running in the background).
    io::AudioWriter& writer() { return *writer_; }

  private:
    void consume(AudioView block);
    void emit(AudioView block);
    dsp::StreamSpec stream_;
    std::unique_ptr<io::AudioWriter> writer_;
    std::unique_ptr<dsp::Resampler> resampler_;
    std::unique_ptr<dsp::Dither> dither_;
    AudioBuffer layout_buf_;
    Observer observer_;
    RenderResult result_;
    std::unique_ptr<BackgroundSink>
        background_; // stopped first (~OutputStage): its worker uses the other members
    bool want_background_ = false;
    bool audio_changed_ = false; // for the loudness tags
    // keep_source_samples: whether it applies (set by the constructor), and the copy.
    bool stored_possible_ = false;
    std::string source_path_;
    io::SampleFormat source_format_ = io::SampleFormat::other;
    std::unique_ptr<io::StoredFrames> stored_;
};

// Reads `input` (rewound first) through `chain` into `output_path`. The chain is prepared
// here for the input's rate and channels. Throws Error naming the file on any failure, and
// then nothing is written.
RenderResult render_file(io::AudioReader& input, dsp::Chain& chain, const std::string& output_path,
                         const OutputSettings& settings, const Observer& observe = {},
                         const Progress& progress = {});

// Runs `input` through `chain` and hands the output blocks to `observe` without writing
// (measurement passes of multi-pass jobs).
void run_chain(io::AudioReader& input, dsp::Chain& chain, const Observer& observe,
               const Progress& progress = {});

} // namespace tapeop::passes
