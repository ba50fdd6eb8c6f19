#include "tapeop/analysis/true_peak.hpp"

#include "tapeop/dsp/float_kernels.hpp"
#include "tapeop/error.hpp"
#include "tapeop/limits.hpp"

#include <emmintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

namespace tapeop::analysis {

namespace {

// ITU-R BS.1770-4 Annex 2, Table 1 (48-tap, 4-phase interpolating filter), phases 0 and 1.
// Phases 2 and 3 are phases 1 and 0 reversed (the 48-tap filter is symmetric). All values are
// multiples of 2^-13, exact in float.
constexpr double phase0[12] = {0.0017089843750,  0.0109863281250,  -0.0196533203125,
                               0.0332031250000,  -0.0594482421875, 0.1373291015625,
                               0.9721679687500,  -0.1022949218750, 0.0476074218750,
                               -0.0266113281250, 0.0148925781250,  -0.0083007812500};
constexpr double phase1[12] = {-0.0291748046875, 0.0292968750000,  -0.0517578125000,
                               0.0891113281250,  -0.1665039062500, 0.4650878906250,
                               0.7797851562500,  -0.2003173828125, 0.1015625000000,
                               -0.0582275390625, 0.0330810546875,  -0.0189208984375};

constexpr std::size_t H = Oversampler4x::history; // 11
constexpr std::size_t half = 6;

// With v_j = x[n - j]: S_j = v_j + v_(11-j), D_j = v_j - v_(11-j) (j < 6), and for a phase h
// and its reverse: sum h_j v_j = E + O, sum h_(11-j) v_j = E - O, where
// E = sum e_j S_j, O = sum o_j D_j, e_j = (h_j + h_(11-j)) / 2, o_j = (h_j - h_(11-j)) / 2.
// Half the multiplies of the direct form; e_j, o_j stay exact in float.
struct alignas(16) SymmetricTaps {
    __m128 e03[half], o03[half]; // phases 0 and 3
    __m128 e12[half], o12[half]; // phases 1 and 2
    SymmetricTaps() {
        for (std::size_t j = 0; j < half; ++j) {
            e03[j] = _mm_set1_ps(static_cast<float>((phase0[j] + phase0[H - j]) / 2));
            o03[j] = _mm_set1_ps(static_cast<float>((phase0[j] - phase0[H - j]) / 2));
            e12[j] = _mm_set1_ps(static_cast<float>((phase1[j] + phase1[H - j]) / 2));
            o12[j] = _mm_set1_ps(static_cast<float>((phase1[j] - phase1[H - j]) / 2));
        }
    }
};

const SymmetricTaps& taps() {
    static const SymmetricTaps t;
    return t;
}

struct Outputs {
    __m128 e03, o03, e12, o12;
};

// The four outputs' E and O for samples x[0..3] (x[-11..3] readable), lane i = sample i.
inline Outputs kernel(const SymmetricTaps& t, const float* x) {
    __m128 s[half], d[half];
    for (std::size_t j = 0; j < half; ++j) {
        const __m128 a = _mm_loadu_ps(x - j);
        const __m128 b = _mm_loadu_ps(x - (H - j));
        s[j] = _mm_add_ps(a, b);
        d[j] = _mm_sub_ps(a, b);
    }
    Outputs r;
    r.e03 = _mm_mul_ps(t.e03[0], s[0]);
    r.o03 = _mm_mul_ps(t.o03[0], d[0]);
    r.e12 = _mm_mul_ps(t.e12[0], s[0]);
    r.o12 = _mm_mul_ps(t.o12[0], d[0]);
    for (std::size_t j = 1; j < half; ++j) {
        r.e03 = _mm_add_ps(r.e03, _mm_mul_ps(t.e03[j], s[j]));
        r.o03 = _mm_add_ps(r.o03, _mm_mul_ps(t.o03[j], d[j]));
        r.e12 = _mm_add_ps(r.e12, _mm_mul_ps(t.e12[j], s[j]));
        r.o12 = _mm_add_ps(r.o12, _mm_mul_ps(t.o12[j], d[j]));
    }
    return r;
}

inline __m128 abs_ps(__m128 v) {
    return _mm_and_ps(v, _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff)));
}

