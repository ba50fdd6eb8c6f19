// tapeop run RECIPE [INPUT...] -o DIR: run a recipe (docs/recipes.md) over files or a session,
// as a batch: parallel jobs, a manifest in the output folder, up-to-date jobs skipped, and
// --shard K/N for render farms (lib/include/tapeop/batch/).
#include "common.hpp"
#include "progress.hpp"

#include "tapeop/batch/batch_run.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/text_file.hpp"
#include "tapeop/recipe/runner.hpp"
#include "tapeop/report/index.hpp"
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
    std::string shard;
    bool force = false;
    bool report = false; // --report: DIR/reports/OUTPUT.html per job, DIR/index.html
};

std::string locate_recipe(const std::string& name) {
    if (std::filesystem::exists(name))
        return name;
    const std::string found = recipe::find_in_path(name, stock_dirs(""), ".recipe");
    if (found.empty())
        throw UsageError(
            "no such recipe file, and no stock recipe of that name (see the recipes/ folder)",
            name);
    return found;
}

double audio_seconds(const recipe::Job& job) {
    double s = 0.0;
    for (const auto& in : job.inputs) {
        try {
            s += io::probe(in).duration_s();
        } catch (const Error&) {
            // the job reports it
        }
    }
    return s;
}

std::string render_detail(const batch::JobRecord& r) {
    char buf[96];
    const double speed = r.seconds > 0 ? r.audio_seconds / r.seconds : 0.0;
    std::snprintf(buf, sizeof buf, "(%.1f s, %.0fx realtime)", r.seconds, speed);
    return buf;
}

Json outcome_json(const batch::JobOutcome& o) {
    const batch::JobRecord& r = o.record;
    Json outs = Json::array();
    for (std::size_t k = 0; k < r.outputs.size(); ++k) {
        const auto& x = r.outputs[k];
        Json j = {{"path", k < o.job.outputs.size() ? o.job.outputs[k] : x.path}, {"xxh3", x.xxh3}};
        if (x.levels) {
            j["subtype"] = x.levels->subtype;
            j["sample_rate"] = x.levels->sample_rate;
            j["after"] = {{"integrated_lufs", json_level(x.levels->integrated_lufs)},
                          {"true_peak_dbtp", json_level(x.levels->true_peak_dbtp)},
                          {"sample_peak_dbfs", json_level(x.levels->sample_peak_dbfs)}};
        }
        outs.push_back(j);
    }
    Json ins = Json::array();
    for (const auto& in : o.job.inputs)
        ins.push_back({{"path", in}});
    Json j = {{"name", r.name},
              {"ok", r.status != batch::JobStatus::failed},
              {"status", batch::status_name(r.status)},
              {"inputs", ins}};
    if (!r.reason.empty() && r.status != batch::JobStatus::up_to_date)
        j["reason"] = r.reason;
    j["outputs"] = outs;
    j["notes"] = r.notes;
    j["seconds"] = r.seconds;
    if (r.status == batch::JobStatus::failed)
        j["error"] = r.error;
    return j;
}

void print_text(const batch::BatchResult& res) {
    for (const auto& o : res.jobs) {
        const batch::JobRecord& r = o.record;
        if (r.status == batch::JobStatus::up_to_date) {
            std::printf("up to date %s\n", r.name.c_str());
            continue;
        }
        std::printf("%s %s (%.1f s; %s)\n", r.status == batch::JobStatus::ok ? "ok  " : "FAIL",
                    r.name.c_str(), r.seconds, r.reason.c_str());
        for (const auto& n : r.notes)
            std::printf("       %s\n", n.c_str());
        for (std::size_t k = 0; k < r.outputs.size() && k < o.job.outputs.size(); ++k) {
            const auto& x = r.outputs[k];
            if (!x.levels)
                continue;
            std::printf("       -> %s  %s LUFS  %s dBTP  (%s, %d Hz)\n", o.job.outputs[k].c_str(),
                        text_level(x.levels->integrated_lufs).c_str(),
                        text_level(x.levels->true_peak_dbtp).c_str(), x.levels->subtype.c_str(),
                        x.levels->sample_rate);
        }
    }
}

