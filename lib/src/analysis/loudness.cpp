#include "tapeop/analysis/loudness.hpp"

#include "tapeop/error.hpp"
#include "tapeop/layout.hpp"
#include "tapeop/limits.hpp"

#include <emmintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

namespace tapeop::analysis {

namespace {

constexpr double minus_inf = -std::numeric_limits<double>::infinity();

// BS.1770-4 (2): L = -0.691 + 10 log10(sum_i G_i * z_i).
constexpr double loudness_offset = -0.691;
constexpr double absolute_gate_lufs = -70.0;      // BS.1770-4 Annex 1 / EBU Tech 3342
constexpr double relative_gate_factor = 0.1;      // -10 LU (BS.1770-4 Annex 1)
constexpr double lra_relative_gate_factor = 0.01; // -20 LU (EBU Tech 3342)

constexpr int subblocks_per_second = 100;
constexpr std::size_t momentary_subblocks = 40;   // 400 ms
constexpr std::size_t short_term_subblocks = 300; // 3 s
constexpr std::size_t step_subblocks = 10;        // 100 ms: gating block hop and LRA rate

// Histogram layout, shared by every meter (album functions add the bins up).
constexpr double hist_min_lufs = absolute_gate_lufs;
constexpr double hist_max_lufs = 30.0;
constexpr int hist_bins_per_lu = 200; // 0.005 LU
constexpr std::size_t hist_bins =
    static_cast<std::size_t>((hist_max_lufs - hist_min_lufs) * hist_bins_per_lu);
constexpr std::size_t hist_overflow = hist_bins; // index of the above-range bin

// States below this are zero-input decay; flushing them at sub-block boundaries keeps the
// recursion out of denormals (a sub-block decays at most ~1e-33, so nothing nears 1e-308).
constexpr double flush_threshold = 1e-100;

double energy_to_lufs(double energy) {
    return energy > 0.0 ? 10.0 * std::log10(energy) + loudness_offset : minus_inf;
}

double absolute_gate_energy() {
    static const double e = std::pow(10.0, (absolute_gate_lufs - loudness_offset) / 10.0);
    return e;
}

// Bin of an energy at or above the absolute gate; -1 below it.
long bin_of(double energy) {
    if (!(energy >= absolute_gate_energy()))
        return -1;
    const double pos = (energy_to_lufs(energy) - hist_min_lufs) * hist_bins_per_lu;
    if (!(pos < static_cast<double>(hist_bins)))
        return static_cast<long>(hist_overflow);
    return std::max(0L, static_cast<long>(std::floor(pos)));
}

struct Histogram {
    std::vector<std::uint64_t> count = std::vector<std::uint64_t>(hist_bins + 1, 0);
    std::vector<double> energy = std::vector<double>(hist_bins + 1, 0.0);

