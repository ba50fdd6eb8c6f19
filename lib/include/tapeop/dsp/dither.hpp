#pragma once
// Requantisation to a 16- or 24-bit grid with TPDF dither and optional error-feedback noise
// shaping. Output samples are exactly k / 2^(bits-1) with k in [-2^(bits-1), 2^(bits-1) - 1],
// so the integer writer's rounding is an identity.
//
// TPDF: the sum of two independent uniform values of +-0.5 LSB each (triangular, +-1 LSB
// peak), variance 2 * LSB^2/12 = LSB^2/6 (RMS LSB/sqrt(6)). With rounding, the total error is
// signal-independent in its first two moments and has power LSB^2/12 + LSB^2/6 = LSB^2/4,
// RMS LSB/2 (Lipshitz, Wannamaker, Vanderkooy, "Quantization and Dither: A Theoretical
// Survey", JAES 40(5) 1992). Noise shaping feeds the total error back through
// 1 - z^-1 (first order) or (1 - z^-1)^2 (second order), pushing it toward Nyquist; its power
// grows by 2x resp. 6x (sum of the squared taps), the price of quieter low frequencies.
//
// Randomness, per channel, seeded from `seed` and the channel index by splitmix64, so output
// is identical for any block size and run: plain TPDF draws from four xoshiro128+ lanes at
// once (tpdf4: 24 random bits per uniform, vectorized); noise-shaped TPDF from xoshiro256**
// (tpdf: 32 bits per uniform).
#include "tapeop/dsp/processor.hpp"
#include "tapeop/random.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace tapeop::dsp {

using tapeop::Xoshiro256; // tapeop/random.hpp

enum class NoiseShaping { none, first_order, second_order };

struct DitherSettings {
    int bits = 24; // 16 or 24 (also 8..24 accepted)
    NoiseShaping shaping = NoiseShaping::none;
    std::uint64_t seed = 0x7a9e0bULL;
    bool dither = true; // false: plain rounding (for tests and for "--dither none")
};

class Dither : public Processor {
  public:
    // Throws UsageError for bits outside 8..24.
    explicit Dither(const DitherSettings& settings);

    void prepare(const StreamSpec& spec, std::size_t max_block) override;
    void reset() override;
    void process(AudioView io) override;

    double lsb() const { return lsb_; }
    // The TPDF value in LSB (for tests of the generator): triangular on (-1, 1).
    // One 64-bit draw gives both uniforms (its two 32-bit halves): half the generator work of
    // two draws, and the difference of two 32-bit integers is exact.
    static double tpdf(Xoshiro256& rng) {
        const std::uint64_t r = rng.next();
        const std::int64_t diff = std::int64_t(r >> 32) - std::int64_t(r & 0xffffffffu);
        return double(diff) * 0x1.0p-32;
    }
    // Four TPDF values in LSB from two steps of the four lanes: the difference of the top 24
    // bits of the two outputs of each lane, times 2^-24 (triangular on (-1, 1)). Fills
    // d[0 .. n), n a multiple of 4.
    static void tpdf4(Xoshiro128Plus4& rng, double* d, std::size_t n);

  private:
    struct Channel {
        Xoshiro256 rng;
        Xoshiro128Plus4 rng4;
        double e1 = 0.0, e2 = 0.0; // previous total errors, in LSB
        // Plain TPDF: values of the last group of four not used yet (a block whose length is
        // not a multiple of four), used first by the next block, so the values each sample
        // gets do not depend on how the stream was cut into blocks.
        std::array<double, 3> spare{};
        std::size_t spare_count = 0;
    };
    DitherSettings settings_;
    double lsb_ = 0.0, scale_ = 0.0;
    std::vector<Channel> ch_;
};

} // namespace tapeop::dsp
