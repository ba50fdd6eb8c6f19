// qc::check_file / check_set / junit_xml: whole-file checks against specs, on written files.
#include "tapeop/qc/check.hpp"

#include "tapeop/analysis/loudness.hpp"
#include "tapeop/analysis/true_peak.hpp"
#include "tapeop/error.hpp"
#include "tapeop/gen/signals.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/io/text_file.hpp"
#include "tapeop/units.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace tapeop;

namespace {
constexpr int rate = 48000;

AudioBuffer music(double seconds, int channels = 2, std::uint64_t seed = 1, int sr = rate) {
    auto spec = gen::default_spec(gen::SignalKind::music);
    spec.sample_rate = sr;
    spec.duration_s = seconds;
    spec.channels = channels;
    spec.seed = seed;
    return gen::generate(spec);
}

qc::Spec spec_of(const std::string& text) {
    return qc::parse_spec(text, "test.spec");
}

std::vector<std::string> checks_found(const qc::FileReport& r) {
    std::vector<std::string> v;
    for (const auto& f : r.findings)
        v.push_back(f.check);
    return v;
}

const qc::Finding* find(const qc::FileReport& r, const std::string& check) {
    for (const auto& f : r.findings)
        if (f.check == check)
            return &f;
    return nullptr;
}

std::string written(test::TempDir& dir, const std::string& name, AudioBuffer& b,
                    io::SampleFormat fmt = io::SampleFormat::pcm24, int sr = rate) {
    const std::string path = dir.file(name);
    test::write_file(path, b, sr, fmt);
    return path;
}

} // namespace

