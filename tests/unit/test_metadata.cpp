// Metadata: read from files made by libsndfile directly and by the reference tools (metaflac,
// ffmpeg, opusenc), written back by the writer's hook, moved with the audio.
#include "test_util.hpp"

#include "tapeop/io/metadata.hpp"

#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sndfile.h>
#include <string>
#include <taglib/id3v2tag.h>
#include <taglib/mpegfile.h>
#include <taglib/privateframe.h>
#include <taglib/relativevolumeframe.h>
#include <taglib/textidentificationframe.h>
#include <vector>

using namespace tapeop;
using tapeop::test::TempDir;

namespace {

const std::string ixml = "<BWFXML><PROJECT>Film</PROJECT><SCENE>12A</SCENE><TAKE>3</TAKE></BWFXML>";

void put_u32(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// LIST/adtl with a labl per cue, as a DAW writes it (each labl padded to an even size).
std::string adtl(const std::vector<std::pair<std::uint32_t, std::string>>& labels) {
    std::string s = "adtl";
    for (const auto& [id, text] : labels) {
        s += "labl";
        put_u32(s, static_cast<std::uint32_t>(4 + text.size() + 1));
        put_u32(s, id);
        s += text;
        s += '\0';
        if ((text.size() + 1) % 2)
            s += '\0';
    }
    return s;
}

// A Broadcast WAVE take: bext with every field, iXML, INFO strings and two labelled cues, made
// with libsndfile's own calls (not ours). 1 s of silence, 48 kHz stereo 24-bit.
void write_bwf(const std::string& path) {
    SF_INFO si{};
    si.samplerate = 48000;
    si.channels = 2;
    si.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &si);
    REQUIRE(f != nullptr);
    SF_BROADCAST_INFO_VAR(256) b{};
    std::strcpy(b.description, "Scene 12A take 3");
    std::strcpy(b.originator, "Field recorder");
    std::strcpy(b.originator_reference, "USREC0123456789");
    std::strcpy(b.origination_date, "2026-12-01");
    std::strcpy(b.origination_time, "10:20:30");
    b.time_reference_low = 172800000u; // 01:00:00 at 48 kHz
    b.time_reference_high = 0;
    b.version = 1;
    for (int i = 0; i < 64; ++i)
        b.umid[i] = static_cast<char>(i + 1);
    const char history[] = "A=PCM,F=48000,W=24,M=stereo,T=Recorder\r\n";
    std::memcpy(b.coding_history, history, sizeof history - 1);
    b.coding_history_size = sizeof history - 1;
    REQUIRE(sf_command(f, SFC_SET_BROADCAST_INFO, &b, sizeof b) == SF_TRUE);
    sf_set_string(f, SF_STR_TITLE, "Take three");
    sf_set_string(f, SF_STR_ARTIST, "The Band");
    SF_CUES_VAR(2) cues{};
    cues.cue_count = 2;
    const std::uint32_t at[2] = {4800, 24000};
    for (int i = 0; i < 2; ++i) {
        cues.cue_points[i].indx = i + 1;
        cues.cue_points[i].position = at[i];
        std::memcpy(&cues.cue_points[i].fcc_chunk, "data", 4);
        cues.cue_points[i].sample_offset = at[i];
    }
    REQUIRE(sf_command(f, SFC_SET_CUE, &cues, sizeof cues) == SF_TRUE);
    std::string x = ixml, labels = adtl({{1, "Verse"}, {2, "Chorus 1"}});
    REQUIRE(x.size() % 4 == 0); // libsndfile pads chunks to 4 bytes
    REQUIRE(labels.size() % 4 == 0);
    SF_CHUNK_INFO ci{};
    std::memcpy(ci.id, "iXML", 4);
    ci.id_size = 4;
    ci.datalen = static_cast<unsigned>(x.size());
    ci.data = x.data();
    REQUIRE(sf_set_chunk(f, &ci) == SF_ERR_NO_ERROR);
    SF_CHUNK_INFO li{};
    std::memcpy(li.id, "LIST", 4);
    li.id_size = 4;
    li.datalen = static_cast<unsigned>(labels.size());
    li.data = labels.data();
    REQUIRE(sf_set_chunk(f, &li) == SF_ERR_NO_ERROR);
    std::vector<int> silence(2 * 48000, 0);
    REQUIRE(sf_writef_int(f, silence.data(), 48000) == 48000);
    REQUIRE(sf_close(f) == 0);
}

void sh(const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system((cmd + " >/dev/null 2>&1").c_str()) == 0);
}

