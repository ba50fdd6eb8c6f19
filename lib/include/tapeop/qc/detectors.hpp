#pragma once
// Streaming defect detectors for `check`: each is fed planar blocks of any length (results do
// not depend on the block length), keeps a few numbers per channel, never allocates after
// construction, and reports where (frames) and how bad. Thresholds are given by the caller
// (qc::Spec); the defaults and their reasons are in spec.cpp and docs/specs.md.
//
// Conventions: frames count from the start of the file; levels are linear (1.0 = 0 dBFS)
// unless the name says _db; channels count from 0.
#include "tapeop/audio_buffer.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace tapeop::qc {

// Peak and smallest magnitude of each channel of a block: computed once per block and
// shared by the detectors that only look closer when a block could hold what they seek.
class BlockScreen {
  public:
    explicit BlockScreen(std::size_t channels) : peak_(channels), min_abs_(channels) {}
    void compute(AudioView block);
    float peak(std::size_t c) const { return peak_[c]; }
    float min_abs(std::size_t c) const { return min_abs_[c]; } // 0: an exact zero in the block

  private:
    std::vector<float> peak_, min_abs_;
};

// One occurrence of a defect.
struct Event {
    std::int64_t frame = 0;  // where it starts
    int channel = 0;         // -1: all channels / not channel-specific
    double magnitude = 0.0;  // how bad, in the detector's unit (documented per detector)
    std::int64_t length = 0; // frames, where that means something
};

class EventLog;
EventLog merge_events(const EventLog& a, const EventLog& b, std::int64_t tolerance);

// Counts events and keeps the earliest `keep` (and the worst), in constant memory.
class EventLog {
  public:
    explicit EventLog(std::size_t keep = 64);
    void add(const Event& e);
    std::uint64_t count() const { return count_; }
    const std::vector<Event>& earliest() const { return first_; } // sorted by frame, then channel
    const Event& worst() const { return worst_; }                 // largest magnitude (count() > 0)
    std::int64_t total_length() const { return total_length_; }
    std::int64_t longest() const { return longest_; }

  private:
    friend EventLog merge_events(const EventLog& a, const EventLog& b, std::int64_t tolerance);
    std::size_t keep_;
    std::uint64_t count_ = 0;
    std::vector<Event> first_;
    Event worst_{};
    std::int64_t total_length_ = 0;
    std::int64_t longest_ = 0;
};

// Clipping: runs of at least `min_run` consecutive samples with |x| >= `threshold`
// (magnitude: the run's peak, linear), and, for float files, runs of samples over 1.0 of any
// length ("overs": they clip on any conversion to integer).
class ClipDetector {
  public:
    ClipDetector(int channels, float threshold, int min_run, bool float_overs);
    void add(AudioView block, const BlockScreen& screen);
    void add(AudioView block);
    void finish(); // closes runs still open at the end of the file
    const EventLog& clips() const { return clips_; }
    const EventLog& overs() const { return overs_; }

  private:
    struct Channel {
        std::int64_t run_start = 0;
        std::int64_t run_len = 0;
        float run_peak = 0.0f;
    };
    void close(Channel& c, int channel);
    std::vector<Channel> ch_;
    float threshold_;
    std::int64_t min_run_;
    bool float_overs_;
    std::int64_t pos_ = 0;
    EventLog clips_, overs_;
};

