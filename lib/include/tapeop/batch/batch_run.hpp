#pragma once
// A batch run of a recipe: the jobs of one shard, in parallel, each one skipped when its
// manifest entry shows it up to date, the manifest rewritten (atomically) as jobs finish so
// that an interrupted run resumes where it stopped.
//
// Before the jobs start, the temporaries of killed tapeop processes are removed from the
// output folders (stale_temps.hpp). A job is up to date when an earlier manifest in the
// output folder (any shard's) has an entry for the same outputs whose status is ok, whose
// tapeop version and recipe hash equal this run's, whose input hashes equal the current
// inputs', and whose output hashes equal the files on disk.
#include "tapeop/batch/manifest.hpp"
#include "tapeop/batch/shard.hpp"
#include "tapeop/recipe/runner.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::batch {

struct BatchOptions {
    recipe::RunOptions run; // out_dir holds the manifest
    Shard shard;
    bool force = false; // render every job, up to date or not
};

struct JobOutcome {
    recipe::Job job;
    JobRecord record; // as written to the manifest
};

// Called from worker threads: must be thread-safe.
struct BatchEvents {
    std::function<void(const recipe::Job&)> started; // a job starts rendering
    recipe::JobProgress progress;
    std::function<void(const JobOutcome&)> finished; // rendered, failed or up to date
};

struct BatchResult {
    std::vector<JobOutcome> jobs; // in the order given
    std::string manifest_path;
    std::string manifest_error;       // the manifest could not be written (the jobs still ran)
    std::vector<std::string> removed; // leftovers of killed runs, removed before starting
    std::size_t count(JobStatus s) const;
};

// Whether a job is up to date: `previous` holds earlier entries for the same outputs, most
// recent first; `current` this run's identity (version, recipe hash, input hashes, output
// paths relative to `out_dir`). Hashes the outputs on disk only when all else matches.
struct Freshness {
    const JobRecord* up_to_date = nullptr; // the entry that still describes the job
    std::string reason;                    // else why it must be rendered ("input changed: a.wav")
};
Freshness check_freshness(const std::vector<const JobRecord*>& previous, const JobRecord& current,
                          const std::string& out_dir);

// Runs `jobs` (a shard's, from shard_jobs). Throws Error only when the output folder cannot be
// created; a job's failure is in its record.
BatchResult run_batch(const recipe::Recipe& recipe, const std::vector<recipe::Job>& jobs,
                      const BatchOptions& options, const BatchEvents& events = {});

} // namespace tapeop::batch
