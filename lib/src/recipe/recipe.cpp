#include "tapeop/recipe/recipe.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/format.hpp"
#include "tapeop/presets.hpp"
#include "tapeop/qc/spec.hpp"
#include "tapeop/text/words.hpp"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace tapeop::recipe {
namespace {

namespace fs = std::filesystem;
using text::is_name_char;
using text::is_unit_word;
using text::Line;
using text::Word;

std::string relative_path(const std::string& base, const std::string& path) {
    if (path.empty() || path[0] == '/')
        return path;
    return (fs::path(base) / path).lexically_normal().string();
}

struct ParamDef {
    std::string value;
    Origin origin;
};

class Parser {
  public:
    Parser(const steps::Registry& registry, const ParseOptions& options)
        : registry_(registry), options_(options) {}

    Recipe run(const std::string& text, const std::string& file) {
        recipe_.file = file;
        stack_.push_back(canonical(file));
        process(text::lex(text, file), file, {}, 0);
        finish();
        return std::move(recipe_);
    }

  private:
    // --- helpers -----------------------------------------------------------------------
    static std::string canonical(const std::string& path) {
        std::error_code ec;
        auto c = fs::weakly_canonical(fs::path(path), ec);
        return ec ? path : c.string();
    }

    [[noreturn]] static void fail(const std::string& file, const Word& w, const std::string& msg) {
        throw RecipeError(file, w.line, w.col, msg);
    }

    const steps::StepSpec& statement_spec(const std::string& name) const {
        const steps::StepSpec* s = registry_.find(name);
        if (!s)
            throw Error("internal: the registry has no '" + name + "' statement");
        return *s;
    }

    // Replaces $NAME and ${NAME} by the param's value.
    std::string substitute(const std::string& file, const Word& w) const {
        std::string out;
        const std::string& t = w.text;
        for (std::size_t i = 0; i < t.size();) {
            if (t[i] != '$') {
                out += t[i++];
                continue;
            }
            const std::size_t start = i;
            std::string name;
            if (i + 1 < t.size() && t[i + 1] == '{') {
                const std::size_t close = t.find('}', i + 2);
                if (close == std::string::npos)
                    throw RecipeError(file, w.line, w.col + static_cast<int>(start),
                                      "unterminated ${...}");
                name = t.substr(i + 2, close - i - 2);
                i = close + 1;
            } else {
                ++i;
                while (i < t.size() && is_name_char(t[i]))
                    name += t[i++];
            }
            auto it = params_.find(name);
            if (it == params_.end()) {
                std::vector<std::string> names;
                for (const auto& [k, v] : params_)
                    names.push_back(k);
                const std::string near = steps::suggest(name, names);
                throw RecipeError(file, w.line, w.col + static_cast<int>(start),
                                  "unknown param '$" + name + "'" +
                                      (near.empty() ? "" : " (did you mean '$" + near + "'?)"));
            }
            out += it->second.value;
        }
        return out;
    }

    std::vector<std::string> args(const std::string& file, const Line& line,
                                  std::size_t from) const {
        std::vector<std::string> out;
        for (std::size_t i = from; i < line.words.size(); ++i)
            out.push_back(substitute(file, line.words[i]));
        return out;
    }

    steps::ParamValues params_of(const std::string& file, const Line& line, std::size_t from,
                                 const steps::StepSpec& spec) const {
        const std::vector<std::string> words = args(file, line, from);
        std::size_t at = 0;
        try {
            return steps::parse_params(spec, words, &at);
        } catch (const UsageError& e) {
            const Word& w = line.words.at(std::min(from + at, line.words.size() - 1));
            fail(file, w, e.message());
        }
    }

