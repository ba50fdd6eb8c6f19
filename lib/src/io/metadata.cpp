#include "tapeop/io/metadata.hpp"

#include "tapeop/io/format.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sndfile.h>

#include <taglib/attachedpictureframe.h>
#include <taglib/fileref.h>
#include <taglib/flacfile.h>
#include <taglib/flacpicture.h>
#include <taglib/id3v2tag.h>
#include <taglib/mpegfile.h>
#include <taglib/opusfile.h>
#include <taglib/tpropertymap.h>
#include <taglib/vorbisfile.h>
#include <taglib/wavfile.h>
#include <taglib/xiphcomment.h>

namespace tapeop::io {
namespace {

std::atomic<bool> strip{false};

using BextVar = SF_BROADCAST_INFO_VAR(16384);

struct SfCloser {
    void operator()(SNDFILE* f) const { sf_close(f); }
};

// A fixed-size bext text field: up to its size, without the NUL padding.
std::string field(const char* p, std::size_t n) {
    return std::string(p, strnlen(p, n));
}
void put(char* dst, std::size_t n, const std::string& s) {
    std::memset(dst, 0, n);
    std::memcpy(dst, s.data(), std::min(n, s.size()));
}

// Chunks that libsndfile writes itself from the audio format or from the calls below.
bool written_anew(const std::string& id) {
    static const char* const own[] = {"fmt ", "data", "fact", "ds64", "PEAK", "bext", "cue ",
                                      "LIST", "JUNK", "junk", "FLLR", "COMM", "SSND", "FORM",
                                      "RIFF", "RF64", "MARK", "INST", "NAME", "AUTH", "(c) ",
                                      "ANNO", "inst", "smpl", "chan", "id3 ", "ID3 "};
    return std::find(std::begin(own), std::end(own), id) != std::end(own);
}

// SF_STR_* <-> TagLib property names, the fields RIFF INFO and AIFF text chunks hold.
struct StrField {
    int sf;
    const char* property;
};
constexpr StrField str_fields[] = {
    {SF_STR_TITLE, "TITLE"},         {SF_STR_ARTIST, "ARTIST"},
    {SF_STR_ALBUM, "ALBUM"},         {SF_STR_DATE, "DATE"},
    {SF_STR_GENRE, "GENRE"},         {SF_STR_COMMENT, "COMMENT"},
    {SF_STR_COPYRIGHT, "COPYRIGHT"}, {SF_STR_TRACKNUMBER, "TRACKNUMBER"}};

bool is_loudness_tag(const std::string& key) {
    return key.rfind("REPLAYGAIN_", 0) == 0 || key.rfind("R128_", 0) == 0;
}

std::string extension_of(const std::string& path) {
    const auto dot = path.find_last_of('.');
    const auto slash = path.find_last_of('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return {};
    std::string e = path.substr(dot + 1);
    for (auto& c : e)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return e;
}

void read_sndfile_side(const std::string& path, Metadata& m) {
    SF_INFO info{};
    std::unique_ptr<SNDFILE, SfCloser> sf(sf_open(path.c_str(), SFM_READ, &info));
    if (!sf)
        return;
    m.sample_rate = info.samplerate;
    m.bext = bext_of(sf.get());
    std::uint32_t count = 0;
    if (sf_command(sf.get(), SFC_GET_CUE_COUNT, &count, sizeof count) == SF_TRUE && count > 0) {
        std::vector<char> raw(sizeof(std::uint32_t) + count * sizeof(SF_CUE_POINT));
        auto* cues = reinterpret_cast<SF_CUES*>(raw.data());
        if (sf_command(sf.get(), SFC_GET_CUE, cues, static_cast<int>(raw.size())) == SF_TRUE) {
            for (std::uint32_t i = 0; i < cues->cue_count; ++i) {
                const SF_CUE_POINT& c = cues->cue_points[i];
                m.cues.push_back({static_cast<std::uint32_t>(c.indx), std::int64_t(c.sample_offset),
                                  field(c.name, sizeof c.name)});
            }
        }
    }
    SF_INSTRUMENT inst{};
    if (sf_command(sf.get(), SFC_GET_INSTRUMENT, &inst, sizeof inst) == SF_TRUE) {
        Instrument x{inst.gain,        inst.basenote, inst.detune, inst.velocity_lo,
                     inst.velocity_hi, inst.key_lo,   inst.key_hi, {}};
        for (int i = 0; i < std::clamp(inst.loop_count, 0, 16); ++i)
            x.loops.push_back(
                {inst.loops[i].mode, inst.loops[i].start, inst.loops[i].end, inst.loops[i].count});
        m.instrument = x;
    }
    std::error_code size_ec;
    const std::uintmax_t file_bytes = std::filesystem::file_size(path, size_ec);
    for (SF_CHUNK_ITERATOR* it = sf_get_chunk_iterator(sf.get(), nullptr); it;
         it = sf_next_chunk_iterator(it)) {
        // libsndfile fills in the id only when fetching data: fetch none first, so the audio
        // chunk itself is never read here.
        SF_CHUNK_INFO ci{};
        char none = 0;
        ci.data = &none;
        ci.datalen = 0;
        if (sf_get_chunk_data(it, &ci) != SF_ERR_NO_ERROR)
            continue;
        const std::string id(ci.id,
                             strnlen(ci.id, std::min<std::size_t>(ci.id_size, sizeof ci.id)));
        // LIST is written anew from the strings (INFO), except the cue labels (adtl), which
        // libsndfile reads with the cues but does not write: those go verbatim.
        if (id.size() != 4 || (written_anew(id) && id != "LIST"))
            continue;
        if (sf_get_chunk_size(it, &ci) != SF_ERR_NO_ERROR || ci.datalen == 0)
            continue;
        // A damaged size field can claim gigabytes past the end: such a chunk cannot be kept,
        // and allocating its claimed size took 10+ s (found by the mutation run).
        if (ci.datalen > file_bytes)
            continue;
        std::string data(ci.datalen, '\0');
        ci.data = data.data();
        if (sf_get_chunk_data(it, &ci) != SF_ERR_NO_ERROR)
            continue;
        data.resize(ci.datalen);
        if (id == "LIST" && data.compare(0, 4, "adtl") != 0)
            continue;
        m.chunks.push_back({id, std::move(data)});
    }
    // Text strings (INFO/AIFF): TagLib reads those of WAV too, but not of AIFF/W64/RF64.
    for (const auto& f : str_fields)
        if (const char* s = sf_get_string(sf.get(), f.sf); s && *s && !m.tags.count(f.property))
            m.tags[f.property] = {s};
}

void read_id3v2(const TagLib::ID3v2::Tag* tag, Metadata& m) {
    for (const auto& [key, values] : tag->properties()) {
        std::vector<std::string> v;
        for (const auto& s : values)
            v.push_back(s.to8Bit(true));
        m.tags[key.to8Bit(true)] = v;
    }
    for (const auto* f : tag->frameList("APIC")) {
        const auto* a = static_cast<const TagLib::ID3v2::AttachedPictureFrame*>(f);
        m.pictures.push_back({a->mimeType().to8Bit(true), a->description().to8Bit(true),
                              std::string(a->picture().data(), a->picture().size()),
                              int(a->type())});
    }
}

void add_apic(TagLib::ID3v2::Tag* tag, const std::vector<Picture>& pictures) {
    for (const auto& p : pictures) {
        auto* a = new TagLib::ID3v2::AttachedPictureFrame;
        a->setMimeType(TagLib::String(p.mime, TagLib::String::UTF8));
        a->setDescription(TagLib::String(p.description, TagLib::String::UTF8));
        a->setType(static_cast<TagLib::ID3v2::AttachedPictureFrame::Type>(p.type));
        a->setPicture(TagLib::ByteVector(p.data.data(), static_cast<unsigned>(p.data.size())));
        tag->addFrame(a);
    }
}

void read_taglib_side(const std::string& path, Metadata& m) {
    const std::string ext = extension_of(path);
    if (ext == "wav") {
        // WAV's ID3v2 chunk (the tags INFO cannot hold: ISRC, custom fields, pictures).
        TagLib::RIFF::WAV::File f(path.c_str(), false);
        if (f.isValid() && f.hasID3v2Tag())
            read_id3v2(f.ID3v2Tag(), m);
        return;
    }
    if (ext == "wav" || ext == "aif" || ext == "aiff" || ext == "w64" || ext == "rf64" ||
        ext == "caf")
        return;
    TagLib::FileRef ref(path.c_str(), false);
    if (ref.isNull() || !ref.file())
        return;
    const TagLib::PropertyMap props = ref.file()->properties();
    for (const auto& [key, values] : props) {
        std::vector<std::string> v;
        for (const auto& s : values)
            v.push_back(s.to8Bit(true));
        m.tags[key.to8Bit(true)] = v;
    }
    auto add_flac = [&](const TagLib::List<TagLib::FLAC::Picture*>& list) {
        for (const auto* p : list)
            m.pictures.push_back({p->mimeType().to8Bit(true), p->description().to8Bit(true),
                                  std::string(p->data().data(), p->data().size()), int(p->type())});
    };
    if (auto* flac = dynamic_cast<TagLib::FLAC::File*>(ref.file())) {
        add_flac(flac->pictureList());
    } else if (auto* mp3 = dynamic_cast<TagLib::MPEG::File*>(ref.file())) {
        if (mp3->hasID3v2Tag())
            for (const auto* f : mp3->ID3v2Tag()->frameList("APIC")) {
                const auto* a = static_cast<const TagLib::ID3v2::AttachedPictureFrame*>(f);
                m.pictures.push_back({a->mimeType().to8Bit(true), a->description().to8Bit(true),
                                      std::string(a->picture().data(), a->picture().size()),
                                      int(a->type())});
            }
    } else if (auto* vorbis = dynamic_cast<TagLib::Ogg::Vorbis::File*>(ref.file())) {
        if (vorbis->tag())
            add_flac(vorbis->tag()->pictureList());
    } else if (auto* opus = dynamic_cast<TagLib::Ogg::Opus::File*>(ref.file())) {
        if (opus->tag())
            add_flac(opus->tag()->pictureList());
    }
}

TagLib::PropertyMap property_map(const Metadata& m) {
    TagLib::PropertyMap out;
    for (const auto& [key, values] : m.tags) {
        TagLib::StringList list;
        for (const auto& v : values)
            list.append(TagLib::String(v, TagLib::String::UTF8));
        out.insert(TagLib::String(key, TagLib::String::UTF8), list);
    }
    return out;
}

TagLib::FLAC::Picture* flac_picture(const Picture& p) {
    auto* pic = new TagLib::FLAC::Picture;
    pic->setMimeType(TagLib::String(p.mime, TagLib::String::UTF8));
    pic->setDescription(TagLib::String(p.description, TagLib::String::UTF8));
    pic->setType(static_cast<TagLib::FLAC::Picture::Type>(p.type));
    pic->setData(TagLib::ByteVector(p.data.data(), static_cast<unsigned>(p.data.size())));
    return pic;
}

bool is_adtl(const Chunk& c) {
    return c.id == "LIST" && c.data.compare(0, 4, "adtl") == 0;
}

void put_u32(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// sf_set_chunk pads a chunk to a multiple of 4 bytes and counts the padding in its size: inside
// a LIST those stray bytes read as a broken sub-chunk, and libsndfile then loses the data chunk
// ("No 'data' chunk marker"). A JUNK sub-chunk fills the LIST to a multiple of 4 instead.
std::string aligned_list(std::string data) {
    if (data.size() % 2)
        data += '\0';
    if (data.size() % 4 != 0) {
        data += "JUNK";
        put_u32(data, 2);
        data += std::string(2, '\0');
    }
    return data;
}

// A RIFF cue chunk's body (count, then id, position, 'data', chunk start, block start, sample
// offset per point). Written as a raw chunk because libsndfile's RF64 writer drops SFC_SET_CUE.
std::string cue_chunk(const std::vector<CuePoint>& cues) {
    std::string s;
    put_u32(s, static_cast<std::uint32_t>(cues.size()));
    for (const auto& c : cues) {
        put_u32(s, c.id);
        put_u32(s, static_cast<std::uint32_t>(c.position));
        s += "data";
        put_u32(s, 0);
        put_u32(s, 0);
        put_u32(s, static_cast<std::uint32_t>(c.position));
    }
    return s;
}

// LIST/adtl with one labl per named cue: the labels libsndfile reads but does not write.
std::string adtl_from_names(const std::vector<CuePoint>& cues) {
    std::string s = "adtl";
    for (const auto& c : cues) {
        if (c.name.empty())
            continue;
        std::string text = c.name + '\0';
        if (text.size() % 2)
            text += '\0';
        s += "labl";
        put_u32(s, static_cast<std::uint32_t>(4 + c.name.size() + 1));
        put_u32(s, c.id);
        s += text;
    }
    return s.size() > 4 ? aligned_list(s) : std::string{};
}
} // namespace

void set_strip_metadata(bool s) {
    strip.store(s);
}
bool strip_metadata() {
    return strip.load();
}

std::optional<Bext> bext_of(SNDFILE* sf) {
    auto b = std::make_unique<BextVar>();
    std::memset(b.get(), 0, sizeof *b);
    if (sf_command(sf, SFC_GET_BROADCAST_INFO, b.get(), sizeof *b) != SF_TRUE)
        return std::nullopt;
    Bext x;
    x.description = field(b->description, sizeof b->description);
    x.originator = field(b->originator, sizeof b->originator);
    x.originator_reference = field(b->originator_reference, sizeof b->originator_reference);
    x.origination_date = field(b->origination_date, sizeof b->origination_date);
    x.origination_time = field(b->origination_time, sizeof b->origination_time);
    x.time_reference = (std::uint64_t(b->time_reference_high) << 32) | b->time_reference_low;
    x.version = b->version;
    x.umid.assign(b->umid, sizeof b->umid);
    if (b->version >= 2) {
        x.loudness_value = b->loudness_value;
        x.loudness_range = b->loudness_range;
        x.max_true_peak_level = b->max_true_peak_level;
        x.max_momentary_loudness = b->max_momentary_loudness;
        x.max_shortterm_loudness = b->max_shortterm_loudness;
    }
    // Right after a set, libsndfile reports a size of 0 for the history it holds: the text
    // runs to its NUL.
    x.coding_history = field(b->coding_history, sizeof b->coding_history);
    return x;
}

Metadata read_metadata(const std::string& path) {
    Metadata m;
    if (path.empty() || path == "-")
        return m;
    read_taglib_side(path, m);
    read_sndfile_side(path, m);
    return m;
}

std::vector<ChunkSize> list_chunks(const std::string& path) {
    std::vector<ChunkSize> out;
    SF_INFO info{};
    std::unique_ptr<SNDFILE, SfCloser> sf(sf_open(path.c_str(), SFM_READ, &info));
    if (!sf)
        return out;
    for (SF_CHUNK_ITERATOR* it = sf_get_chunk_iterator(sf.get(), nullptr); it;
         it = sf_next_chunk_iterator(it)) {
        SF_CHUNK_INFO ci{};
        char none = 0;
        ci.data = &none;
        ci.datalen = 0;
        if (sf_get_chunk_data(it, &ci) != SF_ERR_NO_ERROR)
            continue;
        const std::string id(ci.id,
                             strnlen(ci.id, std::min<std::size_t>(ci.id_size, sizeof ci.id)));
        if (sf_get_chunk_size(it, &ci) != SF_ERR_NO_ERROR)
            continue;
        out.push_back({id, ci.datalen});
    }
    return out;
}

Metadata moved(const Metadata& in, std::int64_t head_frames, std::int64_t kept_frames, int out_rate,
               bool audio_changed) {
    Metadata m = in;
    const int from = in.sample_rate > 0 ? in.sample_rate : out_rate;
    auto rescale = [&](std::int64_t frames) -> std::int64_t {
        if (from == out_rate)
            return frames;
        return std::llround(double(frames) * out_rate / from);
    };
    if (m.bext) {
        m.bext->time_reference =
            std::uint64_t(rescale(std::int64_t(m.bext->time_reference) + head_frames));
        if (audio_changed) {
            Bext& b = *m.bext;
            b.loudness_value = b.loudness_range = b.max_true_peak_level = b.max_momentary_loudness =
                b.max_shortterm_loudness = bext_unset;
        }
    }
    std::vector<CuePoint> kept;
    for (CuePoint c : in.cues) {
        const std::int64_t at = c.position - head_frames;
        if (at < 0 || (kept_frames >= 0 && at >= kept_frames))
            continue;
        c.position = rescale(at);
        kept.push_back(c);
    }
    // The labels (LIST adtl, kept verbatim) name cue ids: when a cue went, the writer makes
    // them anew from the names of the cues that stay.
    if (kept.size() != in.cues.size())
        std::erase_if(m.chunks, is_adtl);
    m.cues = kept;
    if (m.instrument) {
        std::vector<SampleLoop> loops;
        for (SampleLoop l : in.instrument->loops) {
            l.start -= head_frames;
            l.end -= head_frames;
            if (l.start < 0 || (kept_frames >= 0 && l.end > kept_frames))
                continue;
            l.start = rescale(l.start);
            l.end = rescale(l.end);
            loops.push_back(l);
        }
        m.instrument->loops = loops;
    }
    if (audio_changed)
        for (auto it = m.tags.begin(); it != m.tags.end();)
            it = is_loudness_tag(it->first) ? m.tags.erase(it) : std::next(it);
    m.sample_rate = out_rate;
    return m;
}

void set_loudness(Bext& b, const LoudnessFields& l) {
    // EBU Tech 3285 v2: int16 = value x 100, rounded; not measurable (silence): 0x7FFF.
    auto q = [](double v) -> std::int16_t {
        if (!std::isfinite(v))
            return bext_unset;
        return static_cast<std::int16_t>(std::clamp<long>(std::lround(v * 100.0), -32768, 32766));
    };
    b.version = 2;
    b.loudness_value = q(l.integrated_lufs);
    b.loudness_range = q(l.loudness_range_lu);
    b.max_true_peak_level = q(l.true_peak_dbtp);
    b.max_momentary_loudness = q(l.momentary_max_lufs);
    b.max_shortterm_loudness = q(l.short_term_max_lufs);
}

std::string coding_history_line(int sample_rate, int bits, int channels, const std::string& what) {
    // EBU R 98: A=coding algorithm, F=sampling frequency, W=word length, M=mode, T=text.
    const char* mode = channels == 1 ? "mono" : channels == 2 ? "stereo" : "multichannel";
    char buf[160];
    std::snprintf(buf, sizeof buf, "A=%s,F=%d,W=%d,M=%s,T=", bits > 0 ? "PCM" : "PCM_FLOAT",
                  sample_rate, bits > 0 ? bits : 32, mode);
    return std::string(buf) + what + "\r\n";
}

namespace {
bool write_bext(SNDFILE* sf, const Bext& x) {
    auto b = std::make_unique<BextVar>();
    std::memset(b.get(), 0, sizeof *b);
    put(b->description, sizeof b->description, x.description);
    put(b->originator, sizeof b->originator, x.originator);
    put(b->originator_reference, sizeof b->originator_reference, x.originator_reference);
    put(b->origination_date, sizeof b->origination_date, x.origination_date);
    put(b->origination_time, sizeof b->origination_time, x.origination_time);
    b->time_reference_low = std::uint32_t(x.time_reference & 0xffffffffu);
    b->time_reference_high = std::uint32_t(x.time_reference >> 32);
    b->version = static_cast<short>(std::max(x.version, 1));
    put(b->umid, sizeof b->umid, x.umid);
    b->loudness_value = x.loudness_value;
    b->loudness_range = x.loudness_range;
    b->max_true_peak_level = x.max_true_peak_level;
    b->max_momentary_loudness = x.max_momentary_loudness;
    b->max_shortterm_loudness = x.max_shortterm_loudness;
    const std::size_t n = std::min(x.coding_history.size(), sizeof b->coding_history);
    std::memcpy(b->coding_history, x.coding_history.data(), n);
    b->coding_history_size = static_cast<std::uint32_t>(n);
    // libsndfile refuses a size of its full 16 KiB struct: pass what is used.
    const int used = static_cast<int>(offsetof(BextVar, coding_history) + n);
    return sf_command(sf, SFC_SET_BROADCAST_INFO, b.get(), used) == SF_TRUE;
}
} // namespace

void apply_before_audio(SNDFILE* sf, const std::string& path, const Metadata& m,
                        std::vector<std::string>& chunk_store) {
    const Container& c = container_for_path(path);
    // A .wav output may be written as RF64 (long or of unknown length, then downgraded):
    // libsndfile's RF64 writer has no cue support but takes the same raw chunks.
    const bool riff = c.sf_major == SF_FORMAT_WAV || c.sf_major == SF_FORMAT_RF64;
    const bool aiff = c.sf_major == SF_FORMAT_AIFF;
    if (!riff && !aiff && c.sf_major != SF_FORMAT_W64)
        return; // FLAC/Ogg/Opus/MP3: TagLib after close (apply_tags)
    if (m.bext && (riff || c.sf_major == SF_FORMAT_W64))
        write_bext(sf, *m.bext);
    auto add_chunk = [&](const std::string& id, std::string data) {
        chunk_store.push_back(std::move(data));
        SF_CHUNK_INFO ci{};
        std::memcpy(ci.id, id.data(), 4);
        ci.id_size = 4;
        ci.datalen = static_cast<unsigned>(chunk_store.back().size());
        ci.data = chunk_store.back().data();
        sf_set_chunk(sf, &ci); // refused for chunks libsndfile reserves: those are written anew
    };
    chunk_store.reserve(chunk_store.size() + m.chunks.size() + 2);
    if (!m.cues.empty() && riff) {
        add_chunk("cue ", cue_chunk(m.cues));
        const bool has_labels = std::any_of(m.chunks.begin(), m.chunks.end(), is_adtl);
        if (!has_labels)
            if (std::string adtl = adtl_from_names(m.cues); !adtl.empty())
                add_chunk("LIST", std::move(adtl));
    } else if (!m.cues.empty() && aiff) {
        std::vector<char> raw(sizeof(std::uint32_t) + m.cues.size() * sizeof(SF_CUE_POINT), 0);
        auto* cues = reinterpret_cast<SF_CUES*>(raw.data());
        cues->cue_count = static_cast<std::uint32_t>(m.cues.size());
        for (std::size_t i = 0; i < m.cues.size(); ++i) {
            SF_CUE_POINT& p = cues->cue_points[i];
            p.indx = static_cast<std::int32_t>(m.cues[i].id);
            p.position = static_cast<std::uint32_t>(m.cues[i].position);
            std::memcpy(&p.fcc_chunk, "data", 4);
            p.sample_offset = static_cast<std::uint32_t>(m.cues[i].position);
            put(p.name, sizeof p.name, m.cues[i].name);
        }
        sf_command(sf, SFC_SET_CUE, cues, static_cast<int>(raw.size()));
    }
    if (m.instrument && (riff || aiff)) {
        const Instrument& x = *m.instrument;
        SF_INSTRUMENT inst{};
        inst.gain = x.gain;
        inst.basenote = static_cast<char>(x.basenote);
        inst.detune = static_cast<char>(x.detune);
        inst.velocity_lo = static_cast<char>(x.velocity_lo);
        inst.velocity_hi = static_cast<char>(x.velocity_hi);
        inst.key_lo = static_cast<char>(x.key_lo);
        inst.key_hi = static_cast<char>(x.key_hi);
        inst.loop_count = static_cast<int>(std::min<std::size_t>(x.loops.size(), 16));
        for (int i = 0; i < inst.loop_count; ++i) {
            const SampleLoop& l = x.loops[static_cast<std::size_t>(i)];
            inst.loops[i].mode = l.mode;
            inst.loops[i].start = static_cast<std::uint32_t>(l.start);
            inst.loops[i].end = static_cast<std::uint32_t>(l.end);
            inst.loops[i].count = l.count;
        }
        sf_command(sf, SFC_SET_INSTRUMENT, &inst, sizeof inst);
    }
    for (const auto& f : str_fields)
        if (auto it = m.tags.find(f.property); it != m.tags.end() && !it->second.empty())
            sf_set_string(sf, f.sf, it->second.front().c_str());
    for (const auto& ch : m.chunks) {
        if (ch.id.size() != 4 || (!riff && is_adtl(ch)))
            continue;
        add_chunk(ch.id, is_adtl(ch) ? aligned_list(ch.data) : ch.data);
    }
}

bool update_bext(SNDFILE* sf, const Bext& b) {
    return write_bext(sf, b);
}

void apply_tags(const std::string& file, const std::string& target_path, const Metadata& m) {
    if (m.tags.empty() && m.pictures.empty())
        return;
    const std::string ext = extension_of(target_path);
    const TagLib::PropertyMap props = property_map(m);
    if (ext == "flac") {
        TagLib::FLAC::File f(file.c_str(), false);
        if (!f.isValid())
            return;
        f.xiphComment(true)->setProperties(props);
        for (const auto& p : m.pictures)
            f.addPicture(flac_picture(p));
        f.save();
    } else if (ext == "ogg" || ext == "oga") {
        TagLib::Ogg::Vorbis::File f(file.c_str(), false);
        if (!f.isValid())
            return;
        f.tag()->setProperties(props);
        for (const auto& p : m.pictures)
            f.tag()->addPicture(flac_picture(p));
        f.save();
    } else if (ext == "opus") {
        TagLib::Ogg::Opus::File f(file.c_str(), false);
        if (!f.isValid())
            return;
        f.tag()->setProperties(props);
        for (const auto& p : m.pictures)
            f.tag()->addPicture(flac_picture(p));
        f.save();
    } else if (ext == "mp3") {
        TagLib::MPEG::File f(file.c_str(), false);
        if (!f.isValid())
            return;
        TagLib::ID3v2::Tag* tag = f.ID3v2Tag(true);
        tag->setProperties(props);
        add_apic(tag, m.pictures);
        f.save(TagLib::MPEG::File::ID3v2, TagLib::File::StripNone);
    } else if (ext == "wav") {
        // INFO (written by libsndfile before the audio) holds eight fields; the rest (ISRC,
        // custom fields, pictures) goes into an ID3v2 chunk, as TagLib and most players read it.
        const bool beyond_info =
            !m.pictures.empty() || std::any_of(m.tags.begin(), m.tags.end(), [](const auto& t) {
                return std::none_of(std::begin(str_fields), std::end(str_fields),
                                    [&](const StrField& f) { return t.first == f.property; });
            });
        if (!beyond_info)
            return;
        TagLib::RIFF::WAV::File f(file.c_str(), false);
        if (!f.isValid())
            return;
        f.ID3v2Tag()->setProperties(props);
        add_apic(f.ID3v2Tag(), m.pictures);
        f.save(TagLib::RIFF::WAV::File::ID3v2, TagLib::File::StripNone);
    }
}

} // namespace tapeop::io
