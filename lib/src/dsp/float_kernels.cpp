#include "tapeop/dsp/float_kernels.hpp"

#include "float_kernels_impl.hpp"

#include <cstdlib>
#include <cstring>

namespace tapeop::dsp::kernels {

// In float_kernels_avx.cpp (compiled with -mavx on x86-64): nullptr when not built.
const FloatKernels* avx_kernels_table();

namespace {

#if defined(__SSE2__)
constexpr std::size_t baseline_width = 4;
constexpr const char* baseline_name = "sse2";
#else
constexpr std::size_t baseline_width = 1;
constexpr const char* baseline_name = "scalar";
#endif

const FloatKernels baseline{baseline_name,
                            mids<baseline_width>,
                            centres<baseline_width>,
                            interleave<baseline_width>,
                            block_max8<baseline_width>,
                            max_abs<baseline_width>,
                            mirrored_peaks<baseline_width>};

const FloatKernels* pick() {
    const char* forced = std::getenv("TAPEOP_SIMD");
    if (forced && std::strcmp(forced, "sse2") == 0)
        return &baseline;
    const FloatKernels* avx = avx_float_kernels();
    return avx ? avx : &baseline;
}

} // namespace

const FloatKernels& baseline_float_kernels() {
    return baseline;
}

const FloatKernels* avx_float_kernels() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool has_avx = __builtin_cpu_supports("avx");
    return has_avx ? avx_kernels_table() : nullptr;
#else
    return nullptr;
#endif
}

const FloatKernels& float_kernels() {
    static const FloatKernels* const chosen = pick();
    return *chosen;
}

} // namespace tapeop::dsp::kernels
