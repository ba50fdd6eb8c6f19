#pragma once
// Streaming reader over libsndfile: planar float blocks from any format libsndfile reads.
//
// Integer PCM (8/16/24-bit, also inside FLAC) is converted with exact power-of-two scaling,
// so reading and writing back the same format is bit-identical (libsndfile's own float
// conversion is not). Memory is one interleaved scratch block, whatever the file length.
#include "tapeop/audio_buffer.hpp"
#include "tapeop/io/format.hpp"

#include <cstdint>
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

    // Back to the first frame, for the next pass of a multi-pass job.
    void rewind();

    void allow_nonfinite(bool allow) { allow_nonfinite_ = allow; }
    std::uint64_t nonfinite_samples() const { return nonfinite_; }
    // Frame of the first non-finite sample seen (-1: none).
    std::int64_t first_nonfinite_frame() const { return first_nonfinite_; }
    std::int64_t position() const { return position_; }

private:
    struct Closer {
        void operator()(SNDFILE* f) const;
    };
    std::unique_ptr<SNDFILE, Closer> file_;
    FileInfo info_;
    bool integer_path_ = false;
    bool allow_nonfinite_ = false;
    std::uint64_t nonfinite_ = 0;
    std::int64_t first_nonfinite_ = -1;
    std::int64_t position_ = 0;
    std::vector<std::int32_t> scratch_int_;
    std::vector<float> scratch_float_;
};

// Opens and returns the info only.
FileInfo probe(const std::string& path);

} // namespace tapeop::io
