// tapeop generate SIGNAL -o OUT [options]: test signals written straight to a file.
#include "common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/format.hpp"
#include "tapeop/units.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

namespace tapeop::cli {
namespace {

// Options as typed: values with units are parsed after CLI11, so that a bad unit is a
// one-line tapeop error naming the option.
struct GenerateOptions {
    std::string signal;
    std::string output;
    std::optional<std::string> freq, to, level, duration, rate, phase, offset, bits;
    std::optional<int> channels;
    std::optional<std::uint64_t> seed;
};

// parse_value, with every error naming the option.
double value(const std::string& text, std::initializer_list<Unit> units, const char* what) {
    try {
        return parse_value(text, units, what);
    } catch (const UsageError& e) {
        if (e.message().find(what) != std::string::npos)
            throw;
        throw UsageError(std::string(what) + ": " + e.message());
    }
}

double parse_level(const std::string& text, gen::SignalKind kind) {
    switch (kind) {
    case gen::SignalKind::music:
    case gen::SignalKind::dialogue:
        return value(text, {Unit::LUFS}, "--level");
    default:
        return value(text, {Unit::dBFS, Unit::dB}, "--level");
    }
}

gen::SignalSpec spec_from(const GenerateOptions& o) {
    const gen::SignalKind kind = gen::parse_kind(o.signal);
    gen::SignalSpec s = gen::default_spec(kind);
    if (o.freq)
        s.frequency_hz = value(*o.freq, {Unit::Hz, Unit::kHz}, "--freq");
    if (o.to)
        s.end_frequency_hz = value(*o.to, {Unit::Hz, Unit::kHz}, "--to");
    if (o.level)
        s.level_dbfs = parse_level(*o.level, kind);
    // "--duration 48000samples" means frames, which needs the rate: resolved below.
    std::optional<double> duration_frames;
    if (o.duration) {
        const double v = value(*o.duration, {Unit::s, Unit::ms, Unit::samples}, "--duration");
        if (parse_quantity(*o.duration).unit == Unit::samples)
            duration_frames = v;
        else
            s.duration_s = v;
    }
    if (o.rate) {
        const double hz = value(*o.rate, {Unit::Hz, Unit::kHz}, "--rate");
        if (hz != std::floor(hz) || hz < 1000 || hz > 768000)
            throw UsageError("--rate " + *o.rate +
                             ": expected a whole number of Hz from 1000 to 768000");
        s.sample_rate = static_cast<int>(hz);
    }
    if (duration_frames) {
        if (*duration_frames < 0 || *duration_frames != std::floor(*duration_frames))
            throw UsageError("--duration " + *o.duration + ": expected a whole number of samples");
        s.duration_s = *duration_frames / s.sample_rate;
    }
    // Keep the sweep's default end below Nyquist at low rates.
    if (kind == gen::SignalKind::sweep && !o.to && s.end_frequency_hz >= s.sample_rate / 2.0)
        s.end_frequency_hz = 0.45 * s.sample_rate;
    if (o.channels)
        s.channels = *o.channels;
    if (o.phase) {
        const Quantity q{value(*o.phase, {Unit::none, Unit::dB}, "--phase"),
                         parse_quantity(*o.phase).unit};
        if (q.unit != Unit::none)
            throw UsageError("--phase " + *o.phase + ": expected a plain number of degrees");
        s.phase_deg = q.value;
    }
    if (o.seed)
        s.seed = *o.seed;
    if (o.offset)
        s.offset_db = value(*o.offset, {Unit::dB, Unit::LU}, "--offset-db");
    if (s.duration_s < 0)
        throw UsageError("--duration must not be negative");
    if (s.duration_s * s.sample_rate > 0x1.0p40)
        throw UsageError("--duration is too long");
    return s;
}

int run_generate(const GenerateOptions& o, const GlobalOptions& g) {
    const gen::SignalSpec s = spec_from(o);
    gen::validate(s);
    const io::Container& container = io::container_for_path(o.output);
    std::optional<io::SampleFormat> requested;
    if (o.bits)
        requested = io::parse_bits(*o.bits);
    // Generated audio is exact float; integer containers default to 24-bit.
    const io::SampleFormat format = io::output_sample_format(
        container, requested ? *requested : io::SampleFormat::pcm24, requested, o.output);
    io::ensure_parent_folder(o.output);
    const std::uint64_t clipped = gen::generate_to_file(s, o.output, format);
    const std::int64_t frames = gen::total_frames(s);

    if (g.json) {
        auto out = json_envelope();
        out["output"] = o.output;
        out["signal"] = gen::kind_name(s.kind);
        out["format"] = container.name;
        out["subtype"] = io::sample_format_name(format);
        out["sample_rate"] = s.sample_rate;
        out["channels"] = s.channels;
        out["frames"] = frames;
        out["duration_s"] = double(frames) / s.sample_rate;
        out["clipped_samples"] = clipped;
        print_json(out);
    } else if (!g.quiet) {
        std::printf("%s: %s, %d Hz, %d ch, %s, %s\n", o.output.c_str(),
                    std::string(gen::kind_name(s.kind)).c_str(), s.sample_rate, s.channels,
                    std::string(io::sample_format_name(format)).c_str(),
                    format_timestamp(double(frames) / s.sample_rate).c_str());
    }
    if (clipped > 0 && !g.json)
        std::cerr << "tapeop: warning: " << clipped
                  << " samples were at or over full scale and were clamped to the largest code in "
                  << o.output << "\n";
    return 0;
}

} // namespace

void register_generate(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<GenerateOptions>();
    auto* sub =
        app.add_subcommand("generate", "Write a test signal: tone, sweep, noise, music, dialogue");
    sub->footer(
        "Signals:\n"
        "  sine      a pure tone (default 997 Hz: it never lines up with the sample rate, so\n"
        "            every sample value occurs)\n"
        "  sweep     a logarithmic sine sweep from --freq to --to (default 20 Hz to 20 kHz)\n"
        "  white     white noise, Gaussian; --level is its RMS level\n"
        "  pink      pink noise (-3 dB per octave, like a speaker-calibration signal); RMS level\n"
        "  silence   digital silence\n"
        "  square    a hard-edged square wave, not band-limited: its true peak runs over its\n"
        "            sample peak, which is what it is for (limiter and meter torture tests)\n"
        "  music     a 120 BPM pop-like arrangement in stereo: pad, lead, bass, kick, hi-hats,\n"
        "            quieter verses and louder choruses (loudness range about 8 LU); --level\n"
        "            sets its integrated loudness, approximately (default -20 LUFS)\n"
        "  dialogue  two talkers taking turns with pauses of room noise; --level sets talker A's\n"
        "            loudness, approximately (default -23 LUFS); --offset-db sets talker B\n"
        "            relative to A (default -6 dB)\n"
        "Noise, music and dialogue are seeded: the same --seed gives the same file, bit for bit.\n"
        "Examples:\n"
        "  tapeop generate sine -o tone.wav --freq 1kHz --level -18dBFS --duration 30s\n"
        "  tapeop generate pink -o pink.flac --level -20 --channels 1\n"
        "  tapeop generate music -o song.wav --level -16LUFS --duration 180s\n"
        "  tapeop generate sweep -o sweep.wav --freq 20 --to 20kHz --level -6 --channels 1\n");
    sub->add_option("signal", o->signal, "What to generate: " + gen::known_kinds())->required();
    sub->add_option("-o,--output", o->output,
                    "Output file; the format follows the extension (" + io::known_extensions() +
                        ")")
        ->required();
    sub->add_option("--freq", o->freq,
                    "Frequency of a sine or square, start of a sweep: 440, 1kHz (default 997 Hz; "
                    "sweep 20 Hz)");
    sub->add_option("--to", o->to, "End frequency of a sweep (default 20 kHz)");
    sub->add_option("--level", o->level,
                    "Level: peak dBFS for tones and sweeps, RMS dBFS for noise, approximate "
                    "integrated LUFS for music and dialogue (default -20; dialogue -23)");
    sub->add_option("--duration", o->duration,
                    "Length: 10, 10s, 500ms or 48000samples (default 10 s)");
    sub->add_option("--rate", o->rate, "Sample rate: 48000, 44.1kHz (default 48 kHz)");
    sub->add_option("--channels", o->channels, "Number of channels (default 2)")
        ->check(CLI::Range(1, 64));
    sub->add_option("--phase", o->phase,
                    "Starting phase in degrees for sine, square and sweep (90: start at the peak)");
    sub->add_option(
        "--seed", o->seed,
        "Seed for noise, music and dialogue; change it for a different take (default 1)");
    sub->add_option("--offset-db", o->offset,
                    "Dialogue: talker B relative to talker A, in dB (default -6)");
    sub->add_option("--bits", o->bits,
                    "Sample format: 16, 24, 32 or float (default 24 for WAV/FLAC/AIFF; "
                    "FLAC holds 16 or 24)");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_generate(*o, ctx.global); }; });
}

} // namespace tapeop::cli
