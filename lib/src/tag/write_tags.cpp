#include "tapeop/tag/write_tags.hpp"

#include "../io/fd_output.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/bext_loudness.hpp"
#include "tapeop/io/metadata.hpp"
#include "tapeop/io/writer.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <taglib/flacfile.h>
#include <taglib/id3v2header.h>
#include <taglib/id3v2tag.h>
#include <taglib/mp4file.h>
#include <taglib/mp4tag.h>
#include <taglib/mpegfile.h>
#include <taglib/opusfile.h>
#include <taglib/textidentificationframe.h>
#include <taglib/vorbisfile.h>
#include <taglib/xiphcomment.h>

namespace tapeop::tag {
namespace {

// A temporary beside `target` (same folder, so the rename is atomic), with the target's
// permissions; removed unless commit() renamed it over the target.
class Sibling {
  public:
    explicit Sibling(const std::string& target) : target_(target) {
        const std::string templ = io::temporary_template_for(target);
        std::vector<char> buf(templ.begin(), templ.end());
        buf.push_back('\0');
        fd_ = ::mkstemp(buf.data());
        if (fd_ < 0)
            throw Error(std::string("cannot write in the file's folder: ") + std::strerror(errno),
                        target);
        path_ = buf.data();
        slot_ = io::register_temporary(path_);
        struct stat st {};
        if (::stat(target.c_str(), &st) == 0)
            ::fchmod(fd_, st.st_mode & 07777);
    }
    ~Sibling() {
        close_fd();
        if (!path_.empty()) {
            ::unlink(path_.c_str());
            io::unregister_temporary(slot_);
        }
    }
    Sibling(const Sibling&) = delete;
    Sibling& operator=(const Sibling&) = delete;

