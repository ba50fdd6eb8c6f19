#include "common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/numbers.hpp"
#include "tapeop/version.hpp"

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace tapeop::cli {

Json json_number(double v, int decimals) {
    const std::optional<double> r = rounded(v, decimals);
    return r ? Json(*r) : Json(nullptr);
}

Json json_level(double db) {
    return json_number(db, 4);
}

std::string text_level(double db, int decimals) {
    return fixed(db, decimals);
}

std::string text_gain(double db) {
    return fixed(db, 2, true);
}

Json json_envelope() {
    return {{"tool", "tapeop"}, {"version", tapeop::version}, {"schema", json_schema}};
}

void print_json(const Json& j) {
    std::cout << j.dump(1) << "\n";
}

bool show_progress(const GlobalOptions& g) {
    if (g.quiet || g.json || g.no_progress)
        return false;
    return g.progress || ::isatty(STDERR_FILENO);
}

steps::ParamValues step_params(const std::string& step, const StepOptions& options) {
    const steps::Registry& registry = steps::builtin_registry();
    const steps::StepSpec& spec = registry.get(step);
    std::vector<std::string> words;
    for (const auto& [key, value] : options)
        if (value)
            words.push_back(key + "=" + *value);
    std::size_t at = 0;
    try {
        return steps::parse_params(spec, words, &at);
    } catch (const UsageError& e) {
        std::string key = at < words.size() ? words[at].substr(0, words[at].find('=')) : "";
        std::replace(key.begin(), key.end(), '_', '-');
        throw UsageError(key.empty() ? e.message() : "--" + key + ": " + e.message());
    }
}

} // namespace tapeop::cli
