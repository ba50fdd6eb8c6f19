#include "tapeop/analysis/spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TAPEOP_FFT_AVX 1
#endif

namespace tapeop::analysis {

namespace {

const char* const nominal_names[] = {
    "25",   "31.5",  "40",  "50",  "63",   "80",  "100", "125",   "160",  "200",
    "250",  "315",   "400", "500", "630",  "800", "1k",  "1.25k", "1.6k", "2k",
    "2.5k", "3.15k", "4k",  "5k",  "6.3k", "8k",  "10k", "12.5k", "16k",  "20k"};

void hann(std::vector<double>& w, std::size_t m) {
    // Periodic Hann over m frames (the standard choice for spectral averaging).
    for (std::size_t i = 0; i < w.size(); ++i)
        w[i] = i < m ? 0.5 - 0.5 * std::cos(2.0 * M_PI * double(i) / double(m)) : 0.0;
}

#if defined(__SSE2__)
// The stages of fft() of half-length 1 and 2 (n a multiple of 4), two butterflies at a time
// (for half-length 1, those of two neighbouring groups), the same operations per butterfly as
// the plain loop.
void fft_stage_short(double* re, double* im, const double* wr, const double* wi, std::size_t n,
                     std::size_t half) {
    auto butterflies = [](__m128d w_r, __m128d w_i, __m128d& a_r, __m128d& a_i, __m128d& b_r,
                          __m128d& b_i) {
        const __m128d tr = _mm_sub_pd(_mm_mul_pd(w_r, b_r), _mm_mul_pd(w_i, b_i));
        const __m128d ti = _mm_add_pd(_mm_mul_pd(w_r, b_i), _mm_mul_pd(w_i, b_r));
        b_r = _mm_sub_pd(a_r, tr);
        b_i = _mm_sub_pd(a_i, ti);
        a_r = _mm_add_pd(a_r, tr);
        a_i = _mm_add_pd(a_i, ti);
    };
    if (half == 1) {
        const __m128d w_r = _mm_set1_pd(wr[0]), w_i = _mm_set1_pd(wi[0]);
        for (std::size_t i = 0; i < n; i += 4) {
            const __m128d r0 = _mm_loadu_pd(re + i), r1 = _mm_loadu_pd(re + i + 2);
            const __m128d i0 = _mm_loadu_pd(im + i), i1 = _mm_loadu_pd(im + i + 2);
            __m128d a_r = _mm_unpacklo_pd(r0, r1), b_r = _mm_unpackhi_pd(r0, r1);
            __m128d a_i = _mm_unpacklo_pd(i0, i1), b_i = _mm_unpackhi_pd(i0, i1);
            butterflies(w_r, w_i, a_r, a_i, b_r, b_i);
            _mm_storeu_pd(re + i, _mm_unpacklo_pd(a_r, b_r));
            _mm_storeu_pd(re + i + 2, _mm_unpackhi_pd(a_r, b_r));
            _mm_storeu_pd(im + i, _mm_unpacklo_pd(a_i, b_i));
            _mm_storeu_pd(im + i + 2, _mm_unpackhi_pd(a_i, b_i));
        }
        return;
    }
    const __m128d w_r = _mm_loadu_pd(wr), w_i = _mm_loadu_pd(wi);
    for (std::size_t i = 0; i < n; i += 4) {
        __m128d a_r = _mm_loadu_pd(re + i), b_r = _mm_loadu_pd(re + i + 2);
        __m128d a_i = _mm_loadu_pd(im + i), b_i = _mm_loadu_pd(im + i + 2);
        butterflies(w_r, w_i, a_r, a_i, b_r, b_i);
        _mm_storeu_pd(re + i, a_r);
        _mm_storeu_pd(re + i + 2, b_r);
        _mm_storeu_pd(im + i, a_i);
        _mm_storeu_pd(im + i + 2, b_i);
    }
}
#endif

#if defined(TAPEOP_FFT_AVX)
// One stage of fft() (half-length `half`, a multiple of 4) four butterflies at a time, on
// machines with AVX: the same operations per butterfly as the plain loop (AVX adds and
// multiplies round as SSE2's and the scalar ones do; no fused multiply-add), so the same bits.
__attribute__((target("avx"))) void fft_stage_avx(double* re, double* im, const double* wr,
                                                  const double* wi, std::size_t n,
                                                  std::size_t half) {
    for (std::size_t i = 0; i < n; i += 2 * half) {
        double *ar = re + i, *ai = im + i, *br = re + i + half, *bi = im + i + half;
        for (std::size_t j = 0; j < half; j += 4) {
            const __m256d vwr = _mm256_loadu_pd(wr + j), vwi = _mm256_loadu_pd(wi + j);
            const __m256d vbr = _mm256_loadu_pd(br + j), vbi = _mm256_loadu_pd(bi + j);
            const __m256d var = _mm256_loadu_pd(ar + j), vai = _mm256_loadu_pd(ai + j);
            const __m256d tr = _mm256_sub_pd(_mm256_mul_pd(vwr, vbr), _mm256_mul_pd(vwi, vbi));
            const __m256d ti = _mm256_add_pd(_mm256_mul_pd(vwr, vbi), _mm256_mul_pd(vwi, vbr));
            _mm256_storeu_pd(br + j, _mm256_sub_pd(var, tr));
            _mm256_storeu_pd(bi + j, _mm256_sub_pd(vai, ti));
            _mm256_storeu_pd(ar + j, _mm256_add_pd(var, tr));
            _mm256_storeu_pd(ai + j, _mm256_add_pd(vai, ti));
        }
    }
}

bool has_avx() {
    static const bool yes = __builtin_cpu_supports("avx");
    return yes;
}
#endif

} // namespace

SpectrumCollector::SpectrumCollector(int channels, int sample_rate, std::int64_t expected_frames,
                                     std::uint64_t max_segments, bool mid_side)
    : rate_(sample_rate), mid_side_(mid_side && channels == 2), max_segments_(max_segments) {
    n_ = 1024;
    while (n_ < static_cast<std::size_t>(sample_rate) / 3)
        n_ *= 2;
    expected_ = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::max<std::int64_t>(0, expected_frames)) / n_);
    const auto C = static_cast<std::size_t>(channels);
    if (mid_side_)
        cross_.assign(n_ / 2 + 1, 0.0);
    in_.assign(C, std::vector<float>(n_, 0.0f));
    power_.assign(C, std::vector<double>(n_ / 2 + 1, 0.0));
    window_.assign(n_, 0.0);
    hann(window_, n_);
    for (std::size_t i = 0; i < n_; ++i)
        sum_w2_ += window_[i] * window_[i];
    re_.assign(n_, 0.0);
    im_.assign(n_, 0.0);
    std::vector<std::complex<double>> twiddle(n_ / 2);
    for (std::size_t k = 0; k < n_ / 2; ++k)
        twiddle[k] = std::polar(1.0, -2.0 * M_PI * double(k) / double(n_));
    // Each stage's twiddles in a row (the stage of half-length h uses every (n/2h)-th).
    stage_wr_.resize(n_ - 1);
    stage_wi_.resize(n_ - 1);
    for (std::size_t half = 1; half < n_; half *= 2)
        for (std::size_t j = 0; j < half; ++j) {
            stage_wr_[half - 1 + j] = twiddle[j * (n_ / (2 * half))].real();
            stage_wi_[half - 1 + j] = twiddle[j * (n_ / (2 * half))].imag();
        }
    bitrev_.resize(n_);
    std::size_t bits = 0;
    while ((std::size_t(1) << bits) < n_)
        ++bits;
    for (std::size_t i = 0; i < n_; ++i) {
        std::size_t r = 0;
        for (std::size_t b = 0; b < bits; ++b)
            r |= ((i >> b) & 1u) << (bits - 1 - b);
        bitrev_[i] = r;
    }
}

