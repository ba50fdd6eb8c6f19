#pragma once
// Inner loops of the QC detectors, written in 8 independent lanes so that GCC vectorizes them
// at -O2 without -ffast-math (a plain `sum += x[i]` is a serial chain it may not reorder).
// The lane order is fixed, so results are deterministic on any x86-64 machine.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tapeop::qc::kernels {

// Two 4-float vectors (GCC/Clang vector extensions; SSE2 on x86-64) make the 8 lanes; arrays
// of lanes would be kept in memory by GCC and run at store-forwarding speed.
typedef float v4f __attribute__((vector_size(16)));
typedef std::int32_t v4i __attribute__((vector_size(16)));
typedef double v2d __attribute__((vector_size(16)));

inline constexpr std::size_t lanes = 8;

inline v4f load(const float* p) {
    v4f v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline v4f vabs(v4f v) {
    v4i i;
    std::memcpy(&i, &v, sizeof i);
    i &= 0x7fffffff;
    std::memcpy(&v, &i, sizeof v);
    return v;
}
inline v4f vmax(v4f a, v4f b) {
    return a > b ? a : b;
}
inline v4f vmin(v4f a, v4f b) {
    return a < b ? a : b;
}
inline float hmax(v4f v) {
    return std::max(std::max(v[0], v[1]), std::max(v[2], v[3]));
}
inline float hmin(v4f v) {
    return std::min(std::min(v[0], v[1]), std::min(v[2], v[3]));
}
inline double hsum(v4f v) {
    return (double(v[0]) + double(v[1])) + (double(v[2]) + double(v[3]));
}

struct PeakMin {
    float peak;    // max |x|
    float min_abs; // min |x| (0: the block holds an exact zero)
};

inline PeakMin peak_min_abs(const float* x, std::size_t n) {
    v4f hi0 = {0, 0, 0, 0}, hi1 = hi0;
    v4f lo0 = {INFINITY, INFINITY, INFINITY, INFINITY}, lo1 = lo0;
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const v4f a = vabs(load(x + i)), b = vabs(load(x + i + 4));
        hi0 = vmax(hi0, a);
        hi1 = vmax(hi1, b);
        lo0 = vmin(lo0, a);
        lo1 = vmin(lo1, b);
    }
    PeakMin r{hmax(vmax(hi0, hi1)), hmin(vmin(lo0, lo1))};
    for (; i < n; ++i) {
        const float a = std::fabs(x[i]);
        r.peak = std::max(a, r.peak);
        r.min_abs = std::min(a, r.min_abs);
    }
    return r;
}

inline float sum(const float* x, std::size_t n) {
    v4f s0 = {0, 0, 0, 0}, s1 = s0;
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        s0 += load(x + i);
        s1 += load(x + i + 4);
    }
    const v4f s = s0 + s1;
    float r = (s[0] + s[1]) + (s[2] + s[3]);
    for (; i < n; ++i)
        r += x[i];
    return r;
}

// d[j] = diff(x + j) for j in [Head, n), Head the difference's order; adds sum d^2 over
// [0, n) to `energy` and raises `peak` to max |d| over [0, n) (d[0..Head) must already be
// set). `vdiff` and `diff` are the same difference on four lanes and on one sample.
template <std::size_t Head, class VDiff, class Diff>
inline void difference(const float* x, std::size_t n, float* d, double& energy, float& peak,
                       VDiff vdiff, Diff diff) {
    v4f e0 = {0, 0, 0, 0}, e1 = e0, m0 = e0, m1 = e0;
    std::size_t j = Head;
    for (; j + lanes <= n; j += lanes) {
        const v4f a = vdiff(x + j);
        const v4f b = vdiff(x + j + 4);
        std::memcpy(d + j, &a, sizeof a);
        std::memcpy(d + j + 4, &b, sizeof b);
        e0 += a * a;
        e1 += b * b;
        m0 = vmax(m0, vabs(a));
        m1 = vmax(m1, vabs(b));
    }
    double es = hsum(e0) + hsum(e1);
    float mp = std::max(peak, hmax(vmax(m0, m1)));
    for (; j < n; ++j) {
        d[j] = diff(x + j);
        es += double(d[j]) * double(d[j]);
        mp = std::max(mp, std::fabs(d[j]));
    }
    for (std::size_t k = 0; k < Head && k < n; ++k) {
        es += double(d[k]) * double(d[k]);
        mp = std::max(mp, std::fabs(d[k]));
    }
    energy += es;
    peak = mp;
}

