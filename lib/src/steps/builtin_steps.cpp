// Every built-in step, declared once: the recipe parser, the CLI subcommands' options and help,
// and `tapeop steps` read these declarations. Processor factories live in step_factories.cpp.
#include "tapeop/steps/registry.hpp"

namespace tapeop::steps {
namespace {

using U = Unit;
constexpr double big = 1e300;

ParamSpec number(std::string key, std::vector<Unit> units, double def, double min, double max,
                 std::string help, bool required = false) {
    ParamSpec p;
    p.key = std::move(key);
    p.type = ParamType::number;
    p.units = std::move(units);
    p.default_value = def;
    p.min = min;
    p.max = max;
    p.help = std::move(help);
    p.required = required;
    return p;
}

// A parameter that is unset unless given (its default is only a placeholder).
ParamSpec optional(ParamSpec p) {
    p.optional = true;
    return p;
}

ParamSpec choice(std::string key, std::vector<std::string> choices, std::string def,
                 std::string help) {
    ParamSpec p;
    p.key = std::move(key);
    p.type = ParamType::choice;
    p.choices = std::move(choices);
    p.default_text = std::move(def);
    p.help = std::move(help);
    return p;
}

ParamSpec text(std::string key, std::string def, std::string help, bool required = false) {
    ParamSpec p;
    p.key = std::move(key);
    p.type = ParamType::text;
    p.default_text = std::move(def);
    p.help = std::move(help);
    p.required = required;
    return p;
}

ParamSpec flag(std::string key, bool def, std::string help) {
    ParamSpec p;
    p.key = std::move(key);
    p.type = ParamType::flag;
    p.default_value = def ? 1.0 : 0.0;
    p.min = 0;
    p.max = 1;
    p.help = std::move(help);
    return p;
}

StepSpec step(std::string name, std::string summary, std::vector<ParamSpec> params,
              std::vector<std::string> positional = {}) {
    StepSpec s;
    s.name = std::move(name);
    s.summary = std::move(summary);
    s.params = std::move(params);
    s.positional = std::move(positional);
    return s;
}

StepSpec of_kind(StepKind kind, StepSpec s) {
    s.kind = kind;
    return s;
}

} // namespace

void add_processor_factories(Registry& registry); // step_factories.cpp

namespace {

Registry make_builtin_registry() {
    Registry r;
    // --- processing steps (per-file or per-stem chains, and the bus after mix) ---
    r.add(step("gain", "Change the level by a fixed amount",
               {number("db", {U::dB}, 0, -120, 60, "gain in dB", true)}, {"db"}));
    r.add(step("highpass", "High-pass filter (Butterworth, 12/24/48 dB per octave)",
               {number("freq", {U::Hz, U::kHz}, 0, 5, 24000, "corner frequency (-3 dB)", true),
                choice("slope", {"12", "24", "48"}, "12", "dB per octave")},
               {"freq"}));
    r.add(step("lowpass", "Low-pass filter (Butterworth, 12/24/48 dB per octave)",
               {number("freq", {U::Hz, U::kHz}, 0, 20, 96000, "corner frequency (-3 dB)", true),
                choice("slope", {"12", "24", "48"}, "12", "dB per octave")},
               {"freq"}));
    r.add(
        step("eq", "One EQ band (RBJ cookbook): peak, low or high shelf, notch",
             {choice("type", {"peak", "lowshelf", "highshelf", "notch"}, "peak", "band shape"),
              number("freq", {U::Hz, U::kHz}, 1000, 10, 24000, "centre or corner frequency", true),
              number("gain", {U::dB}, 0, -30, 30, "boost or cut (not for notch)"),
              number("q", {}, 0.7071, 0.1, 30, "bandwidth as Q (shelves: slope as Q)")},
             {"type", "freq", "gain"}));
    r.add(
        step("compress",
             "Feed-forward compressor with soft knee; channels linked (the image never moves)",
             {number("threshold", {U::dBFS, U::dB}, -20, -80, 0, "level where compression starts"),
              number("ratio", {}, 2, 1, 100, "input:output ratio above the threshold"),
              number("knee", {U::dB}, 6, 0, 24, "soft-knee width"),
              number("attack", {U::ms, U::s}, 10, 0.01, 1000, "attack time"),
              number("release", {U::ms, U::s}, 150, 1, 5000, "release time"),
              number("makeup", {U::dB}, 0, -24, 48, "gain after compression")},
             {"threshold"}));
    r.add(step(
        "limit", "Look-ahead true-peak limiter (never over the ceiling)",
        {number("ceiling", {U::dBTP, U::dBFS, U::dB}, -1, -30, 0, "true-peak ceiling"),
         number("lookahead", {U::ms, U::s}, 2, 0.5, 20, "look-ahead (adds no delay to the output)"),
         number("release", {U::ms, U::s}, 80, 1, 2000, "release time")},
        {"ceiling"}));
    r.add(step("fade", "Fade in and/or out",
               {number("in", {U::s, U::ms}, 0, 0, 3600, "fade-in length"),
                number("out", {U::s, U::ms}, 0, 0, 3600, "fade-out length"),
                choice("curve", {"linear", "equal-power", "log"}, "equal-power", "fade shape")},
               {}));
    r.add(of_kind(
        StepKind::pass,
        step("dither", "TPDF dither when the output is 16- or 24-bit integer (seeded)",
             {choice("type", {"tpdf", "shaped", "none"}, "tpdf",
                     "plain TPDF, noise-shaped TPDF, or none"),
              number("seed", {}, 1, 0, 4294967295.0, "noise seed (same seed, same output)")},
             {"type"})));
    // --- whole-file passes (measured first, then rendered) ---
    r.add(of_kind(StepKind::pass,
                  step("loudness",
                       "Reach a loudness target with a true-peak ceiling (gain + limiter, iterated "
                       "and verified)",
                       {number("target", {U::LUFS}, -14, -70, 0, "integrated loudness target"),
                        number("ceiling", {U::dBTP}, -1, -30, 0, "true-peak ceiling"),
                        number("tolerance", {U::LU}, 0.1, 0.01, 2, "how close to the target")},
                       {"target"})));
    r.add(of_kind(
        StepKind::pass,
        step("normalize", "Pure gain to a peak, true-peak, RMS or loudness level",
             {choice("mode", {"peak", "true-peak", "rms", "lufs"}, "lufs", "what to measure"),
              number("level", {U::dBFS, U::dBTP, U::LUFS, U::dB}, -23, -100, 0,
                     "the level to reach", true),
              optional(number("ceiling", {U::dBTP}, 0, -30, 0,
                              "true-peak limit after the gain (limiter), when given"))},
             {"mode", "level"})));
    r.add(of_kind(
        StepKind::pass,
        step("trim", "Trim silence at head and tail, or cut by times",
             {number("silence", {U::dBFS}, -60, -140, 0, "threshold below which audio is silence"),
              number("pad", {U::s, U::ms}, 0.2, 0, 60, "silence kept around the audio"),
              optional(number("start", {U::s, U::ms}, 0, 0, big,
                              "cut from here (instead of detecting)")),
              optional(number("end", {U::s, U::ms}, 0, 0, big, "cut up to here")),
              optional(number("duration", {U::s, U::ms}, 0, 0, big, "length from start")),
              number("fade_in", {U::s, U::ms}, 0, 0, 3600, "fade-in over the kept part"),
              number("fade_out", {U::s, U::ms}, 0, 0, 3600, "fade-out over the kept part"),
              choice("curve", {"linear", "equal-power", "log"}, "linear", "fade shape")},
             {})));
    r.add(of_kind(
        StepKind::pass,
        step("split", "Split a recording into takes at silences",
             {number("silence", {U::dBFS}, -60, -140, 0, "threshold below which audio is silence"),
              number("pad", {U::s, U::ms}, 0.2, 0, 60, "silence kept around each take"),
              number("min_gap", {U::s, U::ms}, 2, 0.01, 3600,
                     "shortest silence that separates takes"),
              number("min_take", {U::s, U::ms}, 0, 0, 3600, "shorter bursts of audio are dropped"),
              number("fade_in", {U::s, U::ms}, 0, 0, 3600, "fade-in of each take"),
              number("fade_out", {U::s, U::ms}, 0, 0, 3600, "fade-out of each take"),
              choice("curve", {"linear", "equal-power", "log"}, "linear", "fade shape")},
             {})));
    r.add(of_kind(
        StepKind::set,
        step("gainstage",
             "Conform stems for a mix: one rate and format, DC removed, levels set, same length",
             {text("target", "rms:-18", "rms:LEVEL, peak:LEVEL or lufs:LEVEL"),
              number("max_peak", {U::dBFS}, -6, -100, 0,
                     "highest sample peak after the gain (rms and lufs targets)"),
              number("silence", {U::dBFS}, -60, -140, 0,
                     "stems peaking under this are left unchanged"),
              flag("dc", true, "remove DC offset")},
             {})));
    r.add(
        of_kind(StepKind::pass,
                step("convert", "Sample rate (libsoxr, very high quality) and channel layout",
                     {number("rate", {U::Hz, U::kHz}, 0, 0, 768000, "output sample rate (0: keep)"),
                      choice("channels", {"keep", "mono", "stereo"}, "keep", "fold down or up")},
                     {})));
    r.add(step(
        "level", "Slow, gated speech leveler: evens out voices without pumping up pauses",
        {number("target", {U::LUFS}, -18, -50, -6, "speech level to hold"),
         number("max_gain", {U::dB}, 12, 0, 30, "most gain added to quiet passages"),
         number("max_cut", {U::dB}, 12, 0, 30, "most gain removed from loud passages"),
         number("gate", {U::LUFS}, -50, -90, -20, "below this, audio is a pause: the gain holds"),
         number("speed", {U::s, U::ms}, 0.25, 0.05, 30,
                "how fast the gain follows (the window makes it slow)"),
         number("window", {U::s, U::ms}, 1.5, 0.2, 30,
                "level window, centred (half is look-ahead)")},
        {}));
    // --- statements with settings (validated and documented like steps) ---
    r.add(of_kind(StepKind::statement,
                  step("stem", "A stem of a mix session (its chain is indented below it)",
                       {number("gain", {U::dB}, 0, -120, 24, "stem level"),
                        text("pan", "C", "L100..C..R100 (constant power)"),
                        flag("mute", false, "leave out of the mix"),
                        flag("solo", false, "only soloed stems are mixed"),
                        choice("polarity", {"normal", "invert"}, "normal", "flip the polarity"),
                        number("offset", {U::ms, U::s, U::samples}, 0, -3600000, 3600000,
                               "time offset (ms or samples)")},
                       {})));
    r.add(of_kind(
        StepKind::statement,
        step("mix", "Mix the stems down (float sum, trimmed to the headroom when it would clip)",
             {number("headroom", {U::dBFS}, -1, -60, 0,
                     "peak level the mix bus is trimmed to when it would clip"),
              choice("pan_law", {"-3", "-4.5", "-6", "0"}, "-3", "centre attenuation in dB"),
              choice("channels", {"stereo", "mono"}, "stereo", "mix format"),
              flag("trim", true, "trim the bus instead of clipping an integer output"),
              number("rate", {U::Hz, U::kHz}, 0, 0, 768000, "mix rate (0: the first stem's)")},
             {})));
    r.add(of_kind(
        StepKind::statement,
        step("output", "Write a deliverable ({name}, {ext} and params in the file name)",
             {choice("bits", {"auto", "16", "24", "32", "float"}, "auto",
                     "sample format (auto: as the input)"),
              number("rate", {U::Hz, U::kHz}, 0, 0, 768000, "sample rate (0: keep)"),
              choice("dither", {"auto", "tpdf", "shaped", "none"}, "auto",
                     "auto: TPDF when reducing to 16/24-bit"),
              optional(text("preset", "", "delivery preset: its target, ceiling, rate and bits")),
              optional(
                  number("target", {U::LUFS}, 0, -70, 0, "loudness target of this deliverable")),
              optional(number("ceiling", {U::dBTP}, 0, -30, 0,
                              "true-peak ceiling of this deliverable"))},
             {})));
    r.add(of_kind(StepKind::statement,
                  step("check", "QC gate: the job fails when the spec fails",
                       {text("spec", "", "spec name (e.g. spotify, stem) or path", true),
                        choice("on", {"auto", "inputs", "outputs"}, "auto",
                               "what to check (auto: outputs after an output line)")},
                       {"spec"})));
    r.add(of_kind(StepKind::pass,
                  step("analyze", "Measure loudness and levels into the job's report", {}, {})));
    add_processor_factories(r);
    return r;
}

} // namespace

const Registry& builtin_registry() {
    static const Registry registry = make_builtin_registry();
    return registry;
}

} // namespace tapeop::steps
