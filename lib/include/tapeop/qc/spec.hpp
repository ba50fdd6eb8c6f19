#pragma once
// Delivery specs: what `check` compares a file against. A spec is a plain-text file with the
// lexical rules of recipes (text/lexer.hpp): one statement per line, `#` comments,
// `name=value` parameters with units. Each statement names a check and sets its limits:
//
//   loudness -23 LUFS tolerance=1 LU      # integrated loudness within -23 +-1
//   true_peak max=-1 dBTP
//   sample_rate 48 kHz
//   hum severity=error                    # a detector made an error instead of a warning
//   silence_head off                      # a detector switched off
//   use ebu-r128                          # include another spec (stock name or path)
//
// Every check is described once in check_defs() (name, parameters with units, defaults,
// ranges, whether it runs by default and at which severity); the parser, the docs
// (docs/specs.md) and the check pass all read that one table. Parameters are declared and
// parsed as a recipe step's are (steps::ParamSpec, steps::parse_params). Detectors (clipping, hum,
// clicks...) run by default; delivery constraints (loudness, rate, format...) only when a
// spec states them.
#include "tapeop/io/format.hpp"
#include "tapeop/steps/registry.hpp"
#include "tapeop/units.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tapeop::qc {

enum class Severity { error, warning };
std::string_view severity_name(Severity s); // "error" | "warning"

// What kind of positional values a check takes: none, parameters in order, or a list of
// allowed values (sample rates, channel counts, sample formats).
enum class Positional { params, numbers, formats };

struct CheckDef {
    std::string name; // stable name used in JSON and JUnit: "clipping", "dc_offset", ...
    std::string summary;
    bool default_on = true;
    Severity default_severity = Severity::error;
    // Limits with units, defaults and ranges; the last is `severity`, a choice of error or
    // warning defaulting to default_severity. An optional parameter is unset unless the spec
    // gives it (a loudness target, a true-peak max).
    std::vector<steps::ParamSpec> params;
    Positional positional = Positional::params;
    std::vector<std::string> positional_keys; // for Positional::params
    std::vector<Unit> list_units;             // for Positional::numbers

    const steps::ParamSpec* param(const std::string& key) const;
    // The check as a step, for steps::parse_params.
    steps::StepSpec step() const;
};

// Every check, in report order.
const std::vector<CheckDef>& check_defs();
const CheckDef* find_check(std::string_view name);

// One check as a spec configures it. Parameters are all present (defaults filled in).
struct Rule {
    const CheckDef* def = nullptr;
    bool enabled = false;
    steps::ParamValues values;             // def->params
    std::vector<double> numbers;           // Positional::numbers
    std::vector<io::SampleFormat> formats; // Positional::formats

    double number(const std::string& key) const; // NaN when unset (optional and not given)
    bool has(const std::string& key) const;      // set and not NaN
    Severity severity() const;
};

struct Spec {
    std::string name;        // file stem of the spec ("ebu-r128")
    std::string path;        // where it was read from ("" for a spec built in code)
    std::vector<Rule> rules; // one per check_defs() entry, same order

    const Rule& rule(std::string_view check) const;
    Rule& rule(std::string_view check);
    bool on(std::string_view check) const { return rule(check).enabled; }
};

// A spec with every check at its defaults (detectors on, no delivery constraints).
Spec default_spec();

// Parses spec text. `file` names it in errors (RecipeError "file:line:col: ..."); `use`
// statements are looked up in `search_dirs` (or as paths relative to the including file).
Spec parse_spec(const std::string& text, const std::string& file,
                const std::vector<std::string>& search_dirs = {});

// Loads a spec by stock name ("ebu-r128": `<dir>/ebu-r128.spec` in the first of
// `search_dirs` that has it) or by path (anything with a '/' or ending in ".spec", or an
// existing file). Throws UsageError naming the known stock specs when the name is unknown,
// RecipeError for a mistake inside the file.
Spec load_spec(const std::string& name_or_path, const std::vector<std::string>& search_dirs);

// Names of the stock specs found in `search_dirs`, sorted, without duplicates.
std::vector<std::string> stock_spec_names(const std::vector<std::string>& search_dirs);

} // namespace tapeop::qc
