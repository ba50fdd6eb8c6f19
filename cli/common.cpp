#include "common.hpp"

#include "tapeop/version.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace tapeop::cli {

Json json_level(double db) {
    if (!std::isfinite(db)) return nullptr;
    return std::round(db * 1e4) / 1e4;
}

std::string text_level(double db, int decimals) {
    if (std::isnan(db)) return "n/a";
    if (std::isinf(db)) return db < 0 ? "-inf" : "+inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, db);
    return buf;
}

Json json_envelope() { return {{"tool", "tapeop"}, {"version", tapeop::version}}; }

void print_json(const Json& j) { std::cout << j.dump(1) << "\n"; }

bool show_progress(const GlobalOptions& g) {
    if (g.quiet || g.json || g.no_progress) return false;
    return g.progress || ::isatty(STDERR_FILENO);
}

} // namespace tapeop::cli