// d[j] = x[j] - 2 x[j-1] + x[j-2]: the click detector's second difference.
inline void second_difference(const float* x, std::size_t n, float* d, double& energy,
                              float& peak) {
    const v4f two = {2, 2, 2, 2};
    difference<2>(
        x, n, d, energy, peak,
        [&](const float* p) { return load(p) - two * load(p - 1) + load(p - 2); },
        [](const float* p) { return p[0] - 2.0f * p[-1] + p[-2]; });
}

// d[j] = x[j] - 4 x[j-1] + 6 x[j-2] - 4 x[j-3] + x[j-4]: the fourth difference, which stands
// out better under dense material.
inline void fourth_difference(const float* x, std::size_t n, float* d, double& energy,
                              float& peak) {
    const v4f four = {4, 4, 4, 4}, six = {6, 6, 6, 6};
    difference<4>(
        x, n, d, energy, peak,
        [&](const float* p) {
            return load(p) - four * load(p - 1) + six * load(p - 2) - four * load(p - 3) +
                   load(p - 4);
        },
        [](const float* p) { return p[0] - 4.0f * p[-1] + 6.0f * p[-2] - 4.0f * p[-3] + p[-4]; });
}

// d[j] = sum taps[i] x[j + i] over i in [0, 32), for j = first, first + step, ... < n: in 8
// lanes (lane i mod 8, each in order of i), with the taps held in registers across outputs.
inline void dot32_every(const float* taps, const float* x, float* d, std::size_t first,
                        std::size_t n, std::size_t step) {
    const v4f t0 = load(taps), t1 = load(taps + 4), t2 = load(taps + 8), t3 = load(taps + 12),
              t4 = load(taps + 16), t5 = load(taps + 20), t6 = load(taps + 24),
              t7 = load(taps + 28);
    for (std::size_t j = first; j < n; j += step) {
        const float* b = x + j;
        v4f s0 = {0, 0, 0, 0}, s1 = s0;
        s0 += t0 * load(b);
        s1 += t1 * load(b + 4);
        s0 += t2 * load(b + 8);
        s1 += t3 * load(b + 12);
        s0 += t4 * load(b + 16);
        s1 += t5 * load(b + 20);
        s0 += t6 * load(b + 24);
        s1 += t7 * load(b + 28);
        const v4f v = s0 + s1;
        d[j] = (v[0] + v[1]) + (v[2] + v[3]);
    }
}

// Goertzel recurrences s = v[k] + coef[f] s1 - s2 over v[0..n) for each of `count`
// frequencies (s1, s2: the last two states, from zero), in groups of 8 whose state stays in
// registers over the whole input; each frequency's arithmetic is that of a plain loop.
inline void goertzel(const double* v, std::size_t n, const double* coef, std::size_t count,
                     double* s1, double* s2) {
    const std::size_t full = count / 8 * 8;
    for (std::size_t g = 0; g < full; g += 8) {
        v2d a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        const v2d c0 = {coef[g], coef[g + 1]}, c1 = {coef[g + 2], coef[g + 3]},
                  c2 = {coef[g + 4], coef[g + 5]}, c3 = {coef[g + 6], coef[g + 7]};
        for (std::size_t k = 0; k < n; ++k) {
            const v2d x = {v[k], v[k]};
            const v2d n0 = x + c0 * a0 - b0, n1 = x + c1 * a1 - b1, n2 = x + c2 * a2 - b2,
                      n3 = x + c3 * a3 - b3;
            b0 = a0;
            b1 = a1;
            b2 = a2;
            b3 = a3;
            a0 = n0;
            a1 = n1;
            a2 = n2;
            a3 = n3;
        }
        const v2d as[4] = {a0, a1, a2, a3}, bs[4] = {b0, b1, b2, b3};
        for (std::size_t f = 0; f < 8; ++f) {
            s1[g + f] = as[f / 2][f % 2];
            s2[g + f] = bs[f / 2][f % 2];
        }
    }
    for (std::size_t f = full; f < count; ++f) {
        double a = 0.0, b = 0.0;
        for (std::size_t k = 0; k < n; ++k) {
            const double x = v[k] + coef[f] * a - b;
            b = a;
            a = x;
        }
        s1[f] = a;
        s2[f] = b;
    }
}

