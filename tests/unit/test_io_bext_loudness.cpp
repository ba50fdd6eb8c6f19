#include "tapeop/io/bext_loudness.hpp"

#include "tapeop/io/writer.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>
#include <optional>
#include <sndfile.h>

using namespace tapeop;

TEST_SUITE("io_bext_loudness") {

    TEST_CASE("libsndfile's own CodingHistory line is taken off the end only") {
        const std::string ours = "A=PCM,F=48000,W=24,M=stereo,T=take 1\r\n";
        const std::string lsf = "A=PCM,F=48000,W=24,M=stereo,T=libsndfile-1.2.0\r\n";
        CHECK(io::without_libsndfile_line(ours + lsf) == ours);
        CHECK(io::without_libsndfile_line(lsf) == "");
        CHECK(io::without_libsndfile_line(ours) == ours);
        CHECK(io::without_libsndfile_line(lsf + ours) == lsf + ours);
        CHECK(io::without_libsndfile_line("") == "");
    }

    std::string without_lsf(const std::string& h) {
        return io::without_libsndfile_line(h);
    }
    // Lines libsndfile added ("A=PCM,F=48000,W=24,M=stereo,T=libsndfile-1.2.0").
    int lsf_lines(const std::string& h) {
        int n = 0;
        for (auto at = h.find("T=libsndfile-"); at != std::string::npos;
             at = h.find("T=libsndfile-", at + 1))
            ++n;
        return n;
    }

    // Writes 1 s of a -20 dBFS square wave at 48 kHz through AudioWriter, with bext loudness
    // begun before the audio (after `existing`, as the metadata hooks would set it) and
    // finished after it.
    std::optional<io::Bext> write_with_bext(const std::string& path,
                                            const std::optional<io::Bext>& existing) {
        io::OutputSpec spec;
        spec.sample_rate = 48000;
        spec.channels = 2;
        spec.sample_format = io::SampleFormat::pcm24;
        spec.expected_frames = 48000;
        io::AudioWriter w(path, spec);
        if (existing)
            REQUIRE(io::update_bext(w.handle(), *existing));
        io::BextLoudness b;
        b.begin(w.handle(), io::coding_history_line(48000, 24, 2, "tapeop test"), path);
        AudioBuffer block(2, 4800);
        for (int k = 0; k < 10; ++k) {
            for (std::size_t c = 0; c < 2; ++c)
                for (std::size_t i = 0; i < 4800; ++i)
                    block.view().channel(c)[i] = (i / 24) % 2 ? 0.1f : -0.1f;
            w.write(block.view());
        }
        b.finish(w.handle(), {-23.456, 4.444, -1.006, -20.0, -21.0}, path);
        w.commit();
        SF_INFO info{};
        SNDFILE* sf = sf_open(path.c_str(), SFM_READ, &info);
        REQUIRE(sf != nullptr);
        CHECK(info.frames == 48000); // the header kept its length: the data is where it was
        std::optional<io::Bext> out = io::bext_of(sf);
        sf_close(sf);
        return out;
    }

    TEST_CASE("bext loudness set after the audio reads back, the header length unchanged") {
        test::TempDir dir;
        const auto b = write_with_bext(dir.file("m.wav"), std::nullopt);
        REQUIRE(b);
        CHECK(b->version == 2);
        CHECK(b->loudness_value == -2346); // EBU Tech 3285 v2: value x 100, rounded
        CHECK(b->loudness_range == 444);
        CHECK(b->max_true_peak_level == -101); // -100.6, rounded
        CHECK(b->max_momentary_loudness == -2000);
        CHECK(b->max_shortterm_loudness == -2100);
        CHECK(without_lsf(b->coding_history) == "A=PCM,F=48000,W=24,M=stereo,T=tapeop test\r\n");
        CHECK(lsf_lines(b->coding_history) == 1);
    }

    TEST_CASE("an existing bext keeps its fields and history, the new line after it") {
        test::TempDir dir;
        io::Bext in;
        in.description = "Scene 12 take 3";
        in.time_reference = 172800000;
        in.coding_history = "A=PCM,F=48000,W=24,M=stereo,T=field recorder\r\n";
        const auto b = write_with_bext(dir.file("m.wav"), in);
        REQUIRE(b);
        CHECK(b->description == "Scene 12 take 3");
        CHECK(b->time_reference == 172800000);
        // libsndfile's own line once, at the end (not once per set).
        CHECK(without_lsf(b->coding_history) == "A=PCM,F=48000,W=24,M=stereo,T=field recorder\r\n"
                                                "A=PCM,F=48000,W=24,M=stereo,T=tapeop test\r\n");
        CHECK(lsf_lines(b->coding_history) == 1);
    }
}
