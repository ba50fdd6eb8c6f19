// The AVX instantiation of float_kernels_impl.hpp. CMakeLists.txt compiles this file alone with
// -mavx; float_kernels.cpp calls into it only when the CPU has AVX. Nothing else may live here
// (see float_kernels_impl.hpp on why no standard-library code is used).
#include "tapeop/dsp/float_kernels.hpp"

#if defined(__AVX__)
#include "float_kernels_impl.hpp"
#endif

namespace tapeop::dsp::kernels {

#if defined(__AVX__)
namespace {
const FloatKernels avx{"avx",         mids<8>,    centres<8>,       interleave<8>,
                       block_max8<8>, max_abs<8>, mirrored_peaks<8>};
} // namespace
const FloatKernels* avx_kernels_table() {
    return &avx;
}
#else
const FloatKernels* avx_kernels_table() {
    return nullptr;
}
#endif

} // namespace tapeop::dsp::kernels
