#pragma once
// Leftovers of killed runs. The atomic writer names its temporaries
// ".NAME.tapeop-tmp-PID@HOST-XXXXXX" (io/writer.hpp); a process killed with SIGKILL cannot
// remove them, so the next run in that folder does, but only those whose process is gone:
// another tapeop (another shard, another recipe) may be writing into the same folder right now.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapeop::batch {

struct TempOwner {
    long pid = 0;
    std::string host;
};

// The writer of a temporary, from its file name (no folder); nullopt for any other name,
// including temporaries of older versions that carry no owner.
std::optional<TempOwner> temporary_owner(std::string_view file_name);

// The host name as the writer puts it in temporary names.
std::string this_host();

// Removes the temporaries in `dir` written by processes of this host that no longer run.
// Call it before this process writes into `dir`: a temporary carrying this process's own id is
// then a leftover of an earlier process that had the same id (containers restart at pid 1).
// Temporaries of other hosts (a shared network folder) and of live processes are kept.
// Returns the paths removed.
std::vector<std::string> remove_stale_temporaries(const std::string& dir);

// Removes the hidden work files a job of the recipe runner leaves when it is killed
// (".JOB.tapeop-work-N.w64" in the output folder, ".STEM.tapeop-tmp-verify.EXT" beside a lossy
// output). They carry no owner, but belong to the job: call it just before the job runs.
std::vector<std::string> remove_job_leftovers(const std::string& out_dir,
                                              const std::string& job_name,
                                              const std::vector<std::string>& outputs);

} // namespace tapeop::batch
