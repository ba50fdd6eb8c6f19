#pragma once
// The float inner loops of the limiter's detection screens (dsp/limiter.hpp, the float
// evaluation of dsp/ideal_peak.hpp), in the widest instruction set the CPU has, chosen once at
// run time: AVX (8 floats per instruction) where present, else SSE2 (4; every x86-64 CPU).
// Every lane does the same operations in the same order at any width, so both give
// bit-identical results (tests/unit/test_float_kernels.cpp): the output of tapeop does not
// depend on the machine. TAPEOP_SIMD=sse2 in the environment forces the baseline (to compare).
#include <cstddef>

namespace tapeop::dsp::kernels {

struct FloatKernels {
    const char* name; // "sse2", "avx" (or "scalar" off x86)
    // out[t] = sum_{i=1..k} c[i-1] (s[t+1-i] + s[t+i]), t in [0, n): half-band midpoints.
    void (*mids)(const float* s, std::size_t n, const float* c, std::size_t k, float* out);
    // out[t] = c[0] s[t] + sum_{i=1..k-1} c[i] (s[t-i] + s[t+i]), t in [0, n).
    void (*centres)(const float* s, std::size_t n, const float* c, std::size_t k, float* out);
    // out[2t] = s[t], out[2t+1] = m[t], t in [0, n).
    void (*interleave)(const float* s, const float* m, std::size_t n, float* out);
    // out[j] = max |y[8j .. 8j+7]|, j in [0, n).
    void (*block_max8)(const float* y, std::size_t n, float* out);
    // max |x[i]|, i in [0, n) (0 for n = 0).
    float (*max_abs)(const float* x, std::size_t n);
    // Peaks of two mirrored interpolator phases (h_q[k] = h_p[2 half - 1 - k]) from their
    // folded taps fe = h_p + h_q, fo = h_p - h_q (fo null: one phase symmetric in itself,
    // fe = 2 h): out[j] = max(out[j], max(|y_p(j)|, |y_q(j)|)), y(j) = sum_k h[k] x[j - k],
    // j in [0, m); reads x[-(2 half - 1) .. m - 1].
    void (*mirrored_peaks)(const float* x, std::size_t m, const float* fe, const float* fo,
                           std::size_t half, float* out);
};

// The set this process uses.
const FloatKernels& float_kernels();
// The baseline set (SSE2 on x86-64), and the AVX set or nullptr when the CPU lacks AVX: for
// the tests that compare them.
const FloatKernels& baseline_float_kernels();
const FloatKernels* avx_float_kernels();

} // namespace tapeop::dsp::kernels
