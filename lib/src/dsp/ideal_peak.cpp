#include "tapeop/dsp/ideal_peak.hpp"

#include "tapeop/dsp/float_kernels.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tapeop::dsp {

namespace {

// Zeroth-order modified Bessel function of the first kind (power series), for the Kaiser window.
double bessel_i0(double x) {
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 200; ++k) {
        const double r = x / (2.0 * k);
        term *= r * r;
        sum += term;
        if (term < 1e-17 * sum)
            break;
    }
    return sum;
}

// Kaiser-windowed sinc with cutoff `cutoff` x the input's Nyquist frequency, at distance t
// (input samples) from its centre; the window spans +-k input samples.
// Kaiser, "Nonrecursive digital filter design using the I0-sinh window function", 1974.
double windowed_sinc(double t, double cutoff, std::size_t k, double beta) {
    const double r = t / double(k);
    const double w = bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / bessel_i0(beta);
    const double a = std::numbers::pi * cutoff * t;
    return (t == 0.0 ? cutoff : std::sin(a) / (std::numbers::pi * t)) * w;
}

// 2x interpolator taps for the midpoints, c_1 .. c_K at distances i - 1/2, normalised to sum
// 1/2 (exact DC gain). With cutoff 1 the even outputs are the samples: a half-band filter.
std::vector<double> midpoint_taps(std::size_t k, double beta, double cutoff = 1.0) {
    std::vector<double> c(k);
    double sum = 0.0;
    for (std::size_t i = 1; i <= k; ++i)
        sum += c[i - 1] = windowed_sinc(double(i) - 0.5, cutoff, k, beta);
    for (double& v : c)
        v *= 0.5 / sum;
    return c;
}

// Taps for the even outputs of a lowpass 2x interpolator, e_0 .. e_{K-1} at distances i,
// normalised to e_0 + 2 sum e_i = 1.
std::vector<double> centre_taps(std::size_t k, double beta, double cutoff) {
    std::vector<double> c(k);
    double sum = 0.0;
    for (std::size_t i = 0; i < k; ++i)
        sum += (i ? 2.0 : 1.0) * (c[i] = windowed_sinc(double(i), cutoff, k, beta));
    for (double& v : c)
        v /= sum;
    return c;
}

// Midpoint of s between s[0] and s[1]: sum_i c_i (s[1 - i] + s[i]).
template <typename T> inline T mid(const T* s, const T* c, std::size_t k) {
    T acc = 0;
    for (std::size_t i = 1; i <= k; ++i)
        acc += c[i - 1] * (s[1 - std::ptrdiff_t(i)] + s[i]);
    return acc;
}

// Even output at s[0]: c_0 s[0] + sum_{i >= 1} c_i (s[-i] + s[i]).
template <typename T> inline T centre(const T* s, const T* c, std::size_t k) {
    T acc = c[0] * s[0];
    for (std::size_t i = 1; i < k; ++i)
        acc += c[i] * (s[-std::ptrdiff_t(i)] + s[i]);
    return acc;
}

// The double versions compute each output with exactly the operations, in the order, of
// mid() and centre() (two outputs per SSE2 register, lane by lane), so the streaming and the
// on-demand evaluations give bit-identical results.
void centres_double(const double* s, std::size_t n, const double* c, std::size_t k, double* out) {
    std::size_t t = 0;
#if defined(__SSE2__)
    for (; t + 2 <= n; t += 2) {
        __m128d acc = _mm_mul_pd(_mm_set1_pd(c[0]), _mm_loadu_pd(s + t));
        for (std::size_t i = 1; i < k; ++i) {
            const __m128d pair = _mm_add_pd(_mm_loadu_pd(s + std::ptrdiff_t(t) - std::ptrdiff_t(i)),
                                            _mm_loadu_pd(s + t + i));
            acc = _mm_add_pd(acc, _mm_mul_pd(_mm_set1_pd(c[i]), pair));
        }
        _mm_storeu_pd(out + t, acc);
    }
#endif
    for (; t < n; ++t)
        out[t] = centre(s + t, c, k);
}

