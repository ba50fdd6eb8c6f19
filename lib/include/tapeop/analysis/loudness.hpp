#pragma once
// ITU-R BS.1770-4 loudness and EBU Tech 3342 loudness range, streaming, bounded memory.
//
// K-weighting (BS.1770-4 Annex 1 pre-filter + RLB high-pass, coefficients derived for any
// sample rate from the analog prototypes, as libebur128 does), channel weights by loudspeaker
// position (ITU-R BS.1770-5 Table 4: 1.41 at 60-120 degrees azimuth, 0 for the LFE, 1.0 for
// the rest; see layout.hpp, which turns a file's layout into weights), 400 ms gating
// blocks with 75% overlap, absolute gate -70 LUFS, relative gate -10 LU.
//
// Timing: the filtered energy is summed in 10 ms sub-blocks. Sub-block k covers the frames
// [floor(k * rate / 100), floor((k + 1) * rate / 100)), so at rates divisible by 100 every
// sub-block is exactly rate/100 frames, and at other rates (22050, 11025, ...) they differ by
// at most one frame and still tile the signal exactly. A window (400 ms, 3 s) is the last 40 /
// 300 sub-blocks, its energy divided by the frames it really covers. Momentary and short-term
// loudness are evaluated after every sub-block (100 Hz), so their maxima are found as
// EBU Tech 3341 requires; only full windows count towards the maxima. Gating blocks end every
// 10th sub-block from 400 ms on (as libebur128). LRA per EBU Tech 3342: short-term values at
// 10 Hz (every 10th sub-block from 3 s on), absolute gate -70 LUFS, relative gate -20 LU,
// 10th to 95th percentile (nearest rank, as libebur128).
//
// Memory does not grow with the length of the input: gated block energies and short-term
// values are kept in fixed histograms of 0.005 LU bins from -70 to +30 LUFS (plus one overflow
// bin), each bin holding the count and the exact energy sum of its blocks. The gated mean is
// therefore exact apart from the one bin the relative gate falls into (taken whole or not at
// all by its mean energy); percentiles are the mean energy of the bin they fall in.
//
// Levels are LUFS / LU; silence (nothing above the absolute gate, or less than one full
// window) is -infinity; LRA without any gated short-term value is 0.
#include "tapeop/audio_buffer.hpp"
#include "tapeop/io/format.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tapeop::analysis {

// BS.1770 weight of each channel of a file without a layout in the common WAV order: 1.0 for
// every channel, except 1.41 for channels 4 and 5 of a 5-channel file (L R C Ls Rs) and, for a
// 6-channel file (5.1: L R C LFE Ls Rs), 0 for the LFE and 1.41 for channels 5-6.
std::vector<double> default_channel_weights(int channels);

// The weights to measure a file with: its layout's (io::FileInfo::layout, from the file or
// the CLI's overrides), or default_channel_weights when the info has no layout. Every
// command that measures loudness builds its meter with these.
std::vector<double> channel_weights(const io::FileInfo& info);

// K-weighting coefficients, BS.1770-4 Annex 1, derived for any rate by the bilinear transform
// of the analog prototypes (the derivation and constants of libebur128, ebur128_init_filter).
struct KCoefficients {
    double b0, b1, b2, a1, a2; // pre-filter (high shelf), normalised to a0 = 1
    double c1, c2;             // RLB high-pass denominator; its numerator is 1, -2, 1
};
KCoefficients k_coefficients(double rate);

// K-weighted energy of a stream in runs of any length, with the meter's filter (the same
// arithmetic, two channels per SSE2 instruction): take() returns the sum over channels of
// weight x z^2 over the frames added since the last take(), and starts a new run.
class KWeightedEnergy {
  public:
    KWeightedEnergy(int channels, int sample_rate, std::vector<double> channel_weights);
    ~KWeightedEnergy();
    KWeightedEnergy(KWeightedEnergy&&) noexcept;
    KWeightedEnergy& operator=(KWeightedEnergy&&) noexcept;
    // Frames [first, first + n) of every channel of `block`.
    void add(AudioView block, std::size_t first, std::size_t n);
    double take();

  private:
    struct State;
    std::unique_ptr<State> state_;
};

class LoudnessMeter {
  public:
    LoudnessMeter(int channels, int sample_rate);
    LoudnessMeter(int channels, int sample_rate, std::vector<double> channel_weights);
    ~LoudnessMeter();
    LoudnessMeter(LoudnessMeter&&) noexcept;
    LoudnessMeter& operator=(LoudnessMeter&&) noexcept;

    // Feed audio, any block length (results do not depend on the block length: identical to
    // the last bit). Extra channels in the view beyond `channels` are ignored.
    void add(AudioView block);
    void reset();

    double integrated_lufs() const;
    double loudness_range_lu() const;
    double momentary_max_lufs() const;
    double short_term_max_lufs() const;
    // Loudness of the last 400 ms / 3 s fed, as of the last completed 10 ms sub-block (before
    // a full window has been fed, the missing part counts as silence, like libebur128).
    double momentary_lufs() const;
    double short_term_lufs() const;

    // Integrated loudness and LRA of several meters taken together (album: all tracks as
    // one programme, not an average of the tracks' figures). Null pointers are skipped.
    static double integrated_lufs(std::span<const LoudnessMeter* const> meters);
    static double loudness_range_lu(std::span<const LoudnessMeter* const> meters);

  private:
    struct State;
    std::unique_ptr<State> s_;
};

} // namespace tapeop::analysis
