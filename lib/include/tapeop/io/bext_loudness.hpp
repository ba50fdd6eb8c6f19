#pragma once
// Bext version 2 loudness (EBU Tech 3285 v2) in a WAV or RF64 file that libsndfile is writing,
// for outputs whose levels are known only once the last sample is written (`master`).
//
// libsndfile writes the bext chunk in the header, before the audio, and rewrites the header in
// place when the file is closed; so the chunk must exist before the first sample and keep its
// length afterwards. begin() therefore writes the bext (the one already set on the file by
// the metadata hooks, or a new one) with its loudness fields unset and the CodingHistory line
// appended; finish() fills in the five fields, which are fixed-size, with the same history.
//
// libsndfile appends a line of its own ("A=PCM,F=48000,W=24,M=stereo,T=libsndfile-1.2.0")
// every time a bext is set, and writes every bext as version 2. A history that already ends
// with such a line (a file written by libsndfile) is handed over without it, so that line is
// not doubled.
#include "tapeop/io/metadata.hpp"

#include <optional>
#include <string>

namespace tapeop::io {

// Whether `path`'s container holds a bext chunk as libsndfile writes it (WAV, RF64).
bool carries_bext(const std::string& path);

// `history` without a trailing line written by libsndfile itself (T=libsndfile-...).
std::string without_libsndfile_line(const std::string& history);

class BextLoudness {
  public:
    // Before the first sample of `sf` (a WAV or RF64 file being written): appends
    // `coding_history_line` (EBU R 98, ending CR LF) and writes the bext with the loudness
    // fields unset. Throws Error naming `path` when libsndfile refuses it.
    void begin(SNDFILE* sf, const std::string& coding_history_line, const std::string& path);
    // After the last sample, before the file is closed: the loudness fields of the audio as
    // written (set_loudness: value x 100, rounded). Throws Error naming `path`.
    void finish(SNDFILE* sf, const LoudnessFields& levels, const std::string& path);
    bool started() const { return started_; }
    const Bext& bext() const { return bext_; }

  private:
    Bext bext_;
    bool started_ = false;
};

} // namespace tapeop::io
