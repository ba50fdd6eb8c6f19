#pragma once
// The batch manifest: tapeop-manifest.json in the output folder (one per shard, see
// shard.hpp). It records what a run did, and is what makes a re-run incremental: a job whose
// entry still matches its inputs, recipe, version and outputs on disk is not rendered again.
//
// Paths: inputs are absolute (for the record); outputs are relative to the folder holding the
// manifest, so a folder of deliverables can move with its manifest. Levels of silence and
// values never measured are JSON null.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tapeop::batch {

using Json = nlohmann::ordered_json;

inline constexpr int manifest_format = 1;
// The JSON vocabulary's version (docs/schema/manifest.json), as in every command's --json.
inline constexpr int manifest_schema = 1;

// Measurements of one file: "before" for an input, "after" for an output.
struct Levels {
    double integrated_lufs = std::numeric_limits<double>::quiet_NaN();
    double true_peak_dbtp = std::numeric_limits<double>::quiet_NaN();
    double sample_peak_dbfs = std::numeric_limits<double>::quiet_NaN();
    double loudness_range_lu = std::numeric_limits<double>::quiet_NaN();
    double duration_s = std::numeric_limits<double>::quiet_NaN();
    std::string subtype;
    int sample_rate = 0;
};

struct FileRecord {
    std::string path;
    std::uint64_t size_bytes = 0;
    std::string xxh3;
    std::optional<Levels> levels;
};

enum class JobStatus { ok, failed, up_to_date };
const char* status_name(JobStatus s); // "ok", "failed", "up-to-date"

struct JobRecord {
    std::string name;
    JobStatus status = JobStatus::failed;
    std::string error;       // failed jobs: why, in one line
    std::string reason;      // why it was rendered ("no manifest entry", "input changed: a.wav")
    std::string version;     // tapeop version that rendered the outputs
    std::string recipe_hash; // of the job's resolved plan and the recipe texts (identity.hpp)
    std::string plan;        // the resolved plan text that hash covers
    std::vector<FileRecord> inputs;
    std::vector<FileRecord> outputs;
    std::vector<std::string> notes;
    double seconds = 0.0;       // wall time of the render
    double audio_seconds = 0.0; // length of the job's audio
    std::string finished_at;    // UTC, ISO 8601
};

struct Manifest {
    std::string version; // of the tapeop that wrote it
    std::string recipe_file;
    std::string recipe_hash; // texts of the recipe and of the recipes it `use`s
    std::vector<std::string> recipe_included;
    std::map<std::string, std::string> params; // resolved recipe params
    std::string shard;                         // "K/N"; empty for a whole run
    std::string output_dir;                    // absolute, as the run saw it
    std::string started_at;
    std::string finished_at;
    std::vector<std::string> merged_from; // `manifest merge` only: the manifests read
    std::vector<JobRecord> jobs;
};

Json to_json(const Manifest& m);
// Throws Error naming `where` when a required key is missing or has the wrong type.
Manifest manifest_from_json(const Json& j, const std::string& where);

// Throws Error naming the file when it cannot be read or is not a tapeop manifest.
Manifest read_manifest(const std::string& path);
// Atomic: a hidden temporary in the same folder, renamed over `path`.
void write_manifest(const std::string& path, const Manifest& m);
// write_manifest for a run: under an exclusive lock on the manifest's folder (flock), reads
// the manifest there again and keeps the entries that another run wrote meanwhile (jobs with
// outputs `m` does not have, finished since m.started_at), so concurrent runs into one folder
// lose no entries.
void update_manifest(const std::string& path, const Manifest& m);

// The manifests in a folder (tapeop-manifest.json and the shards'), sorted by name.
std::vector<std::string> manifests_in(const std::string& dir);

// Combines manifests (files, or folders whose manifests are all read). Each job appears
// once: the key is its outputs' absolute paths (its name when it has none); of duplicates
// the most recent successful entry wins. Output paths are rewritten relative to `out_dir`
// (where the merged manifest will live); jobs are sorted by that path.
Manifest merge_manifests(const std::vector<std::string>& sources, const std::string& out_dir);

// Now, UTC, ISO 8601 to the second ("2024-05-01T12:00:00Z").
std::string utc_now();

} // namespace tapeop::batch