    void add(double e) {
        const long b = bin_of(e);
        if (b < 0)
            return;
        ++count[static_cast<std::size_t>(b)];
        energy[static_cast<std::size_t>(b)] += e;
    }
    void add(const Histogram& o) {
        for (std::size_t b = 0; b <= hist_bins; ++b) {
            count[b] += o.count[b];
            energy[b] += o.energy[b];
        }
    }
    void clear() {
        std::fill(count.begin(), count.end(), 0);
        std::fill(energy.begin(), energy.end(), 0.0);
    }
};

// The bins that pass a relative gate `factor` x (mean energy of all absolutely gated blocks).
// Bins wholly above the gate's bin pass; the gate's own bin passes when its mean energy does.
struct Gated {
    std::vector<std::size_t> bins;
    std::uint64_t count = 0;
    double energy = 0.0;
};

Gated relative_gate(const Histogram& h, double factor) {
    std::uint64_t n = 0;
    double sum = 0.0;
    for (std::size_t b = 0; b <= hist_bins; ++b) {
        n += h.count[b];
        sum += h.energy[b];
    }
    Gated g;
    if (n == 0)
        return g;
    const double threshold = sum / static_cast<double>(n) * factor;
    const long gate_bin = bin_of(threshold);
    for (std::size_t b = 0; b <= hist_bins; ++b) {
        if (h.count[b] == 0)
            continue;
        const long lb = static_cast<long>(b);
        const bool pass =
            lb > gate_bin ||
            (lb == gate_bin && h.energy[b] / static_cast<double>(h.count[b]) >= threshold);
        if (!pass)
            continue;
        g.bins.push_back(b);
        g.count += h.count[b];
        g.energy += h.energy[b];
    }
    return g;
}

double integrated_from(const Histogram& h) {
    const Gated g = relative_gate(h, relative_gate_factor);
    if (g.count == 0)
        return minus_inf;
    return energy_to_lufs(g.energy / static_cast<double>(g.count));
}

// EBU Tech 3342: L95 - L10 of the relatively gated short-term values (nearest rank).
double lra_from(const Histogram& h) {
    const Gated g = relative_gate(h, lra_relative_gate_factor);
    if (g.count == 0)
        return 0.0;
    const auto rank = [&](double p) {
        return static_cast<std::uint64_t>(static_cast<double>(g.count - 1) * p + 0.5);
    };
    const std::uint64_t lo_rank = rank(0.10), hi_rank = rank(0.95);
    double lo = 0.0, hi = 0.0;
    std::uint64_t below = 0;
    bool lo_found = false;
    for (std::size_t b : g.bins) {
        const std::uint64_t c = h.count[b];
        const double mean = h.energy[b] / static_cast<double>(c);
        if (!lo_found && below + c > lo_rank) {
            lo = mean;
            lo_found = true;
        }
        if (below + c > hi_rank) {
            hi = mean;
            break;
        }
        below += c;
    }
    return energy_to_lufs(hi) - energy_to_lufs(lo);
}

} // namespace

KCoefficients k_coefficients(double rate) {
    KCoefficients k{};
    {
        const double f0 = 1681.974450955533, gain_db = 3.999843853973347, q = 0.7071752369554196;
        const double kk = std::tan(std::numbers::pi * f0 / rate);
        const double vh = std::pow(10.0, gain_db / 20.0);
        const double vb = std::pow(vh, 0.4996667741545416);
        const double a0 = 1.0 + kk / q + kk * kk;
        k.b0 = (vh + vb * kk / q + kk * kk) / a0;
        k.b1 = 2.0 * (kk * kk - vh) / a0;
        k.b2 = (vh - vb * kk / q + kk * kk) / a0;
        k.a1 = 2.0 * (kk * kk - 1.0) / a0;
        k.a2 = (1.0 - kk / q + kk * kk) / a0;
    }
    {
        const double f0 = 38.13547087602444, q = 0.5003270373238773;
        const double kk = std::tan(std::numbers::pi * f0 / rate);
        const double a0 = 1.0 + kk / q + kk * kk;
        k.c1 = 2.0 * (kk * kk - 1.0) / a0;
        k.c2 = (1.0 - kk / q + kk * kk) / a0;
    }
    return k;
}

namespace {

// Two channels' filter states side by side in SSE2 registers: the two recursions are
// independent, so one instruction advances both. Direct form I, double.
struct alignas(16) PairState {
    __m128d x1, x2; // pre-filter input history
    __m128d y1, y2; // pre-filter output history (RLB input)
    __m128d z1, z2; // RLB output history
    __m128d acc;    // sum of z^2 over the current sub-block
};

struct alignas(16) PairCoefficients {
    __m128d b0, b1, b2, a1, a2, c1, c2;
};

PairState zero_pair() {
    const __m128d z = _mm_setzero_pd();
    return PairState{z, z, z, z, z, z, z};
}

__m128d flush_tiny(__m128d v) {
    const __m128d abs_mask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
    const __m128d big = _mm_cmpge_pd(_mm_and_pd(v, abs_mask), _mm_set1_pd(flush_threshold));
    return _mm_and_pd(v, big);
}

// Runs n frames of one channel pair (second == nullptr: one channel in lane 0, lane 1 fed
// zeros). The critical path per sample is one multiply and one subtract per biquad: the terms
// that do not depend on the previous output are summed first.
template <bool Pair>
void k_filter(PairState& s, const PairCoefficients& k, const float* first, const float* second,
              std::size_t n) {
    __m128d x1 = s.x1, x2 = s.x2, y1 = s.y1, y2 = s.y2, z1 = s.z1, z2 = s.z2, acc = s.acc;
    for (std::size_t i = 0; i < n; ++i) {
        const __m128d x =
            _mm_set_pd(Pair ? static_cast<double>(second[i]) : 0.0, static_cast<double>(first[i]));
        __m128d t = _mm_add_pd(_mm_mul_pd(k.b0, x), _mm_mul_pd(k.b1, x1));
        t = _mm_add_pd(t, _mm_mul_pd(k.b2, x2));
        t = _mm_sub_pd(t, _mm_mul_pd(k.a2, y2));
        const __m128d y = _mm_sub_pd(t, _mm_mul_pd(k.a1, y1));
        __m128d u = _mm_sub_pd(y, _mm_add_pd(y1, y1));
        u = _mm_add_pd(u, y2);
        u = _mm_sub_pd(u, _mm_mul_pd(k.c2, z2));
        const __m128d z = _mm_sub_pd(u, _mm_mul_pd(k.c1, z1));
        acc = _mm_add_pd(acc, _mm_mul_pd(z, z));
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
        z2 = z1;
        z1 = z;
    }
    s.x1 = x1;
    s.x2 = x2;
    s.y1 = y1;
    s.y2 = y2;
    s.z1 = z1;
    s.z2 = z2;
    s.acc = acc;
}

} // namespace

std::vector<double> default_channel_weights(int channels) {
    return default_layout("wav", channels).weights;
}

std::vector<double> channel_weights(const io::FileInfo& info) {
    if (info.layout.weights.size() == static_cast<std::size_t>(info.channels))
        return info.layout.weights;
    return default_channel_weights(info.channels);
}

struct LoudnessMeter::State {
    int channels;
    int rate;
    std::vector<double> weights;
    PairCoefficients k;
    std::vector<PairState> pairs;

