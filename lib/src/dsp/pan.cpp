#include "tapeop/dsp/pan.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace tapeop::dsp {
namespace {

std::string lower(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != ' ')
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Left gain of a mono source at position p; the right gain is the mirror image left(-p).
double left_gain(double p, PanLaw law) {
    const double theta = (p + 1.0) * std::numbers::pi / 4.0;
    switch (law) {
    case PanLaw::minus3:
        return std::cos(theta);
    case PanLaw::minus6:
        return (1.0 - p) / 2.0;
    case PanLaw::minus4_5:
        return std::sqrt(std::cos(theta) * (1.0 - p) / 2.0);
    case PanLaw::zero:
        return std::min(1.0, 1.0 - p);
    }
    return 1.0;
}

// Exact values at the three landmark positions, so C/L100/R100 are exact whatever libm does.
double left_gain_exact(double p, PanLaw law) {
    if (p <= -1.0)
        return 1.0;
    if (p >= 1.0)
        return 0.0;
    if (p == 0.0) {
        switch (law) {
        case PanLaw::minus3:
            return std::numbers::sqrt2 / 2.0;
        case PanLaw::minus6:
            return 0.5;
        case PanLaw::minus4_5:
            return std::pow(2.0, -0.75);
        case PanLaw::zero:
            return 1.0;
        }
    }
    return left_gain(p, law);
}

} // namespace

PanLaw parse_pan_law(std::string_view text) {
    std::string t = lower(text);
    if (t.size() > 2 && t.substr(t.size() - 2) == "db")
        t.resize(t.size() - 2);
    if (t == "-3")
        return PanLaw::minus3;
    if (t == "-4.5")
        return PanLaw::minus4_5;
    if (t == "-6")
        return PanLaw::minus6;
    if (t == "0" || t == "-0")
        return PanLaw::zero;
    throw UsageError("unknown pan law '" + std::string(text) + "' (expected -3, -4.5, -6 or 0)");
}

double parse_pan(std::string_view text) {
    const std::string t = lower(text);
    const auto bad = [&] {
        return UsageError("bad pan '" + std::string(text) + "' (expected C, L1..L100 or R1..R100)");
    };
    if (t == "c" || t == "centre" || t == "center")
        return 0.0;
    if (t == "l")
        return -1.0;
    if (t == "r")
        return 1.0;
    double sign = 1.0;
    std::string num = t;
    if (!t.empty() && (t[0] == 'l' || t[0] == 'r')) {
        sign = t[0] == 'l' ? -1.0 : 1.0;
        num = t.substr(1);
        if (num.empty() || num[0] == '-' || num[0] == '+')
            throw bad();
    }
    if (num.empty())
        throw bad();
    char* end = nullptr;
    const double v = std::strtod(num.c_str(), &end);
    if (end != num.c_str() + num.size() || !std::isfinite(v) || std::fabs(v) > 100.0)
        throw bad();
    return sign * v / 100.0;
}

std::string pan_name(double p) {
    if (p == 0.0)
        return "C";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%g", p < 0 ? "L" : "R", std::fabs(p) * 100.0);
    return buf;
}

PanGains pan_gains(double p, PanLaw law) {
    p = std::clamp(p, -1.0, 1.0);
    return {left_gain_exact(p, law), left_gain_exact(-p, law)};
}

PanGains balance_gains(double p, PanLaw law) {
    p = std::clamp(p, -1.0, 1.0);
    const double centre = left_gain_exact(0.0, law);
    return {std::min(1.0, left_gain_exact(p, law) / centre),
            std::min(1.0, left_gain_exact(-p, law) / centre)};
}

} // namespace tapeop::dsp