    std::string find_use(const std::string& name, const std::string& from_file,
                         const Word& w) const {
        const bool is_path = name.find('/') != std::string::npos || name.ends_with(".recipe");
        if (is_path) {
            fs::path p(name);
            if (p.is_relative())
                p = fs::path(from_file).parent_path() / p;
            std::error_code ec;
            const auto st = fs::status(p, ec);
            if (fs::is_directory(st))
                fail(from_file, w, name + " is a folder, not a recipe");
            if (fs::exists(st) && !fs::is_regular_file(st))
                fail(from_file, w,
                     name + " is not a regular file (a device or a pipe), not a recipe");
            if (fs::exists(st))
                return p.string();
            fail(from_file, w, "recipe not found: " + name);
        }
        std::vector<std::string> folders{fs::path(from_file).parent_path().string()};
        folders.insert(folders.end(), options_.search_path.begin(), options_.search_path.end());
        const std::string found = find_in_path(name, folders, ".recipe");
        if (found.empty())
            fail(from_file, w,
                 "no recipe named '" + name +
                     "' (looked in the recipe's folder and the stock recipes)");
        return found;
    }

    // --- statements --------------------------------------------------------------------
    void process(const std::vector<Line>& lines, const std::string& file,
                 const std::map<std::string, std::string>& use_overrides, int depth) {
        StemDecl* current_stem = nullptr;
        int stem_indent = -1;
        for (const Line& line : lines) {
            const bool indented = current_stem && line.indent > stem_indent;
            if (!indented)
                current_stem = nullptr;
            // A mistake on one line does not hide the others: each is noted and the next line
            // read; validate() reports them all.
            try {
                statement(line, file, use_overrides, depth, indented, current_stem, stem_indent);
            } catch (const RecipeError& e) {
                // Past the `use` limit every further line would repeat the same mistake: it is
                // listed once and the parse stops.
                if (!use_limit_noted_)
                    note(e);
                if (uses_ > max_uses) {
                    use_limit_noted_ = true;
                    return;
                }
            }
        }
    }

    void statement(const Line& line, const std::string& file,
                   const std::map<std::string, std::string>& use_overrides, int depth,
                   bool indented, StemDecl*& current_stem, int& stem_indent) {
        {
            const Word& kw = line.words.front();
            const std::string& k = kw.text;
            if (line.indent > 0 && !indented && depth == 0 && k != "param")
                fail(file, kw,
                     "indented line outside a stem (only a stem's own chain is indented)");

            if (k == "param") {
                declare_param(file, line, use_overrides);
            } else if (k == "input") {
                if (line.words.size() < 2)
                    fail(file, kw, "input needs a file or a pattern");
                for (std::size_t i = 1; i < line.words.size(); ++i) {
                    recipe_.inputs.push_back(substitute(file, line.words[i]));
                    recipe_.input_origins.push_back({file, line.words[i].line, line.words[i].col});
                }
            } else if (k == "output") {
                if (line.words.size() < 2)
                    fail(file, kw, "output needs a file name (e.g. {name}-master.wav)");
                OutputDecl o;
                o.name_template = substitute(file, line.words[1]);
                o.values = params_of(file, line, 2, statement_spec("output"));
                o.origin = {file, kw.line, kw.col};
                outputs_by_depth_[depth].push_back(std::move(o));
                seen_output_ = true;
            } else if (k == "stem") {
                if (recipe_.mix)
                    fail(file, kw,
                         "stem after mix: stems come first, then mix, then the bus chain");
                if (line.words.size() < 2)
                    fail(file, kw, "stem needs a file");
                // The stem exists even when its settings are wrong, so its indented chain is
                // read as its chain (and checked) rather than reported as misplaced.
                StemDecl s;
                s.origin = {file, kw.line, kw.col};
                s.values = steps::parse_params(statement_spec("stem"), {});
                recipe_.stems.push_back(std::move(s));
                current_stem = &recipe_.stems.back();
                stem_indent = line.indent;
                current_stem->path = substitute(file, line.words[1]);
                current_stem->values = params_of(file, line, 2, statement_spec("stem"));
            } else if (k == "mix") {
                if (recipe_.mix)
                    fail(file, kw, "a second mix (a recipe mixes once)");
                StepCall m;
                m.spec = &statement_spec("mix");
                m.values = steps::parse_params(*m.spec, {});
                m.origin = {file, kw.line, kw.col};
                recipe_.mix = std::move(m); // set first: later lines are the bus chain
                recipe_.mix->values = params_of(file, line, 1, *recipe_.mix->spec);
            } else if (k == "use") {
                use(file, line, depth);
            } else if (k == "check") {
                if (line.words.size() < 2)
                    fail(file, kw, "check needs a spec (a name such as spotify, or a path)");
                CheckDecl c;
                const steps::ParamValues v = params_of(file, line, 1, statement_spec("check"));
                c.spec = v.text("spec");
                c.on_outputs = v.text("on") == "auto" ? seen_output_ : v.text("on") == "outputs";
                c.origin = {file, kw.line, kw.col};
                recipe_.checks.push_back(std::move(c));
            } else {
                step(file, line, indented ? current_stem : nullptr);
            }
        }
    }

