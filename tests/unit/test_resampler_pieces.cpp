// Resampler output in bounded pieces: the same samples as libsoxr called with room for a whole
// block's output (what Resampler did before), and never more than block_frames per piece.
#include "tapeop/dsp/resampler.hpp"

#include <doctest/doctest.h>
#include <soxr.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

using namespace tapeop;
using namespace tapeop::dsp;

namespace {

using Stereo = std::vector<std::vector<float>>;

Stereo noisy_tones(double rate, std::size_t n) {
    Stereo x(2, std::vector<float>(n));
    std::uint32_t seed = 12345;
    for (std::size_t i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        const double noise = double(seed >> 8) / double(1u << 24) - 0.5;
        x[0][i] = float(0.4 * std::sin(2.0 * std::numbers::pi * 997.0 * double(i) / rate));
        x[1][i] = float(0.3 * noise);
    }
    return x;
}

// The reference: libsoxr with the Resampler's settings, each block given output space for all
// of it (ceil(n x ratio) + 64 frames, looping while full), then flushed; trimmed or padded to
// round(in x ratio) as the Resampler documents.
Stereo soxr_whole_blocks(const Stereo& x, double in_rate, double out_rate, std::size_t block) {
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_S, SOXR_FLOAT32_S);
    const soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    const soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr_error_t err = nullptr;
    soxr_t s = soxr_create(in_rate, out_rate, 2, &err, &io, &q, &rt);
    REQUIRE(err == nullptr);
    const double ratio = out_rate / in_rate;
    Stereo y(2);
    const std::size_t n = x[0].size();
    for (std::size_t at = 0; at < n; at += block) {
        const std::size_t len = std::min(block, n - at);
        std::size_t consumed = 0;
        const std::size_t space = std::size_t(std::ceil(double(len) * ratio)) + 64;
        std::vector<float> o0(space), o1(space);
        while (true) {
            const void* in[2] = {x[0].data() + at + consumed, x[1].data() + at + consumed};
            void* out[2] = {o0.data(), o1.data()};
            std::size_t idone = 0, odone = 0;
            REQUIRE(soxr_process(s, in, len - consumed, &idone, out, space, &odone) == nullptr);
            consumed += idone;
            y[0].insert(y[0].end(), o0.begin(), o0.begin() + long(odone));
            y[1].insert(y[1].end(), o1.begin(), o1.begin() + long(odone));
            if (consumed == len && odone < space)
                break;
        }
    }
    const std::size_t want = std::size_t(std::llround(double(n) * ratio));
    while (y[0].size() < want) {
        const std::size_t left = want - y[0].size();
        std::vector<float> o0(left), o1(left);
        void* out[2] = {o0.data(), o1.data()};
        std::size_t odone = 0;
        REQUIRE(soxr_process(s, nullptr, 0, nullptr, out, left, &odone) == nullptr);
        if (odone == 0)
            break;
        y[0].insert(y[0].end(), o0.begin(), o0.begin() + long(odone));
        y[1].insert(y[1].end(), o1.begin(), o1.begin() + long(odone));
    }
    y[0].resize(want, 0.0f);
    y[1].resize(want, 0.0f);
    soxr_delete(s);
    return y;
}

struct Pieces {
    Stereo y{2};
    std::size_t largest = 0;
};

Pieces resampler_pieces(const Stereo& x, double in_rate, double out_rate, std::size_t block) {
    Resampler r(2, in_rate, out_rate);
    Pieces p;
    auto sink = [&](AudioView v) {
        p.largest = std::max(p.largest, v.frames());
        for (std::size_t c = 0; c < 2; ++c)
            p.y[c].insert(p.y[c].end(), v.channel(c), v.channel(c) + v.frames());
    };
    const std::size_t n = x[0].size();
    for (std::size_t at = 0; at < n; at += block) {
        float* ptrs[2] = {const_cast<float*>(x[0].data()) + at,
                          const_cast<float*>(x[1].data()) + at};
        r.process(AudioView(ptrs, 2, std::min(block, n - at)), sink);
    }
    r.flush(sink);
    return p;
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

TEST_SUITE("resampler_pieces") {

    TEST_CASE("bounded pieces give the same bits as whole-block output at ordinary ratios") {
        const std::pair<double, double> rates[] = {
            {44100, 48000}, {48000, 44100}, {48000, 96000}, {96000, 44100}, {44100, 192000}};
        for (const auto& [from_hz, to_hz] : rates) {
            const double a = from_hz, b = to_hz; // clang 14: no binding in CAPTURE's lambda
            for (std::size_t block : {std::size_t(8192), std::size_t(65536), std::size_t(1000)}) {
                CAPTURE(a);
                CAPTURE(b);
                CAPTURE(block);
                const Stereo x = noisy_tones(a, std::size_t(a * 1.5) + 17);
                const Stereo ref = soxr_whole_blocks(x, a, b, block);
                const Pieces got = resampler_pieces(x, a, b, block);
                CHECK(got.largest <= Resampler::block_frames);
                CHECK(bit_identical(got.y[0], ref[0]));
                CHECK(bit_identical(got.y[1], ref[1]));
            }
        }
    }

    TEST_CASE("1 kHz -> 768 kHz: pieces stay at block_frames, the length is exact") {
        const Stereo x = noisy_tones(1000, 10000); // 10 s: 7.68 M output frames per channel
        const Pieces got = resampler_pieces(x, 1000, 768000, 8192);
        CHECK(got.largest == Resampler::block_frames);
        CHECK(got.y[0].size() == 7680000);
        // Same bits as libsoxr given room for everything.
        const Stereo ref = soxr_whole_blocks(x, 1000, 768000, 8192);
        CHECK(bit_identical(got.y[0], ref[0]));
        CHECK(bit_identical(got.y[1], ref[1]));
    }

    TEST_CASE("the collecting form still returns a whole block") {
        Resampler r(1, 1000, 48000);
        std::vector<float> x(2000, 0.25f);
        float* p = x.data();
        AudioBuffer out;
        r.process(AudioView(&p, 1, x.size()), out);
        const std::size_t first = out.frames();
        CHECK(first > Resampler::block_frames); // ~96000 frames in one buffer
        r.flush(out);
        CHECK(first + out.frames() == 96000);
    }

} // TEST_SUITE
