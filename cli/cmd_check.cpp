// tapeop check FILE... --spec NAME|PATH [--junit OUT.xml]: QC against a delivery spec
// (DESIGN.md §3). Exit 0 all pass, 1 any fails, 2 an input could not be read.
#include "common.hpp"
#include "progress.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/text_file.hpp"
#include "tapeop/parallel.hpp"
#include "tapeop/qc/check.hpp"
#include "tapeop/stock.hpp"
#include "tapeop/units.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace tapeop::cli {
namespace {

struct CheckOptions {
    std::vector<std::string> files;
    std::string spec;
    std::string junit;
};

Json report_json(const qc::FileReport& r) {
    Json f = {{"path", r.path}, {"pass", r.pass()}};
    if (!r.readable())
        f["error"] = r.error;
    Json findings = Json::array();
    for (const auto& x : r.findings)
        findings.push_back({{"check", x.check},
                            {"severity", qc::severity_name(x.severity)},
                            {"message", x.message},
                            {"value", json_number(x.value)},
                            {"limit", json_number(x.limit)},
                            {"at_s", json_number(x.at_s, 3)}});
    for (std::size_t k = 0; k < r.findings.size(); ++k)
        if (!r.findings[k].times_s.empty()) {
            Json t = Json::array();
            for (double s : r.findings[k].times_s)
                t.push_back(json_number(s, 4));
            findings[k]["times_s"] = t;
        }
    f["findings"] = findings;
    return f;
}

void print_text(const std::vector<qc::FileReport>& reports, const qc::Spec& spec) {
    std::printf("spec %s (%s)\n", spec.name.c_str(), spec.path.c_str());
    std::size_t passed = 0, failed = 0, unreadable = 0;
    for (const auto& r : reports) {
        if (!r.readable()) {
            ++unreadable;
            std::printf("ERROR %s: cannot be checked (see above)\n", r.path.c_str());
            continue;
        }
        r.pass() ? ++passed : ++failed;
        std::string measured;
        const auto& m = r.measured;
        if (std::isfinite(m.integrated_lufs))
            measured += ", " + text_level(m.integrated_lufs) + " LUFS";
        if (std::isfinite(m.loudness_range_lu))
            measured += ", LRA " + text_level(m.loudness_range_lu, 1) + " LU";
        if (std::isfinite(m.true_peak_dbtp))
            measured += ", " + text_level(m.true_peak_dbtp) + " dBTP";
        measured += ", peak " + text_level(m.sample_peak_dbfs) + " dBFS";
        std::printf("%s  %s  (%s %d Hz, %d ch, %s%s)\n", r.pass() ? "PASS" : "FAIL", r.path.c_str(),
                    r.info.subtype.c_str(), r.info.sample_rate, r.info.channels,
                    format_timestamp(r.info.duration_s()).c_str(), measured.c_str());
        for (const auto& f : r.findings)
            std::printf("      %-7s  %-14s %s\n",
                        std::string(qc::severity_name(f.severity)).c_str(), f.check.c_str(),
                        f.message.c_str());
    }
    std::printf("%zu file(s): %zu passed, %zu failed", reports.size(), passed, failed);
    if (unreadable)
        std::printf(", %zu unreadable", unreadable);
    std::printf("\n");
}

int run_check(const CheckOptions& o, const GlobalOptions& g) {
    const qc::Spec spec = qc::load_spec(o.spec, stock_dirs("specs"));
    const std::size_t n = o.files.size();
    double total_s = 0.0;
    std::vector<int> rates(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        try {
            const io::FileInfo fi = io::probe(o.files[i]);
            total_s += fi.duration_s();
            rates[i] = fi.sample_rate;
        } catch (const Error&) {
            // reported by the check below
        }
    }
    Progress progress(g, n, total_s);
    std::vector<qc::FileReport> reports(n);
    parallel_for(n, g.jobs, [&](std::size_t i) {
        std::int64_t last = 0;
        reports[i] = qc::check_file(o.files[i], spec, [&](std::int64_t done) {
            if (rates[i] > 0)
                progress.advance(o.files[i], double(done - last) / rates[i]);
            last = done;
        });
        progress.job_done(o.files[i], reports[i].readable());
    });
    progress.finish();
    qc::check_set(reports, spec);

    bool any_unreadable = false, any_failed = false, any_checked = false;
    for (const auto& r : reports) {
        if (!r.readable()) {
            std::cerr << "tapeop: " << r.error << "\n";
            any_unreadable = true;
        } else {
            any_checked = true;
            any_failed = any_failed || !r.pass();
        }
    }
    if (!o.junit.empty())
        io::ensure_parent_folder(o.junit);
    if (!o.junit.empty())
        io::write_text_file(o.junit, qc::junit_xml(reports, spec));
    if (g.json) {
        Json out = json_envelope();
        out["spec"] = spec.name;
        out["files"] = Json::array();
        for (const auto& r : reports)
            out["files"].push_back(report_json(r));
        print_json(out);
    } else if (!g.quiet) {
        print_text(reports, spec);
    }
    // 2 means nothing was done (README, "Exit codes"): some files checked and one unreadable
    // is a batch in which something failed.
    if (any_unreadable)
        return any_checked ? 1 : 2;
    return any_failed ? 1 : 0;
}

} // namespace

void register_check(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<CheckOptions>();
    auto* sub = app.add_subcommand("check",
                                   "QC files against a delivery spec: clipping, DC, polarity, hum, "
                                   "dropouts, clicks, silence, loudness, true peak, format");
    sub->add_option("files", opts->files, "Audio files (a set of stems for the stem spec)")
        ->required();
    sub->add_option(
           "--spec", opts->spec,
           "Stock spec (ebu-r128, atsc-a85, spotify, apple-music, apple-podcasts, youtube, "
           "amazon-music, cd, stem) or the path of a .spec file")
        ->required();
    sub->add_option("--junit", opts->junit,
                    "Also write JUnit XML (one testcase per file and check) for CI");
    sub->footer(
        "Findings of severity error fail a file; warnings are reported only. Times are "
        "minutes:seconds.millis from the start. Exit 0 all pass, 1 any file fails, 2 an input "
        "cannot be read (the others are still checked). The spec language: docs/specs.md.");
    sub->callback(
        [opts, &ctx] { ctx.action = [opts, &ctx] { return run_check(*opts, ctx.global); }; });
}

} // namespace tapeop::cli
