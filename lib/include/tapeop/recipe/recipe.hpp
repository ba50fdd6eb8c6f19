#pragma once
// Recipes: plain-text jobs (DESIGN.md §4, docs/recipes.md). This is the parsed, resolved form:
// params substituted, `use` inlined, every step checked against the registry with its final
// parameter values. Running it is the job of recipe/runner.hpp.
#include "tapeop/steps/registry.hpp"
#include "tapeop/text/lexer.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::recipe {

// A mistake at a position in a recipe: what() is "file:line:col: message".
using RecipeError = text::TextError;

// Where a statement came from (for messages and --dry-run).
struct Origin {
    std::string file;
    int line = 0;
    int col = 0;
};

struct StepCall {
    const steps::StepSpec* spec = nullptr;
    steps::ParamValues values;
    Origin origin;
};

// The settings of a `stem`, `output`, `mix` and `check` statement are parameters too, declared
// once in the registry under those names, so they are validated and documented like steps.
struct StemDecl {
    std::string path; // relative paths are relative to the recipe's folder, or the command's inputs
    steps::ParamValues values;
    std::vector<StepCall> chain;
    Origin origin;
};

struct OutputDecl {
    std::string name_template; // "{name}-master.flac"
    steps::ParamValues values;
    Origin origin;
};

struct CheckDecl {
    std::string spec;        // stock name or path
    bool on_outputs = false; // after an `output` line: checks the deliverables; else the inputs
    Origin origin;
};

struct Recipe {
    std::string file;
    std::map<std::string, std::string> params; // resolved values, as text ("-14LUFS")
    std::vector<std::string> inputs;           // globs from `input` lines
    std::vector<StepCall> chain; // per-file chain (no stems) or the stems' common pre-mix chain
    std::vector<StemDecl> stems;
    std::optional<StepCall> mix;     // the `mix` statement with its settings
    std::vector<StepCall> bus_chain; // steps after `mix`
    std::vector<OutputDecl> outputs;
    std::vector<CheckDecl> checks;
    std::vector<std::string> included; // recipes pulled in by `use`, in order

    bool is_session() const { return !stems.empty(); }
};

struct ParseOptions {
    std::map<std::string, std::string> overrides; // --set NAME=VALUE
    // Folders searched for `use NAME` and stock recipes, in order.
    std::vector<std::string> search_path;
};

// Parses and resolves a recipe file. Throws RecipeError (file:line:col: message) for every
// problem in the text; Error naming the file when it cannot be read.
Recipe parse_file(const std::string& path, const steps::Registry& registry,
                  const ParseOptions& options = {});
Recipe parse_text(const std::string& text, const std::string& file, const steps::Registry& registry,
                  const ParseOptions& options = {});

// Finds a stock recipe or spec by name ("master-streaming") or path; "" when not found.
std::string find_in_path(const std::string& name, const std::vector<std::string>& folders,
                         const std::string& extension);

} // namespace tapeop::recipe
