#include "tapeop/error.hpp"
#include "tapeop/io/folders.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace tapeop;
namespace fs = std::filesystem;

namespace {
// A fresh folder under the system temporary folder, removed at the end of the test.
struct TempDir {
    fs::path path = fs::temp_directory_path() / ("tapeop-folders-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
};
} // namespace

TEST_SUITE("io_folders") {

    TEST_CASE("a missing output folder is created with its parents") {
        TempDir t;
        const std::string deep = (t.path / "a" / "b" / "c").string();
        io::ensure_folder(deep);
        CHECK(fs::is_directory(deep));
        io::ensure_folder(deep); // already there: nothing to do
        io::ensure_parent_folder((t.path / "x" / "y" / "out.wav").string());
        CHECK(fs::is_directory(t.path / "x" / "y"));
        CHECK_FALSE(fs::exists(t.path / "x" / "y" / "out.wav"));
        io::ensure_parent_folder("out.wav"); // a bare name: the current folder
    }

    TEST_CASE("a file where a folder should be is a usage error naming that file") {
        TempDir t;
        const std::string file = (t.path / "file").string();
        std::ofstream(file) << "x";
        CHECK_THROWS_AS(io::ensure_folder(file), UsageError);
        try {
            io::ensure_folder(file + "/sub/deeper");
            FAIL("no error");
        } catch (const UsageError& e) {
            CHECK(e.where() == file);
            CHECK(e.message() == "is not a folder");
        }
        CHECK(fs::is_regular_file(file));
    }

    TEST_CASE("prepare_output tells a folder from a file and creates what is missing") {
        TempDir t;
        const std::string one = (t.path / "new" / "one.wav").string();
        CHECK_FALSE(io::prepare_output(one, 1));
        CHECK(fs::is_directory(t.path / "new"));
        const std::string several = (t.path / "batch" / "out").string();
        CHECK(io::prepare_output(several, 3));
        CHECK(fs::is_directory(several));
        CHECK(io::prepare_output(several, 1)); // an existing folder, one input
        CHECK(io::prepare_output((t.path / "slash").string() + "/", 1));
        CHECK(fs::is_directory(t.path / "slash"));
        std::ofstream((t.path / "f").string()) << "x";
        CHECK_THROWS_AS(io::prepare_output((t.path / "f").string(), 2), UsageError);
    }
}
