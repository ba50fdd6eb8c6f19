// The batch manifest: JSON round trip, atomic write, merge (each job once, paths relative to
// the merged file), and the up-to-date decision of incremental re-runs.
#include "test_util.hpp"

#include "tapeop/batch/batch_run.hpp"
#include "tapeop/batch/hash.hpp"
#include "tapeop/batch/manifest.hpp"
#include "tapeop/error.hpp"

#include <cmath>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace tapeop;
using tapeop::test::TempDir;

namespace {

void write_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

batch::JobRecord job(const std::string& name, const std::string& output,
                     const std::string& finished_at,
                     batch::JobStatus status = batch::JobStatus::ok) {
    batch::JobRecord r;
    r.name = name;
    r.status = status;
    r.version = "1.0.0";
    r.recipe_hash = "r1";
    r.inputs.push_back({"/in/" + name + ".wav", 10, "i-" + name, std::nullopt});
    r.outputs.push_back({output, 0, "", std::nullopt});
    r.finished_at = finished_at;
    return r;
}

batch::Manifest manifest_of(std::vector<batch::JobRecord> jobs) {
    batch::Manifest m;
    m.version = "1.0.0";
    m.recipe_file = "x.recipe";
    m.recipe_hash = "t1";
    m.jobs = std::move(jobs);
    return m;
}

} // namespace

