// Channel conversion: fold-down gains, mono to stereo, general remix.
#include "tapeop/dsp/channels.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

TEST_SUITE("channels") {

    TEST_CASE("fold-down: average keeps a centred signal, -3 dB sum keeps uncorrelated power") {
        std::vector<float> l = {0.5f, 0.5f, 1.0f}, r = {0.5f, -0.5f, 1.0f}, m(3);
        float* in[2] = {l.data(), r.data()};
        float* out[1] = {m.data()};
        fold_to_mono(AudioView(in, 2, 3), AudioView(out, 1, 3), FoldDown::average);
        CHECK(m[0] == 0.5f);
        CHECK(m[1] == 0.0f);
        CHECK(m[2] == 1.0f); // never clips
        fold_to_mono(AudioView(in, 2, 3), AudioView(out, 1, 3), FoldDown::minus_3db_sum);
        CHECK(m[0] == doctest::Approx(1.0 / std::sqrt(2.0)));
    }

    TEST_CASE("mono to stereo copies; N -> M keeps the first channels") {
        std::vector<float> m = {0.1f, 0.2f}, l(2), r(2);
        float* in[1] = {m.data()};
        float* out[2] = {l.data(), r.data()};
        convert_channels(AudioView(in, 1, 2), AudioView(out, 2, 2));
        CHECK(l == m);
        CHECK(r == m);
        std::vector<float> c(2, 0.7f), a(2), b(2);
        float* in3[3] = {l.data(), r.data(), c.data()};
        float* out2[2] = {a.data(), b.data()};
        convert_channels(AudioView(in3, 3, 2), AudioView(out2, 2, 2));
        CHECK(a == l);
        CHECK(b == r);
    }

} // TEST_SUITE
