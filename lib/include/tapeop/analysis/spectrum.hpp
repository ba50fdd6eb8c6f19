#pragma once
// The long-term spectrum of a file in 1/3-octave bands, per channel (the report's Spectrum).
//
// Method: Welch-style averaging of periodograms. The signal is cut into consecutive Hann-
// windowed segments of N frames (N: the power of two at or above rate / 3, so the bins are at
// most 3 Hz wide and even the 25 Hz band holds two of them), without overlap. Two channels
// share one complex FFT (real and imaginary parts, separated after). Each bin's power goes to
// the band its centre frequency falls in.
//
// Cost: an FFT costs more per sample than all of analyze's meters together, so a long file is
// sampled: at most `max_segments` segments (default 256, about 87 s at 48 kHz), spread evenly
// over the announced length; every segment of a shorter file is used. For programme material
// the sample reads within a few tenths of a dB of the full average (tests/unit/test_spectrum.cpp
// compares them on generated music); pass 0 to measure every segment.
//
// Bands: IEC 61260-1 base-10 1/3 octaves, exact centres 1000 x 10^(b/10) Hz for b = -16 .. 13
// (nominal 25 Hz .. 20 kHz), edges at 10^(+-1/20) of the centre; bands above the Nyquist
// frequency, or holding no bin, are -infinity. Levels are the band's share of the mean square,
// in dB re full scale as RMS is measured (a full-scale sine in a band reads -3.01 dB), averaged
// over the segments. A file shorter than one segment is measured as one zero-padded segment
// with a Hann window of its own length. Processing never allocates.
#include "tapeop/audio_buffer.hpp"

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tapeop::analysis {

struct Spectrum {
    std::vector<double> centre_hz;       // exact centres
    std::vector<std::string> nominal;    // "25", "31.5", ..., "1k", "12.5k", "20k"
    std::vector<std::vector<double>> db; // [channel][band], dB re full scale (RMS)
    // With mid_side (two channels only): [0] mid M = (L + R) / 2, [1] side S = (L - R) / 2,
    // as db. A mono-compatible mix has little side; identical channels have none (-inf).
    std::vector<std::vector<double>> mid_side_db;
};

class SpectrumCollector {
  public:
    // `expected_frames`: the file's announced length (spreads the sampled segments).
    // `mid_side` (two channels only): also the spectra of mid and side, from the same
    // segments (from the channels' spectra and their cross-spectrum: no further FFT).
    static constexpr std::uint64_t default_segments = 256;
    SpectrumCollector(int channels, int sample_rate, std::int64_t expected_frames,
                      std::uint64_t max_segments = default_segments, bool mid_side = false);
    void add(AudioView block);
    Spectrum finish();
    std::size_t segment_frames() const { return n_; }

    static constexpr int first_band = -16, last_band = 13;

  private:
    bool measured(std::uint64_t segment) const;
    void flush_segment(std::size_t frames);
    void fft(); // in place on re_, im_ (the input in bit-reversed order)
    void fft_stage(double* re, double* im, std::size_t n, std::size_t half) const;
    // Points per block of the first stages (2 x 16 KiB: within the L1 cache).
    static constexpr std::size_t fft_block = 1024;

    int rate_;
    bool mid_side_;
    std::uint64_t max_segments_, expected_ = 1, index_ = 0;
    std::size_t n_ = 0, filled_ = 0, segments_ = 0;
    std::vector<std::vector<float>> in_;     // [channel][n_] pending frames
    std::vector<std::vector<double>> power_; // [channel][n_/2 + 1] summed over segments
    std::vector<double> cross_;              // Re(X_0 conj(X_1)) per bin, summed (mid_side)
    std::vector<double> window_;
    double sum_w2_ = 0.0; // sum of the full window's squares
    // The FFT's working arrays (real and imaginary parts apart, so that two butterflies run
    // side by side in SIMD) and its twiddles per stage: stage_wr_[h - 1 + j], stage_wi_[...]
    // = exp(-2 pi i j / 2h) for the stage of half-length h.
    std::vector<double> re_, im_, stage_wr_, stage_wi_;
    std::vector<std::size_t> bitrev_;
};

} // namespace tapeop::analysis
