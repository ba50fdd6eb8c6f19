// tapeop info FILE...: what each file is (container, sample format, rate, channels, length)
// and the metadata it carries (tags, bext, cue markers, pictures, RIFF/AIFF chunks).
#include "common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/metadata.hpp"
#include "tapeop/io/reader.hpp"
#include "tapeop/units.hpp"

#include <cstdio>
#include <iostream>
#include <sndfile.h>

namespace tapeop::cli {
namespace {

struct InfoOptions {
    std::vector<std::string> files;
};

// A bext loudness field (value x 100, EBU Tech 3285 v2) in its unit; unset: null.
Json bext_level(std::int16_t v) {
    return v == io::bext_unset ? Json(nullptr) : json_number(v / 100.0, 2);
}

std::string hex(const std::string& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (unsigned char c : bytes) {
        s += digits[c >> 4];
        s += digits[c & 15];
    }
    return s;
}

// libsndfile's SF_LOOP_* values by name.
std::string loop_mode(int mode) {
    switch (mode) {
    case SF_LOOP_NONE:
        return "none";
    case SF_LOOP_FORWARD:
        return "forward";
    case SF_LOOP_BACKWARD:
        return "backward";
    case SF_LOOP_ALTERNATING:
        return "alternating";
    default:
        return "unknown";
    }
}

Json metadata_json(const io::Metadata& m, const std::vector<io::ChunkSize>& chunks) {
    Json j;
    j["tags"] = Json::object();
    for (const auto& [key, values] : m.tags)
        j["tags"][key] = values;
    j["riff_info"] = Json::object();
    for (const auto& [id, text] : m.info)
        j["riff_info"][id] = io::info_text(text);
    j["pictures"] = Json::array();
    for (const auto& p : m.pictures)
        j["pictures"].push_back({{"mime", p.mime},
                                 {"type", p.type},
                                 {"description", p.description},
                                 {"bytes", p.data.size()}});
    if (m.bext) {
        const io::Bext& b = *m.bext;
        j["bext"] = {{"description", b.description},
                     {"originator", b.originator},
                     {"originator_reference", b.originator_reference},
                     {"origination_date", b.origination_date},
                     {"origination_time", b.origination_time},
                     {"time_reference", b.time_reference},
                     {"version", b.version},
                     {"umid", hex(b.umid)},
                     {"loudness_value", bext_level(b.loudness_value)},
                     {"loudness_range", bext_level(b.loudness_range)},
                     {"max_true_peak_level", bext_level(b.max_true_peak_level)},
                     {"max_momentary_loudness", bext_level(b.max_momentary_loudness)},
                     {"max_short_term_loudness", bext_level(b.max_shortterm_loudness)},
                     {"coding_history", b.coding_history}};
    } else {
        j["bext"] = nullptr;
    }
    j["cues"] = Json::array();
    for (const auto& c : m.cues)
        j["cues"].push_back({{"id", c.id}, {"position", c.position}, {"name", c.name}});
    // FLAC cue sheet (positions: absolute frames; the lead-out is the file's length).
    j["cuesheet"] = nullptr;
    if (m.cuesheet) {
        Json tracks = Json::array();
        for (const auto& t : m.cuesheet->tracks) {
            Json indices = Json::array();
            for (const auto& ix : t.indices)
                indices.push_back({{"number", ix.number}, {"position", ix.position}});
            tracks.push_back({{"number", t.number},
                              {"position", t.position},
                              {"isrc", t.isrc},
                              {"audio", t.audio},
                              {"pre_emphasis", t.pre_emphasis},
                              {"indices", indices}});
        }
        j["cuesheet"] = {{"media_catalog_number", m.cuesheet->media_catalog_number},
                         {"lead_in", m.cuesheet->lead_in},
                         {"is_cd", m.cuesheet->is_cd},
                         {"tracks", tracks}};
    }
    // Sampler data (smpl/inst): null when the file has none.
    j["instrument"] = nullptr;
    if (m.instrument) {
        const io::Instrument& x = *m.instrument;
        Json loops = Json::array();
        for (const auto& l : x.loops)
            loops.push_back({{"mode", loop_mode(l.mode)},
                             {"start", l.start},
                             {"end", l.end},
                             {"count", l.count}});
        j["instrument"] = {{"gain", x.gain},
                           {"basenote", x.basenote},
                           {"detune", x.detune},
                           {"velocity_lo", x.velocity_lo},
                           {"velocity_hi", x.velocity_hi},
                           {"key_lo", x.key_lo},
                           {"key_hi", x.key_hi},
                           {"loops", loops}};
    }
    j["chunks"] = Json::array();
    for (const auto& c : chunks)
        j["chunks"].push_back({{"id", c.id}, {"bytes", c.bytes}});
    return j;
}

// The short text block under a file's line: only what is there.
void print_metadata(const io::Metadata& m, const std::vector<io::ChunkSize>& chunks, int rate) {
    if (m.bext) {
        const double at_s = rate > 0 ? double(m.bext->time_reference) / rate : 0.0;
        std::printf("  bext v%d: time reference %llu (%s)%s%s\n", m.bext->version,
                    static_cast<unsigned long long>(m.bext->time_reference),
                    format_timestamp(at_s).c_str(), m.bext->description.empty() ? "" : ", ",
                    m.bext->description.c_str());
        if (m.bext->loudness_value != io::bext_unset)
            std::printf("  bext loudness: %.2f LUFS, %.2f dBTP\n", m.bext->loudness_value / 100.0,
                        m.bext->max_true_peak_level / 100.0);
    }
    for (const auto& [key, values] : m.tags)
        for (const auto& v : values)
            std::printf("  %s=%s\n", key.c_str(), v.c_str());
    for (const auto& [id, text] : m.info) // the INFO fields not shown as tags above
        if (!io::info_property(id))
            std::printf("  INFO %s=%s\n", id.c_str(), io::info_text(text).c_str());
    for (const auto& p : m.pictures)
        std::printf("  picture: %s, %zu bytes\n", p.mime.c_str(), p.data.size());
    for (const auto& c : m.cues)
        std::printf("  marker %u at %s%s%s\n", c.id,
                    format_timestamp(rate > 0 ? double(c.position) / rate : 0.0).c_str(),
                    c.name.empty() ? "" : ": ", c.name.c_str());
    if (m.cuesheet)
        for (const auto& t : m.cuesheet->tracks)
            std::printf("  cue sheet track %d at %s\n", t.number,
                        format_timestamp(rate > 0 ? double(t.position) / rate : 0.0).c_str());
    if (m.instrument)
        for (const auto& l : m.instrument->loops)
            std::printf("  loop %s %lld-%lld\n", loop_mode(l.mode).c_str(),
                        static_cast<long long>(l.start), static_cast<long long>(l.end));
    if (!chunks.empty()) {
        std::printf("  chunks:");
        for (const auto& c : chunks)
            std::printf(" %s (%llu)", c.id.c_str(), static_cast<unsigned long long>(c.bytes));
        std::printf("\n");
    }
}

int run_info(const InfoOptions& o, const GlobalOptions& g) {
    auto out = json_envelope();
    out["files"] = Json::array();
    int failed = 0;
    for (const auto& path : o.files) {
        try {
            const io::FileInfo fi = io::probe(path);
            const io::Metadata meta = io::read_metadata(fi.path);
            const std::vector<io::ChunkSize> chunks = io::list_chunks(fi.path);
            if (g.json) {
                Json f = {{"path", fi.path},
                          {"format", fi.format},
                          {"subtype", fi.subtype},
                          {"sample_rate", fi.sample_rate},
                          {"channels", fi.channels},
                          {"frames", fi.frames},
                          {"duration_s", fi.duration_s()}};
                f.update(metadata_json(meta, chunks));
                out["files"].push_back(f);
            } else if (!g.quiet) {
                std::printf("%s: %s %s, %d Hz, %d ch, %lld frames, %s\n", fi.path.c_str(),
                            fi.format.c_str(), fi.subtype.c_str(), fi.sample_rate, fi.channels,
                            static_cast<long long>(fi.frames),
                            format_timestamp(fi.duration_s()).c_str());
                print_metadata(meta, chunks, fi.sample_rate);
            }
        } catch (const Error& e) {
            std::cerr << "tapeop: " << e.what() << "\n";
            ++failed;
            if (g.json)
                out["files"].push_back({{"path", path}, {"error", e.message()}});
        }
    }
    if (g.json)
        print_json(out);
    if (failed == 0)
        return 0;
    return failed == static_cast<int>(o.files.size()) ? 2 : 1;
}

} // namespace

void register_info(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<InfoOptions>();
    auto* sub = app.add_subcommand(
        "info", "Show format, sample format, rate, channels, length and metadata");
    sub->add_option("files", opts->files, "Audio files")->required();
    sub->callback(
        [opts, &ctx] { ctx.action = [opts, &ctx] { return run_info(*opts, ctx.global); }; });
}

} // namespace tapeop::cli
