#include "tapeop/stock.hpp"

#include <cstdlib>
#include <filesystem>

#ifndef TAPEOP_SOURCE_DIR
#define TAPEOP_SOURCE_DIR ""
#endif

namespace tapeop {

std::vector<std::string> stock_dirs(const std::string& sub) {
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("TAPEOP_DATA_DIR"); env && *env)
        candidates.push_back(fs::path(env) / sub);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        candidates.push_back(exe.parent_path() / ".." / "share" / "tapeop" / sub);
    if (*TAPEOP_SOURCE_DIR)
        candidates.push_back(fs::path(TAPEOP_SOURCE_DIR) / "recipes" / sub);
    std::vector<std::string> out;
    for (const auto& c : candidates)
        if (fs::is_directory(c, ec))
            out.push_back(c.lexically_normal().string());
    return out;
}

} // namespace tapeop
