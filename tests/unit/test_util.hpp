#pragma once
// Small helpers for the unit tests: a temporary folder and whole-file read/write of short
// generated signals.
#include "tapeop/audio_buffer.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/passes/render.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tapeop::test {

class TempDir {
  public:
    TempDir() {
        std::string templ =
            (std::filesystem::temp_directory_path() / "tapeop-test-XXXXXX").string();
        path_ = ::mkdtemp(templ.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

inline void write_file(const std::string& path, AudioBuffer& audio, int rate,
                       io::SampleFormat fmt) {
    io::OutputSpec spec;
    spec.sample_rate = rate;
    spec.channels = static_cast<int>(audio.channels());
    spec.sample_format = fmt;
    spec.expected_frames = static_cast<std::int64_t>(audio.frames());
    io::AudioWriter w(path, spec);
    w.write(audio.view());
    w.commit();
}

inline AudioBuffer read_file(const std::string& path, std::size_t block = 4096) {
    io::AudioReader r(path);
    const auto& fi = r.info();
    AudioBuffer all(static_cast<std::size_t>(fi.channels), static_cast<std::size_t>(fi.frames));
    AudioBuffer blk(static_cast<std::size_t>(fi.channels), block);
    std::size_t pos = 0;
    while (std::size_t n = r.read(blk)) {
        for (std::size_t c = 0; c < all.channels(); ++c)
            std::copy(blk.channel(c), blk.channel(c) + n, all.channel(c) + pos);
        pos += n;
    }
    all.set_frames(pos);
    return all;
}

// Output settings for float files: no quantization, no dither (exact comparisons).
inline passes::OutputSettings float_out() {
    passes::OutputSettings o;
    o.bits = io::SampleFormat::float32;
    return o;
}

} // namespace tapeop::test
