#pragma once
// What a file's header says about the length of its audio, read from the container itself:
// libsndfile quietly shortens a file whose audio was cut off (it derives the length from the
// bytes present), and a user wants to know that audio was lost.
//
// Only the size of the audio data chunk counts: a wrong RIFF/FORM size over complete audio is
// tolerated (streaming tools write placeholders there), and so are data sizes that streaming
// writers leave as placeholders (0 or 0xFFFFFFFF; CAF's -1, "to the end of the file").
#include <cstdint>
#include <string>

namespace tapeop::io {

// Bytes of audio the data chunk announces beyond the end of the file (0 when complete, or
// when the container is none of RIFF WAVE, RF64/BW64, Sony Wave64, AIFF/AIFC, Sun AU, CAF).
std::uint64_t missing_audio_bytes(const std::string& path);

// What is wrong with a RIFF WAVE or RF64 file's LIST chunk that makes libsndfile 1.2's parser
// loop forever (a sub-chunk it does not know whose size is larger than the whole file, e.g.
// 0xFFFFFFF4): "" when nothing is, or the file is no RIFF/RF64.
// Checked before the file is handed to libsndfile, so such a file is one error, not a hang.
std::string riff_list_problem(const std::string& path);

// What is wrong with a header that libsndfile accepts but reads wrongly, checked before the
// file is opened: riff_list_problem, or a Sun AU whose data offset lies inside its own 24-byte
// header (libsndfile would read header bytes as audio). "" when nothing is.
std::string header_problem(const std::string& path);

// Whether an MPEG audio file carries its exact length (a Xing, Info or VBRI header in its
// first frame). Without one, the decoder estimates the length from the file's size, so an
// MP3 cut at a frame boundary is indistinguishable from a shorter recording.
bool mpeg_length_is_exact(const std::string& path);

} // namespace tapeop::io
