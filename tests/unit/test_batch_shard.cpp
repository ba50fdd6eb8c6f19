// Shards: K/N and auto from Slurm / Kubernetes; slices partition the sorted job list.
#include "tapeop/batch/shard.hpp"
#include "tapeop/error.hpp"

#include <doctest/doctest.h>
#include <map>
#include <set>

using namespace tapeop;

namespace {

batch::Environment env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end())
            return std::nullopt;
        return it->second;
    };
}

std::vector<recipe::Job> jobs_named(const std::vector<std::string>& names) {
    std::vector<recipe::Job> jobs;
    for (const auto& n : names)
        jobs.push_back({n, {n + ".wav"}, {"out/" + n + "-master.flac"}});
    return jobs;
}

} // namespace

TEST_SUITE("batch_shard") {
    TEST_CASE("K/N parses; K outside 1..N and other text are usage errors") {
        const auto none = env_of({});
        const batch::Shard s = batch::parse_shard("2/4", none);
        CHECK(s.index == 2);
        CHECK(s.count == 4);
        CHECK(s.label() == "2/4");
        for (const char* bad : {"0/4", "5/4", "1/0", "2", "a/b", "2/4x", "-1/4", ""})
            CHECK_THROWS_AS(batch::parse_shard(bad, none), UsageError);
    }

    TEST_CASE("auto reads a Slurm array index relative to its minimum, with the task count") {
        CHECK(batch::parse_shard(
                  "auto", env_of({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "3"}}))
                  .label() == "1/3");
        CHECK(batch::parse_shard("auto", env_of({{"SLURM_ARRAY_TASK_ID", "7"},
                                                 {"SLURM_ARRAY_TASK_MIN", "4"},
                                                 {"SLURM_ARRAY_TASK_MAX", "7"}}))
                  .label() == "4/4");
        // --array=0-12:4 runs ids 0, 4, 8, 12: four shards.
        CHECK(batch::parse_shard("auto", env_of({{"SLURM_ARRAY_TASK_ID", "8"},
                                                 {"SLURM_ARRAY_TASK_MIN", "0"},
                                                 {"SLURM_ARRAY_TASK_MAX", "12"},
                                                 {"SLURM_ARRAY_TASK_STEP", "4"}}))
                  .label() == "3/4");
        CHECK_THROWS_AS(batch::parse_shard("auto", env_of({{"SLURM_ARRAY_TASK_ID", "3"}})),
                        UsageError);
        CHECK_THROWS_AS(batch::parse_shard("auto", env_of({{"SLURM_ARRAY_TASK_ID", "3"},
                                                           {"SLURM_ARRAY_TASK_COUNT", "3"}})),
                        UsageError);
    }

    TEST_CASE("auto reads a Kubernetes completion index with TAPEOP_SHARDS, and needs both") {
        CHECK(batch::parse_shard("auto",
                                 env_of({{"JOB_COMPLETION_INDEX", "0"}, {"TAPEOP_SHARDS", "8"}}))
                  .label() == "1/8");
        CHECK_THROWS_WITH_AS(batch::parse_shard("auto", env_of({{"JOB_COMPLETION_INDEX", "0"}})),
                             doctest::Contains("TAPEOP_SHARDS"), UsageError);
        CHECK_THROWS_AS(batch::parse_shard("auto", env_of({{"JOB_COMPLETION_INDEX", "8"},
                                                           {"TAPEOP_SHARDS", "8"}})),
                        UsageError);
        CHECK_THROWS_AS(batch::parse_shard("auto", env_of({})), UsageError);
    }

    TEST_CASE("the N slices hold every job once, whatever the order of the command line") {
        const auto jobs = jobs_named({"f", "c", "a", "h", "b", "g", "e", "d", "i"});
        auto reversed = jobs;
        std::reverse(reversed.begin(), reversed.end());
        for (int n : {1, 2, 3, 4, 9, 12}) {
            std::multiset<std::string> seen;
            for (int k = 1; k <= n; ++k) {
                const auto slice = batch::shard_jobs(jobs, {k, n});
                const auto again = batch::shard_jobs(reversed, {k, n});
                REQUIRE(slice.size() == again.size());
                for (std::size_t i = 0; i < slice.size(); ++i)
                    CHECK(slice[i].name == again[i].name);
                for (const auto& j : slice)
                    seen.insert(j.name);
            }
            CHECK(seen.size() == jobs.size());
            CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == jobs.size());
        }
        // Round-robin over the sorted names: shard 1 of 4 holds a, e, i.
        const auto first = batch::shard_jobs(jobs, {1, 4});
        REQUIRE(first.size() == 3);
        CHECK(first[0].name == "a");
        CHECK(first[1].name == "e");
        CHECK(first[2].name == "i");
    }

    TEST_CASE("each shard has its own manifest name; a whole run has the plain one") {
        CHECK(batch::manifest_file_name({1, 1}) == "tapeop-manifest.json");
        CHECK(batch::manifest_file_name({3, 8}) == "tapeop-manifest.shard-3-of-8.json");
    }
}
