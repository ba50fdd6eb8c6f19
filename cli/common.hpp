#pragma once
// Shared by the subcommands: global options, the action a subcommand leaves for main to run,
// and small printing helpers. Only argument handling and printing live in cli/.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tapeop/steps/registry.hpp"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tapeop::cli {

// Keys in the order written (tool, version, files, ...), as in DESIGN.md §3.
using Json = nlohmann::ordered_json;

struct GlobalOptions {
    bool quiet = false;
    bool json = false;
    int jobs = 0; // 0: all cores
    bool progress = false;
    bool no_progress = false;
};

// What main runs after parsing: returns the exit code (0 ok, 1 something failed).
using Action = std::function<int()>;

struct Context {
    GlobalOptions global;
    Action action;
};

// Each subcommand file defines one of these (see main.cpp for the list).
void register_info(CLI::App& app, Context& ctx);
void register_analyze(CLI::App& app, Context& ctx);
void register_steps(CLI::App& app, Context& ctx);
void register_run(CLI::App& app, Context& ctx);
void register_generate(CLI::App& app, Context& ctx);
void register_gain(CLI::App& app, Context& ctx);
void register_normalize(CLI::App& app, Context& ctx);
void register_gainstage(CLI::App& app, Context& ctx);
void register_mix(CLI::App& app, Context& ctx);
void register_trim(CLI::App& app, Context& ctx);
void register_split(CLI::App& app, Context& ctx);
void register_master(CLI::App& app, Context& ctx);
void register_convert(CLI::App& app, Context& ctx);
void register_check(CLI::App& app, Context& ctx);
void register_manifest(CLI::App& app, Context& ctx);
void register_report(CLI::App& app, Context& ctx);

// Options as typed, by registry key; unset ones take the registry's defaults.
using StepOptions = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Parses `options` as the registry step `step` would ("key=value" words), so the CLI and a
// recipe give the same values. Errors name the option as --key.
steps::ParamValues step_params(const std::string& step, const StepOptions& options);

// The version of the JSON vocabulary (README "JSON output"; docs/schema/). Adding keys keeps
// it; renaming or removing one, or changing a key's meaning, raises it.
inline constexpr int json_schema = 1;

// Numbers go through tapeop/numbers.hpp, the one formatter of text and JSON.
// A number for JSON: null for -inf/NaN, else rounded to `decimals` places (levels: 4, beyond
// any meter's precision; times: 3).
Json json_number(double v, int decimals = 4);
// A level for JSON (json_number with 4 places).
Json json_level(double db);
// A level for humans: "-14.21" or "-inf".
std::string text_level(double db, int decimals = 2);
// A gain for humans: "+3.20", "-1.00".
std::string text_gain(double db);
// The standard JSON envelope {"tool":"tapeop","version":...,"schema":json_schema}.
Json json_envelope();
// Prints JSON to stdout (one document, indented).
void print_json(const Json& j);
// Whether to draw progress on stderr.
bool show_progress(const GlobalOptions& g);

} // namespace tapeop::cli
