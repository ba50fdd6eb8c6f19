#include "tapeop/units.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tapeop {
namespace {

struct UnitSpelling {
    Unit unit;
    std::string_view name;
};
constexpr std::array<UnitSpelling, 11> spellings{{{Unit::dB, "dB"},
                                                  {Unit::dBFS, "dBFS"},
                                                  {Unit::dBTP, "dBTP"},
                                                  {Unit::LUFS, "LUFS"},
                                                  {Unit::LU, "LU"},
                                                  {Unit::Hz, "Hz"},
                                                  {Unit::kHz, "kHz"},
                                                  {Unit::ms, "ms"},
                                                  {Unit::s, "s"},
                                                  {Unit::percent, "%"},
                                                  {Unit::samples, "samples"}}};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

} // namespace

std::string_view unit_name(Unit unit) {
    for (const auto& s : spellings)
        if (s.unit == unit)
            return s.name;
    return "";
}

Quantity parse_quantity(std::string_view text) {
    std::string_view t = trim(text);
    if (!t.empty() && t.front() == '+')
        t.remove_prefix(1);
    double value = 0.0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc() || end == t.data())
        throw UsageError("not a number: '" + std::string(text) + "'");
    if (!std::isfinite(value))
        throw UsageError("not a finite number: '" + std::string(text) + "'");
    std::string_view suffix = trim(std::string_view(end, t.data() + t.size() - end));
    if (suffix.empty())
        return {value, Unit::none};
    for (const auto& s : spellings)
        if (iequals(suffix, s.name))
            return {value, s.unit};
    // "samples" also as "sample" / "smp".
    if (iequals(suffix, "sample") || iequals(suffix, "smp"))
        return {value, Unit::samples};
    // "3min", "3m": minutes, as seconds (a length in minutes is how music is timed).
    if (iequals(suffix, "min") || iequals(suffix, "m"))
        return {value * 60.0, Unit::s};
    // "48k", "44.1k": how sample rates are usually written.
    if (iequals(suffix, "k"))
        return {value, Unit::kHz};
    throw UsageError("unknown unit '" + std::string(suffix) + "' in '" + std::string(text) + "'");
}

double parse_value(std::string_view text, std::span<const Unit> accepted, std::string_view what) {
    Quantity q = parse_quantity(text);
    if (q.unit == Unit::none)
        return q.value;
    if (accepted.empty())
        throw UsageError("unexpected unit '" + std::string(unit_name(q.unit)) + "' in '" +
                         std::string(text) + "' for " + std::string(what) + " (a plain number)");
    const Unit first = accepted.front();
    if (std::find(accepted.begin(), accepted.end(), q.unit) != accepted.end()) {
        if (q.unit == Unit::kHz && first == Unit::Hz)
            return q.value * 1000.0;
        if (q.unit == Unit::Hz && first == Unit::kHz)
            return q.value / 1000.0;
        if (q.unit == Unit::ms && first == Unit::s)
            return q.value / 1000.0;
        if (q.unit == Unit::s && first == Unit::ms)
            return q.value * 1000.0;
        return q.value;
    }
    std::string expected;
    for (Unit u : accepted) {
        if (!expected.empty())
            expected += " or ";
        expected += unit_name(u);
    }
    throw UsageError("unexpected unit '" + std::string(unit_name(q.unit)) + "' in '" +
                     std::string(text) + "' for " + std::string(what) + " (expected " + expected +
                     ")");
}

double db_to_gain(double db) {
    return std::pow(10.0, db / 20.0);
}

double gain_to_db(double gain) {
    return gain > 0.0 ? 20.0 * std::log10(gain) : -std::numeric_limits<double>::infinity();
}

double power_to_db(double power) {
    return power > 0.0 ? 10.0 * std::log10(power) : -std::numeric_limits<double>::infinity();
}

std::string format_timestamp(double seconds) {
    if (!(seconds >= 0.0))
        seconds = 0.0;
    const long long total_ms = std::llround(seconds * 1000.0);
    const long long ms = total_ms % 1000;
    const long long s = (total_ms / 1000) % 60;
    const long long m = (total_ms / 60000) % 60;
    const long long h = total_ms / 3600000;
    char buf[40];
    if (h > 0)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld.%03lld", h, m, s, ms);
    else
        std::snprintf(buf, sizeof buf, "%02lld:%02lld.%03lld", m, s, ms);
    return buf;
}

} // namespace tapeop