    const std::string& path() const { return path_; }
    int fd() const { return fd_; }
    void close_fd() {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

    // The target's bytes, as they are.
    void copy_target() {
        const int in = ::open(target_.c_str(), O_RDONLY | O_CLOEXEC);
        if (in < 0)
            throw Error(std::string("cannot read: ") + std::strerror(errno), target_);
        std::vector<char> buf(1 << 20);
        for (;;) {
            const ssize_t n = ::read(in, buf.data(), buf.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                const int e = errno;
                ::close(in);
                throw Error(std::string("cannot read: ") + std::strerror(e), target_);
            }
            if (n == 0)
                break;
            for (ssize_t done = 0; done < n;) {
                const ssize_t w = ::write(fd_, buf.data() + done, std::size_t(n - done));
                if (w < 0 && errno == EINTR)
                    continue;
                if (w < 0) {
                    const int e = errno;
                    ::close(in);
                    throw Error("cannot write the copy: " + io::write_error_text(e), target_);
                }
                done += w;
            }
        }
        ::close(in);
    }

    void commit() {
        close_fd();
        if (std::rename(path_.c_str(), target_.c_str()) != 0)
            throw Error(std::string("cannot move the tagged file into place: ") +
                            std::strerror(errno),
                        target_);
        io::unregister_temporary(slot_);
        path_.clear();
    }

  private:
    std::string target_, path_;
    int fd_ = -1;
    int slot_ = -1;
};

enum class Kind { flac, vorbis, opus, mp3, mp4, wav };

Kind kind_of(const io::FileInfo& info, Scheme s) {
    if (s == Scheme::bext)
        return Kind::wav;
    if (s == Scheme::r128)
        return Kind::opus;
    if (info.format == "flac")
        return Kind::flac;
    if (info.format == "mp3")
        return Kind::mp3;
    if (info.format == "m4a")
        return Kind::mp4;
    return Kind::vorbis;
}

std::string text(const TagLib::String& s) {
    return s.to8Bit(true);
}
TagLib::String tstring(const std::string& s) {
    return TagLib::String(s, TagLib::String::UTF8);
}

bool is_replaygain(const std::string& key) {
    return key.rfind("REPLAYGAIN_", 0) == 0;
}

// --- Vorbis comments (FLAC, Ogg Vorbis, Opus) ---

void inspect_xiph(const TagLib::Ogg::XiphComment* c, TagEdit& e, bool drop_replaygain) {
    for (const auto& [key, value] : e.tags) {
        std::optional<std::string> before;
        bool same = false;
        if (c && c->contains(tstring(key))) {
            const TagLib::StringList& v = c->fieldListMap()[tstring(key)];
            if (!v.isEmpty())
                before = text(v.front());
            same = v.size() == 1 && before == value;
        }
        e.previous.emplace_back(key, before);
        e.changed = e.changed || !same;
    }
    if (drop_replaygain && c)
        for (const auto& [key, values] : c->fieldListMap())
            if (is_replaygain(text(key))) {
                e.previous.emplace_back(text(key), values.isEmpty() ? std::optional<std::string>()
                                                                    : text(values.front()));
                e.removed.push_back(text(key));
                e.changed = true;
            }
}

void edit_xiph(TagLib::Ogg::XiphComment* c, const TagEdit& e) {
    for (const auto& key : e.removed)
        c->removeFields(tstring(key));
    for (const auto& [key, value] : e.tags)
        c->addField(tstring(key), tstring(value), true);
}

// --- ID3v2 TXXX frames (MP3); descriptions compared without case, as players read them ---

std::string upper(std::string s) {
    for (auto& ch : s)
        if (ch >= 'a' && ch <= 'z')
            ch = char(ch - 'a' + 'A');
    return s;
}

std::vector<TagLib::ID3v2::UserTextIdentificationFrame*> txxx(TagLib::ID3v2::Tag* tag,
                                                              const std::string& key) {
    std::vector<TagLib::ID3v2::UserTextIdentificationFrame*> out;
    if (!tag)
        return out;
    for (auto* f : tag->frameList("TXXX"))
        if (auto* u = dynamic_cast<TagLib::ID3v2::UserTextIdentificationFrame*>(f);
            u && upper(text(u->description())) == key)
            out.push_back(u);
    return out;
}

void inspect_id3(TagLib::ID3v2::Tag* tag, TagEdit& e) {
    for (const auto& [key, value] : e.tags) {
        const auto frames = txxx(tag, key);
        std::optional<std::string> before;
        bool same = false;
        if (!frames.empty()) {
            const TagLib::StringList f = frames.front()->fieldList(); // description, values
            if (f.size() >= 2)
                before = text(f[1]);
            same = frames.size() == 1 && f.size() == 2 && before == value &&
                   text(frames.front()->description()) == key;
        }
        e.previous.emplace_back(key, before);
        e.changed = e.changed || !same;
    }
}

void edit_id3(TagLib::ID3v2::Tag* tag, const TagEdit& e) {
    for (const auto& [key, value] : e.tags) {
        for (auto* f : txxx(tag, key))
            tag->removeFrame(f, true);
        // ASCII values: Latin-1 is valid in ID3v2.3 and 2.4 alike.
        tag->addFrame(new TagLib::ID3v2::UserTextIdentificationFrame(
            tstring(key), TagLib::StringList(tstring(value)), TagLib::String::Latin1));
    }
}

// --- MP4 freeform atoms "----:com.apple.iTunes:NAME" (iTunes' own and every ReplayGain
// tagger's: loudgain, rsgain, foobar2000); names compared without case, as players read them ---

const std::string itunes_freeform = "----:com.apple.iTunes:";

std::vector<TagLib::String> freeform_keys(const TagLib::MP4::Tag* tag, const std::string& name) {
    std::vector<TagLib::String> out;
    if (!tag)
        return out;
    const std::string wanted = upper(itunes_freeform + name);
    for (const auto& [key, item] : tag->itemMap())
        if (upper(text(key)) == wanted)
            out.push_back(key);
    return out;
}

void inspect_mp4(const TagLib::MP4::Tag* tag, TagEdit& e) {
    for (const auto& [key, value] : e.tags) {
        const auto keys = freeform_keys(tag, key);
        std::optional<std::string> before;
        bool same = false;
        if (!keys.empty()) {
            const TagLib::StringList v = tag->item(keys.front()).toStringList();
            if (!v.isEmpty())
                before = text(v.front());
            same = keys.size() == 1 && v.size() == 1 && before == value &&
                   text(keys.front()) == itunes_freeform + key;
        }
        e.previous.emplace_back(key, before);
        e.changed = e.changed || !same;
    }
}

void edit_mp4(TagLib::MP4::Tag* tag, const TagEdit& e) {
    for (const auto& [key, value] : e.tags) {
        for (const auto& k : freeform_keys(tag, key))
            tag->removeItem(k);
        tag->setItem(tstring(itunes_freeform + key), TagLib::MP4::Item(tstring(value)));
    }
}

// Reads the tags as they are (into e.previous, e.changed); with `edit`, writes them.
void taglib_pass(const std::string& path, Kind kind, TagEdit& e, bool edit,
                 const std::string& name) {
    auto fail = [&](const char* what) { throw Error(what, name); };
    switch (kind) {
    case Kind::flac: {
        TagLib::FLAC::File f(path.c_str(), false);
        if (!f.isValid())
            fail("TagLib cannot read this FLAC file");
        if (!edit)
            return inspect_xiph(f.hasXiphComment() ? f.xiphComment() : nullptr, e, false);
        edit_xiph(f.xiphComment(true), e);
        if (!f.save())
            fail("TagLib could not save the tags");
        return;
    }
    case Kind::vorbis: {
        TagLib::Ogg::Vorbis::File f(path.c_str(), false);
        if (!f.isValid())
            fail("TagLib cannot read this Ogg Vorbis file");
        if (!edit)
            return inspect_xiph(f.tag(), e, false);
        edit_xiph(f.tag(), e);
        if (!f.save())
            fail("TagLib could not save the tags");
        return;
    }
    case Kind::opus: {
        TagLib::Ogg::Opus::File f(path.c_str(), false);
        if (!f.isValid())
            fail("TagLib cannot read this Opus file");
        if (!edit)
            return inspect_xiph(f.tag(), e, true);
        edit_xiph(f.tag(), e);
        if (!f.save())
            fail("TagLib could not save the tags");
        return;
    }
    case Kind::mp3: {
        TagLib::MPEG::File f(path.c_str(), false);
        if (!f.isValid())
            fail("TagLib cannot read this MP3 file");
        if (!edit)
            return inspect_id3(f.hasID3v2Tag() ? f.ID3v2Tag() : nullptr, e);
        const bool v3 = f.hasID3v2Tag() && f.ID3v2Tag()->header()->majorVersion() == 3;
        edit_id3(f.ID3v2Tag(true), e);
        if (!f.save(TagLib::MPEG::File::ID3v2, TagLib::File::StripNone,
                    v3 ? TagLib::ID3v2::v3 : TagLib::ID3v2::v4, TagLib::File::DoNotDuplicate))
            fail("TagLib could not save the tags");
        return;
    }
    case Kind::mp4: {
        TagLib::MP4::File f(path.c_str(), false);
        if (!f.isValid() || !f.tag())
            fail("TagLib cannot read this MP4 file");
        if (!edit)
            return inspect_mp4(f.tag(), e);
        edit_mp4(f.tag(), e);
        if (!f.save())
            fail("TagLib could not save the tags");
        return;
    }
    case Kind::wav:
        break;
    }
}

// --- bext (WAV, RF64) through libsndfile ---

struct SfCloser {
    void operator()(SNDFILE* f) const { sf_close(f); }
};
using Sndfile = std::unique_ptr<SNDFILE, SfCloser>;

void inspect_bext(const std::string& path, TagEdit& e, io::Bext& target) {
    SF_INFO info{};
    Sndfile sf(sf_open(path.c_str(), SFM_READ, &info));
    if (!sf)
        throw Error("cannot read: " + io::sndfile_error_text(nullptr), path);
    const std::optional<io::Bext> b = io::bext_of(sf.get());
    target = b.value_or(io::Bext{});
    // Each field as it is, rendered as loudness_tags() renders the new one.
    for (const auto& [key, value] : e.tags) {
        std::optional<std::string> before;
        if (b && b->version >= 2) {
            const std::int16_t v = key == "LoudnessValue"          ? b->loudness_value
                                   : key == "LoudnessRange"        ? b->loudness_range
                                   : key == "MaxTruePeakLevel"     ? b->max_true_peak_level
                                   : key == "MaxMomentaryLoudness" ? b->max_momentary_loudness
                                                                   : b->max_shortterm_loudness;
            char buf[32];
            if (v == io::bext_unset)
                std::snprintf(buf, sizeof buf, "unset");
            else
                std::snprintf(buf, sizeof buf, "%.2f", v / 100.0);
            before = buf;
        }
        e.changed = e.changed || before != value;
        e.previous.emplace_back(key, before);
    }
}

// The audio of `in` into `out` byte for byte (PCM, A-law, u-law) or as the same floats.
void copy_audio(SNDFILE* in, SNDFILE* out, const io::FdOutput& sink, const SF_INFO& info,
                const std::string& path) {
    const auto write_failed = [&] {
        return Error("cannot write the copy: " + (sink.error() != 0
                                                      ? io::write_error_text(sink.error())
                                                      : io::sndfile_error_text(out)),
                     path);
    };
    const int sub = info.format & SF_FORMAT_SUBMASK;
    const std::size_t channels = std::size_t(info.channels);
    sf_count_t frames = 0;
    if (sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE) {
        std::vector<double> buf(8192 * channels);
        for (sf_count_t n; (n = sf_readf_double(in, buf.data(), 8192)) > 0; frames += n)
            if (sf_writef_double(out, buf.data(), n) != n || sink.error() != 0)
                throw write_failed();
    } else {
        int bytes = 0;
        switch (sub) {
        case SF_FORMAT_PCM_U8:
        case SF_FORMAT_PCM_S8:
        case SF_FORMAT_ULAW:
        case SF_FORMAT_ALAW:
            bytes = 1;
            break;
        case SF_FORMAT_PCM_16:
            bytes = 2;
            break;
        case SF_FORMAT_PCM_24:
            bytes = 3;
            break;
        case SF_FORMAT_PCM_32:
            bytes = 4;
            break;
        default:
            throw Error("cannot rewrite this WAV encoding without decoding it (only PCM, "
                        "float, A-law and u-law)",
                        path);
        }
        const std::size_t frame_bytes = channels * std::size_t(bytes);
        std::vector<char> buf(8192 * frame_bytes);
        for (sf_count_t n; (n = sf_read_raw(in, buf.data(), sf_count_t(buf.size()))) > 0;) {
            if (n % sf_count_t(frame_bytes) != 0)
                throw Error("the audio data ends inside a frame", path);
            if (sf_write_raw(out, buf.data(), n) != n || sink.error() != 0)
                throw write_failed();
            frames += n / sf_count_t(frame_bytes);
        }
    }
    if (frames != info.frames)
        throw Error("read " + std::to_string(frames) + " of " + std::to_string(info.frames) +
                        " frames",
                    path);
}

void rewrite_wav(const std::string& path, io::Bext bext, const io::LoudnessFields& fields) {
    io::Metadata m = io::read_metadata(path);
    if (m.bext)
        bext = *m.bext;
    io::set_loudness(bext, fields);
    bext.coding_history = io::without_libsndfile_line(bext.coding_history);
    m.bext = bext;

    SF_INFO info{};
    Sndfile in(sf_open(path.c_str(), SFM_READ, &info));
    if (!in)
        throw Error("cannot read: " + io::sndfile_error_text(nullptr), path);
    Sibling tmp(path);
    SF_INFO out_info{};
    out_info.samplerate = info.samplerate;
    out_info.channels = info.channels;
    out_info.format = info.format;
    io::FdOutput sink(tmp.fd()); // a failed write's errno, whatever libsndfile makes of it
    Sndfile out(sink.open(SFM_WRITE, &out_info));
    if (!out || sink.error() != 0)
        throw Error("cannot write the copy: " + (sink.error() != 0
                                                     ? io::write_error_text(sink.error())
                                                     : io::sndfile_error_text(nullptr)),
                    path);
    std::vector<int> map(std::size_t(info.channels));
    if (sf_command(in.get(), SFC_GET_CHANNEL_MAP_INFO, map.data(), int(map.size() * sizeof(int))) ==
        SF_TRUE)
        sf_command(out.get(), SFC_SET_CHANNEL_MAP_INFO, map.data(), int(map.size() * sizeof(int)));
    std::vector<std::string> chunk_store;
    io::apply_before_audio(out.get(), path, m, chunk_store);
    copy_audio(in.get(), out.get(), sink, info, path);
    std::string why =
        sf_error(out.get()) != SF_ERR_NO_ERROR ? io::sndfile_error_text(out.get()) : std::string();
    const int close_err = sf_close(out.release());
    if (why.empty() && close_err != SF_ERR_NO_ERROR)
        why = io::sndfile_error_text(close_err);
    if (sink.error() != 0)
        why = io::write_error_text(sink.error());
    if (!why.empty())
        throw Error("could not finish writing the copy: " + why, path);
    // The copy must read back with every frame before it replaces the file.
    SF_INFO back{};
    Sndfile check(sf_open(tmp.path().c_str(), SFM_READ, &back));
    if (!check || back.frames != info.frames)
        throw Error("the rewritten file does not read back complete", path);
    tmp.commit();
}

} // namespace

TagEdit tag_file(const io::FileInfo& info, const Levels& track, const Levels* album, bool dry_run) {
    TagEdit e;
    e.scheme = scheme_for(info);
    e.tags = loudness_tags(e.scheme, track, e.scheme == Scheme::bext ? nullptr : album);
    const Kind kind = kind_of(info, e.scheme);
    const std::string& path = info.path;
    if (e.scheme != Scheme::bext && (!std::isfinite(track.integrated_lufs) ||
                                     (album && !std::isfinite(album->integrated_lufs))))
        throw Error("silent (nothing above -70 LUFS): no gain to tag", path);
    if (kind == Kind::wav) {
        io::Bext current;
        inspect_bext(path, e, current);
        if (!e.changed || dry_run)
            return e;
        rewrite_wav(path, current, bext_fields(track));
        e.written = true;
        return e;
    }
    taglib_pass(path, kind, e, false, path);
    if (!e.changed || dry_run)
        return e;
    Sibling tmp(path);
    tmp.copy_target();
    tmp.close_fd();
    taglib_pass(tmp.path(), kind, e, true, path);
    tmp.commit();
    e.written = true;
    return e;
}

} // namespace tapeop::tag