    // Sub-block bookkeeping.
    std::uint64_t frames_fed = 0;
    std::uint64_t subblocks_done = 0;
    std::uint64_t next_boundary = 0; // frame index where the current sub-block ends
    // The last 300 sub-blocks: weighted energy sums and frame counts (ring).
    std::array<double, short_term_subblocks> sub_energy{};
    std::array<std::uint32_t, short_term_subblocks> sub_frames{};

    double momentary_energy = 0.0;  // of the last evaluation (zero-padded before 400 ms)
    double short_term_energy = 0.0; // idem, 3 s
    double momentary_max = 0.0;     // energies; 0 = none yet
    double short_term_max = 0.0;
    std::uint32_t momentary_nominal_frames;
    std::uint32_t short_term_nominal_frames;

    Histogram blocks;     // 400 ms gating blocks (integrated loudness)
    Histogram short_term; // 3 s values at 10 Hz (LRA)

    State(int ch, int sr, std::vector<double> w) : channels(ch), rate(sr), weights(std::move(w)) {
        const KCoefficients c = k_coefficients(static_cast<double>(sr));
        k = PairCoefficients{_mm_set1_pd(c.b0), _mm_set1_pd(c.b1), _mm_set1_pd(c.b2),
                             _mm_set1_pd(c.a1), _mm_set1_pd(c.a2), _mm_set1_pd(c.c1),
                             _mm_set1_pd(c.c2)};
        pairs.assign(static_cast<std::size_t>((ch + 1) / 2), zero_pair());
        momentary_nominal_frames = static_cast<std::uint32_t>(boundary(momentary_subblocks));
        short_term_nominal_frames = static_cast<std::uint32_t>(boundary(short_term_subblocks));
        next_boundary = boundary(1);
    }

    // First frame of sub-block k.
    std::uint64_t boundary(std::uint64_t k) const {
        return k * static_cast<std::uint64_t>(rate) / subblocks_per_second;
    }

    void reset() {
        std::fill(pairs.begin(), pairs.end(), zero_pair());
        frames_fed = 0;
        subblocks_done = 0;
        next_boundary = boundary(1);
        sub_energy.fill(0.0);
        sub_frames.fill(0);
        momentary_energy = short_term_energy = 0.0;
        momentary_max = short_term_max = 0.0;
        blocks.clear();
        short_term.clear();
    }

    void filter(AudioView block, std::size_t first, std::size_t n) {
        for (std::size_t p = 0; p < pairs.size(); ++p) {
            const float* a = block.channel(2 * p) + first;
            if (2 * p + 1 < static_cast<std::size_t>(channels)) {
                k_filter<true>(pairs[p], k, a, block.channel(2 * p + 1) + first, n);
            } else {
                k_filter<false>(pairs[p], k, a, nullptr, n);
            }
        }
    }

