#pragma once
// Near-ideal true peak: the band-limited (sinc) reconstruction of a sampled signal, read at 8x
// with a parabolic refinement of each local maximum. Used by the limiter's detection, so that
// meters closer to the ideal than BS.1770's 4x interpolator (FFmpeg's ebur128, which resamples
// to 192 kHz with swresample; 8x and 16x libsoxr) also read its output under the ceiling.
//
// Design (all coefficients computed in code, in double, at construction):
//  - three 2x half-band stages, x -> 2x -> 4x -> 8x. Each new midpoint is
//        mid(t + 1/2) = sum_{i=1..K} c_i * (s[t + 1 - i] + s[t + i])
//    with c_i = sinc(i - 1/2) * kaiser(beta, (i - 1/2) / K), normalised to sum c_i = 1/2
//    (exact DC gain). Half-band filters are Nyquist filters: the original samples pass
//    unchanged, and every stage's transition band is centred on the input's Nyquist frequency.
//  - stage A (x -> 2x): K = 32 (64 input samples), beta 5.0: ripple and stopband about
//    -50 dB (+-0.003 dB), flat to ~0.95 of Nyquist (22.8 kHz at 48 kHz); from there to
//    Nyquist the content is read at 1 down to 1/2 of its amplitude, its image (just above
//    Nyquist) at the rest;
//  - stage B (2x -> 4x): K = 6, beta 6.0; stage C (4x -> 8x): K = 4, beta 5.0. Signal band
//    is under 1/4 (B) and 1/8 (C) of their rates, so they are short: their passband error is
//    < 0.0005 dB up to 0.95 of the input's Nyquist;
//  - the 8x values y(m + q/8), q = -1 .. 9 around the interval [m, m+1]; each triple a, b, c
//    of consecutive |y| is refined to the maximum over [-1, 1] of the parabola through them
//    (its vertex when concave and inside, else the larger end), which removes most of the 8x
//    grid error (up to 1 - cos(pi/16), 0.17 dB, for a sine near Nyquist without it). That
//    maximum is continuous in (a, b, c) (4-Lipschitz), so a float evaluation with bounded
//    error bounds the double one, and it is at most 1.125 max(a, b, c).
// Measured against a 64x reference (65537-tap Kaiser sinc, 1024 taps per phase, beta 14, flat
// to ~0.99 of Nyquist, same refinement), per frame (the larger of the two intervals around a
// sample, frames within 2 dB of the signal's peak), 48 kHz; tests/unit/test_ideal_peak.cpp:
//    generated music, both channels (hi-hats: noise high-passed at 7 kHz, flat to Nyquist):
//      under by <= 0.001 dB, the signal's peak within 0.001 dB;
//    sines 1, 15, 20, 22 kHz, fs/4 at 45 degrees: under by <= 0.006 dB;
//    white noise: the peak under by 0.21 dB (0.56 per frame); noise clipped at -6 dBFS: 0.51
//      (1.02 per frame). Their energy in the top 2 % of the band, where stage A's transition
//      lies, is what separates them from the ideal: a longer stage A helps slowly (K = 64:
//      0.04 / 0.17 dB at twice the cost). Music rarely has it; a limiter's margin covers it.
// Cost: 32 + 2 * 6 + 4 * 4 multiply-adds (folded pairs) per input sample when streaming; the
// on-demand evaluation of one interval (interval_peak) costs about 330.
#include <cstddef>
#include <vector>

namespace tapeop::dsp {

class IdealPeak8x {
  public:
    static constexpr std::size_t ka = 32, kb = 6, kc = 4;
    // Input samples interval_peak() reads before and after x[m]: x[m - past .. m + future].
    // (8x points q = -1 .. 9 need 4x points -kc .. 4 + kc, 2x points -7 .. 9, x -35 .. 36.)
    static constexpr std::size_t past = 35, future = 36;

    // cutoff 1: the ideal (brickwall at Nyquist). Lower (e.g. 0.955): the same reconstruction
    // of the signal low-passed there (stage A then computes its even outputs too), as a DAC's
    // reconstruction filter or a resampler (libsoxr VHQ: passband to 0.913) would see it.
    explicit IdealPeak8x(double cutoff = 1.0);

    // Midpoint coefficients of each stage (c_1 .. c_K, see above).
    const std::vector<double>& stage_a() const { return a_; }
    const std::vector<double>& stage_b() const { return b_; }
    const std::vector<double>& stage_c() const { return c_; }
    // Upper bound of interval_peak() / max |input window read| (the refinement included).
    double max_gain() const { return max_gain_; }

    // Peak |reconstruction| over [m, m+1] (8x, refined), m at `x`: reads x[-past .. future].
    double interval_peak(const double* x) const;
    // interval_peak() for m = 0 .. count - 1 (x[0] is the first m), streaming: bit-identical
    // values at a fifth of the cost. `scratch` is resized as needed.
    void interval_peaks(const double* x, std::size_t count, double* out,
                        std::vector<double>& scratch) const;
    // The same for consecutive m, streaming, in float, for `count` intervals: x[0] is the
    // first m; reads x[-past .. count - 1 + future]. out[j] >= the exact value of interval j
    // minus float_error_bound(max |x| over what was read). `scratch` is resized as needed.
    // Values whose refinement cannot exceed `refine_above` are not refined: out[j] is then
    // 1.125 x the largest 8x value, itself an upper bound. Runs of 8 intervals whose 8x values
    // provably stay at or under `skip_below` are not interpolated past 2x at all: out[j] is
    // then that proof's bound (<= skip_below, >= the exact value; see bc_gain()).
    void interval_peaks_float(const float* x, std::size_t count, float* out,
                              std::vector<float>& scratch, float refine_above = 0.0f,
                              float skip_below = 0.0f) const;
    // Upper bound of the refined peak of an interval / max |2x values that stages B and C
    // read for it| (2x points -7 .. 9 around it): the largest sum |h| from those 17 values to
    // one 8x point, x 1.125 for the refinement.
    double bc_gain() const { return bc_gain_; }
    // Bound of |interval_peaks_float() - interval_peak()| for inputs bounded by `max_abs`.
    double float_error_bound(double max_abs) const;

  private:
    // The 8x points q = -1 .. 9 of the interval at x (y[q + 1]).
    void points(const double* x, double* y) const;
    std::vector<double> a_, b_, c_, e_; // e_: stage A's even outputs (empty: the samples)
    std::vector<float> af_, bf_, cf_, ef_;
    double max_gain_ = 1.0;
    double bc_gain_ = 1.0;
    // Rounding error of stage A's float outputs per unit of max |x| (see float_error_bound).
    double a_error_ = 0.0;
    // Stages B and C and the refinement for intervals [first, first + count) of a call for
    // `total` whose 2x values (stage A's output, t = -8 + index) are in u; `work` holds
    // their points, `blocks` (total + 1 floats) the maxima of blocks of 8 of them.
    void bc_float(const float* u, std::size_t first, std::size_t count, std::size_t total,
                  float* out, float* work, float* blocks, float refine_above) const;
};

// Largest |y[i]| (i < n), refined by the parabola through each consecutive triple (see above).
template <typename T> T refined_peak(const T* y, std::size_t n);

} // namespace tapeop::dsp