void mids_double(const double* s, std::size_t n, const double* c, std::size_t k, double* out) {
    std::size_t t = 0;
#if defined(__SSE2__)
    for (; t + 2 <= n; t += 2) {
        __m128d acc = _mm_setzero_pd();
        for (std::size_t i = 1; i <= k; ++i) {
            const __m128d pair =
                _mm_add_pd(_mm_loadu_pd(s + std::ptrdiff_t(t + 1) - std::ptrdiff_t(i)),
                           _mm_loadu_pd(s + t + i));
            acc = _mm_add_pd(acc, _mm_mul_pd(_mm_set1_pd(c[i - 1]), pair));
        }
        _mm_storeu_pd(out + t, acc);
    }
#endif
    for (; t < n; ++t)
        out[t] = mid(s + t, c, k);
}

void interleave_double(const double* s, const double* m, std::size_t n, double* out) {
    for (std::size_t t = 0; t < n; ++t) {
        out[2 * t] = s[t];
        out[2 * t + 1] = m[t];
    }
}

// Maximum over x in [-1, 1] of the parabola through (-1, a), (0, b), (1, c).
template <typename T> inline T parabola_max(T a, T b, T c) {
    const T den = a - 2 * b + c; // twice the x^2 coefficient
    const T ends = std::max(a, c);
    if (den < 0) {
        const T diff = a - c;
        if (std::abs(diff) <= -2 * den)
            return std::max(ends, b - diff * diff / (8 * den));
    }
    return std::max(ends, b);
}

} // namespace

template <typename T> T refined_peak(const T* y, std::size_t n) {
    T best = 0;
    for (std::size_t i = 0; i < n; ++i)
        best = std::max(best, std::abs(y[i]));
    for (std::size_t i = 1; i + 1 < n; ++i)
        best = std::max(best, parabola_max(std::abs(y[i - 1]), std::abs(y[i]), std::abs(y[i + 1])));
    return best;
}
template float refined_peak<float>(const float*, std::size_t);
template double refined_peak<double>(const double*, std::size_t);

IdealPeak8x::IdealPeak8x(double cutoff)
    : a_(midpoint_taps(ka, 5.0, cutoff)), b_(midpoint_taps(kb, 6.0)), c_(midpoint_taps(kc, 5.0)) {
    assert(cutoff > 0.5 && cutoff <= 1.0);
    if (cutoff < 1.0)
        e_ = centre_taps(ka, 5.0, cutoff); // distances 0 .. 31: within x[-31 .. 32]
    ef_.assign(e_.begin(), e_.end());
    af_.assign(a_.begin(), a_.end());
    bf_.assign(b_.begin(), b_.end());
    cf_.assign(c_.begin(), c_.end());
    // The cascade is linear: each 8x point is sum_k h_q[k] x[k] over the window; its bound is
    // sum_k |h_q[k]|, read from the responses to unit impulses; the refinement adds <= 1/8.
    constexpr std::size_t n = past + future + 1;
    std::vector<double> x(n, 0.0);
    std::array<double, 11> gain{}, y{};
    for (std::size_t k = 0; k < n; ++k) {
        x[k] = 1.0;
        points(x.data() + past, y.data());
        for (std::size_t q = 0; q < 11; ++q)
            gain[q] += std::abs(y[q]);
        x[k] = 0.0;
    }
    max_gain_ = 1.125 * *std::max_element(gain.begin(), gain.end()) * (1.0 + 1e-9);
    // The same for stages B and C alone, from the 17 2x points t = -7 .. 9 that they read for
    // one interval (points() without stage A).
    std::array<double, 11> bc{};
    for (int t0 = -7; t0 <= 9; ++t0) {
        double u[17] = {}, v[13];
        u[t0 + 7] = 1.0;
        for (int j = -4; j <= 8; ++j)
            v[j + 4] = (j & 1) ? mid(u + 7 + (j - 1) / 2, b_.data(), kb) : u[7 + j / 2];
        for (int q = -1; q <= 9; ++q)
            bc[std::size_t(q + 1)] +=
                std::abs((q & 1) ? mid(v + 4 + (q - 1) / 2, c_.data(), kc) : v[4 + q / 2]);
    }
    bc_gain_ = 1.125 * *std::max_element(bc.begin(), bc.end()) * (1.0 + 1e-9);
    // Stage A in float: each output sums K pair sums times taps, (2K + 3) roundings of at most
    // 2^-24 of its bound sum |c| x max |x| (centres: the same with K - 1 pairs); x 4 of room.
    double sum_a = 0.0, sum_e = 0.0;
    for (double c : a_)
        sum_a += 2.0 * std::abs(c);
    for (std::size_t i = 0; i < e_.size(); ++i)
        sum_e += (i ? 2.0 : 1.0) * std::abs(e_[i]);
    a_error_ = 4.0 * double(2 * ka + 3) * 0x1p-24 * std::max(sum_a, sum_e);
}

