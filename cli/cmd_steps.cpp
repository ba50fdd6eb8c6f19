// tapeop steps [NAME...]: every recipe step and its parameters (from the step registry).
#include "common.hpp"

#include "tapeop/steps/describe.hpp"

#include <cstdio>

namespace tapeop::cli {
namespace {

struct StepsOptions {
    std::vector<std::string> names;
};

int run_steps(const StepsOptions& o, const GlobalOptions& g) {
    const steps::Registry& registry = steps::builtin_registry();
    std::vector<const steps::StepSpec*> chosen;
    for (const auto& n : o.names)
        chosen.push_back(&registry.get(n));
    if (o.names.empty())
        for (const auto& s : registry.all())
            chosen.push_back(&s);
    if (g.json) {
        Json out = json_envelope();
        out["steps"] = Json::array();
        for (const auto* s : chosen) {
            Json params = Json::array();
            for (const auto& p : s->params) {
                Json j = {{"name", p.key}, {"help", p.help}, {"required", p.required}};
                switch (p.type) {
                case steps::ParamType::number:
                    j["type"] = "number";
                    j["unit"] = p.units.empty() ? "" : std::string(unit_name(p.units.front()));
                    j["default"] = p.default_value;
                    j["min"] = p.min;
                    j["max"] = p.max;
                    break;
                case steps::ParamType::choice:
                    j["type"] = "choice";
                    j["choices"] = p.choices;
                    j["default"] = p.default_text;
                    break;
                case steps::ParamType::text:
                    j["type"] = "text";
                    j["default"] = p.default_text;
                    break;
                case steps::ParamType::flag:
                    j["type"] = "flag";
                    j["default"] = p.default_value != 0;
                    break;
                }
                params.push_back(j);
            }
            out["steps"].push_back({{"name", s->name},
                                    {"summary", s->summary},
                                    {"positional", s->positional},
                                    {"params", params}});
        }
        print_json(out);
        return 0;
    }
    for (const auto* s : chosen)
        std::printf("%s\n", steps::describe_step(*s).c_str());
    return 0;
}

} // namespace

void register_steps(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<StepsOptions>();
    auto* sub = app.add_subcommand("steps", "List the recipe steps and their parameters");
    sub->add_option("names", opts->names, "Only these steps");
    sub->callback(
        [opts, &ctx] { ctx.action = [opts, &ctx] { return run_steps(*opts, ctx.global); }; });
}

} // namespace tapeop::cli