// Iterative radix-2 decimation in time, in place on re_ and im_, which hold the input in
// bit-reversed order (flush_segment writes it so: one pass, not a pass of swaps across the
// arrays, which misses the cache at every step). Each butterfly computes
// t = w b as (wr br - wi bi, wr bi + wi br), then a + t and a - t: with SSE2 two butterflies at
// once, with AVX four, the same operations in the same order (the same bits as one at a time,
// on any machine).
void SpectrumCollector::fft() {
    // The stages up to half-length fft_block / 2 work within blocks of fft_block points: each
    // block through all of them while it is in the L1 cache, then the longer stages over the
    // whole array (the same butterflies, only independent ones in another order).
    const std::size_t block = std::min(n_, fft_block);
    for (std::size_t b = 0; b < n_; b += block)
        for (std::size_t half = 1; half < block; half *= 2)
            fft_stage(re_.data() + b, im_.data() + b, block, half);
    for (std::size_t half = block; half < n_; half *= 2)
        fft_stage(re_.data(), im_.data(), n_, half);
}

// One stage (half-length `half`) over re[0, n), im[0, n).
void SpectrumCollector::fft_stage(double* re, double* im, std::size_t n, std::size_t half) const {
    const double* wr = stage_wr_.data() + half - 1;
    const double* wi = stage_wi_.data() + half - 1;
#if defined(TAPEOP_FFT_AVX)
    if (half >= 4 && has_avx())
        return fft_stage_avx(re, im, wr, wi, n, half);
#endif
#if defined(__SSE2__)
    if (half <= 2) // the first two stages: two butterflies a step, across groups
        return fft_stage_short(re, im, wr, wi, n, half);
#endif
    for (std::size_t i = 0; i < n; i += 2 * half) {
        double *ar = re + i, *ai = im + i, *br = re + i + half, *bi = im + i + half;
        std::size_t j = 0;
#if defined(__SSE2__)
        for (; j + 2 <= half; j += 2) {
            const __m128d vwr = _mm_loadu_pd(wr + j), vwi = _mm_loadu_pd(wi + j);
            const __m128d vbr = _mm_loadu_pd(br + j), vbi = _mm_loadu_pd(bi + j);
            const __m128d var = _mm_loadu_pd(ar + j), vai = _mm_loadu_pd(ai + j);
            const __m128d tr = _mm_sub_pd(_mm_mul_pd(vwr, vbr), _mm_mul_pd(vwi, vbi));
            const __m128d ti = _mm_add_pd(_mm_mul_pd(vwr, vbi), _mm_mul_pd(vwi, vbr));
            _mm_storeu_pd(br + j, _mm_sub_pd(var, tr));
            _mm_storeu_pd(bi + j, _mm_sub_pd(vai, ti));
            _mm_storeu_pd(ar + j, _mm_add_pd(var, tr));
            _mm_storeu_pd(ai + j, _mm_add_pd(vai, ti));
        }
#endif
        for (; j < half; ++j) {
            const double tr = wr[j] * br[j] - wi[j] * bi[j], ti = wr[j] * bi[j] + wi[j] * br[j];
            const double a_r = ar[j], a_i = ai[j];
            br[j] = a_r - tr;
            bi[j] = a_i - ti;
            ar[j] = a_r + tr;
            ai[j] = a_i + ti;
        }
    }
}

