#include "tapeop/steps/describe.hpp"

#include <cstdio>

namespace tapeop::steps {
namespace {

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string unit_of(const ParamSpec& p) {
    return p.units.empty() ? "" : std::string(unit_name(p.units.front()));
}

} // namespace

std::string describe_param(const ParamSpec& p) {
    std::string head = p.key + "=";
    std::string range;
    switch (p.type) {
    case ParamType::number:
        head += p.required ? "<" + (unit_of(p).empty() ? std::string("number") : unit_of(p)) + ">"
                           : num(p.default_value) + unit_of(p);
        if (p.min > -1e299 && p.max < 1e299)
            range = "(" + num(p.min) + ".." + num(p.max) +
                    (unit_of(p).empty() ? "" : " " + unit_of(p)) + ")";
        break;
    case ParamType::choice: {
        head += p.default_text;
        for (const auto& c : p.choices)
            range += (range.empty() ? "(" : "|") + c;
        range += ")";
        break;
    }
    case ParamType::text:
        head += p.required ? "<text>" : (p.default_text.empty() ? "\"\"" : p.default_text);
        break;
    case ParamType::flag:
        head += p.default_value != 0 ? "yes" : "no";
        range = "(yes|no)";
        break;
    }
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-26s %-24s %s", head.c_str(), range.c_str(), p.help.c_str());
    return buf;
}

std::string describe_step(const StepSpec& s) {
    std::string out = s.name;
    for (const auto& k : s.positional)
        out += " [" + k + "]";
    if (!s.params.empty())
        out += " [name=value ...]";
    out += "\n    " + s.summary + "\n";
    for (const auto& p : s.params)
        out += "      " + describe_param(p) + "\n";
    return out;
}

} // namespace tapeop::steps
