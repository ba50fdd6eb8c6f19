#include "tapeop/io/folders.hpp"

#include "tapeop/error.hpp"

#include <filesystem>
#include <system_error>

namespace tapeop::io {

namespace fs = std::filesystem;

void ensure_folder(const std::string& dir, const std::string& why) {
    if (dir.empty())
        return;
    std::error_code ec;
    if (fs::is_directory(dir, ec))
        return;
    // Another job may have made it since (run -j N writes its pages into one folder): only
    // something else in its place is an error.
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw UsageError(why, dir);
    fs::create_directories(dir, ec);
    if (ec) {
        // A parent that is a file ("not a directory"): name that file, as for `dir` itself.
        for (fs::path p = fs::path(dir).parent_path(); !p.empty(); p = p.parent_path()) {
            std::error_code e2;
            if (fs::exists(p, e2) && !fs::is_directory(p, e2))
                throw UsageError("is not a folder", p.string());
            if (p == p.parent_path())
                break;
        }
        throw Error("cannot create the folder: " + ec.message(), dir);
    }
}

void ensure_parent_folder(const std::string& file) {
    const fs::path parent = fs::path(file).parent_path();
    if (!parent.empty())
        ensure_folder(parent.string());
}

bool prepare_output(const std::string& out, std::size_t inputs) {
    std::error_code ec;
    const bool folder =
        inputs > 1 || fs::is_directory(out, ec) || (!out.empty() && out.back() == '/');
    if (folder)
        ensure_folder(out, inputs > 1 ? "is not a folder (several inputs need an output folder)"
                                      : "is not a folder");
    else
        ensure_parent_folder(out);
    return folder;
}

} // namespace tapeop::io
