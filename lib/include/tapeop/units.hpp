#pragma once
// Levels, times and frequencies as users type them: a bare number or a number with its unit
// ("-14", "-14LUFS", "-1 dBTP", "200ms", "3 kHz", "3min"). Units are matched case-insensitively.
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace tapeop {

enum class Unit { none, dB, dBFS, dBTP, LUFS, LU, Hz, kHz, ms, s, percent, samples };

struct Quantity {
    double value = 0.0;
    Unit unit = Unit::none;
};

// The canonical spelling of a unit ("dBTP", "kHz", "%"); "" for none.
std::string_view unit_name(Unit unit);

// Parses "<number>[ ]<unit>". Throws UsageError("unknown unit 'x' in 'text'") or
// ("not a number: 'text'"). Non-finite numbers are refused. Minutes ("3min", "3m") are
// returned in seconds.
Quantity parse_quantity(std::string_view text);

// Parses a value whose unit must be one of `accepted` (a bare number is always accepted and
// taken in the first accepted unit). The error names `what` (an option or parameter name).
// kHz is returned in Hz, ms in s when the other is the first accepted unit.
// An empty `accepted` takes plain numbers only.
double parse_value(std::string_view text, std::span<const Unit> accepted, std::string_view what);
inline double parse_value(std::string_view text, std::initializer_list<Unit> accepted,
                          std::string_view what) {
    return parse_value(text, std::span<const Unit>(accepted.begin(), accepted.size()), what);
}

// dB <-> linear amplitude. gain_to_db(0) is -infinity.
double db_to_gain(double db);
double gain_to_db(double gain);
// Mean-square power <-> dB (10 log10).
double power_to_db(double power);

// "01:23.456" (minutes:seconds.millis), with hours "1:02:03.456" when needed.
std::string format_timestamp(double seconds);

} // namespace tapeop