    // Sum of the last `count` sub-blocks (fewer at the start) and the frames they cover.
    std::pair<double, std::uint64_t> window(std::size_t count) const {
        const std::size_t have = static_cast<std::size_t>(
            std::min<std::uint64_t>(subblocks_done, static_cast<std::uint64_t>(count)));
        double e = 0.0;
        std::uint64_t f = 0;
        for (std::size_t i = 0; i < have; ++i) {
            const std::size_t slot =
                static_cast<std::size_t>((subblocks_done - 1 - i) % short_term_subblocks);
            e += sub_energy[slot];
            f += sub_frames[slot];
        }
        return {e, f};
    }

    void finish_subblock(std::uint32_t frames) {
        double e = 0.0;
        for (std::size_t p = 0; p < pairs.size(); ++p) {
            PairState& s = pairs[p];
            alignas(16) double acc[2];
            _mm_store_pd(acc, s.acc);
            e += weights[2 * p] * acc[0];
            if (2 * p + 1 < static_cast<std::size_t>(channels))
                e += weights[2 * p + 1] * acc[1];
            s.acc = _mm_setzero_pd();
            s.y1 = flush_tiny(s.y1);
            s.y2 = flush_tiny(s.y2);
            s.z1 = flush_tiny(s.z1);
            s.z2 = flush_tiny(s.z2);
        }
        const std::size_t slot = static_cast<std::size_t>(subblocks_done % short_term_subblocks);
        sub_energy[slot] = e;
        sub_frames[slot] = frames;
        ++subblocks_done;

        const auto [me, mf] = window(momentary_subblocks);
        const auto [se, sf] = window(short_term_subblocks);
        const bool full_m = subblocks_done >= momentary_subblocks;
        const bool full_s = subblocks_done >= short_term_subblocks;
        momentary_energy = me / (full_m ? static_cast<double>(mf) : momentary_nominal_frames);
        short_term_energy = se / (full_s ? static_cast<double>(sf) : short_term_nominal_frames);
        if (full_m)
            momentary_max = std::max(momentary_max, momentary_energy);
        if (full_s)
            short_term_max = std::max(short_term_max, short_term_energy);
        if (subblocks_done % step_subblocks == 0) {
            if (full_m)
                blocks.add(momentary_energy);
            if (full_s)
                short_term.add(short_term_energy);
        }
    }

    void add(AudioView block) {
        const std::size_t n = block.frames();
        std::size_t pos = 0;
        while (pos < n) {
            const std::uint64_t left = next_boundary - frames_fed;
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(left, n - pos));
            filter(block, pos, take);
            pos += take;
            frames_fed += take;
            if (frames_fed == next_boundary) {
                const std::uint64_t start = boundary(subblocks_done);
                finish_subblock(static_cast<std::uint32_t>(next_boundary - start));
                next_boundary = boundary(subblocks_done + 1);
            }
        }
    }
};

struct KWeightedEnergy::State {
    std::size_t channels;
    std::vector<double> weights;
    PairCoefficients k;
    std::vector<PairState> pairs;
};

KWeightedEnergy::KWeightedEnergy(int channels, int sample_rate, std::vector<double> weights)
    : state_(std::make_unique<State>()) {
    State& s = *state_;
    s.channels = static_cast<std::size_t>(channels);
    s.weights = std::move(weights);
    s.weights.resize(s.channels + 1, 0.0); // the unused lane of an odd count weighs 0
    const KCoefficients c = k_coefficients(static_cast<double>(sample_rate));
    s.k =
        PairCoefficients{_mm_set1_pd(c.b0), _mm_set1_pd(c.b1), _mm_set1_pd(c.b2), _mm_set1_pd(c.a1),
                         _mm_set1_pd(c.a2), _mm_set1_pd(c.c1), _mm_set1_pd(c.c2)};
    s.pairs.assign((s.channels + 1) / 2, zero_pair());
}
KWeightedEnergy::~KWeightedEnergy() = default;
KWeightedEnergy::KWeightedEnergy(KWeightedEnergy&&) noexcept = default;
KWeightedEnergy& KWeightedEnergy::operator=(KWeightedEnergy&&) noexcept = default;

