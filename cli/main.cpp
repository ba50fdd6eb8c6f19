// tapeop: the command-line front end. Parses arguments, runs the chosen subcommand, turns
// errors into one line on stderr and an exit code (0 ok, 1 something failed, 2 nothing done).
#include "common.hpp"

#include "tapeop/background.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/layout.hpp"
#include "tapeop/version.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <mutex>

namespace {

void on_signal(int sig) {
    tapeop::io::remove_pending_temporaries();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_signal);

    using namespace tapeop::cli;
    CLI::App app{"tapeop: offline batch audio work: check, level, mix, master, deliver.", "tapeop"};
    app.set_version_flag("--version", std::string("tapeop ") + tapeop::version);
    app.require_subcommand(1);
    app.fallthrough();
    Context ctx;
    auto& g = ctx.global;
    app.add_flag("-q,--quiet", g.quiet, "Print only errors (and JSON with --json)");
    app.add_flag("--json", g.json, "Machine-readable results on stdout");
    app.add_option("-j,--jobs", g.jobs, "Files processed in parallel (default: all cores)")
        ->check(CLI::Range(1, 1024));
    app.add_flag("--progress", g.progress, "Show progress even when stderr is not a terminal");
    app.add_flag("--no-progress", g.no_progress, "Never show progress");
    bool sync = false;
    app.add_flag("--sync", sync,
                 "Force every output to disk (fsync) before it is renamed into place");
    bool strip_metadata = false;
    app.add_flag("--strip-metadata", strip_metadata,
                 "Write outputs with no metadata at all (no tags, bext, iXML, markers, pictures)");
    bool no_pipeline = false;
    app.add_flag("--no-pipeline", no_pipeline,
                 "Each job on one thread: no read-ahead decoding, no background writing or peak "
                 "detection (same output)");
    std::string layout, channel_weights;
    app.add_option("--layout", layout,
                   "Channel layout of the inputs, instead of the file's: " +
                       tapeop::known_layout_names() + ", or positions such as FL+FR+LFE");
    app.add_option("--channel-weights", channel_weights,
                   "Loudness weight of each input channel, e.g. 1,1,1,0,1.41,1.41 (5.1)");

    Stdio stdio;
    stdio.add_options(app);

    register_info(app, ctx);
    register_analyze(app, ctx);
    register_check(app, ctx);
    register_generate(app, ctx);
    register_gain(app, ctx);
    register_normalize(app, ctx);
    register_convert(app, ctx);
    register_trim(app, ctx);
    register_split(app, ctx);
    register_gainstage(app, ctx);
    register_mix(app, ctx);
    register_master(app, ctx);
    register_run(app, ctx);
    register_manifest(app, ctx);
    register_tag(app, ctx);
    register_report(app, ctx);
    register_steps(app, ctx);

    try {
        std::vector<std::string> args;
        try {
            args = stdio.prepare(argc, argv);
        } catch (const tapeop::Error& e) {
            std::cerr << "tapeop: " << e.what() << "\n";
            return 2;
        }
        // CLI11 takes the arguments after the program name, last first.
        std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
        app.parse(reversed);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "tapeop: " << e.what() << " (see tapeop --help)\n";
        return 2;
    }
    tapeop::io::set_durable_writes(sync);
    tapeop::io::set_strip_metadata(strip_metadata);
    try {
        tapeop::io::set_layout_override(tapeop::parse_layout_override(layout, channel_weights));
    } catch (const tapeop::UsageError& e) {
        std::cerr << "tapeop: " << e.what() << "\n";
        return 2;
    }
    // Layout assumptions (more than six channels, no mask) and the metadata an output's
    // container cannot store (io::warn_about_file), once per file, on stderr so that
    // --json output stays clean; --quiet prints errors only. Held until the command ends: a
    // file that then fails gets its one error line only (a damaged header often claims
    // dozens of channels), the others their warnings.
    std::mutex warn_mutex;
    std::vector<std::pair<std::string, std::string>> layout_warnings;
    tapeop::io::set_layout_warning_handler([&](const std::string& path,
                                               const std::string& warning) {
        if (g.quiet)
            return;
        std::lock_guard lock(warn_mutex);
        const std::pair<std::string, std::string> w{path, warning};
        // Once each: a master that renders twice writes its output twice.
        if (std::find(layout_warnings.begin(), layout_warnings.end(), w) == layout_warnings.end())
            layout_warnings.push_back(w);
    });
    auto print_warnings = [&](const std::string& error) {
        std::lock_guard lock(warn_mutex);
        for (const auto& [path, warning] : layout_warnings)
            if (error.find(path) == std::string::npos)
                std::cerr << "tapeop: warning: " << path << ": " << warning << "\n";
        layout_warnings.clear();
    };
    if (no_pipeline) {
        tapeop::io::set_read_ahead(false);
        tapeop::set_background_threads(false);
    }
    int code = 2;
    try {
        code = ctx.action ? ctx.action() : 2;
        // Exit 2: nothing was done, and the command printed its error line(s) itself.
        if (code == 2)
            layout_warnings.clear();
        print_warnings("");
    } catch (const tapeop::Error& e) {
        print_warnings(e.what());
        std::cerr << "tapeop: " << e.what() << "\n";
    } catch (const std::exception& e) {
        const std::string line = tapeop::error_line(e, "");
        print_warnings(line);
        std::cerr << "tapeop: " << line << "\n";
    }
    return stdio.finish(code);
}