int run_recipe(const RunCmdOptions& o, const GlobalOptions& g) {
    recipe::ParseOptions po;
    for (const auto& s : o.sets) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--set takes NAME=VALUE, not '" + s + "'");
        po.overrides[s.substr(0, eq)] = s.substr(eq + 1);
    }
    po.search_path = stock_dirs("");
    po.check_files = true;
    po.inputs_given = !o.inputs.empty();
    po.spec_path = stock_dirs("specs");
    const steps::Registry& registry = steps::builtin_registry();
    const recipe::Recipe rec = recipe::parse_file(locate_recipe(o.recipe), registry, po);

    batch::BatchOptions bo;
    bo.run.inputs = o.inputs;
    bo.run.out_dir = o.out_dir;
    bo.run.jobs = g.jobs;
    bo.run.spec_path = stock_dirs("specs");
    bo.force = o.force;
    if (!o.shard.empty())
        bo.shard = batch::parse_shard(o.shard, batch::process_environment());
    const recipe::Plan plan = recipe::make_plan(rec, bo.run);
    std::vector<recipe::Job> jobs = batch::shard_jobs(plan.jobs, bo.shard);
    const std::string out_dir = o.out_dir.empty() ? "." : o.out_dir;
    if (o.report) // named after the job's first output, relative to -o: unique like the outputs
        for (auto& job : jobs)
            if (!job.outputs.empty())
                job.report = (std::filesystem::path(out_dir) / "reports" /
                              (std::filesystem::path(job.outputs.front())
                                   .lexically_relative(out_dir)
                                   .string() +
                               ".html"))
                                 .lexically_normal()
                                 .string();
    const std::string shard_note =
        bo.shard.whole() ? std::string()
                         : "shard " + bo.shard.label() + ": " + std::to_string(jobs.size()) +
                               " of " + std::to_string(plan.jobs.size()) + " jobs";
    if (o.dry_run) {
        if (!shard_note.empty())
            std::printf("# %s\n", shard_note.c_str());
        std::fputs(recipe::describe_plan(rec, recipe::Plan{jobs}).c_str(), stdout);
        return 0;
    }

    double total_s = 0.0;
    for (const auto& job : jobs)
        total_s += audio_seconds(job);
    Progress progress(g, jobs.size(), total_s, true);
    batch::BatchEvents events;
    events.started = [&](const recipe::Job& job) { progress.started(job.name); };
    events.progress = [&](const std::string& name, double s) { progress.advance(name, s); };
    events.finished = [&](const batch::JobOutcome& out) {
        if (out.record.status == batch::JobStatus::up_to_date)
            progress.job_skipped(out.job.name, audio_seconds(out.job));
        else
            progress.job_done(out.job.name, out.record.status == batch::JobStatus::ok,
                              render_detail(out.record));
    };
    const batch::BatchResult res = batch::run_batch(rec, jobs, bo, events);
    progress.finish();

    std::string index_path;
    if (o.report) {
        std::vector<report::IndexEntry> entries;
        for (const auto& out : res.jobs) {
            report::IndexEntry e;
            e.job = out.job.name;
            e.status = batch::status_name(out.record.status);
            e.page = out.job.report;
            e.href = std::filesystem::path(out.job.report).lexically_relative(out_dir).string();
            e.error = out.record.error;
            entries.push_back(std::move(e));
        }
        // A shard lists its own jobs, beside the other shards' indexes (as its manifest).
        index_path = (std::filesystem::path(out_dir) /
                      (bo.shard.whole() ? std::string("index.html")
                                        : "index.shard-" + std::to_string(bo.shard.index) + "-of-" +
                                              std::to_string(bo.shard.count) + ".html"))
                         .string();
        io::write_text_file(index_path, report::render_index("tapeop run: " + rec.file, entries));
    }

    const std::size_t failed = res.count(batch::JobStatus::failed);
    const std::size_t fresh = res.count(batch::JobStatus::up_to_date);
    for (const auto& out : res.jobs)
        if (out.record.status == batch::JobStatus::failed)
            std::cerr << "tapeop: " << out.record.error << "\n";
    if (!res.manifest_error.empty())
        std::cerr << "tapeop: " << res.manifest_error << "\n";
    if (g.json) {
        Json out = json_envelope();
        out["recipe"] = rec.file;
        out["shard"] = bo.shard.whole() ? Json(nullptr) : Json(bo.shard.label());
        out["manifest"] = res.manifest_path;
        if (o.report)
            out["index"] = index_path;
        out["removed_leftovers"] = res.removed;
        out["jobs"] = Json::array();
        for (const auto& j : res.jobs)
            out["jobs"].push_back(outcome_json(j));
        print_json(out);
    } else if (!g.quiet) {
        if (!shard_note.empty())
            std::printf("%s\n", shard_note.c_str());
        for (const auto& r : res.removed)
            std::printf("removed a leftover of a killed run: %s\n", r.c_str());
        print_text(res);
        std::printf("%zu of %zu jobs succeeded (%zu rendered, %zu up to date); manifest %s\n",
                    jobs.size() - failed, jobs.size(), jobs.size() - failed - fresh, fresh,
                    res.manifest_path.c_str());
    }
    return failed == 0 && res.manifest_error.empty() ? 0 : 1;
}

} // namespace

void register_run(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<RunCmdOptions>();
    auto* sub =
        app.add_subcommand("run", "Run a recipe over files (one job per file) or a mix session");
    sub->add_option("recipe", o->recipe,
                    "Recipe file, or the name of a stock recipe (master-streaming, podcast, ...)")
        ->required();
    sub->add_option("inputs", o->inputs,
                    "Input files (per-file recipes; default: the recipe's input lines)");
    sub->add_option("-o,--output", o->out_dir,
                    "Output folder (created when missing; default: the current folder)");
    sub->add_option("--set", o->sets, "Override a recipe param: --set target=-16LUFS (repeatable)");
    sub->add_flag(
        "--dry-run", o->dry_run,
        "Print the resolved plan (jobs, steps with final values, outputs); write nothing");
    sub->add_option("--shard", o->shard,
                    "Run only slice K of N (K from 1 to N) of the sorted jobs, for render farms; "
                    "'auto' reads a Slurm "
                    "array or Kubernetes indexed job (with TAPEOP_SHARDS) from the environment");
    sub->add_flag("--report", o->report,
                  "Also write one HTML page per job (DIR/reports/OUTPUT.html, named after its "
                  "first output) and DIR/index.html linking them, one row per job");
    sub->add_flag("--force", o->force, "Render every job, even those whose outputs are up to date");
    sub->footer(
        "Each run writes tapeop-manifest.json (tapeop-manifest.shard-K-of-N.json) in the output "
        "folder: "
        "inputs and outputs with content hashes, the recipe, levels before and after, timings. A "
        "job whose "
        "manifest entry matches its inputs, recipe and the outputs on disk is skipped as up to "
        "date. "
        "The recipe language is described in docs/recipes.md; `tapeop steps` lists every step. "
        "Exit 0 all jobs succeeded, 1 some failed (the others still ran), 2 nothing could start.");
    sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_recipe(*o, ctx.global); }; });
}

} // namespace tapeop::cli