double IdealPeak8x::interval_peak(const double* x) const {
    double y[11];
    points(x, y);
    return refined_peak(y, 11);
}

void IdealPeak8x::points(const double* x, double* y) const {
    // 2x points t = -7 .. 9 (index t + 7), 4x points j = -4 .. 8, 8x points q = -1 .. 9.
    double u[17], v[13];
    for (int t = -7; t <= 9; ++t)
        u[t + 7] = (t & 1)      ? mid(x + (t - 1) / 2, a_.data(), ka)
                   : e_.empty() ? x[t / 2]
                                : centre(x + t / 2, e_.data(), ka);
    for (int j = -4; j <= 8; ++j)
        v[j + 4] = (j & 1) ? mid(u + 7 + (j - 1) / 2, b_.data(), kb) : u[7 + j / 2];
    for (int q = -1; q <= 9; ++q)
        y[q + 1] = (q & 1) ? mid(v + 4 + (q - 1) / 2, c_.data(), kc) : v[4 + q / 2];
}

void IdealPeak8x::interval_peaks_float(const float* x, std::size_t count, float* out,
                                       std::vector<float>& scratch, float refine_above,
                                       float skip_below) const {
    if (count == 0)
        return;
    // Same points as interval_peak(), for m = 0 .. count - 1 at once. Needed: 8x q = -1 ..
    // 8 count + 1; C midpoints k = -1 .. 4 count (read 4x j = -4 .. 4 count + 4); B midpoints
    // r = -2 .. 2 count + 1 (read 2x t = -7 .. 2 count + 7); A midpoints s = -4 .. count + 3
    // (read x[-35 .. count + 35]).
    const std::size_t na = count + 8, nu = 2 * na, nb = 2 * count + 4, nv = 2 * nb + 1,
                      nc = 4 * count + 2, ny = 2 * nc;
    scratch.resize(na + nu + nb + nv + nc + ny + 8);
    float* am = scratch.data(); // s = -4 + index
    float* u = am + na;         // t = -8 + index
    float* work = u + nu;       // stages B and C
    const kernels::FloatKernels& k = kernels::float_kernels();
    k.mids(x - 4, na, af_.data(), ka, am);
    if (e_.empty()) {
        k.interleave(x - 4, am, na, u);
    } else {
        float* em = work + nb + nv + nc; // free until the last stage
        k.centres(x - 4, na, ef_.data(), ka, em);
        k.interleave(em, am, na, u);
    }
    if (!(skip_below > 0.0f)) {
        bc_float(u, 0, count, count, out, work, am, refine_above);
        return;
    }
    // Runs of 8 intervals: interval j's stages B and C read the 2x points t = 2j - 7 .. 2j + 9
    // (u[2j + 1 .. 2j + 17]); their exact values are within a_error_ x max |x| of u's, and
    // every 8x point and the refinement within bc_gain() of their largest. A run provably
    // at or under skip_below gets that bound; the others are interpolated, in spans.
    const double slack = a_error_ * double(k.max_abs(x - past, count + past + future));
    constexpr std::size_t run = 8;
    std::size_t span = 0, spans = 0; // the span of runs to interpolate: [span, span + spans)
    for (std::size_t j0 = 0; j0 < count; j0 += run) {
        const std::size_t len = std::min(run, count - j0);
        const double bound = bc_gain_ * (double(k.max_abs(u + 2 * j0 + 1, 2 * len + 15)) + slack);
        if (bound <= double(skip_below)) {
            if (spans > 0)
                bc_float(u, span, spans, count, out, work, am, refine_above);
            spans = 0;
            // Rounded up to float: still an upper bound.
            const float b = std::nextafter(float(bound), std::numeric_limits<float>::infinity());
            std::fill_n(out + j0, len, std::min(b, skip_below));
        } else {
            if (spans == 0)
                span = j0;
            spans += len;
        }
    }
    if (spans > 0)
        bc_float(u, span, spans, count, out, work, am, refine_above);
}