void KWeightedEnergy::add(AudioView block, std::size_t first, std::size_t n) {
    State& s = *state_;
    for (std::size_t p = 0; p < s.pairs.size(); ++p) {
        const float* a = block.channel(2 * p) + first;
        if (2 * p + 1 < s.channels)
            k_filter<true>(s.pairs[p], s.k, a, block.channel(2 * p + 1) + first, n);
        else
            k_filter<false>(s.pairs[p], s.k, a, nullptr, n);
    }
}

double KWeightedEnergy::take() {
    State& s = *state_;
    double e = 0.0;
    for (std::size_t p = 0; p < s.pairs.size(); ++p) {
        PairState& ps = s.pairs[p];
        alignas(16) double acc[2];
        _mm_store_pd(acc, ps.acc);
        e += s.weights[2 * p] * acc[0] + s.weights[2 * p + 1] * acc[1];
        ps.acc = _mm_setzero_pd();
        ps.y1 = flush_tiny(ps.y1);
        ps.y2 = flush_tiny(ps.y2);
        ps.z1 = flush_tiny(ps.z1);
        ps.z2 = flush_tiny(ps.z2);
    }
    return e;
}

LoudnessMeter::LoudnessMeter(int channels, int sample_rate)
    : LoudnessMeter(channels, sample_rate, default_channel_weights(channels)) {}

LoudnessMeter::LoudnessMeter(int channels, int sample_rate, std::vector<double> channel_weights) {
    // The same limits as the reader's (tapeop/limits.hpp); the caller names the file.
    if (channels < 1 || channels > limits::max_channels)
        throw Error("loudness cannot be measured on " + std::to_string(channels) +
                    " channels (1 to " + std::to_string(limits::max_channels) + ")");
    // The K-weighting shelf sits at 1.68 kHz and must be well below Nyquist.
    if (sample_rate < limits::min_loudness_rate_hz || sample_rate > limits::max_sample_rate_hz)
        throw Error("loudness (BS.1770) cannot be measured at " + std::to_string(sample_rate) +
                    " Hz (" + std::to_string(limits::min_loudness_rate_hz) + " Hz to " +
                    std::to_string(limits::max_sample_rate_hz / 1000) + " kHz)");
    if (channel_weights.size() != static_cast<std::size_t>(channels))
        throw Error("loudness meter: " + std::to_string(channel_weights.size()) +
                    " channel weights for " + std::to_string(channels) + " channels");
    s_ = std::make_unique<State>(channels, sample_rate, std::move(channel_weights));
}

LoudnessMeter::~LoudnessMeter() = default;
LoudnessMeter::LoudnessMeter(LoudnessMeter&&) noexcept = default;
LoudnessMeter& LoudnessMeter::operator=(LoudnessMeter&&) noexcept = default;

void LoudnessMeter::add(AudioView block) {
    if (block.channels() < static_cast<std::size_t>(s_->channels))
        throw Error("loudness meter: block has " + std::to_string(block.channels()) +
                    " channels, meter expects " + std::to_string(s_->channels));
    s_->add(block);
}

void LoudnessMeter::reset() {
    s_->reset();
}

double LoudnessMeter::integrated_lufs() const {
    return integrated_from(s_->blocks);
}
double LoudnessMeter::loudness_range_lu() const {
    return lra_from(s_->short_term);
}
double LoudnessMeter::momentary_max_lufs() const {
    return energy_to_lufs(s_->momentary_max);
}
double LoudnessMeter::short_term_max_lufs() const {
    return energy_to_lufs(s_->short_term_max);
}
double LoudnessMeter::momentary_lufs() const {
    return energy_to_lufs(s_->momentary_energy);
}
double LoudnessMeter::short_term_lufs() const {
    return energy_to_lufs(s_->short_term_energy);
}

double LoudnessMeter::integrated_lufs(std::span<const LoudnessMeter* const> meters) {
    Histogram sum;
    for (const LoudnessMeter* m : meters)
        if (m)
            sum.add(m->s_->blocks);
    return integrated_from(sum);
}

double LoudnessMeter::loudness_range_lu(std::span<const LoudnessMeter* const> meters) {
    Histogram sum;
    for (const LoudnessMeter* m : meters)
        if (m)
            sum.add(m->s_->short_term);
    return lra_from(sum);
}

} // namespace tapeop::analysis