TEST_SUITE("batch_manifest") {
    TEST_CASE("a manifest survives write and read; silence and unmeasured levels are null") {
        TempDir dir;
        batch::Manifest m = manifest_of({job("a", "a-master.flac", "2024-01-01T00:00:00Z")});
        m.params = {{"target", "-14LUFS"}};
        m.shard = "2/4";
        batch::Levels before;
        before.integrated_lufs = -HUGE_VAL;
        before.true_peak_dbtp = -3.25;
        m.jobs[0].inputs[0].levels = before;
        m.jobs[0].notes = {"gain 3 dB"};
        const std::string path = dir.file("tapeop-manifest.json");
        batch::write_manifest(path, m);
        const batch::Json j = batch::Json::parse(std::ifstream(path));
        CHECK(j["jobs"][0]["inputs"][0]["before"]["integrated_lufs"].is_null());
        CHECK(j["jobs"][0]["inputs"][0]["before"]["sample_peak_dbfs"].is_null());
        const batch::Manifest back = batch::read_manifest(path);
        CHECK(back.shard == "2/4");
        CHECK(back.params.at("target") == "-14LUFS");
        REQUIRE(back.jobs.size() == 1);
        CHECK(back.jobs[0].status == batch::JobStatus::ok);
        CHECK(back.jobs[0].inputs[0].xxh3 == "i-a");
        REQUIRE(back.jobs[0].inputs[0].levels);
        CHECK(back.jobs[0].inputs[0].levels->true_peak_dbtp == doctest::Approx(-3.25));
        CHECK(std::isnan(back.jobs[0].inputs[0].levels->integrated_lufs));
        CHECK(back.jobs[0].notes == std::vector<std::string>{"gain 3 dB"});
        // Written atomically: nothing but the manifest in the folder.
        CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
    }

    TEST_CASE("reading something that is not a manifest names the file") {
        TempDir dir;
        write_text(dir.file("tapeop-manifest.json"), "{\"tool\": \"other\"}");
        CHECK_THROWS_WITH_AS(batch::read_manifest(dir.file("tapeop-manifest.json")),
                             doctest::Contains("tapeop-manifest.json"), Error);
        write_text(dir.file("broken.json"), "{");
        CHECK_THROWS_AS(batch::read_manifest(dir.file("broken.json")), Error);
    }

    TEST_CASE("a count that is not an integer that fits is an error naming the file") {
        // nlohmann casts a float to an integer type unchecked: 1e300 as a size was undefined
        // behaviour (found by the manifest fuzzer under UBSan).
        TempDir dir;
        const std::string head = R"({"tool": "tapeop", "jobs": [{"name": "a", "status": "ok", )";
        for (const char* bad :
             {R"("inputs": [{"path": "a.wav", "size_bytes": 1e300}])",
              R"("inputs": [{"path": "a.wav", "size_bytes": -1}])",
              R"("outputs": [{"path": "a.flac", "after": {"sample_rate": 1e300}}])",
              R"("outputs": [{"path": "a.flac", "after": {"sample_rate": 4294967296}}])",
              R"("outputs": [{"path": "a.flac", "after": {"sample_rate": "48000"}}])"}) {
            CAPTURE(bad);
            const std::string path = dir.file("tapeop-manifest.json");
            write_text(path, head + bad + "}]}");
            CHECK_THROWS_WITH_AS(batch::read_manifest(path),
                                 doctest::Contains("tapeop-manifest.json: malformed manifest"),
                                 Error);
        }
        const std::string path = dir.file("tapeop-manifest.json");
        write_text(path,
                   head + R"("inputs": [{"path": "a.wav", "size_bytes": 18446744073709551615}],
                                   "outputs": [{"path": "a.flac", "after": {"sample_rate": 768000}}]}]})");
        const batch::Manifest m = batch::read_manifest(path);
        CHECK(m.jobs[0].inputs[0].size_bytes == 18446744073709551615u);
        CHECK(m.jobs[0].outputs[0].levels->sample_rate == 768000);
    }

    TEST_CASE("merge lists each job once, the most recent success winning, paths relative to the "
              "result") {
        TempDir dir;
        std::filesystem::create_directories(dir.file("out"));
        batch::write_manifest(
            dir.file("out/tapeop-manifest.shard-1-of-2.json"),
            manifest_of({job("a", "a.flac", "2024-01-01T00:00:01Z"),
                         job("c", "c.flac", "2024-01-01T00:00:09Z", batch::JobStatus::failed)}));
        batch::write_manifest(dir.file("out/tapeop-manifest.shard-2-of-2.json"),
                              manifest_of({job("b", "b.flac", "2024-01-01T00:00:02Z"),
                                           job("c", "c.flac", "2024-01-01T00:00:03Z")}));
        batch::write_manifest(dir.file("out/tapeop-manifest.json"),
                              manifest_of({job("a", "a.flac", "2024-01-01T00:00:05Z")}));
        CHECK(batch::manifests_in(dir.file("out")).size() == 3);
        const batch::Manifest m = batch::merge_manifests({dir.file("out")}, dir.path());
        REQUIRE(m.jobs.size() == 3);
        CHECK(m.merged_from.size() == 3);
        CHECK(m.jobs[0].name == "a");
        CHECK(m.jobs[0].finished_at == "2024-01-01T00:00:05Z");
        CHECK(m.jobs[0].outputs[0].path == "out/a.flac");
        CHECK(m.jobs[2].name == "c");
        CHECK(m.jobs[2].status == batch::JobStatus::ok); // success beats a later failure
        CHECK_THROWS_AS(batch::merge_manifests({dir.path()}, dir.path()),
                        Error); // no manifest there
    }

    TEST_CASE(
        "a job is up to date only when version, recipe, inputs and the outputs on disk all match") {
        TempDir dir;
        write_text(dir.file("a.flac"), "rendered");
        batch::JobRecord prev = job("a", "a.flac", "2024-01-01T00:00:00Z");
        const batch::FileHash h = batch::hash_file(dir.file("a.flac"));
        prev.outputs[0].size_bytes = h.size_bytes;
        prev.outputs[0].xxh3 = h.xxh3;
        const batch::JobRecord current = job("a", "a.flac", "");
        auto fresh = [&](const batch::JobRecord& c) {
            return batch::check_freshness({&prev}, c, dir.path());
        };

        CHECK(fresh(current).up_to_date == &prev);
        CHECK(batch::check_freshness({}, current, dir.path()).reason == "no manifest entry");
        batch::JobRecord c = current;
        c.version = "1.0.1";
        CHECK(fresh(c).reason.find("version changed") != std::string::npos);
        c = current;
        c.recipe_hash = "r2";
        CHECK(fresh(c).reason == "recipe or parameters changed");
        c = current;
        c.inputs[0].xxh3 = "changed";
        CHECK(fresh(c).reason == "input changed: a.wav");

        write_text(dir.file("a.flac"), "renderee"); // same size, other bytes
        CHECK(fresh(current).reason == "output changed on disk: a.flac");
        std::filesystem::remove(dir.file("a.flac"));
        CHECK(fresh(current).reason == "output missing: a.flac");

        write_text(dir.file("a.flac"), "rendered");
        prev.status = batch::JobStatus::failed;
        CHECK_FALSE(fresh(current).up_to_date);
        // An older successful entry still counts when the most recent one failed.
        batch::JobRecord older = prev;
        older.status = batch::JobStatus::up_to_date;
        CHECK(batch::check_freshness({&prev, &older}, current, dir.path()).up_to_date == &older);
    }
}
