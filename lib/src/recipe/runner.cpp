#include "tapeop/recipe/runner.hpp"

#include "tapeop/analysis/analyze.hpp"
#include "tapeop/dsp/gain.hpp"
#include "tapeop/dsp/limiter.hpp"
#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"
#include "tapeop/io/text_file.hpp"
#include "tapeop/passes/gainstage.hpp"
#include "tapeop/passes/master.hpp"
#include "tapeop/passes/mix.hpp"
#include "tapeop/passes/normalize.hpp"
#include "tapeop/passes/render.hpp"
#include "tapeop/passes/trim.hpp"
#include "tapeop/presets.hpp"
#include "tapeop/qc/check.hpp"
#include "tapeop/report/master_page.hpp"
#include "tapeop/report/page.hpp"
#include "tapeop/units.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <glob.h>
#include <map>
#include <set>

namespace tapeop::recipe {
namespace {

namespace fs = std::filesystem;

// A recipe's outputs stay inside the output folder (-o): a render farm runs recipes it did not
// write, so `output ../{name}.wav`, an absolute path or a sub-folder that is a symlink to
// elsewhere is a mistake in the recipe, refused before anything is written.
void refuse_escape(const OutputDecl& o, const std::string& out_dir, const std::string& name) {
    auto refuse = [&](const std::string& why) {
        throw RecipeError(o.origin.file, o.origin.line, o.origin.col,
                          "output '" + name + "' " + why +
                              ": outputs are written inside the output folder (-o " + out_dir +
                              ")");
    };
    const fs::path rel(name);
    if (rel.is_absolute())
        refuse("is an absolute path");
    const fs::path normal = rel.lexically_normal();
    if (!normal.empty() && *normal.begin() == "..")
        refuse("leads out of the output folder through '..'");
    // Existing folders on the way may be symlinks: compare where they really lead.
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(out_dir, ec);
    const fs::path target = fs::weakly_canonical(fs::path(out_dir) / normal, ec);
    if (ec)
        return; // nothing there to resolve yet
    const auto [r, t] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
    if (r != root.end())
        refuse("leads out of the output folder through a symlink (to " +
               target.parent_path().string() + ")");
}

// ---------------------------------------------------------------------------------------
// Planning

std::vector<std::string> expand_glob(const std::string& pattern) {
    glob_t g{};
    std::vector<std::string> out;
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
        for (std::size_t i = 0; i < g.gl_pathc; ++i)
            out.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
    std::sort(out.begin(), out.end());
    return out;
}

std::string recipe_dir(const Recipe& r) {
    return recipe_folder(r);
}

std::string relative_to(const std::string& base, const std::string& path) {
    if (path.empty() || path[0] == '/')
        return path;
    return (fs::path(base) / path).lexically_normal().string();
}

// ---------------------------------------------------------------------------------------
// Execution helpers

// Hidden intermediate files of one job, removed when the job ends.
class Workspace {
  public:
    Workspace(std::string dir, std::string job) : dir_(std::move(dir)), job_(std::move(job)) {}
    ~Workspace() {
        for (const auto& f : files_) {
            std::error_code ec;
            fs::remove(f, ec);
        }
    }
    std::string next() {
        files_.push_back(dir_ + "/." + job_ + ".tapeop-work-" + std::to_string(files_.size() + 1) +
                         ".wav"); // WAV (RF64 when long): keeps the metadata
        return files_.back();
    }

  private:
    std::string dir_, job_;
    std::vector<std::string> files_;
};

using ProcessorMaker = std::function<std::unique_ptr<dsp::Processor>(const steps::StepContext&)>;

// The processing steps of the current segment, rebuilt for every pass over it.
struct Pending {
    std::vector<std::pair<std::string, ProcessorMaker>> items;