// Dropouts: runs of one value held in a channel, between `min_frames` and `max_frames` long,
// with a sample of at least `loud` within `edge_frames` before the run (the waveform is cut:
// a pause in speech or a gated note decays first) and within `resume_frames` after it (a gap
// inside active audio, not the end of a piece; the audio may resume at a quiet point of its
// waveform, or a word's onset, so this side is looser; 0: `edge_frames`). The value is
// usually exact digital zero; a non-zero one (a converter or a stream that holds its last
// sample, a DC level) is a dropout too when the run holds at least 2 samples, the audio changed
// at every one of the `slope_frames` samples before it (a quantized slow waveform, 8-bit bass,
// holds each code for a while, the one before too), and it is no clipped top: within
// `resume_frames` before or after it a sample of the same sign is at least `flat_top_margin`
// times larger (a waveform stopped at a random point goes further), or, at the waveform's
// peak, the audio leaves it by a jump of more than `jump_ratio` times the largest step before
// it and no other top within 2 `resume_frames` holds the same value (a clipping ceiling recurs
// every period; a clipped top is left as smoothly as it was reached). Magnitude: gap length
// in frames.
class DropoutDetector {
  public:
    DropoutDetector(int channels, std::int64_t min_frames, std::int64_t max_frames, float loud,
                    std::int64_t edge_frames, std::int64_t resume_frames = 0);
    void add(AudioView block, const BlockScreen& screen);
    void add(AudioView block);
    const EventLog& dropouts() const { return log_; }
    std::uint64_t held_count() const { return held_; } // of dropouts(), those at a non-zero value

    // 1 dB: quantized peaks of a slowly growing tone differ by an LSB, not by this.
    static constexpr float flat_top_margin = 1.122f;
    static constexpr std::int64_t slope_frames = 8; // samples before a run that must all move
    static constexpr float jump_ratio = 4.0f;       // a flat top left by this many local steps

  private:
    struct Channel {
        float value = 0.0f; // the current run's value
        std::int64_t run_start = 0;
        std::int64_t run_len = 0; // 0: no sample seen yet
        std::int64_t last_loud = -(std::int64_t(1) << 60);
        std::int64_t loud_before = -(std::int64_t(1) << 60); // last loud sample before the run
        // A non-zero run, once it counts: a same-sign sample beyond it before, its value held
        // (two samples) before, the audio changing at each of the `slope_frames` samples
        // before it, and their largest step.
        bool beyond_before = false, recurs_before = false, moving_before = false;
        float step = 0.0f;
        bool pending = false; // a gap waiting for loud audio after it
        bool cand_beyond = false, cand_recurs = false, cand_jump = false, cand_loud = false;
        float cand_value = 0.0f;
        std::int64_t cand_start = 0, cand_len = 0, deadline = 0, decide = 0;
        std::vector<float> past; // the last past.size() samples before the block, a ring
    };
    float past_sample(const Channel& c, const float* x, std::int64_t frame) const;
    void look_before(Channel& c, const float* x) const;
    void close_run(Channel& c, std::int64_t t, float next);
    void scan(Channel& c, int channel, const float* x, std::size_t from, std::size_t to);
    void remember(Channel& c, const float* x, std::size_t n);
    std::vector<Channel> ch_;
    std::int64_t min_, max_, edge_, resume_;
    float loud_;
    std::int64_t pos_ = 0;
    EventLog log_;
    std::uint64_t held_ = 0;
};

