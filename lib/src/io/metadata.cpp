#include "tapeop/io/metadata.hpp"

#include "bytes.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/bext_loudness.hpp"
#include "tapeop/io/declared_length.hpp"
#include "tapeop/io/format.hpp"
#include "tapeop/text/words.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <sndfile.h>

#include <FLAC/metadata.h>

#include <taglib/attachedpictureframe.h>
#include <taglib/fileref.h>
#include <taglib/flacfile.h>
#include <taglib/flacpicture.h>
#include <taglib/id3v2frame.h>
#include <taglib/id3v2tag.h>
#include <taglib/infotag.h>
#include <taglib/mp4file.h>
#include <taglib/mp4tag.h>
#include <taglib/mpegfile.h>
#include <taglib/opusfile.h>
#include <taglib/tbytevectorstream.h>
#include <taglib/tfile.h>
#include <taglib/tpropertymap.h>
#include <taglib/vorbisfile.h>
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

// Chunks that libsndfile writes itself from the audio format or from the calls below ("PAD ":
// the padding it leaves where a float file's PEAK chunk would be, which tapeop turns off).
bool written_anew(const std::string& id) {
    static const char* const own[] = {
        "fmt ", "data", "fact", "ds64", "PEAK", "PAD ", "bext", "cue ", "LIST", "JUNK",
        "junk", "FLLR", "COMM", "SSND", "FORM", "RIFF", "RF64", "MARK", "INST", "NAME",
        "AUTH", "(c) ", "ANNO", "inst", "smpl", "chan", "CHAN", "id3 ", "ID3 "};
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

// RIFF LIST/INFO ids with a common property name (libsndfile's ids, which it reads and writes
// for SF_STR_*; IPRT is TagLib's id for the track number). The first id of a property is the
// one a tag from another container is written under. Every other INFO field is kept in RIFF
// outputs as it was but has no counterpart elsewhere: there is no agreed mapping (TagLib 2
// reads IENG as ARRANGER, exiftool as Engineer).
struct InfoField {
    const char* id;
    const char* property;
};
constexpr InfoField info_fields[] = {
    {"INAM", "TITLE"},       {"IART", "ARTIST"},  {"IPRD", "ALBUM"},     {"ICRD", "DATE"},
    {"IGNR", "GENRE"},       {"ICMT", "COMMENT"}, {"ICOP", "COPYRIGHT"}, {"ITRK", "TRACKNUMBER"},
    {"IPRT", "TRACKNUMBER"}, {"ISFT", "ENCODING"}};

// The text AIFF's own chunks hold (libsndfile writes NAME, AUTH, (c) and ANNO).
constexpr const char* aiff_text_properties[] = {"TITLE", "ARTIST", "COPYRIGHT", "COMMENT"};

bool is_loudness_tag(const std::string& key) {
    return key.rfind("REPLAYGAIN_", 0) == 0 || key.rfind("R128_", 0) == 0;
}

// INFO text has no declared encoding: its bytes are kept as they are (Latin-1 maps every byte
// to one character and back), where TagLib's default handler would drop text that is not
// UTF-8. Set once, before the first INFO is read or written.
class InfoBytes : public TagLib::RIFF::Info::StringHandler {
  public:
    TagLib::String parse(const TagLib::ByteVector& data) const override {
        return TagLib::String(data, TagLib::String::Latin1);
    }
    TagLib::ByteVector render(const TagLib::String& s) const override {
        return s.data(TagLib::String::Latin1);
    }
};
void use_info_bytes() {
    static const InfoBytes handler;
    static std::once_flag once;
    std::call_once(once, [] { TagLib::RIFF::Info::Tag::setStringHandler(&handler); });
}

// Text from a field with no declared encoding (RIFF INFO, AIFF text chunks) as UTF-8, as tags
// hold it: kept when it is UTF-8, else read as Latin-1 (what Windows and most DAWs write).
std::string text_utf8(const std::string& bytes) {
    if (TagLib::String(bytes, TagLib::String::UTF8).to8Bit(true) == bytes)
        return bytes;
    return TagLib::String(bytes, TagLib::String::Latin1).to8Bit(true);
}

// A TagLib file over bytes in memory, so that TagLib's ID3v2 reader can read a tag that is not
// in a file TagLib opens itself (an ID3 chunk from libsndfile's chunk API, a kept tag).
class TagBytes : public TagLib::File {
  public:
    explicit TagBytes(TagLib::IOStream* stream) : TagLib::File(stream) {}
    TagLib::Tag* tag() const override { return nullptr; }
    TagLib::AudioProperties* audioProperties() const override { return nullptr; }
    bool save() override { return false; }
};

// An ID3v2 tag (header and body) read by TagLib from `bytes`.
struct ParsedId3 {
    explicit ParsedId3(const std::string& bytes)
        : data(bytes.data(), static_cast<unsigned>(bytes.size())), stream(data), file(&stream),
          tag(&file, 0) {}
    TagLib::ByteVector data;
    TagLib::ByteVectorStream stream;
    TagBytes file;
    TagLib::ID3v2::Tag tag;
};

// A tag's frames, to remove or move while going through them. Not a copy of its FrameList:
// that would share the tag's list, whose last holder deletes the frames.
std::vector<TagLib::ID3v2::Frame*> frames_of(const TagLib::ID3v2::Tag& tag) {
    const TagLib::ID3v2::FrameList& list = tag.frameList();
    return {list.begin(), list.end()};
}

std::string render_id3(const TagLib::ID3v2::Tag& tag) {
    const TagLib::ByteVector v = tag.render(TagLib::ID3v2::v4);
    return std::string(v.data(), v.size());
}

// Frames that adjust the playback volume (ID3v2.4 RVA2, its v2.3 predecessor RVAD, and the
// non-standard XRVA and RGAD): like ReplayGain tags, they describe the audio they were made for.
bool is_volume_frame(const TagLib::ID3v2::Frame* f) {
    const TagLib::ByteVector id = f->frameID();
    return id == "RVA2" || id == "RVAD" || id == "XRVA" || id == "RGAD";
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

bool is_adtl(const Chunk& c) {
    return c.id == "LIST" && c.data.compare(0, 4, "adtl") == 0;
}

// The points of a RIFF cue chunk's body (the layout cue_chunk() writes: count, then 24 bytes
// per point; the position is the sample offset, as libsndfile reads it). A count larger than
// the body holds is cut to what is there.
std::vector<CuePoint> cues_from_chunk(const std::string& body) {
    std::vector<CuePoint> out;
    if (body.size() < 4)
        return out;
    const std::uint64_t count =
        std::min<std::uint64_t>(bytes::le32(body, 0), (body.size() - 4) / 24);
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::size_t at = 4 + std::size_t(i) * 24;
        out.push_back({bytes::le32(body, at), std::int64_t(bytes::le32(body, at + 20)), {}});
    }
    return out;
}

// The labels ("labl": cue id, NUL-terminated text) of a LIST adtl body onto `cues`.
void name_cues_from_adtl(const std::string& body, std::vector<CuePoint>& cues) {
    for (std::size_t at = 4; at + 8 <= body.size();) {
        const std::string id = body.substr(at, 4);
        const std::uint32_t size = bytes::le32(body, at + 4);
        if (size > body.size() - at - 8)
            return; // damaged: keep what was named so far
        if (id == "labl" && size >= 4) {
            const std::uint32_t cue = bytes::le32(body, at + 8);
            const std::string text = body.substr(at + 12, size - 4);
            for (auto& c : cues)
                if (c.id == cue)
                    c.name = text.substr(0, text.find('\0'));
        }
        at += 8 + size + (size & 1);
    }
}

// Fills in ci.id of the chunk at `it`: libsndfile does so only when fetching data, so none is
// fetched (the audio chunk itself is never read). false: the chunk cannot be read.
bool chunk_id(SF_CHUNK_ITERATOR* it, SF_CHUNK_INFO& ci) {
    char none = 0;
    ci.data = &none;
    ci.datalen = 0;
    return sf_get_chunk_data(it, &ci) == SF_ERR_NO_ERROR;
}

std::string chunk_id_string(const SF_CHUNK_INFO& ci) {
    return {ci.id, strnlen(ci.id, std::min<std::size_t>(ci.id_size, sizeof ci.id))};
}

void read_id3v2(const TagLib::ID3v2::Tag* tag, Metadata& m);

void read_sndfile_side(const std::string& path, Metadata& m) {
    if (!riff_list_problem(path).empty())
        return; // libsndfile would loop on it; the audio reader reports it
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
            // SF_CUES declares cue_points[100]; a file may hold more, so the points are read
            // from the buffer sized for them, not through the fixed-size array.
            const std::uint32_t n = std::min(cues->cue_count, count);
            for (std::uint32_t i = 0; i < n; ++i) {
                SF_CUE_POINT c;
                std::memcpy(&c, raw.data() + offsetof(SF_CUES, cue_points) + i * sizeof c,
                            sizeof c);
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
    const bool rf64 = (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_RF64;
    std::string rf64_cues, info_list, id3;
    for (SF_CHUNK_ITERATOR* it = sf_get_chunk_iterator(sf.get(), nullptr); it;
         it = sf_next_chunk_iterator(it)) {
        SF_CHUNK_INFO ci{};
        if (!chunk_id(it, ci))
            continue;
        const std::string id = chunk_id_string(ci);
        // LIST is written anew from the strings (INFO), except the cue labels (adtl), which
        // libsndfile reads with the cues but does not write: those go verbatim. The cue chunk
        // of an RF64 file is read here: libsndfile's RF64 reader lists it but returns no cues.
        const bool rf64_cue = rf64 && id == "cue " && m.cues.empty();
        const bool id3_chunk = (id == "id3 " || id == "ID3 ") && id3.empty();
        if (id.size() != 4 || (written_anew(id) && id != "LIST" && !rf64_cue && !id3_chunk))
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
        // INFO is read (TagLib) and written anew from its fields; other LISTs (adtl, ...) go
        // verbatim.
        if (id == "LIST" && data.compare(0, 4, "INFO") == 0) {
            if (info_list.empty())
                info_list = std::move(data);
            continue;
        }
        if (rf64_cue) {
            rf64_cues = std::move(data);
            continue;
        }
        if (id3_chunk && data.compare(0, 3, "ID3") == 0) {
            id3 = std::move(data);
            continue;
        }
        if (id3_chunk)
            continue; // not an ID3v2 tag: nothing TagLib can read
        m.chunks.push_back({id, std::move(data)});
    }
    if (!rf64_cues.empty()) {
        m.cues = cues_from_chunk(rf64_cues);
        for (const auto& c : m.chunks)
            if (is_adtl(c))
                name_cues_from_adtl(c.data, m.cues);
    }
    // The ID3 chunk first (it holds the most: ISRC, custom fields, pictures), then INFO and the
    // text libsndfile reads (AIFF's NAME, AUTH, ...) for what it does not have.
    if (!id3.empty()) {
        const ParsedId3 parsed(id3);
        read_id3v2(&parsed.tag, m);
        if (!parsed.tag.frameList().isEmpty())
            m.id3v2 = render_id3(parsed.tag);
    }
    if (!info_list.empty()) {
        use_info_bytes();
        const TagLib::RIFF::Info::Tag tag(
            TagLib::ByteVector(info_list.data(), static_cast<unsigned>(info_list.size())));
        for (const auto& [key, value] : tag.fieldListMap()) {
            const std::string id(key.data(), key.size());
            const TagLib::ByteVector bytes = value.data(TagLib::String::Latin1);
            std::string text(bytes.data(), bytes.size());
            if (text.empty())
                continue; // nothing to keep (TagLib does not write empty fields)
            if (const char* p = info_property(id); p && !m.tags.count(p))
                m.tags[p] = {text_utf8(text)};
            m.info.emplace_back(id, std::move(text));
        }
    }
    for (const auto& f : str_fields)
        if (const char* s = sf_get_string(sf.get(), f.sf); s && *s && !m.tags.count(f.property))
            m.tags[f.property] = {text_utf8(s)};
}

// The pictures of an ID3v2 tag's APIC frames.
void read_apic(const TagLib::ID3v2::Tag& tag, Metadata& m) {
    for (const auto* f : tag.frameList("APIC")) {
        // An APIC frame TagLib could not parse (compressed, encrypted, damaged) is an
        // UnknownFrame: no picture to read here (an ID3 output still carries it as it is).
        const auto* a = dynamic_cast<const TagLib::ID3v2::AttachedPictureFrame*>(f);
        if (!a)
            continue;
        m.pictures.push_back({a->mimeType().to8Bit(true), a->description().to8Bit(true),
                              std::string(a->picture().data(), a->picture().size()),
                              int(a->type())});
    }
}

void read_id3v2(const TagLib::ID3v2::Tag* tag, Metadata& m) {
    for (const auto& [key, values] : tag->properties()) {
        std::vector<std::string> v;
        for (const auto& s : values)
            v.push_back(s.to8Bit(true));
        m.tags[key.to8Bit(true)] = v;
    }
    read_apic(*tag, m);
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

// An MP4's cover art (covr: JPEG, PNG, BMP or GIF bytes, no description or picture type: a
// front cover), and its "©too" (the encoding tool, which TagLib names ENCODEDBY, ID3's "encoded
// by" person) as ENCODER, which names the encoder and is dropped from re-encoded outputs.
void read_mp4_extras(const TagLib::MP4::Tag* tag, Metadata& m) {
    if (!tag)
        return;
    if (tag->contains("\251too")) {
        if (auto it = m.tags.find("ENCODEDBY"); it != m.tags.end()) {
            m.tags["ENCODER"] = it->second;
            m.tags.erase(it);
        }
    }
    // Freeform atoms TagLib's property map leaves out (custom fields, ReplayGain): by name,
    // as TagLib names the ones it knows (upper case; "----:com.apple.iTunes:ISRC" is ISRC).
    const std::string freeform = "----:com.apple.iTunes:";
    for (const auto& [key, item] : tag->itemMap()) {
        const std::string k = key.to8Bit(true);
        if (k.rfind(freeform, 0) != 0 || k.size() == freeform.size())
            continue;
        std::string name = k.substr(freeform.size());
        for (auto& ch : name)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (m.tags.count(name))
            continue;
        std::vector<std::string> values;
        for (const auto& v : item.toStringList())
            values.push_back(v.to8Bit(true));
        if (!values.empty())
            m.tags[name] = values;
    }
    if (!tag->contains("covr"))
        return;
    for (const auto& art : tag->item("covr").toCoverArtList()) {
        std::string mime;
        switch (art.format()) {
        case TagLib::MP4::CoverArt::JPEG:
            mime = "image/jpeg";
            break;
        case TagLib::MP4::CoverArt::PNG:
            mime = "image/png";
            break;
        case TagLib::MP4::CoverArt::BMP:
            mime = "image/bmp";
            break;
        case TagLib::MP4::CoverArt::GIF:
            mime = "image/gif";
            break;
        default:
            mime = "image/unknown";
            break;
        }
        m.pictures.push_back({mime, "", std::string(art.data().data(), art.data().size()), 3});
    }
}

void read_taglib_side(const std::string& path, Metadata& m) {
    // RIFF and AIFF: their ID3 and INFO chunks are read from libsndfile's chunk API.
    const std::string ext = extension_of(path);
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
        if (mp3->hasID3v2Tag()) {
            read_apic(*mp3->ID3v2Tag(), m);
            if (!mp3->ID3v2Tag()->frameList().isEmpty())
                m.id3v2 = render_id3(*mp3->ID3v2Tag());
        }
    } else if (auto* vorbis = dynamic_cast<TagLib::Ogg::Vorbis::File*>(ref.file())) {
        if (vorbis->tag())
            add_flac(vorbis->tag()->pictureList());
    } else if (auto* opus = dynamic_cast<TagLib::Ogg::Opus::File*>(ref.file())) {
        if (opus->tag())
            add_flac(opus->tag()->pictureList());
    } else if (auto* mp4 = dynamic_cast<TagLib::MP4::File*>(ref.file())) {
        read_mp4_extras(mp4->tag(), m);
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

using Values = std::vector<std::string>;

// What one ID3v2 frame says in TagLib's property names (none for PRIV, APIC, POPM, ...), as
// a tag holding only that frame reports it (TagLib 1.13 keeps Frame::asProperties protected).
std::map<std::string, Values> frame_properties(TagLib::ID3v2::Frame* f) {
    TagLib::PropertyMap props;
    {
        TagLib::ID3v2::Tag one;
        one.addFrame(f);
        props = one.properties();
        one.removeFrame(f, false); // still `f`'s owner's
    }
    std::map<std::string, Values> out;
    for (const auto& [key, values] : props) {
        Values& v = out[key.to8Bit(true)];
        for (const auto& x : values)
            v.push_back(x.to8Bit(true));
    }
    return out;
}

// The ID3v2 tag of an output: the input's frames as they were (m.id3v2), except those whose
// property the metadata no longer holds or holds with other values (stale loudness, ENCODING,
// a new LENGTH); those properties, and the tags that came from elsewhere (FLAC comments, INFO),
// are made into frames by TagLib's property map. An input's own ID3 tag gets none of the tags
// the output holds in its own text (`native`: INFO's in a WAV), which the input held there
// too. Pictures become APIC frames when the input's frames did not carry them.
void fill_id3(TagLib::ID3v2::Tag& out, const Metadata& m, const std::vector<std::string>& native) {
    if (!m.id3v2.empty()) {
        ParsedId3 carried(m.id3v2);
        const std::vector<TagLib::ID3v2::Frame*> frames = frames_of(carried.tag);
        for (auto* f : frames) {
            carried.tag.removeFrame(f, false);
            out.addFrame(f);
        }
    }
    // The frames' properties, merged in frame order as TagLib's properties() merges them.
    std::map<std::string, Values> have;
    for (auto* f : out.frameList())
        for (auto& [key, values] : frame_properties(f)) {
            Values& v = have[key];
            v.insert(v.end(), values.begin(), values.end());
        }
    std::set<std::string> redo;
    for (const auto& [key, values] : have)
        if (auto it = m.tags.find(key); it == m.tags.end() || it->second != values)
            redo.insert(key);
    for (const auto& [key, values] : m.tags)
        if (!have.count(key) &&
            (m.id3v2.empty() || std::find(native.begin(), native.end(), key) == native.end()))
            redo.insert(key);
    if (!redo.empty()) {
        // A frame that says anything changed goes; what else it said is made anew with it
        // (which may take further frames: repeated until nothing more goes).
        std::set<TagLib::ID3v2::Frame*> doomed;
        for (bool grew = true; grew;) {
            grew = false;
            for (auto* f : out.frameList()) {
                if (doomed.count(f))
                    continue;
                const auto props = frame_properties(f);
                if (std::none_of(props.begin(), props.end(),
                                 [&](const auto& p) { return redo.count(p.first) > 0; }))
                    continue;
                doomed.insert(f);
                for (const auto& p : props)
                    redo.insert(p.first);
                grew = true;
            }
        }
        for (auto* f : doomed)
            out.removeFrame(f, true);
        TagLib::PropertyMap props;
        for (const auto& key : redo)
            if (auto it = m.tags.find(key); it != m.tags.end()) {
                TagLib::StringList list;
                for (const auto& v : it->second)
                    list.append(TagLib::String(v, TagLib::String::UTF8));
                props.insert(TagLib::String(key, TagLib::String::UTF8), list);
            }
        TagLib::ID3v2::Tag made;
        made.setProperties(props);
        const std::vector<TagLib::ID3v2::Frame*> frames = frames_of(made);
        for (auto* f : frames) {
            made.removeFrame(f, false);
            out.addFrame(f);
        }
    }
    if (m.id3v2.empty())
        add_apic(&out, m.pictures);
}

// Whether an output whose own text holds `native` needs an ID3 chunk for the rest.
bool beyond(const Metadata& m, const std::vector<std::string>& native) {
    if (!m.id3v2.empty() || !m.pictures.empty())
        return true;
    return std::any_of(m.tags.begin(), m.tags.end(), [&](const auto& t) {
        return std::find(native.begin(), native.end(), t.first) == native.end();
    });
}

TagLib::FLAC::Picture* flac_picture(const Picture& p) {
    auto* pic = new TagLib::FLAC::Picture;
    pic->setMimeType(TagLib::String(p.mime, TagLib::String::UTF8));
    pic->setDescription(TagLib::String(p.description, TagLib::String::UTF8));
    pic->setType(static_cast<TagLib::FLAC::Picture::Type>(p.type));
    pic->setData(TagLib::ByteVector(p.data.data(), static_cast<unsigned>(p.data.size())));
    return pic;
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

const char* info_property(const std::string& id) {
    for (const auto& f : info_fields)
        if (id == f.id)
            return f.property;
    return nullptr;
}

std::string info_text(const std::string& bytes) {
    return text_utf8(bytes);
}

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

namespace {
struct FlacBlockDeleter {
    void operator()(FLAC__StreamMetadata* b) const { FLAC__metadata_object_delete(b); }
};
using FlacBlock = std::unique_ptr<FLAC__StreamMetadata, FlacBlockDeleter>;
struct FlacChainDeleter {
    void operator()(FLAC__Metadata_Chain* c) const { FLAC__metadata_chain_delete(c); }
};
struct FlacIteratorDeleter {
    void operator()(FLAC__Metadata_Iterator* i) const { FLAC__metadata_iterator_delete(i); }
};

void read_cuesheet(const std::string& path, Metadata& m) {
    FLAC__StreamMetadata* raw = nullptr;
    if (!FLAC__metadata_get_cuesheet(path.c_str(), &raw) || !raw)
        return;
    const FlacBlock block(raw);
    const FLAC__StreamMetadata_CueSheet& cs = block->data.cue_sheet;
    CueSheet sheet;
    sheet.media_catalog_number = field(cs.media_catalog_number, sizeof cs.media_catalog_number);
    sheet.lead_in = cs.lead_in;
    sheet.is_cd = cs.is_cd;
    for (std::uint32_t t = 0; t + 1 < cs.num_tracks; ++t) { // the last one is the lead-out
        const FLAC__StreamMetadata_CueSheet_Track& tr = cs.tracks[t];
        CueSheetTrack x;
        x.number = tr.number;
        x.position = std::int64_t(tr.offset);
        x.isrc = field(tr.isrc, sizeof tr.isrc);
        x.audio = tr.type == 0;
        x.pre_emphasis = tr.pre_emphasis != 0;
        for (unsigned i = 0; i < tr.num_indices; ++i)
            x.indices.push_back(
                {tr.indices[i].number, std::int64_t(tr.offset + tr.indices[i].offset)});
        sheet.tracks.push_back(std::move(x));
    }
    m.cuesheet = std::move(sheet);
}

// The cue sheet as a CUESHEET block for a file of `total_frames`, the lead-out at its end;
// null when libFLAC finds it illegal (it is then not written).
FlacBlock cuesheet_block(const CueSheet& sheet, std::uint64_t total_frames) {
    FlacBlock b(FLAC__metadata_object_new(FLAC__METADATA_TYPE_CUESHEET));
    if (!b)
        return nullptr;
    FLAC__StreamMetadata_CueSheet& cs = b->data.cue_sheet;
    put(cs.media_catalog_number, sizeof cs.media_catalog_number - 1, sheet.media_catalog_number);
    cs.lead_in = sheet.lead_in;
    cs.is_cd = sheet.is_cd;
    auto add = [&](std::uint64_t offset, int number, const CueSheetTrack* from) {
        const unsigned t = cs.num_tracks;
        if (!FLAC__metadata_object_cuesheet_insert_blank_track(b.get(), t))
            return false;
        FLAC__StreamMetadata_CueSheet_Track& tr = b->data.cue_sheet.tracks[t];
        tr.offset = offset;
        tr.number = static_cast<FLAC__byte>(number);
        if (!from)
            return true;
        put(tr.isrc, sizeof tr.isrc - 1, from->isrc);
        tr.type = from->audio ? 0 : 1;
        tr.pre_emphasis = from->pre_emphasis ? 1 : 0;
        for (const auto& ix : from->indices) {
            FLAC__StreamMetadata_CueSheet_Index index{};
            index.offset = std::uint64_t(ix.position - from->position);
            index.number = static_cast<FLAC__byte>(ix.number);
            if (!FLAC__metadata_object_cuesheet_track_insert_index(b.get(), t, tr.num_indices,
                                                                   index))
                return false;
        }
        return true;
    };
    for (const auto& t : sheet.tracks)
        if (!add(std::uint64_t(t.position), t.number, &t))
            return nullptr;
    if (!add(total_frames, sheet.is_cd ? 170 : 255, nullptr))
        return nullptr;
    if (!FLAC__metadata_object_cuesheet_is_legal(b.get(), sheet.is_cd, nullptr))
        return nullptr;
    return b;
}

// Puts the cue sheet into the closed FLAC `file` (libFLAC's chain keeps every other block).
void write_cuesheet(const std::string& file, const CueSheet& sheet) {
    std::unique_ptr<FLAC__Metadata_Chain, FlacChainDeleter> chain(FLAC__metadata_chain_new());
    if (!chain || !FLAC__metadata_chain_read(chain.get(), file.c_str()))
        return;
    std::unique_ptr<FLAC__Metadata_Iterator, FlacIteratorDeleter> it(FLAC__metadata_iterator_new());
    if (!it)
        return;
    FLAC__metadata_iterator_init(it.get(), chain.get());
    const std::uint64_t total =
        FLAC__metadata_iterator_get_block(it.get())->data.stream_info.total_samples;
    FlacBlock block = cuesheet_block(sheet, total);
    if (!block)
        return;
    while (FLAC__metadata_iterator_next(it.get()))
        if (FLAC__metadata_iterator_get_block_type(it.get()) == FLAC__METADATA_TYPE_CUESHEET)
            FLAC__metadata_iterator_delete_block(it.get(), false);
    FLAC__metadata_iterator_init(it.get(), chain.get()); // STREAMINFO
    if (FLAC__metadata_iterator_insert_block_after(it.get(), block.get()))
        block.release(); // the chain owns it now
    FLAC__metadata_chain_sort_padding(chain.get());
    FLAC__metadata_chain_write(chain.get(), true, false);
}

// moved() for a cue sheet: see the header.
std::optional<CueSheet> moved_cuesheet(const CueSheet& in, std::int64_t head, std::int64_t kept,
                                       const std::function<std::int64_t(std::int64_t)>& rescale,
                                       int out_rate) {
    CueSheet out = in;
    out.tracks.clear();
    for (std::size_t t = 0; t < in.tracks.size(); ++t) {
        const CueSheetTrack& tr = in.tracks[t];
        const bool has_next = t + 1 < in.tracks.size();
        if (has_next && in.tracks[t + 1].position <= head)
            continue; // ends before the kept audio
        if (kept >= 0 && tr.position - head >= kept)
            continue; // starts after it
        CueSheetTrack x = tr;
        x.position = std::max<std::int64_t>(0, tr.position - head);
        x.indices.clear();
        const CueSheetIndex* current = nullptr; // the index in force at the cut
        for (const auto& ix : tr.indices) {
            const std::int64_t at = ix.position - head;
            if (at < 0) {
                current = &ix;
                continue;
            }
            if (kept >= 0 && at >= kept)
                continue;
            x.indices.push_back({ix.number, at});
        }
        if (current && (x.indices.empty() || x.indices.front().position > 0))
            x.indices.insert(x.indices.begin(), {current->number, 0});
        x.position = rescale(x.position);
        for (auto& ix : x.indices)
            ix.position = rescale(ix.position);
        out.tracks.push_back(std::move(x));
    }
    if (out.tracks.empty())
        return std::nullopt;
    // CD-DA subset (Red Book, as libFLAC checks it): 44.1 kHz, every position on a sector.
    if (out.is_cd) {
        bool on_grid = out_rate == 44100;
        for (const auto& t : out.tracks) {
            on_grid = on_grid && t.position % 588 == 0;
            for (const auto& ix : t.indices)
                on_grid = on_grid && ix.position % 588 == 0;
        }
        if (!on_grid) {
            out.is_cd = false;
            out.lead_in = 0;
        }
    }
    return out;
}
} // namespace

Metadata read_metadata(const std::string& path) {
    Metadata m;
    if (path.empty() || path == "-")
        return m;
    read_taglib_side(path, m);
    read_sndfile_side(path, m);
    if (extension_of(path) == "flac")
        read_cuesheet(path, m);
    return m;
}

std::vector<ChunkSize> list_chunks(const std::string& path) {
    std::vector<ChunkSize> out;
    if (!riff_list_problem(path).empty())
        return out;
    SF_INFO info{};
    std::unique_ptr<SNDFILE, SfCloser> sf(sf_open(path.c_str(), SFM_READ, &info));
    if (!sf)
        return out;
    for (SF_CHUNK_ITERATOR* it = sf_get_chunk_iterator(sf.get(), nullptr); it;
         it = sf_next_chunk_iterator(it)) {
        SF_CHUNK_INFO ci{};
        if (!chunk_id(it, ci))
            continue;
        const std::string id = chunk_id_string(ci);
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
    if (m.cuesheet)
        m.cuesheet = moved_cuesheet(*in.cuesheet, head_frames, kept_frames, rescale, out_rate);
    if (audio_changed) {
        for (auto it = m.tags.begin(); it != m.tags.end();)
            it = is_loudness_tag(it->first) ? m.tags.erase(it) : std::next(it);
        // Their ID3 frames (TXXX) go with them when the tag is written; volume frames, which
        // have no property name, go here.
        if (!m.id3v2.empty()) {
            ParsedId3 parsed(m.id3v2);
            const std::vector<TagLib::ID3v2::Frame*> frames = frames_of(parsed.tag);
            bool removed = false;
            for (auto* f : frames)
                if (is_volume_frame(f)) {
                    parsed.tag.removeFrame(f, true);
                    removed = true;
                }
            if (removed)
                m.id3v2 = parsed.tag.frameList().isEmpty() ? std::string{} : render_id3(parsed.tag);
        }
    }
    m.sample_rate = out_rate;
    return m;
}

void drop_encoder_tags(Metadata& m, const std::string& path) {
    m.tags.erase("ENCODING");
    m.tags.erase("ENCODER"); // ISFT goes with ENCODING (apply_before_audio)
    const int major = container_for_path(path).sf_major;
    if (major != SF_FORMAT_FLAC && major != SF_FORMAT_OGG && major != SF_FORMAT_MPEG)
        m.tags.erase("LENGTH"); // no tags after the audio (ID3 chunks are written before it)
}

std::vector<std::string> unplaced_metadata(const Metadata& m, const std::string& path) {
    const int major = container_for_path(path).sf_major;
    const bool riff = major == SF_FORMAT_WAV || major == SF_FORMAT_RF64;
    const bool aiff = major == SF_FORMAT_AIFF;
    const bool tagged =
        major == SF_FORMAT_FLAC || major == SF_FORMAT_OGG || major == SF_FORMAT_MPEG;
    const bool nothing = !riff && !aiff && !tagged; // W64, CAF
    auto count = [](std::size_t n, const char* one, const char* many) {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    std::vector<std::string> out;
    if (m.bext && !riff)
        out.push_back("bext");
    if (!m.cues.empty() && !riff && !aiff)
        out.push_back(count(m.cues.size(), "marker", "markers"));
    if (m.instrument && !riff && !aiff)
        out.push_back("sampler data (smpl/inst)");
    if (!riff && !aiff) {
        std::vector<std::string> ids;
        for (const Chunk& c : m.chunks) {
            if (is_adtl(c))
                continue; // the markers' labels: counted with the markers
            std::string id = c.id;
            while (!id.empty() && (id.back() == ' ' || id.back() == '\0'))
                id.pop_back();
            if (std::find(ids.begin(), ids.end(), id) == ids.end())
                ids.push_back(id);
        }
        if (!ids.empty())
            out.push_back(text::join(ids) + (ids.size() == 1 ? " chunk" : " chunks"));
    }
    if (m.cuesheet && major != SF_FORMAT_FLAC)
        out.push_back("FLAC cue sheet");
    if ((major == SF_FORMAT_FLAC || major == SF_FORMAT_OGG) && !m.id3v2.empty()) {
        // Vorbis comments get the frames' properties and FLAC pictures their APIC frames; a
        // frame that says nothing in property names (PRIV, POPM, GEOB, UFID, chapters, RVA2)
        // has nowhere to go.
        ParsedId3 parsed(m.id3v2);
        std::vector<std::string> ids;
        for (auto* f : frames_of(parsed.tag)) {
            const std::string id(f->frameID().data(), f->frameID().size());
            if (id != "APIC" && frame_properties(f).empty() &&
                std::find(ids.begin(), ids.end(), id) == ids.end())
                ids.push_back(id);
        }
        if (!ids.empty())
            out.push_back("ID3 " + std::string(ids.size() == 1 ? "frame " : "frames ") +
                          text::join(ids) + " (no Vorbis comment counterpart)");
    }
    if (nothing) {
        if (!m.tags.empty() || !m.info.empty() || !m.id3v2.empty())
            out.push_back("tags");
        if (!m.pictures.empty())
            out.push_back(count(m.pictures.size(), "picture", "pictures"));
    } else if (!riff) {
        std::vector<std::string> ids;
        for (const auto& field : m.info)
            if (info_property(field.first) == nullptr)
                ids.push_back(field.first);
        if (!ids.empty())
            out.push_back("INFO fields without a common name (" + text::join(ids) + ")");
    }
    return out;
}

void refresh_encoding_tags(Metadata& m, std::uint64_t frames, int sample_rate) {
    m.tags.erase("ENCODING");
    m.tags.erase("ENCODER");
    if (auto it = m.tags.find("LENGTH"); it != m.tags.end() && sample_rate > 0)
        it->second = {std::to_string((frames * 1000 + std::uint64_t(sample_rate) / 2) /
                                     std::uint64_t(sample_rate))};
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
    // libsndfile appends its own line when it writes the chunk: an input written by libsndfile
    // (an earlier tapeop output) already ends with one, which would be doubled at every step.
    const std::string history = without_libsndfile_line(x.coding_history);
    const std::size_t n = std::min(history.size(), sizeof b->coding_history);
    std::memcpy(b->coding_history, history.data(), n);
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
    chunk_store.reserve(chunk_store.size() + m.chunks.size() + 4); // cue, adtl, INFO, ID3
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
            SF_CUE_POINT p{}; // past cue_points[100] only the buffer is sized for the point
            p.indx = static_cast<std::int32_t>(m.cues[i].id);
            p.position = static_cast<std::uint32_t>(m.cues[i].position);
            std::memcpy(&p.fcc_chunk, "data", 4);
            p.sample_offset = static_cast<std::uint32_t>(m.cues[i].position);
            put(p.name, sizeof p.name, m.cues[i].name);
            std::memcpy(raw.data() + offsetof(SF_CUES, cue_points) + i * sizeof p, &p, sizeof p);
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
    if (riff) {
        // LIST/INFO: the input's fields as they were (a common one only while its tag is
        // still there: ISFT goes with ENCODING), then the common tags it did not have.
        use_info_bytes();
        TagLib::RIFF::Info::Tag info;
        std::set<std::string> done;
        auto set_field = [&](const std::string& id, const std::string& text) {
            info.setFieldText(TagLib::ByteVector(id.data(), 4),
                              TagLib::String(text, TagLib::String::Latin1));
        };
        for (const auto& [id, text] : m.info) {
            const char* p = info_property(id);
            if (id.size() != 4 || (p && !m.tags.count(p)))
                continue;
            set_field(id, text);
            if (p)
                done.insert(p);
        }
        for (const auto& f : info_fields)
            if (auto it = m.tags.find(f.property);
                it != m.tags.end() && !it->second.empty() && done.insert(f.property).second)
                set_field(f.id, it->second.front());
        // sf_set_chunk pads to 4 bytes (aligned_list()); a JUNK sub-chunk inside INFO reads as
        // a field named JUNK (ffmpeg shows it), so the last field's text takes two more NULs.
        TagLib::ByteVector list = info.render();
        if (list.size() % 4 != 0) {
            const auto fields = info.fieldListMap();
            const auto last = std::prev(fields.end());
            const TagLib::ByteVector text = last->second.data(TagLib::String::Latin1);
            info.setFieldText(last->first, TagLib::String(std::string(text.data(), text.size()) +
                                                              std::string(2, '\0'),
                                                          TagLib::String::Latin1));
            list = info.render();
        }
        if (!list.isEmpty())
            add_chunk("LIST", aligned_list(std::string(list.data(), list.size())));
    } else {
        for (const auto& f : str_fields)
            if (auto it = m.tags.find(f.property); it != m.tags.end() && !it->second.empty())
                sf_set_string(sf, f.sf, it->second.front().c_str());
    }
    for (const auto& ch : m.chunks) {
        if (ch.id.size() != 4 || (!riff && ch.id == "LIST"))
            continue;
        add_chunk(ch.id, ch.id == "LIST" ? aligned_list(ch.data) : ch.data);
    }
    // The ID3 chunk (TagLib renders the tag) for what INFO or AIFF's text chunks cannot hold:
    // ISRC, custom fields, pictures, and every frame of an ID3 input.
    std::vector<std::string> native;
    if (riff)
        for (const auto& f : info_fields)
            native.push_back(f.property);
    else
        native.assign(std::begin(aiff_text_properties), std::end(aiff_text_properties));
    if ((riff || aiff) && beyond(m, native)) {
        TagLib::ID3v2::Tag tag;
        fill_id3(tag, m, native);
        if (!tag.frameList().isEmpty())
            add_chunk(riff ? "id3 " : "ID3 ", render_id3(tag));
    }
}

bool update_bext(SNDFILE* sf, const Bext& b) {
    return write_bext(sf, b);
}

namespace {
// A tag TagLib could not save is metadata lost: an error, not a silent omission.
void saved(bool ok, const std::string& target_path) {
    if (!ok)
        throw Error("could not write tags: TagLib could not save them (disk full?)", target_path);
}
} // namespace

void apply_tags(const std::string& file, const std::string& target_path, const Metadata& m) {
    const std::string ext = extension_of(target_path);
    if (ext == "flac" && m.cuesheet)
        write_cuesheet(file, *m.cuesheet);
    if (m.tags.empty() && m.pictures.empty() && m.id3v2.empty())
        return;
    const TagLib::PropertyMap props = property_map(m);
    if (ext == "flac") {
        TagLib::FLAC::File f(file.c_str(), false);
        if (!f.isValid())
            throw Error("could not write tags: TagLib cannot open the file it wrote", target_path);
        f.xiphComment(true)->setProperties(props);
        for (const auto& p : m.pictures)
            f.addPicture(flac_picture(p));
        saved(f.save(), target_path);
    } else if (ext == "ogg" || ext == "oga") {
        TagLib::Ogg::Vorbis::File f(file.c_str(), false);
        if (!f.isValid())
            throw Error("could not write tags: TagLib cannot open the file it wrote", target_path);
        f.tag()->setProperties(props);
        for (const auto& p : m.pictures)
            f.tag()->addPicture(flac_picture(p));
        saved(f.save(), target_path);
    } else if (ext == "opus") {
        TagLib::Ogg::Opus::File f(file.c_str(), false);
        if (!f.isValid())
            throw Error("could not write tags: TagLib cannot open the file it wrote", target_path);
        f.tag()->setProperties(props);
        for (const auto& p : m.pictures)
            f.tag()->addPicture(flac_picture(p));
        saved(f.save(), target_path);
    } else if (ext == "mp3") {
        TagLib::MPEG::File f(file.c_str(), false);
        if (!f.isValid())
            throw Error("could not write tags: TagLib cannot open the file it wrote", target_path);
        TagLib::ID3v2::Tag* tag = f.ID3v2Tag(true);
        const std::vector<TagLib::ID3v2::Frame*> own = frames_of(*tag);
        for (auto* fr : own) // the encoder's, if any: the output holds the metadata's tag
            tag->removeFrame(fr, true);
        fill_id3(*tag, m, {});
        saved(f.save(TagLib::MPEG::File::ID3v2, TagLib::File::StripNone, TagLib::ID3v2::v4),
              target_path);
    }
    // WAV, RF64, AIFF: INFO and the ID3 chunk were written before the audio.
}

} // namespace tapeop::io
