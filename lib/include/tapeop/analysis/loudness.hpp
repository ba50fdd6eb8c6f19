#pragma once
// ITU-R BS.1770-4 loudness and EBU Tech 3342 loudness range, streaming, bounded memory.
//
// K-weighting (BS.1770-4 Annex 1 pre-filter + RLB high-pass, coefficients derived for any
// sample rate), channel weights (1.0 for L/R/C, 1.41 for surrounds, LFE excluded when the
// caller says which channel is LFE), 400 ms gating blocks with 75% overlap, absolute gate
// -70 LUFS, relative gate -10 LU. Momentary (400 ms) and short-term (3 s) loudness are
// evaluated at a fine update rate (100 Hz or finer where the rate allows) so their maxima are
// found as EBU Tech 3341 requires. LRA per EBU Tech 3342: short-term values, absolute gate
// -70 LUFS, relative gate -20 LU, 10th to 95th percentile.
//
// Memory does not grow with the length of the input: gated block energies and short-term
// values are kept in fixed fine-resolution histograms (energy sums per bin, so the gated
// mean is exact apart from the one bin the relative gate falls into).
//
// Levels are LUFS / LU; silence (nothing above the absolute gate) is -infinity.
#include "tapeop/audio_buffer.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tapeop::analysis {

// BS.1770 weight of each channel; by default 1.0 for channels 1-3, 1.41 for 4 and 5 of a 5-channel
// file and channels 5-6 of a 6-channel (5.1: L R C LFE Ls Rs, LFE weight 0) file.
std::vector<double> default_channel_weights(int channels);

class LoudnessMeter {
public:
    LoudnessMeter(int channels, int sample_rate);
    LoudnessMeter(int channels, int sample_rate, std::vector<double> channel_weights);
    ~LoudnessMeter();
    LoudnessMeter(LoudnessMeter&&) noexcept;
    LoudnessMeter& operator=(LoudnessMeter&&) noexcept;

    // Feed audio, any block length (results do not depend on the block length).
    void add(AudioView block);
    void reset();

    double integrated_lufs() const;
    double loudness_range_lu() const;
    double momentary_max_lufs() const;
    double short_term_max_lufs() const;
    // Loudness of the last 400 ms / 3 s fed (for meters and reports over time).
    double momentary_lufs() const;
    double short_term_lufs() const;

    // Integrated loudness and LRA of several meters taken together (album: all tracks as
    // one programme, not an average of the tracks' figures).
    static double integrated_lufs(std::span<const LoudnessMeter* const> meters);
    static double loudness_range_lu(std::span<const LoudnessMeter* const> meters);

private:
    struct State;
    std::unique_ptr<State> s_;
};

} // namespace tapeop::analysis