    void declare_param(const std::string& file, const Line& line,
                       const std::map<std::string, std::string>& use_overrides) {
        // param NAME = VALUE...   or   param NAME=VALUE...
        std::vector<std::string> rest;
        for (std::size_t i = 1; i < line.words.size(); ++i)
            rest.push_back(line.words[i].text);
        std::string name, value;
        std::size_t value_from = 0;
        if (rest.size() >= 2 && rest[1] == "=") {
            name = rest[0];
            value_from = 3;
        } else if (!rest.empty() && rest[0].find('=') != std::string::npos) {
            name = rest[0].substr(0, rest[0].find('='));
            value = rest[0].substr(rest[0].find('=') + 1);
            value_from = 2;
        } else {
            fail(file, line.words.front(), "param is written: param NAME = VALUE");
        }
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char))
            fail(file, line.words[1], "a param name is letters, digits, '_' and '-'");
        for (std::size_t i = value_from; i < line.words.size(); ++i) {
            const std::string w = substitute(file, line.words[i]);
            if (!value.empty() && !is_unit_word(w))
                value += " ";
            value += w;
        }
        if (value.empty())
            fail(file, line.words.front(), "param " + name + " has no value");
        declared_.insert(name);
        if (params_.count(name))
            return; // the including recipe or --set decided already
        ParamDef def{value, {file, line.number, line.words.front().col}};
        if (auto it = options_.overrides.find(name); it != options_.overrides.end())
            def.value = it->second;
        else if (auto u = use_overrides.find(name); u != use_overrides.end())
            def.value = u->second;
        params_[name] = def;
    }

    void use(const std::string& file, const Line& line, int depth) {
        const Word& kw = line.words.front();
        if (line.words.size() < 2)
            fail(file, kw, "use needs a recipe name or path");
        const std::string name = substitute(file, line.words[1]);
        const std::string path = find_use(name, file, line.words[1]);
        const std::string canon = canonical(path);
        if (std::find(stack_.begin(), stack_.end(), canon) != stack_.end())
            fail(file, line.words[1], "recipe '" + name + "' includes itself (cycle through use)");
        // Overrides: NAME=VALUE words, a value may continue with a unit word.
        std::map<std::string, std::string> overrides;
        std::string last;
        for (std::size_t i = 2; i < line.words.size(); ++i) {
            const std::string w = substitute(file, line.words[i]);
            const auto eq = w.find('=');
            if (eq == std::string::npos) {
                if (!last.empty() && is_unit_word(w)) {
                    overrides[last] += w;
                    continue;
                }
                fail(file, line.words[i], "use overrides are written NAME=VALUE");
            }
            last = w.substr(0, eq);
            overrides[last] = w.substr(eq + 1);
        }
        // Recipes that use each other twice per level would grow exponentially.
        if (++uses_ > max_uses)
            fail(file, line.words[1],
                 "more than " + std::to_string(max_uses) +
                     " `use` inclusions in all (recipes including each other repeatedly?)");
        std::vector<Line> lines;
        try {
            lines = text::lex_file(path);
        } catch (const RecipeError&) {
            throw;
        } catch (const Error& e) {
            fail(file, line.words[1], "cannot use " + path + ": " + e.message());
        }
        stack_.push_back(canon);
        recipe_.included.push_back(path);
        process(lines, path, overrides, depth + 1);
        stack_.pop_back();
        for (const auto& [k, v] : overrides)
            if (!declared_.count(k)) {
                std::vector<std::string> names(declared_.begin(), declared_.end());
                const std::string near = steps::suggest(k, names);
                fail(file, line.words[1],
                     "recipe '" + name + "' has no param '" + k + "'" +
                         (near.empty() ? "" : " (did you mean '" + near + "'?)"));
            }
    }

    void step(const std::string& file, const Line& line, StemDecl* stem) {
        const Word& kw = line.words.front();
        const steps::StepSpec* spec = nullptr;
        try {
            spec = &registry_.get(kw.text);
        } catch (const UsageError& e) {
            fail(file, kw, e.message());
        }
        if (spec->kind == steps::StepKind::statement)
            fail(file, kw, "internal: statement handled elsewhere");
        StepCall call;
        call.spec = spec;
        call.values = params_of(file, line, 1, *spec);
        call.origin = {file, kw.line, kw.col};
        if (stem)
            stem->chain.push_back(std::move(call));
        else if (recipe_.mix)
            recipe_.bus_chain.push_back(std::move(call));
        else if (!recipe_.stems.empty())
            fail(file, kw, "a step between the stems and mix must be indented under its stem");
        else
            recipe_.chain.push_back(std::move(call));
    }

    void finish() {
        for (const auto& [name, value] : options_.overrides)
            if (!declared_.count(name)) {
                std::vector<std::string> names(declared_.begin(), declared_.end());
                const std::string near = steps::suggest(name, names);
                std::string list;
                for (const auto& n : names)
                    list += (list.empty() ? "" : ", ") + n;
                throw UsageError("--set " + name + ": the recipe has no param '" + name + "'" +
                                     (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                                     (list.empty() ? "" : "; its params: " + list),
                                 recipe_.file);
            }
        for (const auto& [name, def] : params_)
            recipe_.params[name] = def.value;
        // The outermost recipe that names outputs decides them.
        for (auto& [depth, outs] : outputs_by_depth_)
            if (!outs.empty()) {
                recipe_.outputs = std::move(outs);
                break;
            }
        if (recipe_.mix && recipe_.stems.empty())
            mistake(recipe_.mix->origin, "mix without stems (add stem lines before it)");
        if (!recipe_.stems.empty() && !recipe_.mix)
            mistake(recipe_.stems.front().origin, "stems but no mix line (add: mix)");
        validate();
    }

    // --- validation --------------------------------------------------------------------
    struct Mistake {
        Origin at;
        std::string message;
    };

    void mistake(const Origin& at, const std::string& message) {
        mistakes_.push_back({at, message});
    }

    // A positioned error, kept with the position it names (a `use`d file's own).
    void note(const text::TextError& e) {
        // where() is "file:line:col"; the file is what precedes the last two fields.
        std::string file = e.where();
        for (int i = 0; i < 2; ++i)
            if (auto colon = file.rfind(':'); colon != std::string::npos)
                file.erase(colon);
        mistake({file, e.line(), e.col()}, e.message());
    }

    void check_call(const steps::StepSpec& spec, const steps::ParamValues& values,
                    const Origin& at) {
        try {
            steps::check_values(spec, values);
        } catch (const UsageError& e) {
            mistake(at, e.message());
        }
    }

    void check_order(const std::vector<StepCall>& chain, bool in_stem, bool& has_loudness) {
        const StepCall* loudness = nullptr;
        for (const StepCall& c : chain) {
            check_call(*c.spec, c.values, c.origin);
            if (c.spec->kind == steps::StepKind::set &&
                (in_stem || recipe_.is_session() || chain.size() != 1))
                mistake(c.origin, c.spec->name +
                                      " works on the whole set of inputs; it must be the only "
                                      "step of a per-file recipe");
            if (c.spec->name == "split") // makes several files from one: no place in a chain
                mistake(c.origin, "split cannot run inside a recipe chain (use `tapeop split`)");
            if (c.spec->name == "loudness") {
                if (in_stem)
                    mistake(c.origin, "loudness belongs after mix (it masters what is "
                                      "delivered), not in a stem's chain");
                loudness = &c;
            } else if (loudness && c.spec->name != "dither") {
                mistake(c.origin, "loudness must be the last processing step (it verifies what "
                                  "is written); move " +
                                      c.spec->name + " before it");
            }
        }
        has_loudness = loudness != nullptr;
    }

    // An output line: its name's placeholders, its container, and its settings (with its
    // preset's) against what that container can hold.
    void check_output(const OutputDecl& o, bool has_loudness) {
        check_call(statement_spec("output"), o.values, o.origin);
        const DeliveryPreset* preset = nullptr;
        if (o.values.given("preset")) {
            try {
                preset = &find_preset(o.values.text("preset"));
            } catch (const UsageError& e) {
                mistake(o.origin, e.message());
            }
        }
        const bool wants_loudness = o.values.given("target") || o.values.given("ceiling") ||
                                    (preset && preset->target_lufs);
        if (wants_loudness && !has_loudness)
            mistake(o.origin, "this output sets a loudness target or ceiling, but the chain has "
                              "no loudness step");
        std::string name;
        try {
            name = expand_output_name(o, recipe_.params, "x", "wav");
        } catch (const RecipeError& e) {
            note(e);
            return;
        }
        if (o.name_template.find("{ext}") != std::string::npos)
            return; // the container follows each input's
        const io::Container* container = nullptr;
        try {
            container = &io::container_for_path(name);
        } catch (const UsageError& e) {
            mistake(o.origin, "output " + o.name_template + ": " + e.message());
            return;
        }
        const DeliveryValues d = output_delivery(o.values, preset);
        try {
            if (d.bits)
                io::output_sample_format(*container, io::SampleFormat::pcm24, d.bits,
                                         o.name_template);
            if (d.sample_rate)
                io::sf_format_word(*container,
                                   io::output_sample_format(*container, io::SampleFormat::pcm24,
                                                            d.bits, o.name_template),
                                   *d.sample_rate, 2, o.name_template);
        } catch (const UsageError& e) {
            mistake(o.origin, e.what());
        }
    }

    // Files named in the recipe exist; `check` specs load.
    void check_files() {
        const std::string base = recipe_folder(recipe_);
        for (const StemDecl& st : recipe_.stems) {
            const std::string p = relative_path(base, st.path);
            std::error_code ec;
            if (!st.path.empty() && !fs::exists(p, ec))
                mistake(st.origin, "stem not found: " + p);
        }
        if (!options_.inputs_given && !recipe_.is_session())
            for (std::size_t i = 0; i < recipe_.inputs.size(); ++i) {
                const std::string pattern = relative_path(base, recipe_.inputs[i]);
                glob_t g{};
                const bool found = ::glob(pattern.c_str(), 0, nullptr, &g) == 0 && g.gl_pathc > 0;
                ::globfree(&g);
                if (!found)
                    mistake(recipe_.input_origins[i],
                            "no file matches the input '" + recipe_.inputs[i] + "'");
            }
        std::vector<std::string> dirs{base};
        dirs.insert(dirs.end(), options_.spec_path.begin(), options_.spec_path.end());
        for (const CheckDecl& c : recipe_.checks) {
            const std::string local = relative_path(base, c.spec);
            std::error_code ec;
            try {
                qc::load_spec(fs::exists(local, ec) ? local : c.spec, dirs);
            } catch (const RecipeError& e) {
                note(e); // a mistake inside the spec file, at its own position
            } catch (const Error& e) {
                mistake(c.origin, "check " + c.spec + ": " + e.message());
            }
        }
    }

    // What can be known without audio is checked before any job starts; every mistake is
    // listed, one "file:line:col: message" a line (the first one is the error's position).
    void validate() {
        for (StemDecl& st : recipe_.stems) {
            check_call(statement_spec("stem"), st.values, st.origin);
            bool stem_loudness = false;
            check_order(st.chain, true, stem_loudness);
        }
        if (recipe_.mix)
            check_call(*recipe_.mix->spec, recipe_.mix->values, recipe_.mix->origin);
        bool has_loudness = false;
        check_order(recipe_.is_session() ? recipe_.bus_chain : recipe_.chain, false, has_loudness);
        for (const OutputDecl& o : recipe_.outputs)
            check_output(o, has_loudness);
        if (options_.check_files)
            check_files();
        if (mistakes_.empty())
            return;
        std::string message = mistakes_.front().message;
        for (std::size_t i = 1; i < mistakes_.size(); ++i) {
            const Origin& at = mistakes_[i].at;
            message += "\n" + at.file + ":" + std::to_string(at.line) + ":" +
                       std::to_string(at.col) + ": " + mistakes_[i].message;
        }
        const Origin& first = mistakes_.front().at;
        throw RecipeError(first.file, first.line, first.col, message);
    }

    const steps::Registry& registry_;
    const ParseOptions& options_;
    Recipe recipe_;
    std::map<std::string, ParamDef> params_;
    std::set<std::string> declared_;
    std::vector<std::string> stack_;
    std::map<int, std::vector<OutputDecl>> outputs_by_depth_;
    bool seen_output_ = false;
    std::vector<Mistake> mistakes_;
    // `use` inclusions so far; a real session includes a handful.
    static constexpr int max_uses = 256;
    int uses_ = 0;
    bool use_limit_noted_ = false;
};

} // namespace