// Clicks: the second difference d[n] = x[n] - 2x[n-1] + x[n-2] (a high-pass that turns a
// discontinuity into an impulse) in sub-blocks of ~5 ms. A sub-block is a click when its
// largest |d| is at least `level` and `ratio_db` above the RMS of d in the surrounding
// sub-blocks (median of the 5 around it, so the click itself does not raise the reference),
// and is isolated: at most 4 samples of d reach half that peak, and no other sub-block within
// +-4 (~20 ms) has a peak of d half as large. Music's own transients raise d over many samples
// and neighbouring sub-blocks, and periodic waveforms (a sawtooth bass steps every period), so
// they fail one of the tests. A step next to 16 or more exact zeros of d (the edge of a
// digital-zero gap) is left to the dropout detector.
// Magnitude: dB above the local level.
class ClickDetector {
  public:
    // order 2: d is the second difference (as above); order 4: the fourth difference
    // x[n] - 4x[n-1] + 6x[n-2] - 4x[n-3] + x[n-4], which passes a spike ([1 -4 6 -4 1] a) and
    // attenuates music's own high frequencies far more (gain (2 sin(pi f/fs))^4: -15 dB at
    // 5 kHz against the 2nd difference), so small clicks stand out of dense material; the
    // 2nd difference keeps the clicks whose neighbourhood the 4th order makes busy (a spike on
    // a steep transient). `check` runs these and the top band and merges them (the same click
    // once).
    //
    // order 64: the top band, (1 - z^-1)^64 / 2^64, a binomial high-pass whose gain is -5 dB
    // at 22 kHz and -80 dB at 16 kHz (0.46 and 0.33 fs): a click is white, music's own highs fall
    // off towards fs/2 (recorded air, cymbals, and any source sampled at 44.1 kHz or less), so a
    // click buried under dense hi-hats in the lower bands stands out there. It is computed at
    // every 4th frame (the band is 3 kHz wide; a click's peak reads at most 1.1 dB low). A
    // spike of height a gives a peak of 0.099 a spread over ~11 samples, so the isolation test
    // allows as many, and in time it looks past the click's own response (+-65 samples); the
    // edge of a gap (x constant for 16 samples on one side) is left to the dropout detector.
    ClickDetector(int channels, int sample_rate, double ratio_db, float level, int order = 2);
    void add(AudioView block);
    void finish();
    const EventLog& clicks() const { return log_; }

  private:
    static constexpr std::int64_t reach = 4; // sub-blocks each side for the isolation test
    static constexpr int ring = 2 * reach + 1;
    static constexpr std::size_t zero_run = 16;   // exact zeros of d that mark a gap's edge
    static constexpr std::int64_t edge_slack = 8; // top band: its peak to a gap's edge
    static constexpr int top_order = 64;
    static constexpr std::size_t top_step = 4; // the top band is computed at every 4th frame
    struct Channel {
        std::array<float, 4> hist{}; // previous four samples, the latest first
        // order 64: the previous 64 samples, the oldest first, and x itself (ring x sub-block)
        // for the gap-edge test.
        std::vector<float> tail;
        std::vector<float> x;
        bool started = false;
        std::int64_t index = 0; // sub-blocks completed
        std::size_t fill = 0;   // samples in the current sub-block
        std::vector<float> d;   // ring x sub-block second differences
        std::array<double, ring> energy{};
        std::array<float, ring> peak{};
        std::array<std::size_t, ring> count{};
        std::array<std::int64_t, ring> start{};
        std::int64_t evaluated = 0; // sub-blocks already judged
    };
    void complete(Channel& c, int channel);
    void evaluate(Channel& c, int channel, std::int64_t k, std::int64_t last);
    void top_band(Channel& c, const float* x, float* d, std::size_t n, std::int64_t frame);
    bool isolated_wide(const Channel& c, std::int64_t k, std::int64_t last, std::size_t at,
                       float m) const;
    bool gap_edge_wide(const Channel& c, std::int64_t k, std::int64_t last, std::size_t at) const;
    std::vector<Channel> ch_;
    std::vector<float> scratch_; // order 64: a block with the 64 samples before it
    // Its taps 16..47: the 33 left out sum to 5e-4 of the centre tap, so a 0 dBFS bass line
    // leaks through at -86 dBFS at most (the band's floor under music is higher), at half the
    // cost of all 65.
    static constexpr std::size_t top_skip = 16;
    std::array<float, 32> top_taps_{};
    std::size_t sub_;
    std::size_t near_max_; // samples at half the peak an impulse may have
    double ratio_sq_;
    float level_;
    int order_;
    std::int64_t pos_ = 0;
    EventLog log_;
};

// The events of two logs of the same defect from two detectors, each once: an event of `b`
// within `tolerance` frames of one of `a` in the same channel is the same event. The count is
// exact while both logs hold every event (EventLog's keep); beyond, the duplicates among the
// events not kept cannot be seen and the count is an upper bound.
EventLog merge_events(const EventLog& a, const EventLog& b, std::int64_t tolerance);