inline float horizontal_max(__m128 v) {
    v = _mm_max_ps(v, _mm_shuffle_ps(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm_max_ps(v, _mm_shuffle_ps(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtss_f32(v);
}

// The last r < 4 samples, copied with their history into a zero-padded buffer so the kernel
// can read whole vectors; `keep` lanes of the result are valid.
struct Tail {
    alignas(16) float buf[H + 4 + 1] = {};
    const float* x() const { return buf + H; }
    Tail(const float* in, std::size_t r) { std::memcpy(buf, in - H, (H + r) * sizeof(float)); }
};

// max over n of max_p |y_p(n)|: the phases in their mirrored pairs (0, 3) and (1, 2), folded
// (dsp/float_kernels.hpp, AVX where the CPU has it): the values of kernel() above, the same
// bits (max(|E + O|, |E - O|) = (|2E| + |2O|) / 2 = |E| + |O| exactly, the folded taps being exact
// in float).
// The folded taps of the mirrored pairs (0, 3) and (1, 2): e = h_p + h_q, o = h_p - h_q.
const std::array<std::array<float, half>, 4>& folded_taps() {
    static const auto folded = [] {
        std::array<std::array<float, half>, 4> f{};
        for (std::size_t j = 0; j < half; ++j) {
            f[0][j] = static_cast<float>(phase0[j] + phase0[H - j]);
            f[1][j] = static_cast<float>(phase0[j] - phase0[H - j]);
            f[2][j] = static_cast<float>(phase1[j] + phase1[H - j]);
            f[3][j] = static_cast<float>(phase1[j] - phase1[H - j]);
        }
        return f;
    }();
    return folded;
}

// out[n] = max(out[n], max_p |y_p(n)|): the phases in their mirrored pairs (0, 3) and (1, 2),
// folded (dsp/float_kernels.hpp, AVX where the CPU has it): the values of kernel() above, the
// same bits (max(|E + O|, |E - O|) = (|2E| + |2O|) / 2 = |E| + |O| exactly, the folded taps
// being exact in float).
void frame_peaks_impl(const float* in, std::size_t frames, float* out) {
    const auto& folded = folded_taps();
    const dsp::kernels::FloatKernels& k = dsp::kernels::float_kernels();
    k.mirrored_peaks(in, frames, folded[0].data(), folded[1].data(), half, out);
    k.mirrored_peaks(in, frames, folded[2].data(), folded[3].data(), half, out);
}

// max over n of max_p |y_p(n)|.
float max_abs_impl(const float* in, std::size_t frames) {
    const dsp::kernels::FloatKernels& k = dsp::kernels::float_kernels();
    constexpr std::size_t piece = 256;
    float peaks[piece];
    float m = 0.0f;
    for (std::size_t at = 0; at < frames; at += piece) {
        const std::size_t n = std::min(piece, frames - at);
        std::fill_n(peaks, n, 0.0f);
        frame_peaks_impl(in + at, n, peaks);
        m = std::max(m, k.max_abs(peaks, n));
    }
    return m;
}

float sample_max_abs(const float* x, std::size_t n) {
    __m128 m = _mm_setzero_ps();
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        m = _mm_max_ps(m, abs_ps(_mm_loadu_ps(x + i)));
    float r = horizontal_max(m);
    for (; i < n; ++i)
        r = std::max(r, std::fabs(x[i]));
    return r;
}

double to_db(double linear) {
    return linear > 0.0 ? 20.0 * std::log10(linear) : -std::numeric_limits<double>::infinity();
}

// Outputs per skip decision: small enough to skip around short loud spots, large enough that
// the window maximum costs little per sample.
constexpr std::size_t skip_span = 32;

} // namespace

const std::array<double, 48>& Oversampler4x::coefficients() {
    static const std::array<double, 48> h = [] {
        std::array<double, 48> a{};
        for (std::size_t j = 0; j < 12; ++j) {
            a[0 + 4 * j] = phase0[j];
            a[1 + 4 * j] = phase1[j];
            a[2 + 4 * j] = phase1[H - j];
            a[3 + 4 * j] = phase0[H - j];
        }
        return a;
    }();
    return h;
}

double Oversampler4x::max_phase_gain() {
    static const double g = [] {
        double best = 0.0;
        for (const double* p : {phase0, phase1}) {
            double s = 0.0;
            for (std::size_t j = 0; j < 12; ++j)
                s += std::fabs(p[j]);
            best = std::max(best, s);
        }
        return best;
    }();
    return g;
}

void Oversampler4x::process(const float* in, std::size_t frames, float* out) {
    const SymmetricTaps& t = taps();
    alignas(16) float y[4][4];
    for (std::size_t n = 0; n < frames; n += 4) {
        const std::size_t keep = std::min<std::size_t>(4, frames - n);
        const Outputs o = keep == 4 ? kernel(t, in + n) : kernel(t, Tail(in + n, keep).x());
        _mm_store_ps(y[0], _mm_add_ps(o.e03, o.o03));
        _mm_store_ps(y[1], _mm_add_ps(o.e12, o.o12));
        _mm_store_ps(y[2], _mm_sub_ps(o.e12, o.o12));
        _mm_store_ps(y[3], _mm_sub_ps(o.e03, o.o03));
        for (std::size_t i = 0; i < keep; ++i)
            for (std::size_t p = 0; p < 4; ++p)
                out[4 * (n + i) + p] = y[p][i];
    }
}

float Oversampler4x::max_abs(const float* in, std::size_t frames) {
    return max_abs_impl(in, frames);
}

void Oversampler4x::frame_peaks(const float* in, std::size_t frames, float* out) {
    frame_peaks_impl(in, frames, out);
}

TruePeakMeter::TruePeakMeter(int channels, int /*sample_rate*/) : channels_(channels) {
    // The same limit as the reader's (tapeop/limits.hpp); the caller names the file.
    if (channels < 1 || channels > limits::max_channels)
        throw Error("true peak cannot be measured on " + std::to_string(channels) +
                    " channels (1 to " + std::to_string(limits::max_channels) + ")");
    const auto n = static_cast<std::size_t>(channels);
    history_.assign(n, std::vector<float>(H, 0.0f));
    peak_.assign(n, 0.0);
    sample_peak_.assign(n, 0.0);
    window_peak_.assign(n, 0.0);
    window_sample_peak_.assign(n, 0.0);
    scratch_.assign(H + chunk_frames + 8, 0.0f);
}

void TruePeakMeter::reset() {
    for (auto& h : history_)
        std::fill(h.begin(), h.end(), 0.0f);
    std::fill(peak_.begin(), peak_.end(), 0.0);
    std::fill(sample_peak_.begin(), sample_peak_.end(), 0.0);
    start_window();
}

void TruePeakMeter::start_window() {
    std::fill(window_peak_.begin(), window_peak_.end(), 0.0);
    std::fill(window_sample_peak_.begin(), window_sample_peak_.end(), 0.0);
}

void TruePeakMeter::add(AudioView block) {
    if (block.channels() < static_cast<std::size_t>(channels_))
        throw Error("true-peak meter: block has " + std::to_string(block.channels()) +
                    " channels, meter expects " + std::to_string(channels_));
    for (std::size_t c = 0; c < static_cast<std::size_t>(channels_); ++c)
        add_channel(c, block.channel(c), block.frames());
}

void TruePeakMeter::add_channel(std::size_t c, const float* x, std::size_t frames) {
    // Bound on |interpolated| over a window, with a margin far above float rounding (12 terms
    // of relative error 2^-24 each): a skipped output can never exceed the running peak.
    const double gain = Oversampler4x::max_phase_gain() * (1.0 + 1e-5);
    float* s = scratch_.data();
    std::vector<float>& hist = history_[c];
    double& peak = window_peak_[c];
    for (std::size_t pos = 0; pos < frames;) {
        const std::size_t m = std::min(chunk_frames, frames - pos);
        std::memcpy(s, hist.data(), H * sizeof(float));
        std::memcpy(s + H, x + pos, m * sizeof(float));
        std::memset(s + H + m, 0, 8 * sizeof(float)); // window reads may run 4 past the end

        const double sp = sample_max_abs(s + H, m);
        window_sample_peak_[c] = std::max(window_sample_peak_[c], sp);
        peak = std::max(peak, sp);

        if (!fast_path_) {
            peak = std::max(peak, static_cast<double>(max_abs_impl(s + H, m)));
        } else {
            for (std::size_t b = 0; b < m; b += skip_span) {
                const std::size_t len = std::min(skip_span, m - b);
                // Inputs of outputs b .. b+len-1: s[b .. b+len+H), rounded up to whole vectors
                // (the extra samples only loosen the bound).
                __m128 w = _mm_setzero_ps();
                for (std::size_t i = b; i < b + len + H; i += 4)
                    w = _mm_max_ps(w, abs_ps(_mm_loadu_ps(s + i)));
                const double bound = static_cast<double>(horizontal_max(w)) * gain;
                if (bound <= peak)
                    continue;
                peak = std::max(peak, static_cast<double>(max_abs_impl(s + H + b, len)));
            }
        }
        std::memcpy(hist.data(), s + m, H * sizeof(float));
        pos += m;
    }
    peak_[c] = std::max(peak_[c], peak);
    sample_peak_[c] = std::max(sample_peak_[c], window_sample_peak_[c]);
}

double TruePeakMeter::true_peak(int channel) const {
    return peak_.at(static_cast<std::size_t>(channel));
}
double TruePeakMeter::true_peak() const {
    return *std::max_element(peak_.begin(), peak_.end());
}
double TruePeakMeter::true_peak_dbtp(int channel) const {
    return to_db(true_peak(channel));
}
double TruePeakMeter::true_peak_dbtp() const {
    return to_db(true_peak());
}
double TruePeakMeter::sample_peak(int channel) const {
    return sample_peak_.at(static_cast<std::size_t>(channel));
}
double TruePeakMeter::sample_peak() const {
    return *std::max_element(sample_peak_.begin(), sample_peak_.end());
}

} // namespace tapeop::analysis
