#include "tapeop/steps/registry.hpp"

#include "tapeop/error.hpp"
#include "tapeop/text/words.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace tapeop::steps {
namespace {

std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string with_unit(double v, const ParamSpec& p) {
    std::string s = format_number(v);
    if (!p.units.empty() && p.units.front() != Unit::none)
        s += " " + std::string(unit_name(p.units.front()));
    return s;
}

void set_value(ParamValues& values, const ParamSpec& p, const std::string& value) {
    switch (p.type) {
    case ParamType::number: {
        double v = 0.0;
        try {
            v = parse_value(value, std::span<const Unit>(p.units), p.key);
        } catch (const UsageError& e) {
            // Name the parameter as written and what it takes:
            // "unknown unit 'dbx' in 'threshold=-18dbx' (expected dBFS or dB)".
            std::string m = e.message();
            const std::string quoted = "'" + value + "'";
            if (auto at = m.find(quoted); at != std::string::npos)
                m.replace(at, quoted.size(), "'" + p.key + "=" + value + "'");
            if (m.rfind("unknown unit", 0) == 0 || m.rfind("not a number", 0) == 0) {
                std::string expected;
                for (Unit u : p.units)
                    expected += (expected.empty() ? "" : " or ") + std::string(unit_name(u));
                m += expected.empty() ? " (expected a plain number)"
                                      : " (expected " + expected + ")";
            }
            throw UsageError(m);
        }
        if (v < p.min || v > p.max)
            throw UsageError(p.key + "=" + value + " is out of range (" + with_unit(p.min, p) +
                             " to " + with_unit(p.max, p) + ")");
        values.set_number(p.key, v);
        values.set_unit(p.key, parse_quantity(value).unit);
        break;
    }
    case ParamType::choice: {
        if (std::find(p.choices.begin(), p.choices.end(), value) == p.choices.end()) {
            std::string list;
            for (const auto& c : p.choices)
                list += (list.empty() ? "" : ", ") + c;
            // Numbers ("bits=20") are not typos of other numbers: no suggestion for them.
            const bool numeric =
                !value.empty() &&
                (std::isdigit(static_cast<unsigned char>(value[0])) || value[0] == '-');
            const std::string near = numeric ? "" : suggest(value, p.choices);
            throw UsageError("unknown " + p.key + " '" + value + "'" +
                             (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                             "; expected one of: " + list);
        }
        values.set_text(p.key, value);
        break;
    }
    case ParamType::text:
        values.set_text(p.key, value);
        break;
    case ParamType::flag: {
        if (value == "true" || value == "yes" || value == "on" || value == "1")
            values.set_number(p.key, 1.0);
        else if (value == "false" || value == "no" || value == "off" || value == "0")
            values.set_number(p.key, 0.0);
        else
            throw UsageError(p.key + " takes yes or no, not '" + value + "'");
        break;
    }
    }
}

} // namespace

double ParamValues::number(const std::string& key) const {
    auto it = numbers_.find(key);
    if (it == numbers_.end())
        throw Error("internal: no number parameter '" + key + "'");
    return it->second;
}

const std::string& ParamValues::text(const std::string& key) const {
    auto it = texts_.find(key);
    if (it == texts_.end())
        throw Error("internal: no text parameter '" + key + "'");
    return it->second;
}

bool ParamValues::flag(const std::string& key) const {
    return number(key) != 0.0;
}

bool ParamValues::given(const std::string& key) const {
    auto it = given_.find(key);
    return it != given_.end() && it->second;
}

Unit ParamValues::unit(const std::string& key) const {
    auto it = units_.find(key);
    return it == units_.end() ? Unit::none : it->second;
}

void ParamValues::set_number(const std::string& key, double v, bool explicit_value) {
    numbers_[key] = v;
    given_[key] = explicit_value;
}

void ParamValues::set_text(const std::string& key, std::string v, bool explicit_value) {
    texts_[key] = std::move(v);
    given_[key] = explicit_value;
}

void ParamValues::override_with(const ParamValues& later) {
    for (const auto& [key, explicit_value] : later.given_) {
        if (!explicit_value)
            continue;
        if (auto n = later.numbers_.find(key); n != later.numbers_.end())
            set_number(key, n->second);
        if (auto t = later.texts_.find(key); t != later.texts_.end())
            set_text(key, t->second);
        units_[key] = later.unit(key);
    }
}

std::string ParamValues::describe(const StepSpec& spec) const {
    std::string out;
    for (const auto& p : spec.params) {
        if (p.optional && !given(p.key))
            continue; // "not set" is not a value worth showing
        std::string v;
        switch (p.type) {
        case ParamType::number: {
            // Show the unit it was written in when that unit is not the stored one (samples).
            const Unit u = unit(p.key);
            v = u == Unit::samples ? format_number(number(p.key)) + " samples"
                                   : with_unit(number(p.key), p);
            break;
        }
        case ParamType::flag:
            v = flag(p.key) ? "yes" : "no";
            break;
        default:
            v = text(p.key);
            break;
        }
        if (v.find(' ') != std::string::npos) {
            // "threshold=-20 dBFS" reads better without the space inside a key=value pair.
            v.erase(std::remove(v.begin(), v.end(), ' '), v.end());
        }
        out += (out.empty() ? "" : " ") + p.key + "=" + v;
    }
    return out;
}

const ParamSpec* StepSpec::param(const std::string& key) const {
    for (const auto& p : params)
        if (p.key == key)
            return &p;
    return nullptr;
}

void Registry::add(StepSpec spec) {
    if (find(spec.name))
        throw Error("internal: step '" + spec.name + "' registered twice");
    steps_.push_back(std::move(spec));
}

const StepSpec* Registry::find(const std::string& name) const {
    for (const auto& s : steps_)
        if (s.name == name)
            return &s;
    return nullptr;
}

void Registry::set_factory(const std::string& name, ProcessorFactory make) {
    for (auto& s : steps_)
        if (s.name == name) {
            s.make = std::move(make);
            return;
        }
    throw Error("internal: no step '" + name + "' to give a factory");
}

const StepSpec& Registry::get(const std::string& name) const {
    if (const StepSpec* s = find(name))
        return *s;
    std::vector<std::string> names;
    for (const auto& s : steps_)
        names.push_back(s.name);
    const std::string near = suggest(name, names);
    throw UsageError("unknown step '" + name + "'" +
                     (near.empty() ? "" : " (did you mean '" + near + "'?)"));
}

ParamValues parse_params(const StepSpec& spec, const std::vector<std::string>& words,
                         std::size_t* word_index) {
    ParamValues values;
    for (const auto& p : spec.params) {
        if (p.type == ParamType::number || p.type == ParamType::flag)
            values.set_number(p.key, p.default_value, false);
        else
            values.set_text(p.key, p.default_text, false);
    }
    std::size_t next_positional = 0;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (word_index)
            *word_index = i;
        std::string word = words[i];
        // A number followed by a separate unit word: "25 Hz", "threshold=-20 dBFS".
        const bool joins = i + 1 < words.size() && is_unit_word(words[i + 1]);
        if (joins)
            word += words[i + 1];
        const auto eq = word.find('=');
        const ParamSpec* p = nullptr;
        std::string value;
        if (eq != std::string::npos) {
            const std::string key = word.substr(0, eq);
            p = spec.param(key);
            if (!p) {
                std::vector<std::string> keys;
                for (const auto& q : spec.params)
                    keys.push_back(q.key);
                const std::string near = suggest(key, keys);
                throw UsageError("unknown parameter '" + key + "' for " + spec.name +
                                 (near.empty() ? "" : " (did you mean '" + near + "'?)"));
            }
            value = word.substr(eq + 1);
            if (value.empty())
                throw UsageError("parameter '" + key + "' has no value");
        } else if (const ParamSpec* f = spec.param(word); f && f->type == ParamType::flag) {
            p = f;
            value = "yes";
        } else {
            if (next_positional >= spec.positional.size())
                throw UsageError("unexpected '" + word + "' for " + spec.name +
                                 " (parameters are written name=value)");
            p = spec.param(spec.positional[next_positional++]);
            value = word;
        }
        set_value(values, *p, value);
        if (joins)
            ++i;
    }
    for (const auto& p : spec.params)
        if (p.required && !values.given(p.key))
            throw UsageError(spec.name + " needs " + p.key +
                             (p.help.empty() ? "" : " (" + p.help + ")"));
    return values;
}

ParamValues parse_option(const StepSpec& spec, const std::string& text) {
    std::vector<std::string> words;
    std::string cur;
    for (char ch : text) {
        if (ch == ' ' || ch == ',' || ch == '\t') {
            if (!cur.empty())
                words.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    if (!cur.empty())
        words.push_back(cur);
    return parse_params(spec, words);
}

} // namespace tapeop::steps
