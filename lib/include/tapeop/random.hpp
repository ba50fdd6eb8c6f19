#pragma once
// Deterministic random numbers, our own so that every standard library and machine gives the
// same stream: xoshiro256** (Blackman & Vigna, prng.di.unimi.it), seeded through splitmix64.
// Used for dither noise and generated test signals.
#include <array>
#include <cstddef>
#include <cstdint>

namespace tapeop {

// splitmix64 step: advances `state` and returns the next output.
inline std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

class Xoshiro256 {
  public:
    Xoshiro256() : Xoshiro256(0) {}
    // The four state words are four splitmix64 outputs from `seed`.
    explicit Xoshiro256(std::uint64_t seed) {
        for (auto& w : s_)
            w = splitmix64(seed);
    }
    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    // Uniform in [0, 1), 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> s_{};
};

// Four xoshiro128+ generators side by side (Blackman & Vigna; 32-bit words, only adds, xors,
// shifts and rotations, so four lanes fit one SSE2 register). The dither's plain TPDF draws
// from it four samples at a time. Each lane's words come from splitmix64 of `seed`.
class Xoshiro128Plus4 {
  public:
    Xoshiro128Plus4() : Xoshiro128Plus4(0) {}
    explicit Xoshiro128Plus4(std::uint64_t seed) {
        for (auto& word : s_)
            for (auto& lane : word)
                lane = static_cast<std::uint32_t>(splitmix64(seed) >> 32);
        for (std::size_t k = 0; k < 4; ++k) // a lane of all zeros would stay zero
            if ((s_[0][k] | s_[1][k] | s_[2][k] | s_[3][k]) == 0)
                s_[0][k] = 1;
    }
    // The next output of each lane (the reference; dither.cpp has the same steps in SSE2).
    void next(std::uint32_t out[4]) {
        for (std::size_t k = 0; k < 4; ++k) {
            out[k] = s_[0][k] + s_[3][k];
            const std::uint32_t t = s_[1][k] << 9;
            s_[2][k] ^= s_[0][k];
            s_[3][k] ^= s_[1][k];
            s_[1][k] ^= s_[2][k];
            s_[0][k] ^= s_[3][k];
            s_[2][k] ^= t;
            s_[3][k] = (s_[3][k] << 11) | (s_[3][k] >> 21);
        }
    }
    // State words, s[word][lane].
    std::array<std::array<std::uint32_t, 4>, 4>& state() { return s_; }

  private:
    std::array<std::array<std::uint32_t, 4>, 4> s_{};
};

} // namespace tapeop
