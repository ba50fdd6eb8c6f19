#include "tapeop/qc/spec.hpp"

#include "tapeop/error.hpp"
#include "tapeop/text/lexer.hpp"
#include "tapeop/text/words.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>

namespace tapeop::qc {
namespace {

constexpr double unset = std::numeric_limits<double>::quiet_NaN();
namespace fs = std::filesystem;

// A limit of a check; a NaN default makes it optional (unset unless the spec gives it).
steps::ParamSpec limit(std::string key, std::vector<Unit> units, double default_value, double min,
                       double max, std::string help) {
    steps::ParamSpec p;
    p.key = std::move(key);
    p.units = std::move(units);
    p.optional = std::isnan(default_value);
    p.default_value = p.optional ? 0.0 : default_value;
    p.min = min;
    p.max = max;
    p.help = std::move(help);
    return p;
}

steps::ParamSpec severity_param(Severity default_severity) {
    steps::ParamSpec p;
    p.key = "severity";
    p.type = steps::ParamType::choice;
    p.choices = {"error", "warning"};
    p.default_text = severity_name(default_severity);
    p.help = "error fails the file; warning is only reported";
    return p;
}

std::vector<CheckDef> make_defs() {
    using U = Unit;
    const Severity E = Severity::error, W = Severity::warning;
    std::vector<CheckDef> d;
    auto add = [&](CheckDef c) {
        c.params.push_back(severity_param(c.default_severity));
        d.push_back(std::move(c));
    };
    // Delivery constraints: only checked when a spec states them.
    add({"sample_rate",
         "sample rate is one of the listed rates",
         false,
         E,
         {},
         Positional::numbers,
         {},
         {U::Hz, U::kHz}});
    add({"sample_format",
         "sample format is one of the listed ones (16, 24, 32, float, double)",
         false,
         E,
         {},
         Positional::formats,
         {},
         {}});
    add({"channels",
         "channel count is one of the listed counts",
         false,
         E,
         {},
         Positional::numbers,
         {},
         {}});
    add({"loudness",
         "integrated loudness (ITU-R BS.1770-4) within target +- tolerance, or min..max",
         false,
         E,
         {limit("target", {U::LUFS}, unset, -70, 0, "target integrated loudness"),
          limit("tolerance", {U::LU, U::dB}, 1.0, 0, 20, "allowed deviation from the target"),
          limit("min", {U::LUFS}, unset, -70, 0, "lowest allowed integrated loudness"),
          limit("max", {U::LUFS}, unset, -70, 0, "highest allowed integrated loudness")},
         Positional::params,
         {"target"},
         {}});
    add({"true_peak",
         "true peak (4x oversampled, BS.1770-4 Annex 2) at or under max",
         false,
         E,
         {limit("max", {U::dBTP, U::dBFS, U::dB}, unset, -60, 6, "highest allowed true peak")},
         Positional::params,
         {"max"},
         {}});
    add({"sample_peak",
         "sample peak at or under max",
         false,
         E,
         {limit("max", {U::dBFS, U::dB}, unset, -60, 6, "highest allowed sample peak")},
         Positional::params,
         {"max"},
         {}});
    add({"loudness_range",
         "loudness range (EBU Tech 3342) within min..max",
         false,
         E,
         {limit("min", {U::LU}, unset, 0, 60, "lowest allowed LRA"),
          limit("max", {U::LU}, unset, 0, 60, "highest allowed LRA")},
         Positional::params,
         {"max"},
         {}});
    // Detectors: on by default.
    add({"nonfinite",
         "NaN or infinite samples (float files)",
         true,
         E,
         {},
         Positional::params,
         {},
         {}});
    add({"clipping",
         "runs of consecutive samples at or near full scale; float samples over 0 dBFS",
         true,
         E,
         {limit("level", {U::dBFS, U::dB}, -0.01, -6, 0,
                "a sample at or above this counts as at full scale"),
          limit("run", {U::samples}, 3, 1, 10000, "consecutive samples that make a clip")},
         Positional::params,
         {},
         {}});
    add({"dc_offset",
         "DC offset (mean) of any channel above max",
         true,
         E,
         {limit("max", {U::dBFS, U::dB}, -60, -140, 0, "highest allowed |mean| of a channel")},
         Positional::params,
         {"max"},
         {}});
    add({"silence",
         "the whole file is silent (RMS under level)",
         true,
         E,
         {limit("level", {U::dBFS, U::dB}, -80, -140, 0,
                "RMS under which the file counts as silent")},
         Positional::params,
         {},
         {}});
    add({"dead_channel",
         "a channel is silent (RMS under level) while others are not",
         true,
         E,
         {limit("level", {U::dBFS, U::dB}, -80, -140, 0,
                "RMS under which a channel counts as dead")},
         Positional::params,
         {},
         {}});
    add({"polarity",
         "stereo channels strongly anti-correlated over loud passages (one inverted)",
         true,
         E,
         {limit("min", {}, -0.5, -1, 1, "lowest allowed correlation of L and R"),
          limit("gate", {U::dBFS, U::dB}, -40, -100, 0,
                "100 ms windows under this RMS are ignored")},
         Positional::params,
         {},
         {}});
    add({"mono_compat",
         "level lost in the mono sum (L+R)/2 over loud passages",
         true,
         W,
         {limit("min", {U::dB}, -4.5, -60, 0,
                "lowest allowed mono-sum level relative to the stereo level"),
          limit("gate", {U::dBFS, U::dB}, -40, -100, 0,
                "100 ms windows under this RMS are ignored")},
         Positional::params,
         {},
         {}});
    add({"fake_stereo",
         "stereo file whose channels are identical (side level under max)",
         true,
         W,
         {limit("max", {U::dB}, -60, -140, 0,
                "side (L-R) level relative to mid (L+R) under which it is mono")},
         Positional::params,
         {},
         {}});
    add({"hum",
         "mains hum: a steady 50 or 60 Hz tone (with its harmonics)",
         true,
         W,
         {limit("level", {U::dBFS, U::dB}, -60, -140, 0, "smallest hum amplitude reported"),
          limit("prominence", {U::dB}, 10, 0, 60,
                "tone above the quieter of its neighbours at +-5 Hz"),
          limit("presence", {U::percent}, 25, 1, 100,
                "share of the 1 s windows where the tone is found")},
         Positional::params,
         {},
         {}});
    add({"dropout",
         "digital-zero gaps inside active audio",
         true,
         E,
         {limit("min", {U::s, U::ms}, 0.001, 0, 10, "shortest gap reported"),
          limit("max", {U::s, U::ms}, 0.25, 0, 60, "longest gap reported (longer ones are pauses)"),
          limit("level", {U::dBFS, U::dB}, -40, -100, 0, "audio this loud must surround the gap"),
          limit("edge", {U::s, U::ms}, 0.005, 0, 1, "how close to the gap that audio must be")},
         Positional::params,
         {},
         {}});
    add({"click",
         "isolated impulsive discontinuities",
         true,
         W,
         {limit("ratio", {U::dB}, 25, 6, 80, "click above the local high-frequency level"),
          limit("level", {U::dBFS, U::dB}, -50, -120, 0,
                "smallest click reported (2nd difference peak)")},
         Positional::params,
         {},
         {}});
    add({"silence_head",
         "silence at the start longer than max",
         true,
         W,
         {limit("max", {U::s, U::ms}, 2, 0, 1e6, "longest allowed leading silence"),
          limit("level", {U::dBFS, U::dB}, -60, -140, 0, "samples under this count as silence")},
         Positional::params,
         {"max"},
         {}});
    add({"silence_tail",
         "silence at the end longer than max",
         true,
         W,
         {limit("max", {U::s, U::ms}, 5, 0, 1e6, "longest allowed trailing silence"),
          limit("level", {U::dBFS, U::dB}, -60, -140, 0, "samples under this count as silence")},
         Positional::params,
         {"max"},
         {}});
    add({"bit_depth",
         "a 24-bit file whose samples use only `bits` bits (padded 16-bit audio)",
         true,
         W,
         {limit("bits", {}, 16, 8, 23, "report when at most this many bits are used")},
         Positional::params,
         {"bits"},
         {}});
    add({"stem_mismatch",
         "within a set of stems: different rates, lengths, formats or channels",
         false,
         E,
         {limit("tolerance", {U::s, U::ms}, 0.001, 0, 3600, "allowed length difference")},
         Positional::params,
         {},
         {}});
    return d;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// "LKFS" is LUFS under another name (ATSC A/85 writes LKFS).
std::string normalize_units(std::string text) {
    if (text.size() >= 4 && iequals(std::string_view(text).substr(text.size() - 4), "lkfs"))
        text.replace(text.size() - 4, 4, "LUFS");
    return text;
}

// A check the word begins ("clipp" -> "clipping"), else the nearest in spelling ("humm" ->
// "hum"), else one whose name contains the word ("peak" -> "true_peak").
std::string closest_check(const std::string& word) {
    std::vector<std::string> names;
    for (const auto& d : check_defs())
        names.push_back(d.name);
    for (const auto& n : names)
        if (n.starts_with(word))
            return n;
    if (std::string near = text::suggest(word, names); !near.empty())
        return near;
    for (const auto& n : names)
        if (n.find(word) != std::string::npos)
            return n;
    return {};
}

std::string stem_of(const std::string& path) {
    return fs::path(path).stem().string();
}

std::string find_named_spec(const std::string& name, const std::vector<std::string>& dirs) {
    for (const auto& dir : dirs) {
        std::error_code ec;
        const fs::path p = fs::path(dir) / (name + ".spec");
        if (fs::is_regular_file(p, ec))
            return p.string();
    }
    return {};
}

bool looks_like_path(const std::string& s) {
    std::error_code ec;
    return s.find('/') != std::string::npos ||
           (s.size() > 5 && s.compare(s.size() - 5, 5, ".spec") == 0) || fs::is_regular_file(s, ec);
}

class Parser {
  public:
    Parser(Spec& spec, std::vector<std::string> dirs) : spec_(spec), dirs_(std::move(dirs)) {}

    void parse(const std::vector<text::Line>& lines, const std::string& file, int depth) {
        if (depth > 16)
            throw Error("`use` nested more than 16 deep (a spec including itself?)", file);
        for (const auto& line : lines)
            statement(line, file, depth);
    }

  private:
    void statement(const text::Line& line, const std::string& file, int depth) {
        const auto& head = line.words.front();
        if (head.text == "use") {
            use(line, file, depth);
            return;
        }
        const CheckDef* def = find_check(head.text);
        if (!def) {
            std::string hint = closest_check(head.text);
            throw text::TextError(file, line.number, head.col,
                                  "unknown check '" + head.text + "'" +
                                      (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                                      "; see docs/specs.md");
        }
        // The words after the check name, LKFS read as LUFS, and their columns.
        std::vector<std::string> words;
        std::vector<int> cols;
        for (std::size_t i = 1; i < line.words.size(); ++i) {
            words.push_back(normalize_units(line.words[i].text));
            cols.push_back(line.words[i].col);
        }
        auto fail = [&](int col, const std::string& msg) {
            throw text::TextError(file, line.number, col, def->name + ": " + msg);
        };
        Rule& rule = spec_.rule(def->name);
        for (std::size_t i = 0; i < words.size(); ++i)
            if (words[i] == "on" || words[i] == "off") {
                if (words.size() != 1)
                    fail(cols[i], "'" + words[i] + "' stands alone");
                rule.enabled = words[i] == "on";
                return;
            }
        rule.enabled = true;
        if (def->positional == Positional::params) {
            set_params(rule, words, cols, fail);
        } else {
            // A list of allowed values ("sample_rate 44.1 kHz 48000"); name=value words are
            // parameters (severity).
            std::vector<std::string> param_words;
            std::vector<int> param_cols;
            bool list_given = false;
            for (std::size_t i = 0; i < words.size(); ++i) {
                const int col = cols[i];
                if (words[i].find('=') != std::string::npos) {
                    param_words.push_back(words[i]);
                    param_cols.push_back(col);
                    continue;
                }
                std::string value = words[i];
                if (i + 1 < words.size() && text::is_unit_word(words[i + 1]))
                    value += words[++i];
                if (!list_given) {
                    rule.numbers.clear();
                    rule.formats.clear();
                }
                list_given = true;
                add_list_value(rule, value, [&](const std::string& msg) { fail(col, msg); });
            }
            set_params(rule, param_words, param_cols, fail);
        }
        validate(rule, file, line);
    }

    // Parameters go through the step registry's parser; the ones given override what earlier
    // lines (or an included spec) set.
    template <class Fail>
    static void set_params(Rule& rule, const std::vector<std::string>& words,
                           const std::vector<int>& cols, Fail& fail) {
        std::size_t at = 0;
        try {
            rule.values.override_with(steps::parse_params(rule.def->step(), words, &at));
        } catch (const UsageError& e) {
            fail(cols.at(std::min(at, cols.size() - 1)), spec_message(*rule.def, e.message()));
        }
    }

    // Every spec message already leads with the check's name: drop the registry's "for
    // <check>", and list the parameters when an unknown one has no near spelling.
    static std::string spec_message(const CheckDef& def, std::string msg) {
        const std::string for_check = " for " + def.name;
        if (const auto at = msg.find(for_check); at != std::string::npos)
            msg.erase(at, for_check.size());
        if (msg.starts_with("unknown parameter") && msg.find("did you mean") == std::string::npos) {
            std::string keys;
            for (const auto& p : def.params)
                keys += (keys.empty() ? "" : ", ") + p.key;
            msg += " (parameters: " + keys + ")";
        }
        return msg;
    }

    template <class Fail>
    static void add_list_value(Rule& rule, const std::string& value, Fail fail) {
        const CheckDef& def = *rule.def;
        if (def.positional == Positional::formats) {
            try {
                rule.formats.push_back(value == "double" || value == "float64"
                                           ? io::SampleFormat::float64
                                           : io::parse_bits(value));
            } catch (const Error& e) {
                fail(e.message() + " (formats: 16, 24, 32, float, double)");
            }
            return;
        }
        double v = 0;
        try {
            v = parse_value(value, def.list_units, def.name);
        } catch (const Error& e) {
            fail(e.message());
        }
        if (!(v > 0) || v != std::floor(v))
            fail("'" + value + "' is not a positive whole number");
        rule.numbers.push_back(v);
    }

    void validate(const Rule& r, const std::string& file, const text::Line& line) {
        if (!r.enabled)
            return;
        auto fail = [&](const std::string& msg) {
            throw text::TextError(file, line.number, line.words.front().col,
                                  r.def->name + ": " + msg);
        };
        const std::string& n = r.def->name;
        if ((n == "sample_rate" || n == "channels") && r.numbers.empty())
            fail("list the allowed values");
        if (n == "sample_format" && r.formats.empty())
            fail("list the allowed formats (16, 24, 32, float)");
        if (n == "loudness" && !r.has("target") && !r.has("min") && !r.has("max"))
            fail("give a target (loudness -23 LUFS) or min=/max=");
        if ((n == "true_peak" || n == "sample_peak") && !r.has("max"))
            fail("give max= (e.g. max=-1 dBTP)");
        if (n == "loudness_range" && !r.has("min") && !r.has("max"))
            fail("give min= and/or max= in LU");
        if (r.has("min") && r.has("max") && r.number("min") > r.number("max"))
            fail("min is above max");
    }

    void use(const text::Line& line, const std::string& file, int depth) {
        if (line.words.size() != 2)
            throw text::TextError(file, line.number, line.words.front().col,
                                  "use: give one spec name or path");
        const auto& w = line.words[1];
        std::string target;
        if (looks_like_path(w.text)) {
            fs::path p(w.text);
            if (p.is_relative())
                p = fs::path(file).parent_path() / p;
            target = p.string();
        } else {
            std::vector<std::string> dirs{fs::path(file).parent_path().string()};
            dirs.insert(dirs.end(), dirs_.begin(), dirs_.end());
            target = find_named_spec(w.text, dirs);
            if (target.empty())
                throw text::TextError(file, line.number, w.col,
                                      "use: unknown spec '" + w.text + "'");
        }
        parse(text::lex_file(target), target, depth + 1);
    }

    Spec& spec_;
    std::vector<std::string> dirs_;
};

} // namespace

std::string_view severity_name(Severity s) {
    return s == Severity::error ? "error" : "warning";
}

const steps::ParamSpec* CheckDef::param(const std::string& key) const {
    for (const auto& p : params)
        if (p.key == key)
            return &p;
    return nullptr;
}

steps::StepSpec CheckDef::step() const {
    steps::StepSpec s;
    s.name = name;
    s.summary = summary;
    s.params = params;
    s.positional = positional_keys;
    return s;
}

const std::vector<CheckDef>& check_defs() {
    static const std::vector<CheckDef> defs = make_defs();
    return defs;
}

const CheckDef* find_check(std::string_view name) {
    for (const auto& d : check_defs())
        if (d.name == name)
            return &d;
    return nullptr;
}

double Rule::number(const std::string& key) const {
    const steps::ParamSpec* p = def->param(key);
    if (!p || p->type != steps::ParamType::number || (p->optional && !values.given(key)))
        return unset;
    return values.number(key);
}

bool Rule::has(const std::string& key) const {
    return !std::isnan(number(key));
}

Severity Rule::severity() const {
    return values.text("severity") == "error" ? Severity::error : Severity::warning;
}

const Rule& Spec::rule(std::string_view check) const {
    for (const auto& r : rules)
        if (r.def->name == check)
            return r;
    throw Error("internal: no check named '" + std::string(check) + "'");
}

Rule& Spec::rule(std::string_view check) {
    return const_cast<Rule&>(static_cast<const Spec&>(*this).rule(check));
}

Spec default_spec() {
    Spec s;
    s.name = "default";
    for (const auto& d : check_defs()) {
        Rule r;
        r.def = &d;
        r.enabled = d.default_on;
        r.values = steps::parse_params(d.step(), {});
        s.rules.push_back(std::move(r));
    }
    return s;
}

Spec parse_spec(const std::string& text, const std::string& file,
                const std::vector<std::string>& search_dirs) {
    Spec spec = default_spec();
    spec.name = stem_of(file);
    spec.path = file;
    Parser(spec, search_dirs).parse(text::lex(text, file), file, 0);
    return spec;
}

Spec load_spec(const std::string& name_or_path, const std::vector<std::string>& search_dirs) {
    std::string path = name_or_path;
    if (!looks_like_path(name_or_path)) {
        path = find_named_spec(name_or_path, search_dirs);
        if (path.empty()) {
            std::string known;
            for (const auto& n : stock_spec_names(search_dirs))
                known += (known.empty() ? "" : ", ") + n;
            throw UsageError("unknown spec '" + name_or_path +
                             "' (stock specs: " + (known.empty() ? "none found" : known) +
                             "; or give a path to a .spec file)");
        }
    }
    Spec spec = default_spec();
    spec.name = stem_of(path);
    spec.path = path;
    // lex_file names the file when it cannot be read.
    Parser(spec, search_dirs).parse(text::lex_file(path), path, 0);
    return spec;
}

std::vector<std::string> stock_spec_names(const std::vector<std::string>& search_dirs) {
    std::vector<std::string> names;
    for (const auto& dir : search_dirs) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
            if (it->path().extension() == ".spec")
                names.push_back(it->path().stem().string());
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

} // namespace tapeop::qc
