// tapeop run RECIPE [INPUT...] -o DIR: run a recipe (docs/recipes.md) over files or a session.
#include "common.hpp"
#include "progress.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/parallel.hpp"
#include "tapeop/recipe/runner.hpp"
#include "tapeop/stock.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace tapeop::cli {
namespace {

struct RunCmdOptions {
    std::string recipe;
    std::vector<std::string> inputs;
    std::string out_dir = ".";
    std::vector<std::string> sets;
    bool dry_run = false;
};

std::string locate_recipe(const std::string& name) {
    if (std::filesystem::exists(name)) return name;
    const std::string found = recipe::find_in_path(name, stock_dirs(""), ".recipe");
    if (found.empty())
        throw UsageError("no such recipe file, and no stock recipe of that name (see the recipes/ folder)", name);
    return found;
}

int run_recipe(const RunCmdOptions& o, const GlobalOptions& g) {
    recipe::ParseOptions po;
    for (const auto& s : o.sets) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("--set takes NAME=VALUE, not '" + s + "'");
        po.overrides[s.substr(0, eq)] = s.substr(eq + 1);
    }
    po.search_path = stock_dirs("");
    const steps::Registry registry = steps::builtin_registry();
    const recipe::Recipe rec = recipe::parse_file(locate_recipe(o.recipe), registry, po);

    recipe::RunOptions ro;
    ro.inputs = o.inputs;
    ro.out_dir = o.out_dir;
    ro.jobs = g.jobs;
    ro.spec_path = stock_dirs("specs");
    const recipe::Plan plan = recipe::make_plan(rec, ro);
    if (o.dry_run) {
        std::fputs(recipe::describe_plan(rec, plan).c_str(), stdout);
        return 0;
    }
    std::error_code ec;
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec) throw Error("cannot create the output folder: " + ec.message(), o.out_dir);

    double total_s = 0.0;
    for (const auto& job : plan.jobs)
        for (const auto& in : job.inputs) {
            try {
                total_s += io::probe(in).duration_s();
            } catch (const Error&) {
            }
        }
    Progress progress(g, plan.jobs.size(), total_s);
    std::vector<recipe::JobReport> reports(plan.jobs.size());
    parallel_for(plan.jobs.size(), g.jobs, [&](std::size_t i) {
        reports[i] = recipe::run_job(rec, plan.jobs[i], registry, ro, [&](const std::string& name, double s) {
            progress.advance(name, s);
        });
        progress.job_done(plan.jobs[i].name, reports[i].ok);
    });
    progress.finish();

    std::size_t failed = 0;
    for (const auto& r : reports)
        if (!r.ok) {
            ++failed;
            std::cerr << "tapeop: " << r.error << "\n";
        }
    if (g.json) {
        Json out = json_envelope();
        out["recipe"] = rec.file;
        out["jobs"] = Json::array();
        for (const auto& r : reports) {
            Json outs = Json::array();
            for (const auto& x : r.outputs)
                outs.push_back({{"path", x.path},
                                {"subtype", x.subtype},
                                {"sample_rate", x.sample_rate},
                                {"integrated_lufs", json_level(x.integrated_lufs)},
                                {"true_peak_dbtp", json_level(x.true_peak_dbtp)},
                                {"sample_peak_dbfs", json_level(x.sample_peak_dbfs)}});
            Json j = {{"name", r.name}, {"ok", r.ok}, {"outputs", outs}, {"notes", r.notes}, {"seconds", r.seconds}};
            if (!r.ok) j["error"] = r.error;
            out["jobs"].push_back(j);
        }
        print_json(out);
    } else if (!g.quiet) {
        for (const auto& r : reports) {
            std::printf("%s %s (%.1f s)\n", r.ok ? "ok  " : "FAIL", r.name.c_str(), r.seconds);
            for (const auto& n : r.notes) std::printf("       %s\n", n.c_str());
            for (const auto& x : r.outputs)
                std::printf("       -> %s  %s LUFS  %s dBTP  (%s, %d Hz)\n", x.path.c_str(),
                            text_level(x.integrated_lufs).c_str(), text_level(x.true_peak_dbtp).c_str(),
                            x.subtype.c_str(), x.sample_rate);
        }
        std::printf("%zu of %zu jobs succeeded\n", reports.size() - failed, reports.size());
    }
    return failed == 0 ? 0 : 1;
}

} // namespace

void register_run(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<RunCmdOptions>();
    auto* sub = app.add_subcommand("run", "Run a recipe over files (one job per file) or a mix session");
    sub->add_option("recipe", o->recipe, "Recipe file, or the name of a stock recipe (master-streaming, podcast, ...)")->required();
    sub->add_option("inputs", o->inputs, "Input files (per-file recipes; default: the recipe's input lines)");
    sub->add_option("-o,--output", o->out_dir, "Output folder (created when missing; default: the current folder)");
    sub->add_option("--set", o->sets, "Override a recipe param: --set target=-16LUFS (repeatable)");
    sub->add_flag("--dry-run", o->dry_run, "Print the resolved plan (jobs, steps with final values, outputs); write nothing");
    sub->footer("The recipe language is described in docs/recipes.md; `tapeop steps` lists every step. "
                "Exit 0 all jobs succeeded, 1 some failed (the others still ran), 2 nothing could start.");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_recipe(*o, ctx.global); }; });
}

} // namespace tapeop::cli
