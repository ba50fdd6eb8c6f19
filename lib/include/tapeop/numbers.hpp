#pragma once
// How tapeop writes numbers, in one place: the CLI's text tables and every JSON document
// (commands' --json and the batch manifest) round and print through these, so the same level
// reads the same everywhere.
#include <optional>
#include <string>

namespace tapeop {

// Rounded to `decimals` places (4 for levels: beyond any meter's precision, so reruns print
// identical JSON; 3 for seconds); nullopt for -inf, +inf and NaN (JSON null: silence, or never
// measured).
std::optional<double> rounded(double value, int decimals = 4);

// Fixed-point text: "-14.21", "+3.20" with `sign`; "-inf", "+inf" and "n/a" (NaN).
std::string fixed(double value, int decimals = 2, bool sign = false);

} // namespace tapeop
