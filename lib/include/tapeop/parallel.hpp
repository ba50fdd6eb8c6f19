#pragma once
// Runs independent jobs on a fixed number of threads. Results are written by index, so the
// outcome never depends on the number of threads or their timing.
#include <cstddef>
#include <functional>

namespace tapeop {

// The default job count: the machine's cores (at least 1).
int default_jobs();

// Calls job(i) for i in [0, count) on up to `jobs` threads (0: default_jobs()). Each job must
// catch its own exceptions; one that escapes is rethrown here after all threads finish.
void parallel_for(std::size_t count, int jobs, const std::function<void(std::size_t)>& job);

} // namespace tapeop
