// The float kernels of dsp/float_kernels.hpp, written once for a vector of W floats (GCC/Clang
// vector extensions) and compiled by each file that includes this one with its own instruction
// set: float_kernels.cpp (the baseline: SSE2, W = 4) and float_kernels_avx.cpp (-mavx, W = 8).
//
// Everything here has internal linkage and uses no standard-library template: a function
// compiled with -mavx must never be merged by the linker with a copy that the baseline code
// calls (an inline std::max<float> emitted by both files, say), or a CPU without AVX would
// run AVX instructions.
//
// Each lane computes its output with the same operations, in the same order, as the scalar
// tail and as every other width: the results are bit-identical whatever W is.
#include <cstddef>

namespace tapeop::dsp::kernels {
namespace {

template <std::size_t W> struct Vec {
    typedef float type __attribute__((vector_size(4 * W)));
    typedef int itype __attribute__((vector_size(4 * W)));
};

template <std::size_t W> inline typename Vec<W>::type vload(const float* p) {
    typename Vec<W>::type v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
template <std::size_t W> inline void vstore(float* p, typename Vec<W>::type v) {
    __builtin_memcpy(p, &v, sizeof v);
}
template <std::size_t W> inline typename Vec<W>::type vsplat(float x) {
    typename Vec<W>::type v;
    for (std::size_t i = 0; i < W; ++i)
        v[i] = x;
    return v;
}
template <std::size_t W> inline typename Vec<W>::type vabs(typename Vec<W>::type v) {
    typename Vec<W>::itype i;
    __builtin_memcpy(&i, &v, sizeof i);
    i &= 0x7fffffff;
    __builtin_memcpy(&v, &i, sizeof v);
    return v;
}
template <std::size_t W>
inline typename Vec<W>::type vmax(typename Vec<W>::type a, typename Vec<W>::type b) {
    return a > b ? a : b;
}
inline float fabs_(float x) {
    return x < 0.0f ? -x : x;
}
inline float fmax_(float a, float b) {
    return a > b ? a : b;
}

// Most of these loops are one long chain of dependent additions per output: a vector of
// outputs waits for each addition in turn. `U` independent vectors of outputs (one
// accumulator each) are computed together, so the additions of one overlap the others'.

// out[t] = sum_{i=1..k} c[i-1] * (s[t+1-i] + s[t+i]), t in [0, n), summed from i = 1 up.
template <std::size_t W, std::size_t U>
inline void mids_group(const float* s, std::size_t t, const float* c, std::size_t k, float* out) {
    using V = typename Vec<W>::type;
    V acc[U];
    for (std::size_t u = 0; u < U; ++u)
        acc[u] = vsplat<W>(0.0f);
    for (std::size_t i = 1; i <= k; ++i) {
        const V ci = vsplat<W>(c[i - 1]);
        for (std::size_t u = 0; u < U; ++u) {
            const std::size_t tu = t + u * W;
            const V pair =
                vload<W>(s + std::ptrdiff_t(tu + 1) - std::ptrdiff_t(i)) + vload<W>(s + tu + i);
            acc[u] = acc[u] + ci * pair;
        }
    }
    for (std::size_t u = 0; u < U; ++u)
        vstore<W>(out + t + u * W, acc[u]);
}
template <std::size_t W>
void mids(const float* s, std::size_t n, const float* c, std::size_t k, float* out) {
    std::size_t t = 0;
    for (; t + 4 * W <= n; t += 4 * W)
        mids_group<W, 4>(s, t, c, k, out);
    for (; t + W <= n; t += W)
        mids_group<W, 1>(s, t, c, k, out);
    for (; t < n; ++t) {
        float acc = 0.0f;
        for (std::size_t i = 1; i <= k; ++i)
            acc = acc + c[i - 1] * (s[std::ptrdiff_t(t + 1) - std::ptrdiff_t(i)] + s[t + i]);
        out[t] = acc;
    }
}

// out[t] = c[0] s[t] + sum_{i=1..k-1} c[i] * (s[t-i] + s[t+i]), t in [0, n).
template <std::size_t W, std::size_t U>
inline void centres_group(const float* s, std::size_t t, const float* c, std::size_t k,
                          float* out) {
    using V = typename Vec<W>::type;
    V acc[U];
    for (std::size_t u = 0; u < U; ++u)
        acc[u] = vsplat<W>(c[0]) * vload<W>(s + t + u * W);
    for (std::size_t i = 1; i < k; ++i) {
        const V ci = vsplat<W>(c[i]);
        for (std::size_t u = 0; u < U; ++u) {
            const std::size_t tu = t + u * W;
            const V pair =
                vload<W>(s + std::ptrdiff_t(tu) - std::ptrdiff_t(i)) + vload<W>(s + tu + i);
            acc[u] = acc[u] + ci * pair;
        }
    }
    for (std::size_t u = 0; u < U; ++u)
        vstore<W>(out + t + u * W, acc[u]);
}
template <std::size_t W>
void centres(const float* s, std::size_t n, const float* c, std::size_t k, float* out) {
    std::size_t t = 0;
    for (; t + 4 * W <= n; t += 4 * W)
        centres_group<W, 4>(s, t, c, k, out);
    for (; t + W <= n; t += W)
        centres_group<W, 1>(s, t, c, k, out);
    for (; t < n; ++t) {
        float acc = c[0] * s[t];
        for (std::size_t i = 1; i < k; ++i)
            acc = acc + c[i] * (s[std::ptrdiff_t(t) - std::ptrdiff_t(i)] + s[t + i]);
        out[t] = acc;
    }
}

// The low and high halves of a and b interleaved: {a0, b0, a1, b1, ...}. (Templates, so that
// the baseline file never instantiates the 8-lane form.)
template <std::size_t W>
inline typename Vec<W>::type zip_lo(typename Vec<W>::type a, typename Vec<W>::type b) {
    if constexpr (W == 4)
        return __builtin_shufflevector(a, b, 0, 4, 1, 5);
    else
        return __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
}
template <std::size_t W>
inline typename Vec<W>::type zip_hi(typename Vec<W>::type a, typename Vec<W>::type b) {
    if constexpr (W == 4)
        return __builtin_shufflevector(a, b, 2, 6, 3, 7);
    else
        return __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
}

// out[2t] = s[t], out[2t + 1] = m[t], t in [0, n).
template <std::size_t W>
void interleave(const float* s, const float* m, std::size_t n, float* out) {
    using V = typename Vec<W>::type;
    std::size_t t = 0;
    for (; W >= 4 && t + W <= n; t += W) {
        const V a = vload<W>(s + t), b = vload<W>(m + t);
        vstore<W>(out + 2 * t, zip_lo<W>(a, b));
        vstore<W>(out + 2 * t + W, zip_hi<W>(a, b));
    }
    for (; t < n; ++t) {
        out[2 * t] = s[t];
        out[2 * t + 1] = m[t];
    }
}

// out[j] = max |y[8j .. 8j + 7]|, j in [0, n) (four lanes at any width: a maximum is exact).
template <std::size_t W> void block_max8(const float* y, std::size_t n, float* out) {
    using V = Vec<4>::type;
    for (std::size_t j = 0; j < n; ++j) {
        V m = vmax<4>(vabs<4>(vload<4>(y + 8 * j)), vabs<4>(vload<4>(y + 8 * j + 4)));
        m = vmax<4>(m, __builtin_shufflevector(m, m, 2, 3, 0, 1));
        m = vmax<4>(m, __builtin_shufflevector(m, m, 1, 0, 3, 2));
        out[j] = m[0];
    }
}

// max |x[i]|, i in [0, n): W lanes, then the lanes and the tail (a maximum is exact).
template <std::size_t W> float max_abs(const float* x, std::size_t n) {
    using V = typename Vec<W>::type;
    V m = vsplat<W>(0.0f);
    std::size_t i = 0;
    for (; i + W <= n; i += W)
        m = vmax<W>(m, vabs<W>(vload<W>(x + i)));
    float r = 0.0f;
    for (std::size_t l = 0; l < W; ++l)
        r = fmax_(r, m[l]);
    for (; i < n; ++i)
        r = fmax_(r, fabs_(x[i]));
    return r;
}

// A pair of interpolator phases p, q whose taps mirror each other (h_q[k] = h_p[L-1-k], L =
// 2 half): with s_k = x[t-k] + x[t-(L-1-k)] and d_k = x[t-k] - x[t-(L-1-k)],
// e = y_p + y_q = sum_{k<half} fe[k] s_k and o = y_p - y_q = sum_{k<half} fo[k] d_k
// (fe = h_p + h_q, fo = h_p - h_q), and max(|y_p|, |y_q|) = (|e| + |o|) / 2: half the
// multiplications of the two phases. `fo` null: one phase symmetric in itself (y = e / 2 with
// fe = 2 h). out[j] = max(out[j], that) for t = j in [0, m); x[t - L + 1 .. t] is read.
template <std::size_t W, std::size_t U, bool Pair>
inline void mirrored_group(const float* x, std::size_t j, const float* fe, const float* fo,
                           std::size_t half, float* out) {
    using V = typename Vec<W>::type;
    const std::ptrdiff_t last = std::ptrdiff_t(2 * half - 1);
    V e[U], o[U];
    for (std::size_t u = 0; u < U; ++u)
        e[u] = o[u] = vsplat<W>(0.0f);
    for (std::size_t k = 0; k < half; ++k) {
        const V ek = vsplat<W>(fe[k]);
        for (std::size_t u = 0; u < U; ++u) {
            const std::size_t ju = j + u * W;
            const V a = vload<W>(x + std::ptrdiff_t(ju) - std::ptrdiff_t(k)),
                    b = vload<W>(x + std::ptrdiff_t(ju + k) - last);
            e[u] = e[u] + ek * (a + b);
            if constexpr (Pair)
                o[u] = o[u] + vsplat<W>(fo[k]) * (a - b);
        }
    }
    for (std::size_t u = 0; u < U; ++u) {
        const V v = (vabs<W>(e[u]) + vabs<W>(o[u])) * vsplat<W>(0.5f);
        vstore<W>(out + j + u * W, vmax<W>(vload<W>(out + j + u * W), v));
    }
}
template <std::size_t W, bool Pair>
void mirrored(const float* x, std::size_t m, const float* fe, const float* fo, std::size_t half,
              float* out) {
    const std::ptrdiff_t last = std::ptrdiff_t(2 * half - 1);
    std::size_t j = 0;
    for (; j + 4 * W <= m; j += 4 * W)
        mirrored_group<W, 4, Pair>(x, j, fe, fo, half, out);
    for (; j + W <= m; j += W)
        mirrored_group<W, 1, Pair>(x, j, fe, fo, half, out);
    for (; j < m; ++j) {
        float e = 0.0f, o = 0.0f;
        for (std::size_t k = 0; k < half; ++k) {
            const float a = x[std::ptrdiff_t(j) - std::ptrdiff_t(k)],
                        b = x[std::ptrdiff_t(j + k) - last];
            e = e + fe[k] * (a + b);
            if constexpr (Pair)
                o = o + fo[k] * (a - b);
        }
        out[j] = fmax_(out[j], (fabs_(e) + fabs_(o)) * 0.5f);
    }
}
template <std::size_t W>
void mirrored_peaks(const float* x, std::size_t m, const float* fe, const float* fo,
                    std::size_t half, float* out) {
    if (fo)
        mirrored<W, true>(x, m, fe, fo, half, out);
    else
        mirrored<W, false>(x, m, fe, fo, half, out);
}

} // namespace
} // namespace tapeop::dsp::kernels
