#pragma once
// Pipes: standard input as an input file, standard output as an output file.
//
// Every command reads its inputs by path (multi-pass jobs read them twice) and writes its
// outputs atomically by path, so a stream goes through a temporary file in the system
// temporary folder ($TMPDIR, else /tmp): standard input is copied there first (StdinSpool),
// and an output for standard output is written there and then copied out (StdoutFile). Both
// temporaries are removed when the object goes, and on SIGINT/SIGTERM by the writer's table of
// pending temporaries (io/writer.hpp). Memory stays bounded; disk use is the stream's size.
#include "tapeop/io/format.hpp"

#include <optional>
#include <string>

namespace tapeop::io {

// The layout of a headerless PCM stream: "--raw RATE,CHANNELS,FORMAT" with FORMAT one of
// u8, s16le, s24le, s32le, f32le (little-endian, interleaved; ffmpeg's names).
struct RawFormat {
    int sample_rate = 0;
    int channels = 0;
    SampleFormat format = SampleFormat::pcm16;
    int bytes_per_sample = 2;
};
// Throws UsageError naming the text.
RawFormat parse_raw_format(const std::string& text);

// Standard input (or `fd`) copied whole to a temporary file. A WAV stream written by a tool
// that could not seek back (ffmpeg to a pipe: sizes 0xFFFFFFFF) gets its RIFF and data sizes
// set from the length received; a raw stream gets a WAV header. Throws Error when nothing
// arrives or the temporary folder cannot hold the stream.
class StdinSpool {
  public:
    explicit StdinSpool(std::optional<RawFormat> raw = std::nullopt, int fd = 0);
    ~StdinSpool();
    StdinSpool(const StdinSpool&) = delete;
    StdinSpool& operator=(const StdinSpool&) = delete;
    // The temporary, named "tapeop-stdin-XXXXXX.EXT" (EXT from the stream's first bytes).
    const std::string& path() const { return path_; }

  private:
    std::string path_;
    int slot_ = -1;
};

// Where a command writes an output meant for standard output: a temporary path in the
// temporary folder with the container's extension (wav, flac, aiff, au; raw is written as WAV
// and sent without its header). send() copies the finished file to `fd`.
class StdoutFile {
  public:
    // `format`: wav (the default), flac, aiff, au or raw. Throws UsageError for others.
    explicit StdoutFile(const std::string& format = "wav");
    ~StdoutFile();
    StdoutFile(const StdoutFile&) = delete;
    StdoutFile& operator=(const StdoutFile&) = delete;
    const std::string& path() const { return path_; }
    // Copies the written file (raw: its data chunk) to `fd`; throws Error when the file was
    // not written or the pipe is closed early.
    void send(int fd) const;

  private:
    std::string path_;
    bool raw_ = false;
    int slot_ = -1;
};

} // namespace tapeop::io
