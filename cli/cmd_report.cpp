// tapeop report FILE... -o OUT.html [--spec NAME|PATH] [--target LUFS]: one self-contained page
// (report/page.hpp) from analyze's figures and series, the spectrum, and check's findings.
#include "batch.hpp"
#include "common.hpp"

#include "tapeop/io/folders.hpp"
#include "tapeop/io/text_file.hpp"
#include "tapeop/qc/check.hpp"
#include "tapeop/report/page.hpp"
#include "tapeop/stock.hpp"
#include "tapeop/units.hpp"

#include <iostream>
#include <optional>

namespace tapeop::cli {
namespace {

struct ReportOptions {
    std::vector<std::string> files;
    std::string output;
    std::string spec;
    std::string target;
    std::string title;
};

int run_report(const ReportOptions& o, const GlobalOptions& g) {
    report::PageOptions page;
    if (!o.title.empty())
        page.title = o.title;
    if (!o.target.empty())
        page.target_lufs = parse_value(o.target, {Unit::LUFS}, "--target");
    std::optional<qc::Spec> spec;
    if (!o.spec.empty()) {
        spec = qc::load_spec(o.spec, stock_dirs("specs"));
        report::apply_spec(*spec, page);
    }
    const std::size_t n = o.files.size();
    std::vector<std::optional<report::FileSection>> sections(n);
    const FileBatch batch =
        for_each_file(g, o.files, [&](std::size_t i, const passes::Progress& done, Progress&) {
            // One read: analyze's figures and check's findings (report/page.hpp).
            sections[i] = report::measure_file(o.files[i], spec ? &*spec : nullptr, done);
        });
    std::vector<report::FileSection> ok;
    for (auto& s : sections)
        if (s)
            ok.push_back(std::move(*s));
    if (spec && ok.size() > 1) { // the stem-set checks, as check runs them
        std::vector<qc::FileReport> reports;
        for (const auto& s : ok)
            reports.push_back(*s.qc);
        qc::check_set(reports, *spec);
        for (std::size_t i = 0; i < ok.size(); ++i)
            ok[i].qc = reports[i];
    }
    if (ok.empty())
        return batch.exit_code();
    io::ensure_parent_folder(o.output);
    io::write_text_file(o.output, report::render_page(ok, page));
    if (g.json) {
        Json out = json_envelope();
        out["output"] = o.output;
        if (spec)
            out["spec"] = spec->name;
        out["files"] = Json::array();
        for (std::size_t i = 0, k = 0; i < n; ++i) {
            if (!batch.errors[i].empty()) {
                out["files"].push_back({{"input", o.files[i]}, {"error", batch.errors[i]}});
                continue;
            }
            // The page's headline figures, as analyze --json gives them.
            const report::FileSection& s = ok[k++];
            const analysis::FileAnalysis& a = s.analysis;
            Json f = {{"input", o.files[i]},
                      {"integrated_lufs", json_level(a.integrated_lufs)},
                      {"loudness_range_lu", json_level(a.loudness_range_lu)},
                      {"true_peak_dbtp", json_level(a.true_peak_dbtp)},
                      {"sample_peak_dbfs", json_level(a.sample_peak_dbfs)}};
            if (s.qc) {
                std::size_t errors = 0, warnings = 0;
                for (const auto& x : s.qc->findings)
                    ++(x.severity == qc::Severity::error ? errors : warnings);
                f["pass"] = s.qc->pass();
                f["findings"] = {{"error", errors}, {"warning", warnings}};
            }
            out["files"].push_back(f);
        }
        print_json(out);
    } else if (!g.quiet) {
        std::cerr << "report: " << o.output << " (" << ok.size() << " file(s))\n";
    }
    return batch.exit_code();
}

} // namespace

void register_report(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<ReportOptions>();
    auto* sub = app.add_subcommand(
        "report", "Write one self-contained HTML page: loudness and true peak over time, "
                  "waveform, spectrum, and with --spec the QC verdict and findings");
    sub->add_option("files", opts->files, "Audio files (several: an overview first)")->required();
    sub->add_option("-o,--output", opts->output, "The page to write (.html)")->required();
    sub->add_option("--spec", opts->spec,
                    "Also check against a delivery spec (stock name or .spec path): verdict, "
                    "findings listed and marked on the timelines, the spec's target band and "
                    "ceiling drawn");
    sub->add_option("--target", opts->target,
                    "Your loudness target, drawn as its own band (+-1 LU), e.g. -14 or -14LUFS; "
                    "with --spec beside the spec's band, the verdict staying the spec's");
    sub->add_option("--title", opts->title, "Page title (default \"tapeop report\")");
    sub->footer("Open the page in any browser; it loads nothing from the network and prints. "
                "Exit 0 all files reported, 1 some could not be read (the page shows the "
                "others), 2 none.");
    sub->callback(
        [opts, &ctx] { ctx.action = [opts, &ctx] { return run_report(*opts, ctx.global); }; });
}

} // namespace tapeop::cli
