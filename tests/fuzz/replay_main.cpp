// Replays the fuzz targets' regression inputs without libFuzzer (any compiler, the normal
// and sanitizer builds): every file under <dir>/<target>/ runs once through that target.
// A crash, a sanitizer report or an escaping exception fails the test; so does a missing
// folder (a typo must not pass silently).
//
// Each target's source is compiled here with its entry points renamed (CMakeLists.txt), so
// one executable holds them all.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define TAPEOP_FUZZ_DECLARE(name)                                                                  \
    extern "C" int tapeop_fuzz_init_##name(int*, char***);                                         \
    extern "C" int tapeop_fuzz_##name(const std::uint8_t*, std::size_t);
TAPEOP_FUZZ_DECLARE(reader)
TAPEOP_FUZZ_DECLARE(recipe)
TAPEOP_FUZZ_DECLARE(spec)
TAPEOP_FUZZ_DECLARE(manifest)
TAPEOP_FUZZ_DECLARE(metadata)

namespace {

struct Target {
    const char* name;
    int (*init)(int*, char***);
    int (*run)(const std::uint8_t*, std::size_t);
};

const Target targets[] = {
    {"reader", tapeop_fuzz_init_reader, tapeop_fuzz_reader},
    {"recipe", tapeop_fuzz_init_recipe, tapeop_fuzz_recipe},
    {"spec", tapeop_fuzz_init_spec, tapeop_fuzz_spec},
    {"manifest", tapeop_fuzz_init_manifest, tapeop_fuzz_manifest},
    {"metadata", tapeop_fuzz_init_metadata, tapeop_fuzz_metadata},
};

std::vector<std::uint8_t> slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s REGRESSIONS_DIR\n", argv[0]);
        return 2;
    }
    const std::filesystem::path root = argv[1];
    if (!std::filesystem::is_directory(root)) {
        std::fprintf(stderr, "no such folder: %s\n", root.c_str());
        return 1;
    }
    std::size_t total = 0;
    for (const Target& t : targets) {
        t.init(&argc, &argv);
        const std::filesystem::path dir = root / t.name;
        if (!std::filesystem::is_directory(dir))
            continue;
        std::vector<std::filesystem::path> files;
        for (const auto& e : std::filesystem::directory_iterator(dir))
            if (e.is_regular_file() && e.path().filename() != "README.md")
                files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            const auto bytes = slurp(f);
            std::printf("%s: %s (%zu bytes)\n", t.name, f.filename().c_str(), bytes.size());
            std::fflush(stdout);
            t.run(bytes.data(), bytes.size());
            ++total;
        }
    }
    std::printf("%zu regression inputs replayed\n", total);
    return 0;
}