// Stereo image of a 2-channel file over 100 ms windows: correlation and mono-sum loss over the
// windows whose RMS reaches `gate` (loud passages), and side-to-mid level over the whole file.
class StereoDetector {
  public:
    StereoDetector(int sample_rate, float gate, double polarity_min, double mono_min_db);
    void add(AudioView block); // uses channels 0 and 1
    // Correlation of L and R over the gated windows (NaN: no window passed the gate).
    double correlation() const;
    // Mono-sum level relative to the stereo level, dB: 10 log10(P((L+R)/2) / ((P(L)+P(R))/2)).
    // 0 for identical channels, -3 for uncorrelated ones, -inf for L = -R.
    double mono_loss_db() const;
    // Side (L-R) level relative to mid (L+R), dB over the whole file; -inf for identical
    // channels, NaN for silence.
    double side_to_mid_db() const;
    std::int64_t first_anticorrelated() const { return first_polarity_; } // frame, -1: none
    std::int64_t first_mono_loss() const { return first_mono_; }

  private:
    std::int64_t window_;
    double gate_power_;
    double polarity_min_, mono_min_;
    std::int64_t pos_ = 0, fill_ = 0;
    double ll_ = 0, rr_ = 0, mm_ = 0, ss_ = 0;     // current window
    double gll_ = 0, grr_ = 0, gmm_ = 0, gss_ = 0; // gated totals
    double tmm_ = 0, tss_ = 0;                     // all windows
    std::int64_t first_polarity_ = -1, first_mono_ = -1;
    void close_window();
};

// Mains hum: a line within +-0.5% of 50 or 60 Hz, steady in frequency and level, present in
// the quiet passages too. The channels' average is decimated to ~2 kHz (box average to ~4 kHz,
// then a [1 2 1]/4 half-band and 2:1), cut in 2 s Hann windows, and measured with Goertzel
// filters. In a window the line is present when the fine grid around the mains frequency
// (+-0.5 Hz in 0.25 Hz steps) peaks inside it, the peak (parabolic interpolation) lies within
// +-0.5%, it is `prominence_db` above the loudest of the bins 1.25-3 Hz away on either side
// (a kick pattern or a bass line makes several lines there; a note 1-2% away peaks at the
// grid's edge) and at least `level` in amplitude. Over the file, the line's own level is the
// first quartile of its windows' amplitudes (music near the line only adds to it) and windows
// more than max_level_spread_db above it (masked by music) are set aside. Hum is reported when
// the rest number at least `min_windows`, with a frequency standard deviation under
// max_frequency_sd_hz and no dip over max_level_spread_db under the level, found in `presence`
// (0..1) of the windows where the music 1.25-3 Hz from the line is `prominence_db` under that
// level (where hum would be seen), and in at least half of the quiet passages (windows
// quiet_below_db under the median window level under ~1 kHz) when the file has any: hum does
// not stop when the music does. Harmonics 2-6 are measured by a second small Goertzel bank at
// exact multiples of each window's measured fundamental (+-0.25 Hz to find the peak, against
// +-1.5 and +-2.5 Hz), listed when prominent in most of the kept windows.
// Memory is constant: histograms of 0.5 dB bins, not lists of windows.
class HumDetector {
  public:
    HumDetector(int channels, int sample_rate, float level, double prominence_db, double presence);
    void add(AudioView block);

    struct Result {
        bool found = false;
        int frequency_hz = 0;        // 50 or 60: the mains family
        double measured_hz = 0.0;    // the fundamental as measured (mean over its windows)
        double amplitude_dbfs = 0.0; // median amplitude of the fundamental where seen at its own
                                     // level (peak dBFS, 0.5 dB steps)
        double presence = 0.0;       // share of the non-silent windows (0..1)
        // Harmonics present in most of those windows, as measured near exact multiples of each
        // window's measured fundamental (mean frequency over the windows where present).
        std::vector<double> harmonics_hz;
        std::int64_t first_frame = -1; // start of the first window where found
    };
    Result result() const;

