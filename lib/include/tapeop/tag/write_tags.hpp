#pragma once
// Writing loudness tags into a file in place, without changing one audio sample.
//
// Atomic like every output: a copy beside the file (io::temporary_template_for, listed for
// removal on a signal) is edited and renamed over it, so a reader sees the old file or the
// new one, never a half-written one. FLAC, Ogg Vorbis, Opus, MP3 and MP4 are edited with
// TagLib (Vorbis comments; ID3v2 TXXX frames, keeping the tag's version 2.3 or 2.4, no ID3v1
// added; MP4 freeform atoms "----:com.apple.iTunes:NAME", any of another case replaced).
// WAV and RF64: libsndfile cannot change a bext chunk in place, so the copy is written anew by
// libsndfile with the audio bytes copied as they are (PCM and A/u-law raw, float as float) and
// the other metadata kept (io::read_metadata / apply_before_audio: bext fields, cues, INFO,
// iXML and other chunks); libsndfile appends its own CodingHistory line (see
// io/bext_loudness.hpp) and writes bext version 2.
//
// A file that already holds exactly the tags asked for is not touched (a second run leaves the
// same bytes). Opus: REPLAYGAIN_* comments are removed (RFC 7845 5.2.1: R128_* only).
#include "tapeop/io/format.hpp"
#include "tapeop/tag/loudness_tags.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tapeop::tag {

struct TagEdit {
    Scheme scheme = Scheme::replaygain;
    Tags tags; // what the file holds afterwards (with dry_run: would hold)
    // The same names as they were before (nullopt: absent), then stale tags removed.
    std::vector<std::pair<std::string, std::optional<std::string>>> previous;
    std::vector<std::string> removed;
    bool changed = false; // the file did not already hold exactly `tags`
    bool written = false; // changed and not a dry run
};

// Writes the loudness tags of `track` (and of `album` when given; bext has no album fields)
// into `info.path`, as loudness_tags() for scheme_for(info) gives them. Throws Error naming the
// file when it cannot be read or written (the file is then unchanged), UsageError for a
// container without loudness tags.
TagEdit tag_file(const io::FileInfo& info, const Levels& track, const Levels* album, bool dry_run);

} // namespace tapeop::tag
