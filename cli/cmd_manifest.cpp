// tapeop manifest merge DIR|FILE... [-o OUT.json]: one manifest from the shards of a batch (and
// from several output folders), each job listed once.
#include "common.hpp"

#include "tapeop/batch/manifest.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace tapeop::cli {
namespace {

struct MergeOptions {
    std::vector<std::string> sources;
    std::string output;
};

int run_merge(const MergeOptions& o, const GlobalOptions& g) {
    const std::string out_dir =
        o.output.empty() ? "." : std::filesystem::absolute(o.output).parent_path().string();
    const batch::Manifest m = batch::merge_manifests(o.sources, out_dir);
    if (o.output.empty()) {
        std::cout << batch::to_json(m).dump(1) << "\n";
        return 0;
    }
    batch::write_manifest(o.output, m);
    std::size_t failed = 0;
    for (const auto& j : m.jobs)
        failed += j.status == batch::JobStatus::failed ? 1 : 0;
    if (g.json) {
        Json out = json_envelope();
        out["output"] = o.output;
        out["merged_from"] = m.merged_from;
        out["jobs"] = m.jobs.size();
        out["failed"] = failed;
        print_json(out);
    } else if (!g.quiet) {
        std::printf("%zu jobs (%zu failed) from %zu manifests -> %s\n", m.jobs.size(), failed,
                    m.merged_from.size(), o.output.c_str());
    }
    return 0;
}

} // namespace

void register_manifest(CLI::App& app, Context& ctx) {
    auto* sub = app.add_subcommand("manifest", "Work with batch manifests (tapeop-manifest*.json)");
    sub->require_subcommand(1);
    auto o = std::make_shared<MergeOptions>();
    auto* merge = sub->add_subcommand(
        "merge", "Combine the manifests of shards or output folders, each job once");
    merge
        ->add_option("sources", o->sources,
                     "Folders (all their tapeop-manifest*.json) or manifest files")
        ->required();
    merge->add_option("-o,--output", o->output,
                      "Write the merged manifest here (default: print it on stdout)");
    merge->footer(
        "Output paths in the merged manifest are relative to its folder (to the current folder on "
        "stdout). A job found twice keeps its most recent successful entry.");
    merge->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_merge(*o, ctx.global); }; });
}

} // namespace tapeop::cli
