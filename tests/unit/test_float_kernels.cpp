// The limiter's float screen kernels: every instruction set gives bit-identical results (so the
// output never depends on the machine), and each kernel computes what it states.
#include "tapeop/dsp/float_kernels.hpp"

#include <cmath>
#include <cstring>
#include <doctest/doctest.h>
#include <random>
#include <vector>

using namespace tapeop::dsp;

namespace {

std::vector<float> noise(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.5f, 1.5f);
    std::vector<float> x(n);
    for (float& v : x)
        v = u(rng);
    return x;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Every kernel of `k` on the same inputs, every length from 0 to 40 (all tails), concatenated.
std::vector<float> run_all(const kernels::FloatKernels& k) {
    const std::vector<float> x = noise(400, 7), c = noise(32, 8), fe = noise(12, 9),
                             fo = noise(12, 10);
    std::vector<float> all;
    for (std::size_t n = 0; n <= 40; ++n) {
        std::vector<float> out(2 * n + 8, 0.25f);
        k.mids(x.data() + 100, n, c.data(), 32, out.data());
        all.insert(all.end(), out.begin(), out.end());
        k.centres(x.data() + 100, n, c.data(), 32, out.data());
        all.insert(all.end(), out.begin(), out.end());
        k.interleave(x.data() + 10, x.data() + 200, n, out.data());
        all.insert(all.end(), out.begin(), out.end());
        std::vector<float> bmax(n + 1, 0.0f);
        k.block_max8(x.data(), n, bmax.data());
        all.insert(all.end(), bmax.begin(), bmax.end());
        std::vector<float> peaks(n, 0.1f);
        k.mirrored_peaks(x.data() + 100, n, fe.data(), fo.data(), 6, peaks.data());
        k.mirrored_peaks(x.data() + 100, n, fe.data(), nullptr, 12, peaks.data());
        all.insert(all.end(), peaks.begin(), peaks.end());
    }
    return all;
}

} // namespace

TEST_SUITE("float_kernels") {
    TEST_CASE("AVX and the baseline give bit-identical results") {
        const kernels::FloatKernels* avx = kernels::avx_float_kernels();
        if (!avx) {
            MESSAGE("this CPU has no AVX: only the baseline runs");
            return;
        }
        CHECK(same_bits(run_all(kernels::baseline_float_kernels()), run_all(*avx)));
        CHECK(&kernels::float_kernels() == avx); // the wider set is the one used
    }

    TEST_CASE("mirrored phases folded: the larger |y| of the pair, within float rounding") {
        // Two phases of 12 taps, q the mirror of p, on noise: the folded kernel against both
        // phases evaluated directly in double. Bound: 20 units of 2^-24 x sum|h| x max|x|.
        const std::vector<float> x = noise(300, 3);
        std::vector<double> hp(12);
        std::mt19937 rng(4);
        std::normal_distribution<double> g(0.0, 0.3);
        double sum_abs = 0.0;
        for (double& h : hp)
            sum_abs += std::abs(h = g(rng));
        std::vector<float> fe(6), fo(6), self(6);
        for (std::size_t k = 0; k < 6; ++k) {
            fe[k] = float(hp[k] + hp[11 - k]);
            fo[k] = float(hp[k] - hp[11 - k]);
        }
        for (const kernels::FloatKernels* k :
             {&kernels::baseline_float_kernels(), kernels::avx_float_kernels()}) {
            if (!k)
                continue;
            std::vector<float> out(200, 0.0f);
            k->mirrored_peaks(x.data() + 50, 200, fe.data(), fo.data(), 6, out.data());
            double worst = 0.0;
            for (std::size_t j = 0; j < 200; ++j) {
                double yp = 0.0, yq = 0.0;
                for (std::size_t t = 0; t < 12; ++t) {
                    yp += hp[t] * x[50 + j - t];
                    yq += hp[11 - t] * x[50 + j - t];
                }
                worst = std::max(worst,
                                 std::abs(double(out[j]) - std::max(std::abs(yp), std::abs(yq))));
            }
            CHECK(worst <= 20.0 * 0x1p-24 * sum_abs * 1.5);
        }
    }

    TEST_CASE("a phase symmetric in itself: fe = 2h, no fo") {
        const std::vector<float> x = noise(100, 5);
        const std::vector<double> h = {0.01, -0.05, 0.2, 0.6, 0.6, 0.2, -0.05, 0.01};
        std::vector<float> fe = {0.02f, -0.1f, 0.4f, 1.2f};
        std::vector<float> out(50, 0.0f);
        kernels::float_kernels().mirrored_peaks(x.data() + 20, 50, fe.data(), nullptr, 4,
                                                out.data());
        for (std::size_t j = 0; j < 50; ++j) {
            double y = 0.0;
            for (std::size_t t = 0; t < 8; ++t)
                y += h[t] * x[20 + j - t];
            CHECK(double(out[j]) == doctest::Approx(std::abs(y)).epsilon(1e-5));
        }
    }

    TEST_CASE("midpoints, centres, interleave and block maxima") {
        const auto& k = kernels::float_kernels();
        const std::vector<float> s = noise(64, 11);
        const float c[3] = {0.5f, -0.25f, 0.125f};
        std::vector<float> out(20);
        k.mids(s.data() + 10, 20, c, 3, out.data());
        for (std::size_t t = 0; t < 20; ++t) {
            const float* p = s.data() + 10 + t;
            const float want =
                ((0.0f + 0.5f * (p[0] + p[1])) + -0.25f * (p[-1] + p[2])) + 0.125f * (p[-2] + p[3]);
            CHECK(out[t] == want);
        }
        k.centres(s.data() + 10, 20, c, 3, out.data());
        for (std::size_t t = 0; t < 20; ++t) {
            const float* p = s.data() + 10 + t;
            CHECK(out[t] == (0.5f * p[0] + -0.25f * (p[-1] + p[1])) + 0.125f * (p[-2] + p[2]));
        }
        std::vector<float> z(26);
        k.interleave(s.data(), s.data() + 30, 13, z.data());
        for (std::size_t t = 0; t < 13; ++t) {
            CHECK(z[2 * t] == s[t]);
            CHECK(z[2 * t + 1] == s[30 + t]);
        }
        std::vector<float> m(7);
        k.block_max8(s.data(), 7, m.data());
        for (std::size_t j = 0; j < 7; ++j) {
            float want = 0.0f;
            for (std::size_t q = 0; q < 8; ++q)
                want = std::max(want, std::abs(s[8 * j + q]));
            CHECK(m[j] == want);
        }
    }
}
