#pragma once
// Streaming reader over libsndfile: planar float blocks from any format libsndfile reads, and
// from MP4/M4A (AAC, ALAC) and ADTS AAC through libavcodec (io/libav_input.hpp).
//
// Integer PCM (8/16/24-bit, also inside FLAC) is converted with exact power-of-two scaling,
// so reading and writing back the same format is bit-identical (libsndfile's own float
// conversion is not).
//
// Read-ahead: from the first read() on, a worker thread decodes the next blocks (six of up
// to 8192 frames) while the caller processes the current one, so decoding and processing use
// two cores. The caller sees exactly what a plain sequential read returns: the same blocks,
// and each error (a non-finite sample, a read error) at the same point of the stream. Memory
// is those blocks and one interleaved scratch block, whatever the file length.
#include "tapeop/audio_buffer.hpp"
#include "tapeop/io/format.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

typedef struct sf_private_tag SNDFILE;

namespace tapeop::io {

class AudioReader {
  public:
    // Opens `path`; throws Error naming it when it is missing, not audio, truncated or has an
    // absurd header.
    explicit AudioReader(const std::string& path);
    ~AudioReader();
    AudioReader(const AudioReader&) = delete;
    AudioReader& operator=(const AudioReader&) = delete;
    AudioReader(AudioReader&&) noexcept;
    AudioReader& operator=(AudioReader&&) noexcept;

    const FileInfo& info() const { return info_; }

    // Reads up to out.capacity() frames into `out` (which must have info().channels channels)
    // and sets out.frames() to the count read; returns it (0 at the end of the file).
    // A non-finite sample throws Error naming the file, the time and the channel, unless
    // allow_nonfinite(true), in which case such samples are counted and replaced by 0.
    std::size_t read(AudioBuffer& out);
    // The same as a view of up to `max` frames in the reader's own buffers (the read-ahead's
    // block itself: no copy), valid until the next read(), read_view() or rewind(); no
    // frames at the end. read() and read_view() may be mixed.
    AudioView read_view(std::size_t max);

    // Back to the first frame, for the next pass of a multi-pass job.
    void rewind();

    // Set before the first read().
    void allow_nonfinite(bool allow);
    // Non-finite samples met so far (counted per block of the read-ahead: once read() has
    // returned frames of a block, all of that block's are counted).
    std::uint64_t nonfinite_samples() const;
    // Frame of the first non-finite sample seen (-1: none).
    std::int64_t first_nonfinite_frame() const;
    // Frames returned by read() since the start (or the last rewind()).
    std::int64_t position() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
    void open_libav(const std::string& path);
    FileInfo info_;
};

// The stored sample formats whose values float does not hold exactly, which StoredFrames
// copies: 32-bit integer and double (rounded to float's 24-bit mantissa when read; 8-, 16-
// and 24-bit integers and float are read exactly, and a lossy stream is decoded anew anyway).
bool float_rounds(SampleFormat f);

// A file's frames exactly as stored, for formats float does not hold (32-bit integer, double):
// what an output of the same format gets when nothing changed the audio (passes/render.hpp,
// OutputStage::keep_source_samples). One libsndfile handle of its own, read in order from
// `first_frame`; 32-bit integers as libsndfile hands them over, doubles as they are.
class StoredFrames {
  public:
    // Throws Error naming the file when it cannot be opened or positioned.
    StoredFrames(const std::string& path, SampleFormat format, int channels,
                 std::int64_t first_frame);
    ~StoredFrames();
    StoredFrames(const StoredFrames&) = delete;
    StoredFrames& operator=(const StoredFrames&) = delete;

    // Reads the next block.frames() frames and checks that each sample, rounded to float as
    // AudioReader rounds it, is the one in `block` (the audio that was processed and measured
    // is the audio copied). Throws Error naming the file when it ends early or a sample
    // differs.
    void read_matching(AudioView block);
    SampleFormat format() const { return format_; }
    // The frames of the last read_matching, interleaved (the one of the two for format()).
    const std::int32_t* ints() const { return ints_.data(); }
    const double* doubles() const { return doubles_.data(); }

  private:
    std::string path_;
    SampleFormat format_;
    std::size_t channels_;
    SNDFILE* file_ = nullptr;
    std::vector<std::int32_t> ints_;
    std::vector<double> doubles_;
};

// Whether readers decode ahead on a worker thread (on by default). Process-wide; for tests
// and measurements. Readers already reading keep their mode until rewind().
void set_read_ahead(bool on);

// The layout every reader opened from now on reports instead of the file's (empty: none).
// Process-wide, like set_read_ahead: the CLI's global --layout / --channel-weights, set once
// before any job starts. A reader whose file has another channel count throws Error naming
// the file and both counts, except for a file this process wrote (written_by_this_process,
// e.g. a fold-down's output read back for verification): that one keeps its own layout.
void set_layout_override(LayoutOverride o);

// Called once per file path, the first time a reader opens an input whose layout rests on an
// assumption the user should know (ChannelLayout::warning: more than six channels and no
// layout in the file), with the path and the warning. Not called for files this process wrote.
// May be called from several job threads at once. Process-wide, set once before jobs start.
using LayoutWarningHandler =
    std::function<void(const std::string& path, const std::string& warning)>;
void set_layout_warning_handler(LayoutWarningHandler handler);
// Passes another warning about a file (an output's metadata that its container has no place
// for) to the same handler, every time; nothing when no handler is set.
void warn_about_file(const std::string& path, const std::string& warning);

// Opens and returns the info only.
FileInfo probe(const std::string& path);

} // namespace tapeop::io