std::string recipe_folder(const Recipe& recipe) {
    const fs::path p = fs::path(recipe.file).parent_path();
    return p.empty() ? "." : p.string();
}

DeliveryValues output_delivery(const steps::ParamValues& output, const DeliveryPreset* preset) {
    DeliveryValues given;
    if (output.given("target"))
        given.target_lufs = output.number("target");
    if (output.given("ceiling"))
        given.ceiling_dbtp = output.number("ceiling");
    if (output.number("rate") > 0)
        given.sample_rate = static_cast<int>(output.number("rate"));
    if (output.text("bits") != "auto")
        given.bits = io::parse_bits(output.text("bits"));
    return with_preset(given, preset);
}

std::string expand_output_name(const OutputDecl& o,
                               const std::map<std::string, std::string>& params,
                               const std::string& name, const std::string& ext) {
    std::string out;
    const std::string& t = o.name_template;
    for (std::size_t i = 0; i < t.size();) {
        if (t[i] != '{') {
            out += t[i++];
            continue;
        }
        const std::size_t close = t.find('}', i);
        if (close == std::string::npos)
            throw RecipeError(o.origin.file, o.origin.line, o.origin.col,
                              "unclosed '{' in output name '" + t + "'");
        const std::string key = t.substr(i + 1, close - i - 1);
        if (key == "name")
            out += name;
        else if (key == "ext")
            out += ext;
        else if (auto it = params.find(key); it != params.end())
            out += it->second;
        else {
            std::vector<std::string> known{"name", "ext"};
            for (const auto& [k, v] : params)
                known.push_back(k);
            const std::string near = steps::suggest(key, known);
            throw RecipeError(o.origin.file, o.origin.line, o.origin.col,
                              "unknown {" + key + "} in output name '" + t + "'" +
                                  (near.empty() ? "" : " (did you mean {" + near + "}?)") +
                                  " (known: {name}, {ext} and the recipe's params)");
        }
        i = close + 1;
    }
    return out;
}

std::string find_in_path(const std::string& name, const std::vector<std::string>& folders,
                         const std::string& extension) {
    for (const auto& dir : folders) {
        for (const std::string& candidate : {name + extension, name}) {
            const fs::path p = fs::path(dir) / candidate;
            std::error_code ec;
            if (fs::is_regular_file(p, ec))
                return p.string();
        }
    }
    return {};
}

Recipe parse_text(const std::string& text, const std::string& file, const steps::Registry& registry,
                  const ParseOptions& options) {
    return Parser(registry, options).run(text, file);
}

Recipe parse_file(const std::string& path, const steps::Registry& registry,
                  const ParseOptions& options) {
    return parse_text(text::read_text(path), path, registry, options);
}

} // namespace tapeop::recipe
