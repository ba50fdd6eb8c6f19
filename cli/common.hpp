#pragma once
// Shared by the subcommands: global options, the action a subcommand leaves for main to run,
// and small printing helpers. Only argument handling and printing live in cli/.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tapeop/io/stream.hpp"
#include "tapeop/passes/render.hpp"
#include "tapeop/steps/registry.hpp"

#include <functional>
#include <memory>
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
void register_tag(CLI::App& app, Context& ctx);
void register_report(CLI::App& app, Context& ctx);

// Options as typed, by registry key; unset ones take the registry's defaults.
using StepOptions = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Parses `options` as the registry step `step` would ("key=value" words), so the CLI and a
// recipe give the same values. Errors name the option as --key.
steps::ParamValues step_params(const std::string& step, const StepOptions& options);

// The output options every writing command shares (--rate, --bits, --dither, --ext,
// --in-place), parsed by one set of rules. A command adds the ones it takes; `help` replaces
// a help text where the command's default differs.
struct OutputOptions {
    std::optional<std::string> rate, bits, dither, ext;
    bool in_place = false;

    // --rate: a whole number of Hz (or kHz) from 1000 to 768000; --bits: 16, 24, 32, float;
    // --dither: auto, tpdf, shaped, none. Throws UsageError naming the option.
    passes::OutputSettings settings() const;
    // ".flac" for --ext flac (also --ext .flac); "" when not given.
    std::string extension() const;
};
enum OutputOption : unsigned {
    out_rate = 1,
    out_bits = 2,
    out_dither = 4,
    out_ext = 8,
    out_in_place = 16,
};
struct OutputHelp {
    std::string rate = "Output sample rate: 44100, 48k, 96kHz (default: the input's)";
    std::string bits = "Output sample format: 16, 24, 32 or float (default: as the input)";
    std::string dither =
        "auto (TPDF when the audio changed and the output is 16/24-bit), tpdf, shaped, none";
    std::string ext = "Output extension for several inputs (e.g. flac); default: the input's";
    std::string in_place = "Allow writing over an input";
};
void add_output_options(CLI::App* sub, OutputOptions& o, unsigned which,
                        const OutputHelp& help = {});

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

// Pipes (README "Pipes"): `-` as an input reads standard input, `-o -` writes standard output.
// Before the command line is parsed, `-` is replaced by the path of a spooled copy of standard
// input and `-o -` by a temporary output (io/stream.hpp), so every command takes them; with
// `-o -`, everything the command prints (text, --json) goes to stderr and only audio to stdout.
class Stdio {
  public:
    // Adds --raw and --format to `app` (global options, accepted after the subcommand).
    void add_options(CLI::App& app);
    // The arguments with `-` and `-o -` replaced; reads standard input now when needed.
    // Throws UsageError for --raw without `-`, --format without `-o -`, or two `-` inputs.
    std::vector<std::string> prepare(int argc, char** argv);
    // After the command returned `code`: copies the output to standard output (when the
    // command wrote it). Returns the exit code.
    int finish(int code);

  private:
    std::string raw_, format_;
    std::unique_ptr<io::StdinSpool> in_;
    std::unique_ptr<io::StdoutFile> out_;
    int audio_fd_ = -1;
};

} // namespace tapeop::cli