AudioBuffer tone(std::size_t frames) {
    AudioBuffer a(2, frames);
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < frames; ++i)
            a.channel(c)[i] = 0.25f * static_cast<float>(std::sin(0.05 * double(i)));
    return a;
}

// dir/src.wav: `frames` of tone(), 48 kHz 16-bit, with no metadata.
std::string tone_file(TempDir& dir, std::size_t frames) {
    const auto src = dir.file("src.wav");
    AudioBuffer a = tone(frames);
    test::write_file(src, a, 48000, io::SampleFormat::pcm16);
    return src;
}

// Copies `in` to `out` through AudioWriter with `m` attached.
void copy_with(const std::string& in, const std::string& out, const io::Metadata& m) {
    io::AudioReader r(in);
    io::AudioWriter w(out, io::output_spec_for(out, r.info()));
    w.set_metadata(m);
    AudioBuffer buf(static_cast<std::size_t>(r.info().channels), 4096);
    while (r.read(buf))
        w.write(buf.view());
    w.commit();
}

const io::Chunk* find_chunk(const io::Metadata& m, const std::string& id) {
    for (const auto& c : m.chunks)
        if (c.id == id)
            return &c;
    return nullptr;
}

} // namespace

TEST_SUITE("metadata") {
    TEST_CASE("a BWF made by libsndfile reads back with every bext field, iXML, INFO and cues") {
        TempDir dir;
        const auto wav = dir.file("take.wav");
        write_bwf(wav);
        const io::Metadata m = io::read_metadata(wav);
        CHECK(m.sample_rate == 48000);
        REQUIRE(m.bext);
        CHECK(m.bext->description == "Scene 12A take 3");
        CHECK(m.bext->originator == "Field recorder");
        CHECK(m.bext->originator_reference == "USREC0123456789");
        CHECK(m.bext->origination_date == "2026-12-01");
        CHECK(m.bext->origination_time == "10:20:30");
        CHECK(m.bext->time_reference == 172800000u);
        REQUIRE(m.bext->umid.size() == 64);
        CHECK(m.bext->umid[0] == 1);
        CHECK(m.bext->umid[63] == 64);
        // libsndfile appends its own line to what we gave (a known limit).
        CHECK(m.bext->coding_history.rfind("A=PCM,F=48000,W=24,M=stereo,T=Recorder\r\n", 0) == 0);
        CHECK(m.tags.at("TITLE") == std::vector<std::string>{"Take three"});
        CHECK(m.tags.at("ARTIST") == std::vector<std::string>{"The Band"});
        REQUIRE(m.cues.size() == 2);
        CHECK(m.cues[0].position == 4800);
        CHECK(m.cues[0].name == "Verse");
        CHECK(m.cues[1].position == 24000);
        CHECK(m.cues[1].name == "Chorus 1");
        const io::Chunk* x = find_chunk(m, "iXML");
        REQUIRE(x);
        CHECK(x->data == ixml);
        const io::Chunk* l = find_chunk(m, "LIST");
        REQUIRE(l);
        CHECK(l->data.compare(0, 4, "adtl") == 0);
    }

    TEST_CASE("the writer's hook writes all of it back, readable by libsndfile") {
        TempDir dir;
        const auto wav = dir.file("take.wav");
        write_bwf(wav);
        const io::Metadata in = io::read_metadata(wav);
        for (const std::string name : {"out.wav", "out.rf64", "out.aiff"}) {
            CAPTURE(name);
            const auto out = dir.file(name);
            copy_with(wav, out, in);
            const io::Metadata m = io::read_metadata(out);
            CHECK(m.tags.at("TITLE") == in.tags.at("TITLE"));
            if (name == "out.rf64") {
                // libsndfile's RF64 reader returns no cues; the chunk is there, read by tapeop.
                bool cue = false;
                for (const auto& c : io::list_chunks(out))
                    cue = cue || (c.id == "cue " && c.bytes == 4 + 2 * 24);
                CHECK(cue);
            }
            REQUIRE(m.cues.size() == 2);
            CHECK(m.cues[0].id == in.cues[0].id);
            CHECK(m.cues[0].position == 4800);
            CHECK(m.cues[0].name == "Verse");
            CHECK(m.cues[1].position == 24000);
            CHECK(m.cues[1].name == "Chorus 1");
            if (name == "out.aiff")
                continue; // AIFF has no bext or iXML
            REQUIRE(m.bext);
            CHECK(m.bext->time_reference == in.bext->time_reference);
            CHECK(m.bext->description == in.bext->description);
            CHECK(m.bext->umid == in.bext->umid);
            REQUIRE(find_chunk(m, "iXML"));
            CHECK(find_chunk(m, "iXML")->data == ixml);
        }
    }

    TEST_CASE("more cues than SF_CUES's fixed 100 read and write back, WAV and AIFF") {
        // SF_CUES declares cue_points[100]: indexing it past 100 was undefined behaviour (found
        // by the metadata fuzzer) even though the buffer was sized for every point.
        TempDir dir;
        const auto src = tone_file(dir, 48000);
        io::Metadata m;
        m.sample_rate = 48000;
        for (std::uint32_t i = 0; i < 150; ++i)
            m.cues.push_back({i + 1, std::int64_t(i) * 300, ""});
        for (const std::string name : {"many.wav", "many.aiff", "again.aiff"}) {
            CAPTURE(name);
            const auto out = dir.file(name);
            copy_with(name == "again.aiff" ? dir.file("many.aiff") : src, out,
                      name == "again.aiff" ? io::read_metadata(dir.file("many.aiff")) : m);
            const io::Metadata back = io::read_metadata(out);
            REQUIRE(back.cues.size() == 150);
            CHECK(back.cues[0].position == 0);
            CHECK(back.cues[149].id == 150);
            CHECK(back.cues[149].position == 149 * 300);
        }
    }

    TEST_CASE("labels whose LIST is not a multiple of 4 bytes still leave a readable WAV") {
        // sf_set_chunk pads chunks to 4 bytes inside their size: a LIST/adtl of 42 bytes used
        // to come out unreadable ("No 'data' chunk marker").
        TempDir dir;
        const auto src = tone_file(dir, 20000);
        io::Metadata m;
        m.sample_rate = 48000;
        m.cues = {{1, 100, "Verse"}, {2, 500, "Chorus"}};
        m.chunks.push_back({"LIST", adtl({{1, "Verse"}, {2, "Chorus"}})});
        REQUIRE(m.chunks.back().data.size() % 4 == 2);
        const auto out = dir.file("out.wav");
        copy_with(src, out, m);
        const io::Metadata back = io::read_metadata(out);
        REQUIRE(back.cues.size() == 2);
        CHECK(back.cues[0].name == "Verse");
        CHECK(back.cues[1].name == "Chorus");
        CHECK(io::AudioReader(out).info().frames == 20000);
    }

    TEST_CASE("a FLAC tagged by metaflac: custom field, ISRC and picture") {
        TempDir dir;
        const auto flac = dir.file("song.flac"), png = dir.file("cover.png");
        AudioBuffer a = tone(48000);
        test::write_file(flac, a, 48000, io::SampleFormat::pcm16);
        sh("ffmpeg -v error -f lavfi -i color=c=red:s=8x8 -frames:v 1 -y " + png);
        sh("metaflac --set-tag=TITLE=Song --set-tag=ARTIST=Singer --set-tag=ISRC=USABC2600001 "
           "--set-tag=MOOD=bright --set-tag=REPLAYGAIN_TRACK_GAIN=-3.21\\ dB "
           "--import-picture-from=" +
           png + " " + flac);
        const io::Metadata m = io::read_metadata(flac);
        CHECK(m.tags.at("TITLE") == std::vector<std::string>{"Song"});
        CHECK(m.tags.at("ARTIST") == std::vector<std::string>{"Singer"});
        CHECK(m.tags.at("ISRC") == std::vector<std::string>{"USABC2600001"});
        CHECK(m.tags.at("MOOD") == std::vector<std::string>{"bright"});
        CHECK(m.tags.count("REPLAYGAIN_TRACK_GAIN") == 1);
        REQUIRE(m.pictures.size() == 1);
        CHECK(m.pictures[0].mime == "image/png");
        CHECK(m.pictures[0].type == 3);
        std::ifstream p(png, std::ios::binary);
        const std::string bytes{std::istreambuf_iterator<char>(p), {}};
        CHECK(m.pictures[0].data == bytes);
    }

    TEST_CASE("an MP3 tagged by ffmpeg and an Opus tagged by opusenc") {
        TempDir dir;
        const auto wav = dir.file("in.wav"), mp3 = dir.file("in.mp3"), opus = dir.file("in.opus");
        AudioBuffer a = tone(48000);
        test::write_file(wav, a, 48000, io::SampleFormat::pcm16);
        sh("ffmpeg -v error -i " + wav +
           " -metadata title=Mp3Title -metadata artist=Mp3Artist -metadata TSRC=USABC2600002 -y " +
           mp3);
        sh("opusenc --quiet --comment TITLE=OpusTitle --comment LOCATION=Studio\\ B " + wav + " " +
           opus);
        const io::Metadata m = io::read_metadata(mp3);
        CHECK(m.tags.at("TITLE") == std::vector<std::string>{"Mp3Title"});
        CHECK(m.tags.at("ARTIST") == std::vector<std::string>{"Mp3Artist"});
        CHECK(m.tags.at("ISRC") == std::vector<std::string>{"USABC2600002"});
        const io::Metadata o = io::read_metadata(opus);
        CHECK(o.tags.at("TITLE") == std::vector<std::string>{"OpusTitle"});
        CHECK(o.tags.at("LOCATION") == std::vector<std::string>{"Studio B"});
    }

    TEST_CASE("FLAC tags and picture go into an MP3 as ID3v2 (ISRC as TSRC)") {
        TempDir dir;
        const auto wav = dir.file("in.wav"), mp3 = dir.file("out.mp3");
        AudioBuffer a = tone(48000);
        test::write_file(wav, a, 48000, io::SampleFormat::pcm16);
        io::Metadata m;
        m.tags = {{"TITLE", {"Song"}}, {"ISRC", {"USABC2600001"}}, {"MOOD", {"bright"}}};
        m.pictures.push_back({"image/png", "", std::string("\x89PNG fake", 9), 3});
        copy_with(wav, mp3, m);
        const io::Metadata back = io::read_metadata(mp3);
        CHECK(back.tags.at("TITLE") == std::vector<std::string>{"Song"});
        CHECK(back.tags.at("ISRC") == std::vector<std::string>{"USABC2600001"});
        CHECK(back.tags.at("MOOD") == std::vector<std::string>{"bright"});
        REQUIRE(back.pictures.size() == 1);
        CHECK(back.pictures[0].data == m.pictures[0].data);
        CHECK(io::AudioReader(mp3).info().frames >= 48000);
    }

    TEST_CASE("moved(): head and tail cut, rate change, stale loudness dropped") {
        io::Metadata m;
        m.sample_rate = 48000;
        m.bext = io::Bext{};
        m.bext->time_reference = 480000;
        m.bext->loudness_value = -1400;
        m.cues = {{1, 1000, "a"}, {2, 48000, "b"}, {3, 96000, "c"}};
        m.chunks.push_back({"LIST", adtl({{1, "a"}, {2, "b"}, {3, "c"}})});
        m.tags = {
            {"TITLE", {"t"}}, {"REPLAYGAIN_TRACK_GAIN", {"-1 dB"}}, {"R128_TRACK_GAIN", {"0"}}};

        const io::Metadata same = io::moved(m, 0, -1, 48000, false);
        CHECK(same.bext->time_reference == 480000);
        CHECK(same.bext->loudness_value == -1400);
        CHECK(same.cues.size() == 3);
        CHECK(same.chunks.size() == 1); // labels kept verbatim while every cue stays
        CHECK(same.tags.count("REPLAYGAIN_TRACK_GAIN") == 1);

        // Keep frames [24000, 72000): cue 2 moves to 24000, the others fall outside.
        const io::Metadata cut = io::moved(m, 24000, 48000, 48000, true);
        CHECK(cut.bext->time_reference == 504000);
        CHECK(cut.bext->loudness_value == io::bext_unset);
        REQUIRE(cut.cues.size() == 1);
        CHECK(cut.cues[0].id == 2);
        CHECK(cut.cues[0].position == 24000);
        CHECK(cut.cues[0].name == "b");
        CHECK(cut.chunks.empty()); // labels made anew from the names that stay
        CHECK(cut.tags.count("REPLAYGAIN_TRACK_GAIN") == 0);
        CHECK(cut.tags.count("R128_TRACK_GAIN") == 0);
        CHECK(cut.tags.count("TITLE") == 1);

        // 48 kHz -> 44.1 kHz: 480000 * 44100 / 48000 = 441000; 1000 -> 918.75 -> 919.
        const io::Metadata rs = io::moved(m, 0, -1, 44100, false);
        CHECK(rs.sample_rate == 44100);
        CHECK(rs.bext->time_reference == 441000);
        CHECK(rs.cues[0].position == 919);
        CHECK(rs.cues[2].position == 88200);
    }

    TEST_CASE("moved(): a FLAC cue sheet keeps the tracks of the kept audio, cut ones from 0") {
        io::Metadata m;
        m.sample_rate = 44100;
        io::CueSheet cs;
        cs.is_cd = true;
        cs.tracks = {{1, 0, "GBAYE0000001", true, false, {{1, 0}}},
                     {2, 220500, "", true, false, {{0, 220500}, {1, 308700}}},
                     {3, 529200, "", true, false, {{1, 529200}}}};
        m.cuesheet = cs;
        // A take from 6 s (inside track 2's INDEX 00) lasting 5 s: track 1 ended before it,
        // track 3 (12 s) starts after it.
        const io::Metadata take = io::moved(m, 264600, 220500, 44100, true);
        REQUIRE(take.cuesheet);
        REQUIRE(take.cuesheet->tracks.size() == 1);
        const io::CueSheetTrack& t = take.cuesheet->tracks[0];
        CHECK(t.number == 2);
        CHECK(t.position == 0);
        REQUIRE(t.indices.size() == 2);
        CHECK(t.indices[0].number == 0); // the index in force at the cut, from frame 0
        CHECK(t.indices[0].position == 0);
        CHECK(t.indices[1].position == 308700 - 264600);
        CHECK(take.cuesheet->is_cd); // 264600 = 450 sectors of 588 frames
        // Off the sector grid (a cut of 1000 frames): no longer CD-DA.
        CHECK_FALSE(io::moved(m, 1000, -1, 44100, true).cuesheet->is_cd);
        // Rate change: every position rescaled, rounded to the nearest frame.
        const io::Metadata hi = io::moved(m, 0, -1, 48000, true);
        CHECK(hi.cuesheet->tracks[1].indices[1].position == 336000);
        CHECK_FALSE(hi.cuesheet->is_cd);
        // A short take inside track 2's INDEX 00: that track alone, its INDEX 01 after the end
        // dropped.
        const io::Metadata short_take = io::moved(m, 230000, 1000, 44100, true);
        REQUIRE(short_take.cuesheet->tracks.size() == 1);
        CHECK(short_take.cuesheet->tracks[0].indices.size() == 1);
    }

    TEST_CASE("sampler loops (smpl) are carried and move with a cut") {
        TempDir dir;
        const auto src = dir.file("loop.wav"), out = dir.file("out.wav");
        SF_INFO si{};
        si.samplerate = 48000;
        si.channels = 1;
        si.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
        SNDFILE* f = sf_open(src.c_str(), SFM_WRITE, &si);
        REQUIRE(f != nullptr);
        SF_INSTRUMENT inst{};
        inst.basenote = 60;
        inst.velocity_hi = 127;
        inst.key_hi = 127;
        inst.loop_count = 2;
        inst.loops[0] = {SF_LOOP_FORWARD, 1000, 5000, 0};
        inst.loops[1] = {SF_LOOP_FORWARD, 20000, 30000, 0};
        REQUIRE(sf_command(f, SFC_SET_INSTRUMENT, &inst, sizeof inst) == SF_TRUE);
        std::vector<short> zeros(48000, 0);
        REQUIRE(sf_writef_short(f, zeros.data(), 48000) == 48000);
        sf_close(f);
        const io::Metadata m = io::read_metadata(src);
        REQUIRE(m.instrument);
        CHECK(m.instrument->basenote == 60);
        REQUIRE(m.instrument->loops.size() == 2);
        CHECK(m.instrument->loops[1].start == 20000);
        // Keep [10000, 48000): the first loop falls outside, the second moves by 10000.
        copy_with(src, out, io::moved(m, 10000, 38000, 48000, true));
        const io::Metadata back = io::read_metadata(out);
        REQUIRE(back.instrument);
        CHECK(back.instrument->basenote == 60);
        REQUIRE(back.instrument->loops.size() == 1);
        CHECK(back.instrument->loops[0].start == 10000);
        CHECK(back.instrument->loops[0].end == 20000);
    }

    TEST_CASE("set_loudness and coding_history_line follow EBU Tech 3285 v2 and R 98") {
        io::Bext b;
        io::set_loudness(b, {-14.004, 6.3, -1.006, -8.1, -10.2});
        CHECK(b.version == 2);
        CHECK(b.loudness_value == -1400);
        CHECK(b.loudness_range == 630);
        CHECK(b.max_true_peak_level == -101); // -100.6 rounded
        CHECK(b.max_momentary_loudness == -810);
        CHECK(b.max_shortterm_loudness == -1020);
        io::set_loudness(b, {-HUGE_VAL, 0.0, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL});
        CHECK(b.loudness_value == io::bext_unset);
        CHECK(io::coding_history_line(44100, 16, 2, "tapeop 1.0; master") ==
              "A=PCM,F=44100,W=16,M=stereo,T=tapeop 1.0; master\r\n");
    }

    TEST_CASE("every LIST/INFO field is kept in WAV and RF64, bytes as they were; ISFT dropped") {
        // libsndfile reads and writes eight INFO fields; the others (engineer, keywords, ...)
        // used to be lost. The INFO chunk here is written raw, as a DAW writes it, with a
        // Latin-1 byte (0xE9) that is not UTF-8.
        TempDir dir;
        const auto src = tone_file(dir, 4800), wav = dir.file("info.wav");
        {
            std::string info = "INFO";
            for (const auto& [id, text] :
                 std::vector<std::pair<std::string, std::string>>{{"INAM", "Take three"},
                                                                  {"IENG", "Ren\xe9"
                                                                           "e"},
                                                                  {"IKEY", "boom; exterior"},
                                                                  {"ISMP", "01:00:00:00"},
                                                                  {"ISFT", "Recorder OS 2.1"}}) {
                info += id;
                put_u32(info, static_cast<std::uint32_t>(text.size() + 1));
                info += text + '\0';
                if (info.size() % 2)
                    info += '\0';
            }
            io::Metadata m;
            m.chunks.push_back({"LIST", info});
            copy_with(src, wav, m); // written verbatim: a LIST other than adtl is not INFO's
        }
        const io::Metadata in = io::read_metadata(wav);
        CHECK(in.tags.at("TITLE") == std::vector<std::string>{"Take three"});
        CHECK(in.tags.at("ENCODING") == std::vector<std::string>{"Recorder OS 2.1"});
        REQUIRE(in.info.size() == 5);
        for (const std::string name : {"out.wav", "out.rf64"}) {
            CAPTURE(name);
            const auto out = dir.file(name);
            copy_with(wav, out, in);
            const io::Metadata m = io::read_metadata(out);
            std::map<std::string, std::string> fields(m.info.begin(), m.info.end());
            CHECK(fields == std::map<std::string, std::string>{{"INAM", "Take three"},
                                                               {"IENG", "Ren\xe9"
                                                                        "e"},
                                                               {"IKEY", "boom; exterior"},
                                                               {"ISMP", "01:00:00:00"}});
            CHECK(m.tags.count("ENCODING") == 0); // the old software: the output is new
            CHECK(io::AudioReader(out).info().frames == 4800);
        }
        // The common ones cross into other containers; the rest has no counterpart there.
        const auto flac = dir.file("out.flac");
        copy_with(wav, flac, in);
        const io::Metadata f = io::read_metadata(flac);
        CHECK(f.tags.at("TITLE") == std::vector<std::string>{"Take three"});
        CHECK(f.tags.count("ENCODING") == 0);
    }

    TEST_CASE("a .wav output written as RF64 (past 4 GiB) keeps ISRC, custom fields, pictures") {
        // A recipe intermediate that grows past 4 GiB is written as RF64 under its .wav name:
        // its ID3 chunk used to be left out (TagLib cannot open RF64). Announcing 2^31 frames
        // makes the writer choose RF64 for a short file.
        TempDir dir;
        const auto src = tone_file(dir, 4800), out = dir.file("big.wav");
        io::Metadata m;
        m.tags = {{"TITLE", {"Song"}}, {"ISRC", {"USABC2600001"}}, {"MOOD", {"bright"}}};
        m.pictures.push_back({"image/png", "", std::string("\x89PNG fake", 9), 3});
        {
            io::AudioReader r(src);
            io::OutputSpec spec = io::output_spec_for(out, r.info());
            spec.expected_frames = std::int64_t(1) << 31;
            io::AudioWriter w(out, spec);
            w.set_metadata(m);
            AudioBuffer buf(2, 4096);
            while (r.read(buf))
                w.write(buf.view());
            w.commit();
        }
        // RF64 with consistent sizes: 0xFFFFFFFF in the header, the real size in ds64 (TagLib,
        // which treats the file as a RIFF, used to overwrite the one and leave the other stale).
        std::ifstream in(out, std::ios::binary);
        std::string head(28, '\0');
        in.read(head.data(), 28);
        REQUIRE(head.compare(0, 4, "RF64") == 0);
        REQUIRE(head.compare(12, 4, "ds64") == 0);
        auto le = [&](std::size_t at, int n) {
            std::uint64_t v = 0;
            for (int i = n - 1; i >= 0; --i)
                v = (v << 8) | static_cast<unsigned char>(head[at + std::size_t(i)]);
            return v;
        };
        CHECK(le(4, 4) == 0xFFFFFFFFu);
        CHECK(le(20, 8) == std::filesystem::file_size(out) - 8);
        const io::Metadata back = io::read_metadata(out);
        CHECK(back.tags.at("ISRC") == std::vector<std::string>{"USABC2600001"});
        CHECK(back.tags.at("MOOD") == std::vector<std::string>{"bright"});
        REQUIRE(back.pictures.size() == 1);
        CHECK(back.pictures[0].data == m.pictures[0].data);
    }

    TEST_CASE("ID3 frames: kept as frames, volume frames dropped when the audio changed") {
        TagLib::ID3v2::Tag tag;
        auto* title = new TagLib::ID3v2::TextIdentificationFrame("TIT2", TagLib::String::Latin1);
        title->setText("Song");
        tag.addFrame(title);
        tag.addFrame(new TagLib::ID3v2::PrivateFrame());
        static_cast<TagLib::ID3v2::PrivateFrame*>(tag.frameList("PRIV").front())
            ->setOwner("com.example");
        auto* rva = new TagLib::ID3v2::RelativeVolumeFrame();
        rva->setIdentification("track");
        rva->setVolumeAdjustment(2.0f);
        tag.addFrame(rva);
        const TagLib::ByteVector bytes = tag.render(TagLib::ID3v2::v4);
        io::Metadata m;
        m.sample_rate = 48000;
        m.id3v2.assign(bytes.data(), bytes.size());
        m.tags = {{"TITLE", {"Song"}}};
        // The frame ids of the MP3 written with `x`, as TagLib reads the file.
        auto ids = [](const io::Metadata& x) {
            TempDir dir;
            const auto src = tone_file(dir, 4800), out = dir.file("out.mp3");
            copy_with(src, out, x);
            TagLib::MPEG::File f(out.c_str(), false);
            REQUIRE(f.hasID3v2Tag());
            std::string all;
            for (const auto* frame : f.ID3v2Tag()->frameList())
                all += std::string(frame->frameID().data(), 4) + " ";
            return all;
        };
        CHECK(ids(io::moved(m, 0, -1, 48000, false)) == "TIT2 PRIV RVA2 ");
        CHECK(ids(io::moved(m, 0, -1, 48000, true)) == "TIT2 PRIV ");
    }

    TEST_CASE("strip: a writer with stripping on writes no metadata") {
        TempDir dir;
        const auto wav = dir.file("take.wav"), out = dir.file("out.wav");
        write_bwf(wav);
        io::set_strip_metadata(true);
        copy_with(wav, out, io::read_metadata(wav));
        io::set_strip_metadata(false);
        CHECK(io::read_metadata(out).empty());
    }
}
