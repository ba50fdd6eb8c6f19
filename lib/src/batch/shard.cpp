#include "tapeop/batch/shard.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace tapeop::batch {
namespace {

std::optional<long> to_long(const std::string& s) {
    long v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}

long env_number(const Environment& env, const std::string& name) {
    const auto text = env(name);
    const auto v = text ? to_long(*text) : std::nullopt;
    if (!v)
        throw UsageError("--shard auto: " + name + " is not a whole number: '" + text.value_or("") +
                         "'");
    return *v;
}

Shard checked(long index0, long count, const std::string& source) {
    if (count < 1 || count > 1000000)
        throw UsageError("--shard auto: the shard count from " + source +
                         " must be at least 1, not " + std::to_string(count));
    if (index0 < 0 || index0 >= count)
        throw UsageError("--shard auto: index " + std::to_string(index0) + " from " + source +
                         " is outside 0.." + std::to_string(count - 1));
    return {static_cast<int>(index0 + 1), static_cast<int>(count)};
}

Shard from_slurm(const Environment& env) {
    const long id = env_number(env, "SLURM_ARRAY_TASK_ID");
    const long min = env("SLURM_ARRAY_TASK_MIN") ? env_number(env, "SLURM_ARRAY_TASK_MIN") : 0;
    const long step =
        env("SLURM_ARRAY_TASK_STEP") ? std::max(1L, env_number(env, "SLURM_ARRAY_TASK_STEP")) : 1;
    if ((id - min) % step != 0)
        throw UsageError("--shard auto: SLURM_ARRAY_TASK_ID " + std::to_string(id) +
                         " is not on the array's step");
    long count = 0;
    std::string source = "SLURM_ARRAY_TASK_COUNT";
    if (env("TAPEOP_SHARDS")) {
        count = env_number(env, "TAPEOP_SHARDS");
        source = "TAPEOP_SHARDS";
    } else if (env("SLURM_ARRAY_TASK_COUNT")) {
        count = env_number(env, "SLURM_ARRAY_TASK_COUNT");
    } else if (env("SLURM_ARRAY_TASK_MAX")) {
        count = (env_number(env, "SLURM_ARRAY_TASK_MAX") - min) / step + 1;
        source = "SLURM_ARRAY_TASK_MIN/MAX";
    } else {
        throw UsageError(
            "--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor "
            "SLURM_ARRAY_TASK_MAX is (set TAPEOP_SHARDS to the number of tasks)");
    }
    return checked((id - min) / step, count, source);
}

Shard from_kubernetes(const Environment& env) {
    if (!env("TAPEOP_SHARDS"))
        throw UsageError("--shard auto: JOB_COMPLETION_INDEX is set but TAPEOP_SHARDS is not (set "
                         "it to the Job's "
                         "completions)");
    return checked(env_number(env, "JOB_COMPLETION_INDEX"), env_number(env, "TAPEOP_SHARDS"),
                   "TAPEOP_SHARDS");
}

std::string sort_key(const recipe::Job& job) {
    std::string key = job.name;
    for (const auto& o : job.outputs)
        key += '\n' + o;
    return key;
}

} // namespace

std::string Shard::label() const {
    return std::to_string(index) + "/" + std::to_string(count);
}

Environment process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (!v)
            return std::nullopt;
        return std::string(v);
    };
}

Shard parse_shard(const std::string& text, const Environment& env) {
    if (text == "auto") {
        if (env("JOB_COMPLETION_INDEX"))
            return from_kubernetes(env);
        if (env("SLURM_ARRAY_TASK_ID"))
            return from_slurm(env);
        throw UsageError(
            "--shard auto: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX "
            "(Kubernetes indexed job) is set; give --shard K/N");
    }
    const auto slash = text.find('/');
    const auto k = slash == std::string::npos ? std::nullopt : to_long(text.substr(0, slash));
    const auto n = slash == std::string::npos ? std::nullopt : to_long(text.substr(slash + 1));
    if (!k || !n)
        throw UsageError("--shard takes K/N (e.g. 2/4) or auto, not '" + text + "'");
    if (*n < 1 || *k < 1 || *k > *n || *n > 1000000)
        throw UsageError("--shard " + text + ": K counts from 1 to N (e.g. 1/4 ... 4/4)");
    return {static_cast<int>(*k), static_cast<int>(*n)};
}

std::vector<recipe::Job> shard_jobs(const std::vector<recipe::Job>& jobs, const Shard& shard) {
    std::vector<std::pair<std::string, const recipe::Job*>> sorted;
    sorted.reserve(jobs.size());
    for (const auto& j : jobs)
        sorted.emplace_back(sort_key(j), &j);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<recipe::Job> out;
    for (std::size_t i = 0; i < sorted.size(); ++i)
        if (static_cast<int>(i % static_cast<std::size_t>(shard.count)) == shard.index - 1)
            out.push_back(*sorted[i].second);
    return out;
}

std::string manifest_file_name(const Shard& shard) {
    if (shard.whole())
        return "tapeop-manifest.json";
    return "tapeop-manifest.shard-" + std::to_string(shard.index) + "-of-" +
           std::to_string(shard.count) + ".json";
}

} // namespace tapeop::batch