    void add_step(const StepCall& call) {
        const steps::StepSpec* spec = call.spec;
        const steps::ParamValues values = call.values;
        items.emplace_back(spec->name, [spec, values](const steps::StepContext& ctx) {
            return spec->make(values, ctx);
        });
    }
    passes::ChainBuilder builder(std::int64_t total_frames) const {
        auto copy = items;
        return [copy, total_frames](dsp::Chain& chain, const dsp::StreamSpec& spec) {
            steps::StepContext ctx{spec, total_frames};
            for (const auto& [name, make] : copy)
                chain.add(make(ctx));
        };
    }
    void fill(dsp::Chain& chain, const io::FileInfo& fi) const {
        builder(fi.frames)(chain, {fi.sample_rate, fi.channels});
    }
};

struct OutputPlan {
    std::string path;
    passes::OutputSettings settings;
    const OutputDecl* decl = nullptr;
    const DeliveryPreset* preset = nullptr;
    DeliveryValues delivery; // the output line's settings over its preset's
};

// A set step works on all inputs together (one job for the whole set).
const StepCall* set_step(const Recipe& r) {
    for (const auto& c : r.chain)
        if (c.spec->kind == steps::StepKind::set)
            return &c;
    return nullptr;
}

std::string format_level(double v) {
    if (!std::isfinite(v))
        return "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

// The segment so far into an intermediate: float when it changed the audio, else the samples
// as they are (passes::OutputSettings::intermediate), so that a segment of identities (gain 0 dB,
// a convert that converts nothing) leaves the stream exactly as it was.
std::string render_intermediate(const std::string& input, const Pending& pending, Workspace& ws,
                                const passes::OutputSettings& extra = {}) {
    io::AudioReader reader(input);
    dsp::Chain chain;
    pending.fill(chain, reader.info());
    passes::OutputSettings s = extra;
    s.intermediate = true;
    const std::string path = ws.next();
    passes::render_file(reader, chain, path, s);
    return path;
}

OutputReport measure_output(const std::string& path) {
    const analysis::FileAnalysis a = analysis::analyze_file(path);
    return {path,           a.integrated_lufs, a.true_peak_dbtp, a.sample_peak_dbfs,
            a.info.subtype, a.info.sample_rate};
}

// Runs the recipe's `check` gates on `files` (its inputs, or its outputs as written). Findings
// go to the notes; an error finding fails the job with the first one as the reason.
// `kept` (run --report): every report, with its spec's name, for the job's page.
void run_checks(const Recipe& recipe, bool on_outputs, const std::vector<std::string>& files,
                const RunOptions& options, JobReport& report,
                std::vector<std::pair<std::string, qc::FileReport>>* kept = nullptr) {
    for (const CheckDecl& c : recipe.checks) {
        if (c.on_outputs != on_outputs)
            continue;
        std::vector<std::string> dirs{recipe_dir(recipe)};
        dirs.insert(dirs.end(), options.spec_path.begin(), options.spec_path.end());
        const std::string local = relative_to(recipe_dir(recipe), c.spec);
        qc::Spec spec;
        try {
            spec = qc::load_spec(fs::exists(local) ? local : c.spec, dirs);
        } catch (const RecipeError&) {
            throw;
        } catch (const Error& e) {
            throw RecipeError(c.origin.file, c.origin.line, c.origin.col, e.message());
        }
        std::vector<qc::FileReport> reports;
        for (const auto& f : files)
            reports.push_back(qc::check_file(f, spec));
        if (reports.size() > 1)
            qc::check_set(reports, spec);
        if (kept)
            for (const auto& r : reports)
                kept->emplace_back(spec.name, r);
        std::string first_error;
        for (const auto& r : reports) {
            if (!r.readable())
                throw Error(r.error);
            for (const auto& f : r.findings) {
                const bool error = f.severity == qc::Severity::error;
                report.notes.push_back(std::string("check ") + spec.name + ": " +
                                       fs::path(r.path).filename().string() + ": " +
                                       (error ? "" : "warning: ") + f.message);
                if (error && first_error.empty())
                    first_error = fs::path(r.path).filename().string() + ": " + f.message;
            }
        }
        if (!first_error.empty())
            throw Error("check " + spec.name + " failed on " +
                            (on_outputs ? "the outputs" : "the inputs") + ": " + first_error,
                        recipe.file + ":" + std::to_string(c.origin.line));
    }
}

void render_outputs(const std::string& current, const Pending& pending,
                    const std::vector<OutputPlan>& outputs, JobReport& report) {
    for (const auto& o : outputs) {
        io::AudioReader reader(current);
        dsp::Chain c;
        pending.fill(c, reader.info());
        passes::render_file(reader, c, o.path, o.settings);
        report.outputs.push_back(measure_output(o.path));
    }
}

// The result of walking a chain: where the stream stands (a file and the processing steps
// still to apply), and the loudness and dither steps for the outputs.
struct Walked {
    std::string current;
    Pending pending;
    const StepCall* loudness = nullptr;
    std::optional<passes::DitherMode> dither;
    std::uint64_t dither_seed = 0x7a9e0bULL;
};

// Walks a chain from `current`: processing steps accumulate, whole-file steps act on the
// segment so far (rendering it to an intermediate when they need it as a file).
Walked walk_chain(const std::vector<StepCall>& chain, const std::string& start, Workspace& ws,
                  JobReport& report, const std::string& label = {}) {
    Walked w;
    const std::string who = label.empty() ? std::string() : label + ": ";
    w.current = start;
    std::string& current = w.current;
    Pending& pending = w.pending;
    auto settle = [&] {
        if (pending.items.empty())
            return;
        current = render_intermediate(current, pending, ws);
        pending = {};
    };
    for (const StepCall& call : chain) {
        const std::string& name = call.spec->name;
        if (w.loudness && name != "dither")
            throw RecipeError(
                call.origin.file, call.origin.line, call.origin.col,
                "loudness must be the last processing step (it verifies what is written); move " +
                    name + " before it");
        if (call.spec->kind == steps::StepKind::processor) {
            pending.add_step(call);
            continue;
        }
        if (name == "loudness") {
            w.loudness = &call;
        } else if (name == "dither") {
            w.dither = passes::parse_dither(call.values.text("type"));
            w.dither_seed = static_cast<std::uint64_t>(call.values.number("seed"));
        } else if (name == "analyze") {
            settle();
            const analysis::FileAnalysis a = analysis::analyze_file(current);
            report.notes.push_back(who + "analyze (line " + std::to_string(call.origin.line) +
                                   "): " + format_level(a.integrated_lufs) + " LUFS, " +
                                   format_level(a.true_peak_dbtp) + " dBTP, LRA " +
                                   format_level(a.loudness_range_lu) + " LU");
        } else if (name == "normalize") {
            settle();
            const passes::NormalizeSettings ns = passes::normalize_settings_from(call.values);
            const passes::LevelScan scan = passes::scan_levels(current, ns.mode);
            const double gain_db = passes::gain_to_reach(scan.level(ns.mode), ns.level, current);
            pending.items.emplace_back("gain", [gain_db](const steps::StepContext&) {
                return std::make_unique<dsp::Gain>(gain_db);
            });
            // The limiter only where the gain would take the true peak over the ceiling, as
            // `tapeop normalize` does (a limiter that has nothing to do still counts as a change).
            if (ns.ceiling_dbtp && scan.true_peak_dbtp + gain_db > *ns.ceiling_dbtp) {
                dsp::LimiterSettings ls;
                ls.ceiling_dbtp = *ns.ceiling_dbtp;
                pending.items.emplace_back("limit", [ls](const steps::StepContext&) {
                    return std::make_unique<dsp::Limiter>(ls);
                });
            }
            report.notes.push_back(who + "normalize " + std::string(passes::mode_name(ns.mode)) +
                                   ": " + format_level(gain_db) + " dB");
        } else if (name == "convert") {
            passes::OutputSettings cs;
            if (call.values.number("rate") > 0)
                cs.sample_rate = static_cast<int>(call.values.number("rate"));
            const std::string& ch = call.values.text("channels");
            if (ch != "keep")
                cs.channels = ch == "mono" ? 1 : 2;
            current = render_intermediate(current, pending, ws, cs);
            pending = {};
        } else if (name == "trim") {
            settle();
            passes::OutputSettings ts;
            ts.intermediate = true; // float with fades, the kept samples as they are without
            const std::string trimmed = ws.next();
            const passes::TrimResult t =
                passes::trim_file(current, trimmed, passes::trim_settings_from(call.values), ts);
            report.notes.push_back(
                who + "trim: kept " + format_timestamp(double(t.kept.start) / t.input.sample_rate) +
                " to " + format_timestamp(double(t.kept.end) / t.input.sample_rate));
            current = trimmed;
        } else {
            // A pass the runner has no place for (split makes several files from one).
            throw RecipeError(call.origin.file, call.origin.line, call.origin.col,
                              name + " cannot run inside a recipe chain (use `tapeop " + name +
                                  "`)");
        }
    }
    return w;
}

} // namespace

// ---------------------------------------------------------------------------------------

std::vector<std::string> resolve_inputs(const Recipe& recipe, const RunOptions& options,
                                        const std::string& base) {
    std::vector<std::string> files;
    if (!options.inputs.empty()) {
        for (const auto& in : options.inputs) {
            if (!fs::exists(in))
                throw Error("input not found", in);
            files.push_back(in);
        }
    } else {
        for (const auto& pattern : recipe.inputs) {
            auto found = expand_glob(relative_to(base, pattern));
            if (found.empty())
                throw Error("no file matches the recipe's input '" + pattern + "'", recipe.file);
            files.insert(files.end(), found.begin(), found.end());
        }
    }
    if (files.empty())
        throw UsageError(
            "no inputs: give files on the command line or an `input` line in the recipe",
            recipe.file);
    return files;
}

Plan make_plan(const Recipe& recipe, const RunOptions& options) {
    Plan plan;
    const std::string base = recipe_dir(recipe);
    const std::string out_dir = options.out_dir.empty() ? "." : options.out_dir;
    std::vector<OutputDecl> outputs = recipe.outputs;
    if (outputs.empty()) {
        OutputDecl d;
        d.name_template = recipe.is_session() ? "{name}.wav" : "{name}.{ext}";
        d.values = steps::parse_params(*steps::builtin_registry().find("output"), {});
        d.origin = {recipe.file, 1, 1};
        outputs.push_back(d);
    }
    auto add_outputs = [&](Job& job, const std::string& ext) {
        for (const auto& o : outputs) {
            const std::string name = expand_output_name(o, recipe.params, job.name, ext);
            refuse_escape(o, out_dir, name);
            job.outputs.push_back(relative_to(out_dir, name));
        }
    };
    if (recipe.is_session()) {
        if (!options.inputs.empty())
            throw UsageError("a session recipe names its stems itself; give no input files (use "
                             "--set with $params to choose stems)",
                             recipe.file);
        Job job;
        job.name = fs::path(recipe.file).stem().string();
        for (const auto& s : recipe.stems) {
            const std::string p = relative_to(base, s.path);
            if (!fs::exists(p))
                throw RecipeError(s.origin.file, s.origin.line, s.origin.col,
                                  "stem not found: " + p);
            job.inputs.push_back(p);
        }
        add_outputs(job, "wav");
        plan.jobs.push_back(std::move(job));
    } else {
        std::vector<std::string> files = resolve_inputs(recipe, options, base);
        if (const StepCall* set = set_step(recipe)) {
            if (recipe.chain.size() != 1)
                throw RecipeError(
                    set->origin.file, set->origin.line, set->origin.col,
                    set->spec->name +
                        " works on the whole set of inputs; it must be the only step");
            Job job;
            job.name = fs::path(recipe.file).stem().string();
            job.inputs = files;
            for (const auto& f : files)
                job.outputs.push_back(io::output_path_for(f, out_dir, true));
            plan.jobs.push_back(std::move(job));
            return plan;
        }
        std::set<std::string> seen;
        for (const auto& f : files) {
            if (!seen.insert(fs::weakly_canonical(f).string()).second)
                continue;
            Job job;
            job.name = fs::path(f).stem().string();
            job.inputs = {f};
            std::string ext = fs::path(f).extension().string();
            if (!ext.empty())
                ext.erase(0, 1);
            add_outputs(job, ext);
            plan.jobs.push_back(std::move(job));
        }
    }
    std::map<std::string, std::string> owner;
    for (const auto& job : plan.jobs)
        for (const auto& out : job.outputs) {
            const std::string key = fs::weakly_canonical(out).string();
            if (auto [it, fresh] = owner.emplace(key, job.name); !fresh)
                throw UsageError("two outputs would be written to the same file (jobs '" +
                                     it->second + "' and '" + job.name +
                                     "'); put {name} in the output name",
                                 out);
        }
    return plan;
}

std::string describe_plan(const Recipe& recipe, const Plan& plan) {
    std::string out = "recipe " + recipe.file + "\n";
    for (const auto& [k, v] : recipe.params)
        out += "  param " + k + " = " + v + "\n";
    auto steps_text = [](const std::vector<StepCall>& chain, const std::string& indent) {
        std::string s;
        for (const auto& c : chain)
            s += indent + c.spec->name + " " + c.values.describe(*c.spec) + "\n";
        return s;
    };
    for (const auto& job : plan.jobs) {
        out += "job " + job.name + "\n";
        if (recipe.is_session()) {
            for (std::size_t i = 0; i < recipe.stems.size(); ++i) {
                const auto& st = recipe.stems[i];
                out += "  stem " + job.inputs[i] + " " +
                       st.values.describe(*steps::builtin_registry().find("stem")) + "\n";
                out += steps_text(st.chain, "    ");
            }
            out += "  mix " + recipe.mix->values.describe(*recipe.mix->spec) + "\n";
            out += steps_text(recipe.bus_chain, "  ");
        } else {
            out += "  input " + job.inputs.front() + "\n";
            out += steps_text(recipe.chain, "  ");
        }
        for (const auto& c : recipe.checks)
            out += "  check " + c.spec + (c.on_outputs ? " (outputs)" : " (inputs)") + "\n";
        for (std::size_t i = 0; i < job.outputs.size(); ++i) {
            const OutputDecl* d = i < recipe.outputs.size() ? &recipe.outputs[i] : nullptr;
            out += "  output " + job.outputs[i] +
                   (d ? " " + d->values.describe(*steps::builtin_registry().find("output"))
                      : std::string()) +
                   "\n";
        }
    }
    return out;
}

namespace {

// The job's page (run --report): the master's page for a loudness job, else the report page
// of its outputs; the output checks' findings on it.
void write_job_page(const Job& job, const std::optional<passes::MasterReport>& master,
                    double tolerance_lu,
                    const std::vector<std::pair<std::string, qc::FileReport>>& checks) {
    std::string html;
    if (master) {
        report::MasterPage page = report::collect_master_page(*master);
        page.title = "tapeop run: " + job.name;
        page.tolerance_lu = tolerance_lu;
        page.checks = checks;
        html = report::render_master_page(page);
    } else {
        std::vector<report::FileSection> files;
        for (const auto& out : job.outputs) {
            report::FileSection f = report::measure_file(out);
            for (const auto& [name, r] : checks)
                if (r.path == out)
                    f.qc = r;
            files.push_back(std::move(f));
        }
        report::PageOptions po;
        po.title = "tapeop run: " + job.name;
        for (const auto& [name, r] : checks)
            po.spec_name = name;
        po.index_row = true;
        html = report::render_page(files, po);
    }
    io::ensure_parent_folder(job.report);
    io::write_text_file(job.report, html);
}

} // namespace

JobReport run_job(const Recipe& recipe, const Job& job, const RunOptions& options,
                  const JobProgress& progress) {
    JobReport report;
    report.name = job.name;
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<passes::MasterReport> master; // run --report: the loudness step's
    double tolerance_lu = 0.1;
    std::vector<std::pair<std::string, qc::FileReport>> output_checks;
    bool outputs_written = false;
    try {
        for (const auto& out : job.outputs)
            io::refuse_overwriting_inputs(out, job.inputs, false);
        const std::string out_dir = options.out_dir.empty() ? "." : options.out_dir;
        Workspace ws(out_dir, job.name);

        // Outputs, with their settings.
        std::vector<OutputPlan> outputs;
        for (std::size_t i = 0; i < job.outputs.size(); ++i) {
            OutputPlan o;
            o.path = job.outputs[i];
            if (i < recipe.outputs.size()) {
                o.decl = &recipe.outputs[i];
                const auto& v = o.decl->values;
                if (v.given("preset")) {
                    try {
                        o.preset = &find_preset(v.text("preset"));
                    } catch (const UsageError& e) {
                        throw RecipeError(o.decl->origin.file, o.decl->origin.line,
                                          o.decl->origin.col, e.message());
                    }
                }
                o.delivery = output_delivery(v, o.preset);
                o.settings.bits = o.delivery.bits;
                o.settings.sample_rate = o.delivery.sample_rate;
                if (v.text("dither") != "auto")
                    o.settings.dither = passes::parse_dither(v.text("dither"));
            }
            outputs.push_back(o);
        }

        run_checks(recipe, false, job.inputs, options, report);
        if (const StepCall* set = set_step(recipe)) {
            passes::GainstageSettings gs = passes::gainstage_settings_from(set->values);
            if (!outputs.empty()) {
                gs.bits = outputs.front().settings.bits;
                gs.rate = outputs.front().settings.sample_rate;
                gs.dither = outputs.front().settings.dither;
            }
            const passes::GainstageReport g =
                passes::gainstage(job.inputs, gs, out_dir, options.jobs);
            for (const auto& st : g.stems) {
                if (!st.error.empty())
                    throw Error(st.error);
                report.outputs.push_back(measure_output(st.output));
                for (const auto& n : st.notes)
                    report.notes.push_back(st.path + ": " + n);
            }
            run_checks(recipe, true, job.outputs, options, report,
                       job.report.empty() ? nullptr : &output_checks);
            if (!job.report.empty())
                write_job_page(job, std::nullopt, tolerance_lu, output_checks);
            report.ok = true;
            report.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            return report;
        }

        // The stream the chain starts from.
        std::string current;
        const std::vector<StepCall>* chain = &recipe.chain;
        if (recipe.is_session()) {
            std::vector<passes::MixStem> stems;
            for (std::size_t i = 0; i < recipe.stems.size(); ++i) {
                const StemDecl& sd = recipe.stems[i];
                // A stem's chain may hold whole-file steps too (normalize for gain staging,
                // trim...): they run on the stem first; the processing steps after them stream into
                // the mix.
                const Walked sw = walk_chain(sd.chain, job.inputs[i], ws, report,
                                             fs::path(job.inputs[i]).filename().string());
                if (sw.loudness)
                    throw RecipeError(sw.loudness->origin.file, sw.loudness->origin.line,
                                      sw.loudness->origin.col,
                                      "loudness belongs after mix (it masters what is delivered), "
                                      "not in a stem's chain");
                passes::MixStem s = passes::stem_from_params(sw.current, sd.values);
                if (!sw.pending.items.empty())
                    s.pre_chain = sw.pending.builder(io::probe(sw.current).frames);
                stems.push_back(std::move(s));
            }
            passes::OutputSettings mix_out;
            mix_out.bits = io::SampleFormat::float32;
            mix_out.dither = passes::DitherMode::none;
            current = ws.next();
            const passes::MixResult m =
                passes::mix(stems, passes::mix_settings_from(recipe.mix->values), current, mix_out);
            report.notes.push_back("mixed " + std::to_string(m.stems_mixed) + " stems at " +
                                   std::to_string(m.mix_rate) + " Hz");
            chain = &recipe.bus_chain;
        } else {
            current = job.inputs.front();
        }
        report.audio_seconds = io::probe(current).duration_s();

        // An output line without bits= gets what the equivalent subcommand writes for the job's
        // input (the first stem of a session), not the format of an intermediate (float once
        // the audio was changed): a trim or convert step keeps a 16-bit input 16-bit.
        const io::SampleFormat origin_format = io::probe(job.inputs.front()).sample_format;
        for (auto& o : outputs) {
            const io::Container& c = io::container_for_path(o.path);
            if (!o.settings.bits && !c.lossy)
                o.settings.bits = io::output_sample_format(c, origin_format, std::nullopt, o.path);
        }

        Walked w = walk_chain(*chain, current, ws, report);
        current = w.current;
        Pending& pending = w.pending;
        const StepCall* loudness = w.loudness;
        const std::optional<passes::DitherMode> dither_step = w.dither;
        const std::uint64_t dither_seed = w.dither_seed;
        for (auto& o : outputs) {
            if (o.settings.dither == passes::DitherMode::automatic && dither_step)
                o.settings.dither = *dither_step;
            o.settings.dither_seed = dither_seed;
        }

        if (loudness) {
            passes::LoudnessSettings ls;
            ls.target_lufs = loudness->values.number("target");
            ls.ceiling_dbtp = loudness->values.number("ceiling");
            ls.tolerance_lu = loudness->values.number("tolerance");
            tolerance_lu = ls.tolerance_lu;
            if (!job.report.empty())
                ls.gain_trace_columns = report::plot_columns;
            std::vector<passes::Deliverable> deliverables;
            for (const auto& o : outputs) {
                passes::Deliverable d;
                d.path = o.path;
                d.output = o.settings;
                if (o.preset)
                    d.preset = std::string(o.preset->name);
                d.target_lufs = o.delivery.target_lufs;
                d.ceiling_dbtp = o.delivery.ceiling_dbtp;
                deliverables.push_back(std::move(d));
            }
            const io::FileInfo fi = io::probe(current);
            master = passes::master_file(current, pending.builder(fi.frames), ls, deliverables);
            const passes::MasterReport& m = *master;
            for (const auto& d : m.deliverables) {
                report.outputs.push_back({d.path, d.after.integrated_lufs, d.after.true_peak_dbtp,
                                          d.after.sample_peak_dbfs,
                                          std::string(io::sample_format_name(d.spec.sample_format)),
                                          d.spec.sample_rate});
                report.notes.push_back(d.path + ": gain " + format_level(d.gain_db) +
                                       " dB, limiter max " +
                                       format_level(d.limiter.max_gain_reduction_db) + " dB, " +
                                       std::to_string(d.render_passes) + " render pass(es)");
            }
            for (const auto& w : m.warnings)
                report.notes.push_back("warning: " + w);
        } else {
            for (const auto& o : outputs)
                if (o.decl && (o.decl->values.given("target") || o.decl->values.given("ceiling") ||
                               (o.preset && o.preset->target_lufs)))
                    throw RecipeError(o.decl->origin.file, o.decl->origin.line, o.decl->origin.col,
                                      "this output sets a loudness target or ceiling, but the "
                                      "chain has no loudness step");
            render_outputs(current, pending, outputs, report);
        }
        outputs_written = true;
        run_checks(recipe, true, job.outputs, options, report,
                   job.report.empty() ? nullptr : &output_checks);
        if (!job.report.empty()) {
            outputs_written = false; // written below or failed: not again
            write_job_page(job, master, tolerance_lu, output_checks);
        }
        if (progress)
            progress(job.name, report.audio_seconds);
        report.ok = true;
    } catch (const std::exception& e) {
        report.ok = false;
        report.error = error_line(e, job.inputs.size() == 1 ? job.inputs[0] : job.name);
        // A failed output check: the page shows why (the job still fails).
        if (outputs_written && !job.report.empty()) {
            try {
                write_job_page(job, master, tolerance_lu, output_checks);
            } catch (const std::exception& page_error) {
                report.notes.push_back(std::string("report page: ") + page_error.what());
            }
        }
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

} // namespace tapeop::recipe
