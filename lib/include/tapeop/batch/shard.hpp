#pragma once
// Sharding: the K-th of N deterministic slices of a batch's jobs, so that an existing engine
// (GNU parallel, Slurm job arrays, Kubernetes indexed jobs) spreads one batch over machines.
//
// Jobs are sorted by name and output paths (so the order of the command line does not matter)
// and dealt round-robin: sorted job i belongs to shard (i mod N) + 1. The N slices are disjoint
// and together hold every job exactly once; long and short files mix in every slice.
#include "tapeop/recipe/runner.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::batch {

struct Shard {
    int index = 1; // K, from 1 to count
    int count = 1; // N
    bool whole() const { return count == 1; }
    std::string label() const; // "2/4"
};

// Reads an environment variable (std::getenv in the CLI; a map in tests).
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment process_environment();

// "K/N" with 1 <= K <= N, or "auto": the 0-based task index of a Slurm array
// (SLURM_ARRAY_TASK_ID; the count from SLURM_ARRAY_TASK_COUNT, else from
// SLURM_ARRAY_TASK_MIN/MAX and SLURM_ARRAY_TASK_STEP) or of a Kubernetes indexed job
// (JOB_COMPLETION_INDEX; the count from TAPEOP_SHARDS, which the Job sets to its
// `completions`). TAPEOP_SHARDS, when set, also overrides the Slurm count.
// Throws UsageError saying what is missing or out of range.
Shard parse_shard(const std::string& text, const Environment& env);

// The jobs of `shard`, in sorted order (see above).
std::vector<recipe::Job> shard_jobs(const std::vector<recipe::Job>& jobs, const Shard& shard);

// The manifest's file name: "tapeop-manifest.json", or "tapeop-manifest.shard-K-of-N.json"
// so that shards writing to one folder never overwrite each other's manifest.
std::string manifest_file_name(const Shard& shard);

} // namespace tapeop::batch
