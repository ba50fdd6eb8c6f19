#pragma once
// Delivery specs: what `check` compares a file against. A spec is a plain-text file with the
// lexical rules of recipes (recipe/lexer.hpp): one statement per line, `#` comments,
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
// (docs/specs.md) and the check pass all read that one table. Detectors (clipping, hum,
// clicks...) run by default; delivery constraints (loudness, rate, format...) only when a
// spec states them.
#include "tapeop/io/format.hpp"
#include "tapeop/units.hpp"

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tapeop::qc {

enum class Severity { error, warning };
std::string_view severity_name(Severity s); // "error" | "warning"

struct ParamDef {
    std::string key;          // "max", "level", "run", ...
    std::vector<Unit> units;  // accepted units; stored in the first (ms is stored in s)
    double default_value = 0; // NaN: unset (the check needs the spec to give it)
    double min = -1e300;
    double max = 1e300;
    std::string help;
};

// What kind of positional values a check takes: none, parameters in order, or a list of
// allowed values (sample rates, channel counts, sample formats).
enum class Positional { params, numbers, formats };

struct CheckDef {
    std::string name; // stable name used in JSON and JUnit: "clipping", "dc_offset", ...
    std::string summary;
    bool default_on = true;
    Severity default_severity = Severity::error;
    std::vector<ParamDef> params;
    Positional positional = Positional::params;
    std::vector<std::string> positional_keys; // for Positional::params
    std::vector<Unit> list_units;             // for Positional::numbers

    const ParamDef* param(const std::string& key) const;
};

// Every check, in report order.
const std::vector<CheckDef>& check_defs();
const CheckDef* find_check(std::string_view name);

// One check as a spec configures it. Parameters are all present (defaults filled in);
// NaN means "not set".
struct Rule {
    const CheckDef* def = nullptr;
    bool enabled = false;
    Severity severity = Severity::error;
    std::map<std::string, double> values;
    std::set<std::string> given;           // parameters the spec set explicitly
    std::vector<double> numbers;           // Positional::numbers
    std::vector<io::SampleFormat> formats; // Positional::formats

    double number(const std::string& key) const; // NaN when unset
    bool has(const std::string& key) const;      // set and not NaN
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
