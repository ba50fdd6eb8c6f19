// Leftovers of killed runs: the owner read from a temporary's name; only dead processes'
// temporaries of this host are removed.
#include "test_util.hpp"

#include "tapeop/batch/stale_temps.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace tapeop;
using tapeop::test::TempDir;

namespace {

void touch(const std::string& path) {
    std::ofstream(path) << "x";
}
bool exists(const std::string& path) {
    return std::filesystem::exists(path);
}

// The id of a process that has exited (and been reaped), so it no longer runs.
long dead_pid() {
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return static_cast<long>(child);
}

} // namespace

TEST_SUITE("batch_stale_temps") {
    TEST_CASE("the owner is read back from the writer's own temporary names") {
        const std::string name =
            std::filesystem::path(io::temporary_template_for("out/song.flac")).filename().string();
        const auto owner = batch::temporary_owner(name);
        REQUIRE(owner);
        CHECK(owner->pid == static_cast<long>(::getpid()));
        CHECK(owner->host == batch::this_host());
        CHECK_FALSE(batch::this_host().empty());
    }

    TEST_CASE("names without an owner are not temporaries to judge") {
        CHECK_FALSE(batch::temporary_owner("song.flac"));
        CHECK_FALSE(
            batch::temporary_owner(".song.flac.tapeop-tmp-AbC123")); // an older writer's: no owner
        CHECK_FALSE(batch::temporary_owner(".song.flac.tapeop-tmp-12x@host-AbC123"));
        CHECK_FALSE(batch::temporary_owner("song.flac.tapeop-tmp-12@host-AbC123")); // not hidden
        const auto o = batch::temporary_owner(".a-b.flac.tapeop-tmp-4242@render-07.farm-q1W2e3");
        REQUIRE(o);
        CHECK(o->pid == 4242);
        CHECK(o->host == "render-07.farm");
    }

    TEST_CASE(
        "removes dead and own-pid temporaries of this host; keeps live ones and other hosts'") {
        TempDir dir;
        const std::string host = batch::this_host();
        const std::string dead =
            dir.file(".a.wav.tapeop-tmp-" + std::to_string(dead_pid()) + "@" + host + "-AAAAAA");
        const std::string own =
            dir.file(".b.wav.tapeop-tmp-" + std::to_string(::getpid()) + "@" + host + "-BBBBBB");
        const std::string live =
            dir.file(".c.wav.tapeop-tmp-" + std::to_string(::getppid()) + "@" + host + "-CCCCCC");
        const std::string other = dir.file(".d.wav.tapeop-tmp-" + std::to_string(dead_pid()) +
                                           "@not-" + host + "-DDDDDD");
        const std::string legacy = dir.file(".e.wav.tapeop-tmp-EEEEEE");
        const std::string output = dir.file("e.wav");
        for (const auto& f : {dead, own, live, other, legacy, output})
            touch(f);
        const auto removed = batch::remove_stale_temporaries(dir.path());
        CHECK(removed.size() == 2);
        CHECK_FALSE(exists(dead));
        CHECK_FALSE(exists(own));
        CHECK(exists(live));
        CHECK(exists(other));
        CHECK(exists(legacy));
        CHECK(exists(output));
    }

    TEST_CASE("a job's finished work files and lossy verify files go; another job's and in-flight "
              "ones stay") {
        TempDir dir;
        const std::string mine = dir.file(".song.tapeop-work-1.w64");
        const std::string theirs = dir.file(".other.tapeop-work-1.w64");
        const std::string verify = dir.file(".song-podcast.tapeop-tmp-verify.mp3");
        const std::string writing = dir.file("..song.tapeop-work-2.w64.tapeop-tmp-1@h-XXXXXX");
        for (const auto& f : {mine, theirs, verify, writing})
            touch(f);
        batch::remove_job_leftovers(dir.path(), "song", {dir.file("song-podcast.mp3")});
        CHECK_FALSE(exists(mine));
        CHECK_FALSE(exists(verify));
        CHECK(exists(theirs));
        CHECK(exists(writing));
    }

    TEST_CASE("a lossy master's verification copy is unique, owned, and removed when dead") {
        TempDir dir;
        const std::string target = dir.file("song.mp3");
        std::string first;
        {
            io::OwnedTemporary a(target, ".verify.mp3");
            io::OwnedTemporary b(target, ".verify.mp3");
            first = a.path();
            CHECK(a.path() != b.path());
            CHECK(exists(a.path()));
            CHECK(a.path().ends_with(".verify.mp3"));
            const auto owner =
                batch::temporary_owner(std::filesystem::path(a.path()).filename().string());
            REQUIRE(owner);
            CHECK(owner->pid == static_cast<long>(::getpid()));
            CHECK(owner->host == batch::this_host());
        }
        CHECK_FALSE(exists(first)); // gone with its owner object
        // What a SIGKILL leaves: the next run removes it, and keeps a live process's.
        const std::string host = batch::this_host();
        const std::string dead = dir.file(".song.mp3.tapeop-tmp-" + std::to_string(dead_pid()) +
                                          "@" + host + "-a1B2c3.verify.mp3");
        const std::string live = dir.file(".song.mp3.tapeop-tmp-" + std::to_string(::getppid()) +
                                          "@" + host + "-a1B2c3.verify.mp3");
        touch(dead);
        touch(live);
        batch::remove_stale_temporaries(dir.path());
        CHECK_FALSE(exists(dead));
        CHECK(exists(live));
    }
}
