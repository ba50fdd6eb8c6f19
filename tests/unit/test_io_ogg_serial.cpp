// Deterministic Ogg outputs: the Ogg CRC, the serial rewrite, and byte-identical files.
#include "test_util.hpp"

#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/io/ogg_serial.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace tapeop;
using tapeop::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<unsigned char> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string write_music(const std::string& path) {
    gen::SignalSpec s = gen::default_spec(gen::SignalKind::music);
    s.duration_s = 2.0;
    gen::generate_to_file(s, path, io::SampleFormat::lossy);
    return path;
}

// Serial and CRC of every page, walked independently of the module under test.
struct Page {
    std::uint32_t serial, crc;
};
std::vector<Page> pages_of(const std::vector<unsigned char>& d) {
    std::vector<Page> out;
    std::size_t at = 0;
    while (at + 27 <= d.size()) {
        REQUIRE(std::string(d.begin() + long(at), d.begin() + long(at) + 4) == "OggS");
        auto le = [&](std::size_t p) {
            return d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (std::uint32_t(d[p + 3]) << 24);
        };
        const std::size_t segs = d[at + 26];
        std::size_t body = 0;
        for (std::size_t i = 0; i < segs; ++i)
            body += d[at + 27 + i];
        out.push_back({le(at + 14), le(at + 22)});
        at += 27 + segs + body;
    }
    CHECK(at == d.size());
    return out;
}

} // namespace

TEST_SUITE("io_ogg_serial") {
    TEST_CASE("the Ogg CRC is CRC-32 with polynomial 0x04c11db7, init 0, no reflection, no xor") {
        // CRC-32/POSIX (cksum) is the same computation with a final xor: its check value
        // 0x765E7680 for "123456789", inverted.
        const std::string check = "123456789";
        CHECK(io::ogg_crc(reinterpret_cast<const unsigned char*>(check.data()), check.size()) ==
              (0x765E7680u ^ 0xFFFFFFFFu));
        CHECK(io::ogg_crc(nullptr, 0) == 0u);
    }

    TEST_CASE("Vorbis and Opus outputs are byte-identical for one name in any folder, and carry "
              "the serial derived from the name") {
        TempDir dir;
        fs::create_directories(dir.file("a"));
        fs::create_directories(dir.file("b"));
        for (const char* ext : {"ogg", "opus"}) {
            CAPTURE(ext);
            const std::string name = std::string("song.") + ext;
            const auto a = slurp(write_music(dir.file("a/" + name)));
            const auto b = slurp(write_music(dir.file("b/" + name)));
            CHECK(a == b);
            const auto other = slurp(write_music(dir.file("a/other." + std::string(ext))));
            const auto pa = pages_of(a), po = pages_of(other);
            REQUIRE(pa.size() > 3);
            for (const Page& p : pa)
                CHECK(p.serial == pa.front().serial);
            CHECK(pa.front().serial != po.front().serial);
            // The file decodes completely: libogg drops pages whose CRC fails.
            const AudioBuffer back = test::read_file(dir.file("a/" + name));
            CHECK(back.frames() >= 96000);
        }
    }

    TEST_CASE("rewriting sets every page's serial and a CRC that verifies") {
        TempDir dir;
        const std::string path = write_music(dir.file("x.ogg"));
        const std::size_t n = io::rewrite_ogg_serial(path, 0x12345678u);
        auto d = slurp(path);
        const auto pages = pages_of(d);
        CHECK(pages.size() == n);
        std::size_t at = 0;
        for (const Page& p : pages) {
            CHECK(p.serial == 0x12345678u);
            const std::size_t segs = d[at + 26];
            std::size_t body = 0;
            for (std::size_t i = 0; i < segs; ++i)
                body += d[at + 27 + i];
            const std::size_t size = 27 + segs + body;
            std::vector<unsigned char> page(d.begin() + long(at), d.begin() + long(at + size));
            std::fill(page.begin() + 22, page.begin() + 26, 0);
            CHECK(io::ogg_crc(page.data(), size) == p.crc);
            at += size;
        }
        CHECK(test::read_file(path).frames() >= 96000);
    }

    TEST_CASE("a damaged Ogg file is refused, naming it") {
        TempDir dir;
        const std::string path = write_music(dir.file("y.ogg"));
        fs::resize_file(path, fs::file_size(path) - 100);
        std::string what;
        try {
            io::rewrite_ogg_serial(path, 1);
        } catch (const Error& e) {
            what = e.what();
        }
        CHECK(what.find(path + ": damaged Ogg output") == 0);
        std::ofstream(dir.file("z.ogg")) << "not an ogg file at all, just text";
        CHECK_THROWS_AS(io::rewrite_ogg_serial(dir.file("z.ogg"), 1), Error);
    }
}
