#pragma once
// What every stage of tapeop supports: the reader refuses a file outside these limits at open
// (naming the file), so a file that opens can also be measured, processed and written.
// A header beyond them is corrupt or hostile, not a recording.

namespace tapeop::limits {

// Channels per file: the reader, the loudness and true-peak meters, the writers. 256 is what
// libsndfile's CAF/W64/RF64 writers and libebur128-style meters carry in practice; the widest
// real-world layouts (object beds, 22.2, ambisonics of order 15) stay under it.
inline constexpr int max_channels = 256;

// Sample rates in Hz. 768 kHz is the highest rate sold by converter makers (8 x 96 kHz);
// below 1 kHz there is no audio content worth a file.
inline constexpr int min_sample_rate_hz = 1000;
inline constexpr int max_sample_rate_hz = 768000;

// Loudness (ITU-R BS.1770 K-weighting): the high-shelf stage sits at 1.68 kHz and must lie
// well below Nyquist, so the loudness meter needs at least this rate. Lower-rate files still
// open, convert and can be resampled.
inline constexpr int min_loudness_rate_hz = 8000;

// Frames a compressed stream can hold per byte of file: no codec tapeop reads comes close
// (FLAC's longest block, 65535 frames, needs more than 8 bytes even when constant), so a
// header announcing more is absurd.
inline constexpr long long max_frames_per_byte = 65536;

} // namespace tapeop::limits