TEST_SUITE("qc_check") {

    TEST_CASE("clean generated music passes the default spec with no finding at all") {
        test::TempDir dir;
        auto b = music(30);
        const auto r = qc::check_file(written(dir, "m.wav", b), qc::default_spec());
        CHECK(r.readable());
        CHECK(r.pass());
        CHECK(checks_found(r).empty());
        CHECK(std::find(r.checks.begin(), r.checks.end(), "hum") != r.checks.end());
    }

    TEST_CASE("the check table: every per-file check evaluates, names are unique, and the checks "
              "that ran are those whose needs the file meets, in table order") {
        std::vector<std::string> names;
        for (const auto& d : qc::check_defs()) {
            CHECK_MESSAGE((d.evaluate != nullptr) != bool(d.needs & qc::per_set), d.name);
            CHECK(std::count(names.begin(), names.end(), d.name) == 0);
            names.push_back(d.name);
        }
        test::TempDir dir;
        auto mono = music(5, 1);
        const auto m = qc::check_file(written(dir, "mono.wav", mono), qc::default_spec());
        // Mono: no stereo checks, no dead_channel; 24-bit: bit_depth runs.
        const std::vector<std::string> want{"nonfinite",    "clipping", "dc_offset", "silence",
                                            "hum",          "dropout",  "click",     "silence_head",
                                            "silence_tail", "bit_depth"};
        CHECK(m.checks == want);
        auto stereo = music(5, 2);
        const auto s = qc::check_file(written(dir, "s16.wav", stereo, io::SampleFormat::pcm16),
                                      qc::default_spec());
        // Stereo 16-bit: the stereo checks and dead_channel run, bit_depth does not.
        const std::vector<std::string> want16{
            "nonfinite", "clipping",     "dc_offset",   "silence", "dead_channel",
            "polarity",  "mono_compat",  "fake_stereo", "hum",     "dropout",
            "click",     "silence_head", "silence_tail"};
        CHECK(s.checks == want16);
        auto quiet = AudioBuffer(2, 48000);
        const auto q = qc::check_file(written(dir, "silent.wav", quiet), qc::default_spec());
        // Silence: only the checks that mean something on silence.
        const std::vector<std::string> want_silent{"nonfinite", "clipping", "dc_offset", "silence"};
        CHECK(q.checks == want_silent);
    }

    TEST_CASE("DC offset: -58.4 dBFS fails the -60 dBFS limit, -61.9 dBFS passes") {
        test::TempDir dir;
        for (double dc : {0.0012, 0.0008}) {
            auto b = music(10);
            double own = 0; // the music's own mean (about 1e-4)
            for (std::size_t i = 0; i < b.frames(); ++i)
                own += b.channel(0)[i];
            own /= double(b.frames());
            for (std::size_t i = 0; i < b.frames(); ++i)
                b.channel(0)[i] += static_cast<float>(dc);
            const auto r = qc::check_file(written(dir, "dc.wav", b), qc::default_spec());
            CAPTURE(dc);
            const auto* f = find(r, "dc_offset");
            if (dc > 0.001) {
                REQUIRE(f);
                CHECK(f->value ==
                      doctest::Approx(20 * std::log10(std::fabs(dc + own))).epsilon(0.001));
                CHECK(f->limit == -60);
                CHECK(f->message.find("ch 1") != std::string::npos);
                CHECK(f->severity == qc::Severity::error);
                CHECK_FALSE(r.pass());
            } else {
                CHECK(f == nullptr);
            }
        }
    }

    TEST_CASE("dead channel at -81 dBFS RMS is found, at -79 dBFS it is not; a silent file is "
              "'silence' only") {
        test::TempDir dir;
        for (double db : {-81.0, -79.0}) {
            auto b = music(10);
            const double a = db_to_gain(db) * std::sqrt(2.0);
            for (std::size_t i = 0; i < b.frames(); ++i)
                b.channel(1)[i] =
                    static_cast<float>(a * std::sin(2 * 3.14159265358979 * 997 * double(i) / rate));
            const auto r = qc::check_file(written(dir, "dead.wav", b, io::SampleFormat::float32),
                                          qc::default_spec());
            CAPTURE(db);
            const auto* f = find(r, "dead_channel");
            if (db < -80) {
                REQUIRE(f);
                CHECK(f->message.find("channel 2") == 0);
                CHECK(f->value == doctest::Approx(db).epsilon(0.01));
            } else {
                CHECK(f == nullptr);
            }
        }
        AudioBuffer z(2, rate * 5);
        const auto r = qc::check_file(written(dir, "silent.wav", z), qc::default_spec());
        CHECK(checks_found(r) == std::vector<std::string>{"silence"});
        CHECK_FALSE(r.pass());
    }

    TEST_CASE(
        "non-finite samples are a finding with the time of the first; the rest is still checked") {
        test::TempDir dir;
        auto b = music(5);
        b.channel(0)[rate * 2] = std::numeric_limits<float>::quiet_NaN();
        b.channel(1)[rate * 3] = std::numeric_limits<float>::infinity();
        const auto r = qc::check_file(written(dir, "nan.wav", b, io::SampleFormat::float32),
                                      qc::default_spec());
        REQUIRE(r.readable());
        const auto* f = find(r, "nonfinite");
        REQUIRE(f);
        CHECK(f->value == 2);
        CHECK(f->at_s == doctest::Approx(2.0));
        CHECK(f->message.find("00:02.000") != std::string::npos);
    }

    TEST_CASE("loudness, true peak and sample peak limits, each just inside and just outside") {
        test::TempDir dir;
        auto b = music(20);
        analysis::LoudnessMeter m(2, rate);
        m.add(b.view());
        const double L = m.integrated_lufs();
        const std::string path = written(dir, "m.wav", b);
        const auto base = qc::check_file(
            path, spec_of("loudness -23 LUFS tolerance=10 LU\ntrue_peak max=0 dBTP\n"));
        const double tp = base.measured.true_peak_dbtp, sp = base.measured.sample_peak_dbfs;
        CHECK(base.measured.integrated_lufs == doctest::Approx(L).epsilon(1e-3));
        char text[256];
        std::snprintf(text, sizeof text,
                      "loudness %.2f LUFS tolerance=0.9 LU\ntrue_peak max=%.2f dBTP\nsample_peak "
                      "max=%.2f dBFS\n",
                      L + 0.85, tp + 0.05, sp + 0.05);
        CHECK(qc::check_file(path, spec_of(text)).pass());
        std::snprintf(text, sizeof text,
                      "loudness %.2f LUFS tolerance=0.9 LU\ntrue_peak max=%.2f dBTP\nsample_peak "
                      "max=%.2f dBFS\n",
                      L + 0.95, tp - 0.05, sp - 0.05);
        const auto r = qc::check_file(path, spec_of(text));
        CHECK(checks_found(r) == std::vector<std::string>{"loudness", "true_peak", "sample_peak"});
        CHECK(find(r, "loudness")->limit == doctest::Approx(L + 0.05).epsilon(1e-3));
        CHECK(find(r, "true_peak")->value == doctest::Approx(tp));
    }

    TEST_CASE("format constraints: rate, sample format and channels outside the spec") {
        test::TempDir dir;
        auto b = music(3, 1);
        const auto path = written(dir, "m.wav", b, io::SampleFormat::pcm16, 44100);
        const auto r = qc::check_file(
            path, spec_of("sample_rate 48 kHz\nsample_format 24 float\nchannels 2\n"));
        CHECK(checks_found(r) ==
              std::vector<std::string>{"sample_rate", "sample_format", "channels"});
        CHECK(find(r, "sample_rate")->value == 44100);
        CHECK(find(r, "sample_rate")->limit == 48000);
        CHECK(find(r, "sample_format")->message ==
              "sample format pcm16; the spec wants pcm24 or float");
        CHECK(qc::check_file(path,
                             spec_of("sample_rate 44100 48000\nsample_format 16\nchannels 1 2\n"))
                  .pass());
    }

    TEST_CASE("leading silence of 2.5 s is over a 2 s limit, under a 3 s one; trailing silence "
              "from where it starts") {
        test::TempDir dir;
        auto m = music(10);
        AudioBuffer b(2, m.frames() + std::size_t(2.5 * rate) + 6 * rate);
        for (std::size_t c = 0; c < 2; ++c)
            std::copy(m.channel(c), m.channel(c) + m.frames(),
                      b.channel(c) + std::size_t(2.5 * rate));
        const auto path = written(dir, "s.wav", b);
        const auto r = qc::check_file(path, qc::default_spec());
        const auto* head = find(r, "silence_head");
        REQUIRE(head);
        CHECK(head->value == doctest::Approx(2.5).epsilon(0.01));
        CHECK(head->severity == qc::Severity::warning);
        CHECK(r.pass()); // warnings only
        const auto* tail = find(r, "silence_tail");
        REQUIRE(tail); // 6 s of zeros plus the music's own fade under -60 dBFS
        CHECK(tail->value > 6.0);
        CHECK(tail->at_s == doctest::Approx(12.5).epsilon(0.02));
        CHECK(find(qc::check_file(path, spec_of("silence_head max=3 s\nsilence_tail max=8 s\n")),
                   "silence_head") == nullptr);
    }

    TEST_CASE("a 24-bit file holding 16-bit audio is reported as bit_depth") {
        test::TempDir dir;
        auto b = music(3);
        auto p16 = written(dir, "a16.wav", b, io::SampleFormat::pcm16);
        auto b16 = test::read_file(p16);
        const auto r = qc::check_file(written(dir, "padded.wav", b16), qc::default_spec());
        const auto* f = find(r, "bit_depth");
        REQUIRE(f);
        CHECK(f->value == 16);
        CHECK(find(qc::check_file(written(dir, "full.wav", b), qc::default_spec()), "bit_depth") ==
              nullptr);
    }

    TEST_CASE("stem set: the odd rate, length, format and channel count are flagged in the odd "
              "file only") {
        test::TempDir dir;
        auto a = music(4, 2, 1), c = music(4, 2, 3), c44 = music(4, 2, 3, 44100),
             mono = music(4, 1, 4), shorter = music(3.5, 2, 5);
        std::vector<std::string> paths{written(dir, "a.wav", a),
                                       written(dir, "b.wav", c44, io::SampleFormat::pcm24, 44100),
                                       written(dir, "c.wav", c),
                                       written(dir, "mono.wav", mono),
                                       written(dir, "short.wav", shorter),
                                       written(dir, "f.wav", a, io::SampleFormat::float32)};
        const auto spec = spec_of("stem_mismatch on\n");
        std::vector<qc::FileReport> reports;
        for (const auto& p : paths)
            reports.push_back(qc::check_file(p, spec));
        qc::check_set(reports, spec);
        auto mismatches = [&](std::size_t i) {
            std::vector<std::string> m;
            for (const auto& f : reports[i].findings)
                if (f.check == "stem_mismatch")
                    m.push_back(f.message.substr(0, f.message.find(' ')));
            return m;
        };
        CHECK(mismatches(0).empty());
        CHECK(mismatches(1) == std::vector<std::string>{"sample"}); // rate (same duration)
        CHECK(mismatches(2).empty());
        CHECK(mismatches(3) == std::vector<std::string>{"1"}); // channels: a warning
        CHECK(mismatches(4) == std::vector<std::string>{"length"});
        CHECK(mismatches(5) == std::vector<std::string>{"sample"}); // format: a warning
        CHECK(reports[3].pass());
        CHECK_FALSE(reports[4].pass());
    }

    TEST_CASE("an unreadable file comes back with its error; JUnit lists one testcase per file and "
              "check") {
        test::TempDir dir;
        auto b = music(3);
        for (std::size_t i = 100; i < 110; ++i)
            b.channel(0)[i] = 1.0f;
        const auto spec = qc::default_spec();
        std::vector<qc::FileReport> reports{
            qc::check_file(written(dir, "clip.wav", b, io::SampleFormat::float32), spec),
            qc::check_file(dir.file("missing.wav"), spec)};
        CHECK(reports[1].error.find("missing.wav: cannot open") != std::string::npos);
        CHECK_FALSE(reports[1].pass());
        const auto* clip = find(reports[0], "clipping");
        REQUIRE(clip);
        CHECK(clip->at_s == doctest::Approx(100.0 / rate));
        const std::string xml = qc::junit_xml(reports, spec);
        CHECK(xml.find("<testcase classname=\"" + dir.file("clip.wav") + "\" name=\"clipping\">") !=
              std::string::npos);
        CHECK(xml.find("<failure message=\"1 clipped run(s)") != std::string::npos);
        CHECK(xml.find("name=\"read\">\n      <error message=") != std::string::npos);
        CHECK(xml.find("failures=\"1\" errors=\"1\"") != std::string::npos);
        const auto out = dir.file("junit.xml");
        io::write_text_file(out, xml);
        std::ifstream in(out);
        std::stringstream ss;
        ss << in.rdbuf();
        CHECK(ss.str() == xml);
        CHECK_THROWS_AS(io::write_text_file(dir.file("no/such/dir.xml"), xml), Error);
    }

    TEST_CASE("a Checker fed blocks of 1, 7 or 4096 frames, with its own meters or the caller's, "
              "finds what check_file finds") {
        test::TempDir dir;
        auto b = music(3);
        b.channel(1)[20000] += 0.4f; // a click
        for (std::size_t i = 0; i < b.frames(); ++i)
            b.channel(0)[i] += 0.002f; // DC
        const auto path = written(dir, "k.wav", b);
        const auto spec = spec_of("loudness target=-23 LUFS tolerance=1 LU\ntrue_peak max=-1 dBTP\n"
                                  "dc_offset max=-60 dBFS\nclick severity=error\n"
                                  "dropout severity=error\nhum severity=error\npolarity\n");
        const auto want = qc::check_file(path, spec);
        REQUIRE(want.readable());
        REQUIRE(want.findings.size() >= 3); // loudness, dc_offset, click
        for (const auto meters : {qc::Checker::Meters::own, qc::Checker::Meters::supplied})
            for (const std::size_t block : {std::size_t(1), std::size_t(7), std::size_t(4096)}) {
                CAPTURE(block);
                io::AudioReader reader(path);
                qc::Checker checker(spec, reader.info(), path, meters);
                analysis::LoudnessMeter loudness(2, rate);
                analysis::TruePeakMeter true_peak(2, rate);
                // The caller's level meter counts clipping at its own threshold (analyze's):
                // the checks read only its peak, RMS and DC.
                analysis::LevelMeter levels(2,
                                            analysis::clip_threshold(reader.info().sample_format));
                AudioBuffer buf(2, block);
                while (reader.read(buf) > 0) {
                    checker.add(buf.view());
                    loudness.add(buf.view());
                    true_peak.add(buf.view());
                    levels.add(buf.view());
                }
                qc::Measurements m;
                m.integrated_lufs = loudness.integrated_lufs();
                m.loudness_range_lu = loudness.loudness_range_lu();
                m.true_peak_dbtp = true_peak.true_peak_dbtp();
                const auto got = checker.finish({}, m, &levels);
                CHECK(got.checks == want.checks);
                REQUIRE(got.findings.size() == want.findings.size());
                for (std::size_t i = 0; i < got.findings.size(); ++i) {
                    const auto &g = got.findings[i], &w = want.findings[i];
                    CHECK(g.check == w.check);
                    CHECK(g.message == w.message);
                    CHECK((g.at_s == w.at_s || (std::isnan(g.at_s) && std::isnan(w.at_s))));
                    CHECK(g.times_s == w.times_s);
                    // Sums over the file may round differently in other block sizes: 1e-9.
                    if (std::isnan(w.value))
                        CHECK(std::isnan(g.value));
                    else
                        CHECK(g.value == doctest::Approx(w.value).epsilon(1e-9));
                }
            }
    }

    TEST_CASE("checking is deterministic") {
        test::TempDir dir;
        auto b = music(8);
        b.channel(1)[5000] += 0.3f;
        const auto path = written(dir, "d.wav", b);
        // The folder built in place, not by operator+: GCC 12 warns falsely (-Warray-bounds) on
        // that concatenation inlined into an initializer list.
        std::string specs = TAPEOP_SOURCE_DIR;
        specs.append("/recipes/specs");
        const std::vector<std::string> folders{specs};
        const auto spec = qc::load_spec("ebu-r128", folders);
        const auto r1 = qc::check_file(path, spec), r2 = qc::check_file(path, spec);
        REQUIRE(r1.findings.size() == r2.findings.size());
        for (std::size_t i = 0; i < r1.findings.size(); ++i) {
            CHECK(r1.findings[i].message == r2.findings[i].message);
            CHECK(std::memcmp(&r1.findings[i].value, &r2.findings[i].value, sizeof(double)) == 0);
        }
        CHECK(find(r1, "click"));
    }

} // TEST_SUITE