// Segment s of about `expected_` is measured when it starts a new share of max_segments_:
// exactly max_segments_ of them, evenly spread (all when there are not more).
bool SpectrumCollector::measured(std::uint64_t s) const {
    if (max_segments_ == 0 || expected_ <= max_segments_)
        return true;
    return (s + 1) * max_segments_ / expected_ != s * max_segments_ / expected_;
}

void SpectrumCollector::add(AudioView block) {
    std::size_t pos = 0;
    const std::size_t frames = block.frames();
    while (pos < frames) {
        const std::size_t take = std::min(n_ - filled_, frames - pos);
        if (measured(index_))
            for (std::size_t c = 0; c < in_.size(); ++c)
                std::copy_n(block.channel(c) + pos, take, in_[c].data() + filled_);
        filled_ += take;
        pos += take;
        if (filled_ == n_) {
            if (measured(index_))
                flush_segment(n_);
            ++index_;
            filled_ = 0;
        }
    }
}

// Periodograms of the first `frames` pending frames (frames < n_: a short file's only
// segment, windowed over its own length), two channels per complex FFT.
void SpectrumCollector::flush_segment(std::size_t frames) {
    if (frames != n_)
        hann(window_, frames);
    double sum_w2 = sum_w2_; // a full segment's (the constructor's, the same sum)
    if (frames != n_) {
        sum_w2 = 0.0;
        for (std::size_t i = 0; i < frames; ++i)
            sum_w2 += window_[i] * window_[i];
    }
    // Parseval: mean square = sum_k |X_k|^2 / (N sum w^2); one-sided bins count twice.
    const double scale = 1.0 / (double(n_) * sum_w2);
    for (std::size_t c = 0; c < in_.size(); c += 2) {
        const bool pair = c + 1 < in_.size();
        for (std::size_t i = 0; i < n_; ++i) { // in bit-reversed order, for fft()
            const std::size_t r = bitrev_[i];
            re_[i] = window_[r] * in_[c][r];
            im_[i] = pair ? window_[r] * in_[c + 1][r] : 0.0;
        }
        fft();
        // The two channels' spectra from the one FFT: with xk = X[k] and xn = conj(X[n-k]),
        // A = (xk + xn) / 2 and B = -i/2 (xk - xn). Written out in reals, operation for
        // operation as std::complex computes them (a complex product: ac - bd, ad + bc), without
        // its checks for NaN (the samples are finite).
        double* pa = power_[c].data();
        double* pb = pair ? power_[c + 1].data() : nullptr;
        for (std::size_t k = 0; k <= n_ / 2; ++k) {
            const std::size_t m = (n_ - k) % n_;
            const double both = (k == 0 || k == n_ / 2) ? 1.0 : 2.0;
            const double ar = 0.5 * (re_[k] + re_[m]), ai = 0.5 * (im_[k] + -im_[m]);
            pa[k] += both * (ar * ar + ai * ai) * scale;
            if (pair) {
                const double dr = re_[k] - re_[m], di = im_[k] - -im_[m];
                const double br = 0.0 * dr - -0.5 * di, bi = 0.0 * di + -0.5 * dr;
                pb[k] += both * (br * br + bi * bi) * scale;
                if (mid_side_) // Re(X_L conj(X_R)): the FFT is linear, so M = (X_L + X_R) / 2
                    cross_[k] += both * (ar * br + ai * bi) * scale;
            }
        }
    }
    ++segments_;
    if (frames != n_)
        hann(window_, n_);
}

