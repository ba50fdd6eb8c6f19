#include "tapeop/recipe/recipe.hpp"

#include "tapeop/error.hpp"
#include "tapeop/presets.hpp"
#include "tapeop/text/words.hpp"

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
            const Word& kw = line.words.front();
            const std::string& k = kw.text;
            const bool indented = current_stem && line.indent > stem_indent;
            if (!indented)
                current_stem = nullptr;
            if (line.indent > 0 && !indented && depth == 0 && k != "param")
                fail(file, kw,
                     "indented line outside a stem (only a stem's own chain is indented)");

            if (k == "param") {
                declare_param(file, line, use_overrides);
            } else if (k == "input") {
                if (line.words.size() < 2)
                    fail(file, kw, "input needs a file or a pattern");
                for (const auto& a : args(file, line, 1))
                    recipe_.inputs.push_back(a);
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
                StemDecl s;
                s.path = substitute(file, line.words[1]);
                s.values = params_of(file, line, 2, statement_spec("stem"));
                s.origin = {file, kw.line, kw.col};
                recipe_.stems.push_back(std::move(s));
                current_stem = &recipe_.stems.back();
                stem_indent = line.indent;
            } else if (k == "mix") {
                if (recipe_.mix)
                    fail(file, kw, "a second mix (a recipe mixes once)");
                StepCall m;
                m.spec = &statement_spec("mix");
                m.values = params_of(file, line, 1, *m.spec);
                m.origin = {file, kw.line, kw.col};
                recipe_.mix = std::move(m);
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
            throw RecipeError(recipe_.mix->origin.file, recipe_.mix->origin.line,
                              recipe_.mix->origin.col,
                              "mix without stems (add stem lines before it)");
        if (!recipe_.stems.empty() && !recipe_.mix) {
            const auto& o = recipe_.stems.front().origin;
            throw RecipeError(o.file, o.line, o.col, "stems but no mix line (add: mix)");
        }
        validate();
    }

    // What can be known without audio is checked before any job starts; every mistake is
    // listed, one "file:line:col: message" a line (the first one is the error's position).
    void validate() const {
        std::vector<std::pair<Origin, std::string>> mistakes;
        auto order = [&](const std::vector<StepCall>& chain, bool in_stem) {
            const StepCall* loudness = nullptr;
            for (const StepCall& c : chain) {
                if (c.spec->name == "loudness") {
                    if (in_stem)
                        mistakes.emplace_back(c.origin,
                                              "loudness belongs after mix (it masters what is "
                                              "delivered), not in a stem's chain");
                    loudness = &c;
                } else if (loudness && c.spec->name != "dither") {
                    mistakes.emplace_back(c.origin, "loudness must be the last processing step (it "
                                                    "verifies what is written); move " +
                                                        c.spec->name + " before it");
                }
            }
            return loudness != nullptr;
        };
        for (const StemDecl& st : recipe_.stems)
            order(st.chain, true);
        const bool has_loudness =
            order(recipe_.is_session() ? recipe_.bus_chain : recipe_.chain, false);
        for (const OutputDecl& o : recipe_.outputs) {
            const DeliveryPreset* preset = nullptr;
            if (o.values.given("preset")) {
                try {
                    preset = &find_preset(o.values.text("preset"));
                } catch (const UsageError& e) {
                    mistakes.emplace_back(o.origin, e.message());
                }
            }
            const bool wants_loudness = o.values.given("target") || o.values.given("ceiling") ||
                                        (preset && preset->target_lufs);
            if (wants_loudness && !has_loudness)
                mistakes.emplace_back(o.origin, "this output sets a loudness target or ceiling, "
                                                "but the chain has no loudness step");
        }
        if (mistakes.empty())
            return;
        std::string message = mistakes.front().second;
        for (std::size_t i = 1; i < mistakes.size(); ++i) {
            const Origin& at = mistakes[i].first;
            message += "\n" + at.file + ":" + std::to_string(at.line) + ":" +
                       std::to_string(at.col) + ": " + mistakes[i].second;
        }
        const Origin& first = mistakes.front().first;
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
    // `use` inclusions so far; a real session includes a handful.
    static constexpr int max_uses = 256;
    int uses_ = 0;
};

} // namespace

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
