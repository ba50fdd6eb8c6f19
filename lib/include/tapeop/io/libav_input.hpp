#pragma once
// MP4/M4A (AAC, ALAC) and ADTS AAC input through libavformat/libavcodec (FFmpeg 5.1), the
// formats libsndfile does not read. Read-only: tapeop does not write MP4.
//
// What comes out is what `ffmpeg -i FILE -c:a pcm_f32le` decodes: the encoder delay and the
// padding the edit list (or the iTunSMPB/priming side data) marks are trimmed by libavformat
// and libavcodec themselves, so the frames are the encoded audio and nothing else. Integer
// codecs (ALAC 16/24-bit) are scaled exactly (x / 2^(bits-1)), so ALAC decodes bit for bit
// to the samples of the WAV it was made from.
//
// Local files only: the path is opened through libavformat's "file" protocol alone (no URL,
// pipe, concat or any other protocol), with the demuxer chosen from the file's first bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tapeop::io {

// "m4a" (an ISO base media file: MP4, M4A, M4B, MOV), "aac" (ADTS AAC), or "" (neither),
// from the file's first bytes.
std::string libav_container(const std::string& path);

class LibavDecoder {
  public:
    // Opens the first audio stream of `path`; throws Error naming the file when it is not
    // a readable MP4/ADTS file or its codec is not AAC or ALAC.
    explicit LibavDecoder(const std::string& path);
    ~LibavDecoder();
    LibavDecoder(const LibavDecoder&) = delete;
    LibavDecoder& operator=(const LibavDecoder&) = delete;

    const std::string& container() const { return container_; } // "m4a" | "aac"
    const std::string& codec() const { return codec_; }         // "aac" | "alac"
    int sample_rate() const { return sample_rate_; }
    int channels() const { return channels_; }
    // Bits of an integer codec's samples (ALAC: 16, 20, 24 or 32); 0 for AAC (lossy).
    int bits() const { return bits_; }
    // The stream's channel mask (WAVE_FORMAT_EXTENSIBLE bits: FFmpeg's native order uses the
    // same ones); 0 when the file names no layout.
    std::uint64_t channel_mask() const { return channel_mask_; }

    // Up to `frames` interleaved frames into `dst` (frames x channels()); returns the count,
    // 0 at the end. Throws Error naming the file on a decoding error.
    std::size_t read(float* dst, std::size_t frames);
    // Back to the first frame (reopens the file: decoding restarts exactly as the first time).
    void rewind();
    // Decodes to the end and returns the frame count; leaves the decoder at the start. Throws
    // Error naming the file when an MP4 holds fewer frames than its track announces (cut short).
    std::int64_t count_frames();

  private:
    struct State;
    std::unique_ptr<State> state_;
    std::string path_, container_, codec_;
    int sample_rate_ = 0, channels_ = 0, bits_ = 0;
    std::uint64_t channel_mask_ = 0;
    void open();
};

} // namespace tapeop::io