Spectrum SpectrumCollector::finish() {
    if (segments_ == 0 && filled_ > 0 && measured(index_)) {
        for (auto& ch : in_)
            std::fill(ch.begin() + static_cast<std::ptrdiff_t>(filled_), ch.end(), 0.0f);
        flush_segment(filled_);
    }
    Spectrum s;
    const int bands = last_band - first_band + 1;
    for (int b = first_band; b <= last_band; ++b) {
        s.centre_hz.push_back(1000.0 * std::pow(10.0, b / 10.0));
        s.nominal.emplace_back(nominal_names[b - first_band]);
    }
    const double bin_hz = double(rate_) / double(n_);
    // |M|^2 = (|L|^2 + |R|^2 + 2 Re(L R*)) / 4 and |S|^2 = (|L|^2 + |R|^2 - 2 Re(L R*)) / 4,
    // per bin (the power of a sum, from the two channels' spectra and their cross-spectrum).
    std::vector<std::vector<double>> power = power_;
    if (mid_side_)
        for (const double sign : {1.0, -1.0}) {
            std::vector<double> p(n_ / 2 + 1);
            for (std::size_t k = 0; k < p.size(); ++k)
                p[k] = std::max(0.0, 0.25 * (power_[0][k] + power_[1][k] + sign * 2.0 * cross_[k]));
            power.push_back(std::move(p));
        }
    s.db.assign(power.size(), std::vector<double>(static_cast<std::size_t>(bands), 0.0));
    std::vector<int> bins(static_cast<std::size_t>(bands), 0);
    for (std::size_t c = 0; c < power.size(); ++c) {
        std::vector<double> sum(static_cast<std::size_t>(bands), 0.0);
        for (std::size_t k = 1; k <= n_ / 2; ++k) {
            const int b =
                static_cast<int>(std::lround(10.0 * std::log10(double(k) * bin_hz / 1000.0)));
            if (b < first_band || b > last_band)
                continue;
            sum[static_cast<std::size_t>(b - first_band)] += power[c][k];
            if (c == 0)
                ++bins[static_cast<std::size_t>(b - first_band)];
        }
        for (std::size_t b = 0; b < sum.size(); ++b) {
            const double ms = segments_ ? sum[b] / double(segments_) : 0.0;
            const bool above_nyquist = s.centre_hz[b] * std::pow(10.0, 0.05) > rate_ / 2.0;
            s.db[c][b] = (bins[b] == 0 || above_nyquist || !(ms > 0.0))
                             ? -std::numeric_limits<double>::infinity()
                             : 10.0 * std::log10(ms);
        }
    }
    if (mid_side_) {
        s.mid_side_db.assign(s.db.begin() + 2, s.db.end());
        s.db.resize(2);
    }
    return s;
}

} // namespace tapeop::analysis
