#pragma once
// The step registry (DESIGN.md §2): every step a recipe can name is described once — name,
// summary, parameters with units, defaults and ranges — and the recipe parser, the CLI
// subcommands' options, their --help and `tapeop steps` all read that one description.
// The registry is an object passed around, not a global.
#include "tapeop/dsp/processor.hpp"
#include "tapeop/text/words.hpp"
#include "tapeop/units.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::steps {

enum class ParamType { number, choice, text, flag };

struct ParamSpec {
    std::string key; // "threshold"; the recipe word, the CLI option and the field name
    ParamType type = ParamType::number;
    std::vector<Unit> units; // accepted units; values are stored in the first one
    double default_value = 0.0;
    double min = -1e300;
    double max = 1e300;
    std::vector<std::string> choices; // for ParamType::choice
    std::string default_text;         // choice/text default
    std::string help;
    bool required = false;
    bool optional =
        false; // has no value unless given (e.g. an optional ceiling); describe() omits it then
};

// Parsed parameter values of one step, every parameter present (defaults filled in).
class ParamValues {
  public:
    double number(const std::string& key) const;
    const std::string& text(const std::string& key) const; // choice or text
    bool flag(const std::string& key) const;
    bool given(const std::string& key) const; // set explicitly (not a default)
    // The unit a number was written with (Unit::none for a bare number or a default); the
    // value itself is stored in the parameter's first unit, except `samples`, which has no
    // fixed relation to time and is stored as written (check unit() == Unit::samples).
    Unit unit(const std::string& key) const;
    void set_unit(const std::string& key, Unit u) { units_[key] = u; }

    void set_number(const std::string& key, double v, bool explicit_value = true);
    void set_text(const std::string& key, std::string v, bool explicit_value = true);
    // Takes the values `later` set explicitly and keeps the others (a QC spec line refining
    // what an earlier line or an included spec set).
    void override_with(const ParamValues& later);
    // Canonical "key=value unit ..." text, for plans, manifests and hashes.
    std::string describe(const struct StepSpec& spec) const;

  private:
    std::map<std::string, double> numbers_;
    std::map<std::string, std::string> texts_;
    std::map<std::string, bool> given_;
    std::map<std::string, Unit> units_;
};

struct StepContext {
    dsp::StreamSpec stream;
    std::int64_t total_frames = -1; // length of the stream when known (fade-out needs it)
};

struct StepSpec;
using ProcessorFactory =
    std::function<std::unique_ptr<dsp::Processor>(const ParamValues&, const StepContext&)>;

// How a runner treats a step, so no runner tests step names:
//  processor  streams with the rest of the chain (gain, eq, compress, limit, fade, level);
//  pass       works on the whole file so far (loudness, normalize, trim, convert, analyze, and
//             dither, which sets how the outputs are written);
//  set        works on all the inputs together, one job for the set (gainstage);
//  statement  is not a step but a recipe statement with settings (stem, mix, output, check).
enum class StepKind { processor, pass, set, statement };

struct StepSpec {
    std::string name;
    StepKind kind = StepKind::processor;
    std::string summary;
    std::vector<ParamSpec> params;
    // Parameters that may be given by position, in order ("highpass 25 Hz" = freq 25 Hz;
    // "eq peak 3kHz -1.5dB" = type, freq, gain).
    std::vector<std::string> positional;
    // Builds the processor for a per-file chain; empty for steps that are whole-file passes
    // (loudness, normalize, mix, check...) which their pass runs itself.
    ProcessorFactory make;

    const ParamSpec* param(const std::string& key) const;
};

class Registry {
  public:
    void add(StepSpec spec);
    const StepSpec* find(const std::string& name) const;
    void set_factory(const std::string& name, ProcessorFactory make);
    // Throws UsageError "unknown step 'x' (did you mean 'y'?)".
    const StepSpec& get(const std::string& name) const;
    const std::vector<StepSpec>& all() const { return steps_; }

  private:
    std::vector<StepSpec> steps_;
};

// The text layer's word rules (text/words.hpp), under the names step code has always used.
using text::is_unit_word;
using text::suggest;

// Parses a step's words: "key=value" pairs, and bare values for the positional parameters.
// A value may be split from its unit ("25", "Hz"): pass words as written; a word that is only
// a unit joins the value before it. Errors are UsageError with a message naming the parameter
// (and a suggestion for unknown keys); `word_index` (when not null) receives the index of the
// offending word so callers (the recipe parser) can point at its column.
ParamValues parse_params(const StepSpec& spec, const std::vector<std::string>& words,
                         std::size_t* word_index = nullptr);

// Parses a CLI option value such as "threshold=-20dBFS ratio=2" or "peak 3kHz -1.5dB q=1"
// (words separated by spaces or commas).
ParamValues parse_option(const StepSpec& spec, const std::string& text);

// The registry of every built-in step (built once, on first use).
const Registry& builtin_registry();

} // namespace tapeop::steps
