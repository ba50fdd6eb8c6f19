#pragma once
// Output folders: every command creates a missing output folder (with its parents), as `mkdir
// -p` would, and refuses a path that exists but is not a folder. Called once per command
// before any job writes, so parallel jobs never race to create the same folder.
#include <cstddef>
#include <string>

namespace tapeop::io {

// Creates `dir` and its missing parents. Throws UsageError naming `dir` when it (or a parent)
// exists and is not a folder, Error when it cannot be created (permissions, read-only disk).
void ensure_folder(const std::string& dir, const std::string& why = "is not a folder");

// Creates the folder an output file goes into (nothing for a bare file name).
void ensure_parent_folder(const std::string& file);

// Whether the output `out` of a command with `inputs` inputs is a folder: several inputs, an
// existing folder, or a path ending in "/". A folder is created here when missing.
bool prepare_output(const std::string& out, std::size_t inputs);

} // namespace tapeop::io