// Sum of squares (returned in double) and max |x|.
inline void energy_peak(const float* x, std::size_t n, double& energy, float& peak) {
    v4f e0 = {0, 0, 0, 0}, e1 = e0, m0 = e0, m1 = e0;
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const v4f a = load(x + i), b = load(x + i + 4);
        e0 += a * a;
        e1 += b * b;
        m0 = vmax(m0, vabs(a));
        m1 = vmax(m1, vabs(b));
    }
    double es = hsum(e0) + hsum(e1);
    float mp = std::max(peak, hmax(vmax(m0, m1)));
    for (; i < n; ++i) {
        es += double(x[i]) * double(x[i]);
        mp = std::max(mp, std::fabs(x[i]));
    }
    energy += es;
    peak = mp;
}

// Sums of L^2, R^2, (L+R)^2, (L-R)^2 over n frames (float lanes, added to doubles). Callers
// keep n to a few thousand frames so float lanes stay accurate to ~1e-5.
inline void stereo_sums(const float* L, const float* R, std::size_t n, double& ll, double& rr,
                        double& mm, double& ss) {
    v4f a = {0, 0, 0, 0}, b = a, c = a, d = a;
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v4f l = load(L + i), r = load(R + i);
        const v4f m = l + r, s = l - r;
        a += l * l;
        b += r * r;
        c += m * m;
        d += s * s;
    }
    ll += hsum(a);
    rr += hsum(b);
    mm += hsum(c);
    ss += hsum(d);
    for (; i < n; ++i) {
        const float l = L[i], r = R[i];
        const float m = l + r, s = l - r;
        ll += double(l) * l;
        rr += double(r) * r;
        mm += double(m) * m;
        ss += double(s) * s;
    }
}

// OR of the 24-bit integer codes k = x * 2^23 (x must be an exact k / 2^23 with |x| <= 1).
inline std::uint32_t or_codes24(const float* x, std::size_t n) {
    const v4f scale = {8388608.0f, 8388608.0f, 8388608.0f, 8388608.0f};
    v4i o = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        o |= __builtin_convertvector(load(x + i) * scale, v4i);
    std::uint32_t r = static_cast<std::uint32_t>(o[0] | o[1] | o[2] | o[3]);
    for (; i < n; ++i)
        r |= static_cast<std::uint32_t>(static_cast<std::int32_t>(x[i] * 8388608.0f));
    return r;
}

// Whether two neighbouring samples are equal: x[i] == x[i - 1] for some i in [0, n), with
// x[-1] = prev (a held value's run, digital zeros included, needs one).
inline bool any_repeat(const float* x, std::size_t n, float prev) {
    if (n == 0)
        return false;
    if (x[0] == prev)
        return true;
    v4i o = {0, 0, 0, 0};
    std::size_t i = 1;
    for (; i + 4 <= n; i += 4)
        o |= load(x + i) == load(x + i - 1);
    bool r = (o[0] | o[1] | o[2] | o[3]) != 0;
    for (; i < n; ++i)
        r = r || x[i] == x[i - 1];
    return r;
}

// m[i] += x[i]
inline void accumulate(float* m, const float* x, std::size_t n) {
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v4f v = load(m + i) + load(x + i);
        std::memcpy(m + i, &v, sizeof v);
    }
    for (; i < n; ++i)
        m[i] += x[i];
}

} // namespace tapeop::qc::kernels
