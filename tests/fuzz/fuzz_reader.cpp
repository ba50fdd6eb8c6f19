// libFuzzer target: tapeop's audio reader (io::AudioReader) on arbitrary bytes, every
// container libsndfile detects by content (WAV, RF64, W64, AIFF, AU, CAF, FLAC, Ogg Vorbis,
// Opus, MP3), including the open-time header limits, the truncation check, the channel-layout
// readers (WAVEX/CAF maps, FLAC's mask comment through TagLib) and a second pass (rewind).
// A tapeop::Error is the expected answer to a bad file; anything else escaping, a sanitizer
// report, a hang or an out-of-memory is a finding.
#include "memfile.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"

#include <cstddef>
#include <cstdint>

namespace {

// Compressed inputs can expand a lot (a FLAC frame of constant samples is a few bytes):
// reading further than this adds time, not coverage.
constexpr std::int64_t max_frames_per_pass = 1 << 20;

void read_pass(tapeop::io::AudioReader& reader, tapeop::AudioBuffer& block) {
    std::int64_t frames = 0;
    while (frames < max_frames_per_pass) {
        const std::size_t got = reader.read(block);
        if (got == 0)
            break;
        frames += static_cast<std::int64_t>(got);
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // One thread: a fuzz run is reproducible, and the read-ahead returns exactly what the
    // sequential read does (its own unit tests check that).
    tapeop::io::set_read_ahead(false);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const tapeop::fuzz::MemFile file(data, size);
    try {
        tapeop::io::AudioReader reader(file.path());
        reader.allow_nonfinite(true); // read on past NaN/Inf: more of the decoder is reached
        const auto& info = reader.info();
        tapeop::AudioBuffer block(static_cast<std::size_t>(info.channels), 4096);
        read_pass(reader, block);
        reader.rewind();
        read_pass(reader, block);
    } catch (const tapeop::Error&) {
    }
    return 0;
}
