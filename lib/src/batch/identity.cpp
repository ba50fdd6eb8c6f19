#include "tapeop/batch/identity.hpp"

#include "tapeop/batch/hash.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tapeop::batch {
namespace {

namespace fs = std::filesystem;

std::string file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return "unreadable: " + path;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

std::string path_in(const std::string& dir, const std::string& path) {
    const fs::path base = fs::absolute(dir.empty() ? "." : dir).lexically_normal();
    return fs::absolute(path).lexically_normal().lexically_relative(base).string();
}

std::string job_plan_text(const recipe::Recipe& recipe, const recipe::Job& job,
                          const std::string& out_dir) {
    recipe::Job j = job;
    for (std::size_t i = 0; i < j.inputs.size(); ++i)
        j.inputs[i] = "input-" + std::to_string(i + 1);
    for (auto& o : j.outputs)
        o = path_in(out_dir, o);
    std::string text = recipe::describe_plan(recipe, recipe::Plan{{j}});
    // The first line names the recipe file: its location is not part of what it does (its text is).
    if (text.rfind("recipe ", 0) == 0)
        text.erase(0, text.find('\n') + 1);
    return text;
}

std::string recipe_texts_hash(const recipe::Recipe& recipe) {
    std::string all = file_text(recipe.file);
    for (const auto& inc : recipe.included)
        all += "\n--- use\n" + file_text(inc);
    return hash_bytes(all);
}

std::string job_recipe_hash(const std::string& plan_text, const std::string& recipe_texts_hash) {
    return hash_bytes(plan_text + "\n--- recipe texts " + recipe_texts_hash);
}

} // namespace tapeop::batch