void IdealPeak8x::bc_float(const float* u, std::size_t first, std::size_t count, std::size_t total,
                           float* out, float* work, float* blocks, float refine_above) const {
    // Intervals [first, first + count) as a call for them alone would compute them, with one
    // interval more where there is one: the maxima below read the 8x points of the next
    // interval too, so every value is the one of the whole call.
    const std::size_t n = first + count < total ? count + 1 : count;
    const std::size_t nb = 2 * n + 4, nv = 2 * nb + 1, nc = 4 * n + 2, ny = 2 * nc;
    const float* s = u + 2 * first;
    float* bm = work;   // r = -2 + index
    float* v = bm + nb; // j = -4 + index
    float* cm = v + nv; // k = -1 + index
    float* y = cm + nc; // q = -2 + index
    const kernels::FloatKernels& k = kernels::float_kernels();
    k.mids(s + 6, nb, bf_.data(), kb, bm);
    k.interleave(s + 6, bm, nb, v);
    v[nv - 1] = s[6 + nb]; // 4x j = 4 n + 4 (2x t = 2 n + 2)
    k.mids(v + 3, nc, cf_.data(), kc, cm);
    k.interleave(v + 3, cm, nc, y);
    // Interval j reads y[8j + 1 .. 8j + 11], within the blocks of 8 starting at 8j + 1 and
    // 8j + 9; the last block reaches y[8 n + 8], past what was computed: zeros there.
    std::fill(y + ny, y + ny + 8, 0.0f);
    k.block_max8(y + 1, n + 1, blocks);
    for (std::size_t j = 0; j < count; ++j) {
        const float mx = std::max(blocks[j], blocks[j + 1]);
        // The refinement adds at most 1/8 of the largest value.
        out[first + j] =
            1.125f * mx <= refine_above ? 1.125f * mx : refined_peak(y + 1 + 8 * j, 11);
    }
}

void IdealPeak8x::interval_peaks(const double* x, std::size_t count, double* out,
                                 std::vector<double>& scratch) const {
    if (count == 0)
        return;
    // The layout of interval_peaks_float(); the values are those of interval_peak().
    const std::size_t na = count + 8, nu = 2 * na, nb = 2 * count + 4, nv = 2 * nb + 1,
                      nc = 4 * count + 2, ny = 2 * nc;
    scratch.resize(na + nu + nb + nv + nc + ny);
    double* am = scratch.data();
    double* u = am + na;
    double* bm = u + nu;
    double* v = bm + nb;
    double* cm = v + nv;
    double* y = cm + nc;
    mids_double(x - 4, na, a_.data(), ka, am);
    if (e_.empty()) {
        interleave_double(x - 4, am, na, u);
    } else {
        centres_double(x - 4, na, e_.data(), ka, y);
        interleave_double(y, am, na, u);
    }
    mids_double(u + 6, nb, b_.data(), kb, bm);
    interleave_double(u + 6, bm, nb, v);
    v[nv - 1] = u[6 + nb];
    mids_double(v + 3, nc, c_.data(), kc, cm);
    interleave_double(v + 3, cm, nc, y);
    for (std::size_t j = 0; j < count; ++j)
        out[j] = refined_peak(y + 1 + 8 * j, 11);
}

double IdealPeak8x::float_error_bound(double max_abs) const {
    // Float rounding (unit 2^-24) of taps, pair sums, products and accumulation: at most
    // (2K + 3) units of each stage's output bound per stage, amplified by the later stages'
    // gains, then at most 4x by the refinement (4-Lipschitz) plus its own rounding. A factor
    // of 4 on top covers the double evaluation's rounding and the sloppiness of this count.
    const double units = double(2 * ka + 2 * kb + 2 * kc + 9) * 4.0 + 16.0;
    return 4.0 * units * 0x1p-24 * max_gain_ * max_abs;
}

} // namespace tapeop::dsp
