#pragma once
// Running a recipe: the plan (which jobs, which inputs, which outputs), and each job's
// execution through the passes (render, normalize, trim, mix, loudness/master, check).
//
// A per-file recipe makes one job per input; a session recipe (stem lines) makes one job.
// Jobs are independent and deterministic: the same inputs, recipe and version give
// bit-identical outputs, whichever machine or thread runs them and in what order.
//
// Execution of a chain: processing steps (gain, eq, compress, limit, level, fade, ...) stream
// together; a whole-file step ends a segment. `normalize` and `analyze` measure the segment so
// far and continue (normalize adds its gain to the stream); `trim` and `convert` render the
// segment to a float intermediate file in the output folder, which the rest reads; `loudness`
// must be the last processing step: it renders every output itself (the master pass, each
// deliverable verified on the file as written). Sessions mix the stems (each through its own
// chain) into a float intermediate, then run the bus chain on it like a per-file chain.
// Intermediates are hidden files removed when the job ends, however it ends.
#include "tapeop/recipe/recipe.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tapeop::recipe {

struct RunOptions {
    std::vector<std::string> inputs; // from the command line (per-file recipes)
    std::string out_dir = ".";
    int jobs = 0;                       // threads (0: all cores)
    std::vector<std::string> spec_path; // folders searched for `check SPEC` names
};

struct Job {
    std::string name;                 // the input's stem, or the recipe's for a session
    std::vector<std::string> inputs;  // the file, or the stems in order
    std::vector<std::string> outputs; // resolved paths, one per output line
    // run --report: the job's page (report/master_page.hpp for a loudness job, else
    // report/page.hpp of its outputs), written after the outputs and counted among them by
    // the manifest (hashed, checked for freshness). Empty: no page.
    std::string report = {};
};

struct Plan {
    std::vector<Job> jobs;
};

// Resolves inputs (command line, else the recipe's `input` globs relative to its folder) and
// output names. Throws Error for missing inputs (naming them), no inputs at all, or two jobs
// writing the same file.
Plan make_plan(const Recipe& recipe, const RunOptions& options);

// The resolved plan in words: jobs, steps with final parameter values, outputs (--dry-run).
std::string describe_plan(const Recipe& recipe, const Plan& plan);

struct OutputReport {
    std::string path;
    double integrated_lufs = 0.0;
    double true_peak_dbtp = 0.0;
    double sample_peak_dbfs = 0.0;
    std::string subtype;
    int sample_rate = 0;
};

struct JobReport {
    std::string name;
    bool ok = false;
    std::string error; // why it failed (one line)
    std::vector<OutputReport> outputs;
    std::vector<std::string> notes; // warnings and findings worth a line each
    double seconds = 0.0;           // wall time
    double audio_seconds = 0.0;     // length of the job's audio
};

using JobProgress = std::function<void(const std::string& job, double audio_seconds_done)>;

// Runs one job. Never throws for a failure of the job itself: the report says what failed.
JobReport run_job(const Recipe& recipe, const Job& job, const RunOptions& options,
                  const JobProgress& progress = {});

} // namespace tapeop::recipe
