#include "tapeop/dsp/channels.hpp"

#include <cassert>
#include <cmath>

namespace tapeop::dsp {

void remix(AudioView in, AudioView out, const std::vector<double>& matrix) {
    const std::size_t ni = in.channels(), no = out.channels(), n = in.frames();
    assert(out.frames() == n && matrix.size() == ni * no);
    for (std::size_t o = 0; o < no; ++o) {
        float* y = out.channel(o);
        for (std::size_t f = 0; f < n; ++f) {
            double acc = 0.0;
            for (std::size_t i = 0; i < ni; ++i)
                acc += matrix[o * ni + i] * in.channel(i)[f];
            y[f] = static_cast<float>(acc);
        }
    }
}

void fold_to_mono(AudioView in, AudioView out, FoldDown mode) {
    assert(out.channels() == 1);
    const double n = static_cast<double>(in.channels());
    const double w = mode == FoldDown::average ? 1.0 / n : 1.0 / std::sqrt(n);
    remix(in, out, std::vector<double>(in.channels(), w));
}

void mono_to_many(AudioView in, AudioView out) {
    assert(in.channels() == 1 && out.frames() == in.frames());
    for (std::size_t o = 0; o < out.channels(); ++o) {
        const float* x = in.channel(0);
        float* y = out.channel(o);
        for (std::size_t f = 0; f < in.frames(); ++f)
            y[f] = x[f];
    }
}

std::vector<double> default_remix_matrix(std::size_t ni, std::size_t no) {
    std::vector<double> m(ni * no, 0.0);
    if (no == 1) {
        for (auto& w : m)
            w = 1.0 / double(ni);
    } else if (ni == 1) {
        for (auto& w : m)
            w = 1.0;
    } else {
        for (std::size_t c = 0; c < ni && c < no; ++c)
            m[c * ni + c] = 1.0;
    }
    return m;
}

void convert_channels(AudioView in, AudioView out) {
    if (in.channels() == 1 && out.channels() > 1)
        return mono_to_many(in, out);
    remix(in, out, default_remix_matrix(in.channels(), out.channels()));
}

} // namespace tapeop::dsp