    static constexpr int max_harmonic = 6;
    static constexpr std::int64_t min_windows = 3;
    static constexpr double max_frequency_sd_hz = 0.1;
    static constexpr double max_level_spread_db = 6.0;
    static constexpr double quiet_below_db = 10.0; // quiet passage: under the median window level

  private:
    static constexpr std::size_t hist_bins = 320; // -160..0 dB in 0.5 dB
    struct Family {
        int base_hz = 0;
        std::size_t fine = 0, floor = 0; // where its filters start in the bank
        std::int64_t present = 0;
        double amplitude_sum = 0.0;
        // By the line's amplitude (0.5 dB bins): its frequency and harmonics, so that the
        // windows where music near the line raised it can be set aside at the end.
        struct ByLevel {
            double hz_sum = 0.0, hz_sq_sum = 0.0;
            std::array<std::int64_t, max_harmonic> harmonic_present{};
            std::array<double, max_harmonic> harmonic_hz_sum{};
        };
        std::array<ByLevel, hist_bins> by_level{};
        std::array<std::int64_t, hist_bins> amplitude_hist{}; // dBFS of the line
        std::array<std::int64_t, hist_bins> floor_hist{};     // dBFS next to the line, all windows
        std::array<std::int64_t, hist_bins> floor_present_hist{}; // ... where the line is found
        std::array<std::int64_t, hist_bins> level_present_hist{}; // window level where found
        std::int64_t first = -1;
    };
    static constexpr std::size_t max_freqs = 48; // Goertzel bank, a multiple of 8
    void push(float y);
    void analyse_window();
    void measure_harmonics(Family::ByLevel& seen, double hz);
    // The windows where the line is seen at the hum's own level (not raised by music).
    struct Sighting {
        std::int64_t windows = 0;
        double amplitude_db = 0.0, hz = 0.0, hz_sd = 0.0, low_db = 0.0;
        std::array<std::int64_t, max_harmonic> harmonic_present{};
        std::array<double, max_harmonic> harmonic_hz_sum{};
    };
    Sighting at_level(const Family& f) const;
    bool steady(const Family& f) const;
    int channels_;
    std::size_t decim_; // first stage (box)
    double rate_d_;     // after both stages
    std::size_t n_;     // decimated samples per window
    std::vector<float> hann_;
    std::vector<float> buf_;       // n_ decimated samples
    std::vector<double> windowed_; // buf_ x hann_, the Goertzel bank's input
    double acc_ = 0.0;             // box sum
    std::size_t acc_fill_ = 0, buf_fill_ = 0;
    float h1_ = 0.0f, h2_ = 0.0f; // half-band history
    bool odd_ = false;
    std::vector<double> freqs_; // Goertzel frequencies
    std::array<double, max_freqs> coef_{};
    std::array<double, max_freqs> power_{};
    float level_;
    double prominence_;
    double presence_;
    std::int64_t pos_ = 0, window_start_ = 0, active_ = 0;
    std::array<std::int64_t, hist_bins> level_hist_{}; // every non-silent window's level (dB)
    std::array<Family, 2> fam_;
};

// Leading and trailing silence: the first and last frame where any channel exceeds `level`.
class SilenceEdges {
  public:
    explicit SilenceEdges(float level) : level_(level) {}
    void add(AudioView block, const BlockScreen& screen);
    void add(AudioView block);
    std::int64_t first_loud() const { return first_; } // -1: never
    std::int64_t last_loud() const { return last_; }
    std::int64_t frames() const { return pos_; }

  private:
    float level_;
    std::int64_t first_ = -1, last_ = -1, pos_ = 0;
};

// Bits a 24-bit file really uses: 24 minus the trailing zero bits common to every sample
// (a 16-bit recording padded to 24 bits uses 16). Samples must be exact k / 2^23 values (as
// io::AudioReader delivers 24-bit PCM).
class BitDepthDetector {
  public:
    void add(AudioView block);
    int used_bits() const; // 0 for digital silence
  private:
    std::uint32_t bits_ = 0;
};

} // namespace tapeop::qc
