#include "tapeop/io/libav_input.hpp"

#include "tapeop/error.hpp"

#include <algorithm>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/version.h>
}

namespace tapeop::io {
namespace {

// FFmpeg's libraries are loaded when the first MP4 or AAC file is opened, not when tapeop
// starts: linked, they and the libraries they pull in (about 130) added 20-40 ms to every run
// of every command. The functions used, by the sonames of the headers built against.
struct Libav {
    decltype(&::av_strerror) av_strerror = nullptr;
    decltype(&::av_sample_fmt_is_planar) av_sample_fmt_is_planar = nullptr;
    decltype(&::av_get_packed_sample_fmt) av_get_packed_sample_fmt = nullptr;
    decltype(&::av_log_set_level) av_log_set_level = nullptr;
    decltype(&::av_find_input_format) av_find_input_format = nullptr;
    decltype(&::av_dict_set) av_dict_set = nullptr;
    decltype(&::avformat_open_input) avformat_open_input = nullptr;
    decltype(&::av_dict_free) av_dict_free = nullptr;
    decltype(&::avformat_find_stream_info) avformat_find_stream_info = nullptr;
    decltype(&::av_find_best_stream) av_find_best_stream = nullptr;
    decltype(&::avcodec_get_name) avcodec_get_name = nullptr;
    decltype(&::avcodec_alloc_context3) avcodec_alloc_context3 = nullptr;
    decltype(&::avcodec_parameters_to_context) avcodec_parameters_to_context = nullptr;
    decltype(&::avcodec_open2) avcodec_open2 = nullptr;
    decltype(&::av_packet_alloc) av_packet_alloc = nullptr;
    decltype(&::av_frame_alloc) av_frame_alloc = nullptr;
    decltype(&::av_rescale_q) av_rescale_q = nullptr;
    decltype(&::av_frame_unref) av_frame_unref = nullptr;
    decltype(&::avcodec_receive_frame) avcodec_receive_frame = nullptr;
    decltype(&::av_read_frame) av_read_frame = nullptr;
    decltype(&::avcodec_send_packet) avcodec_send_packet = nullptr;
    decltype(&::av_packet_unref) av_packet_unref = nullptr;
    decltype(&::av_frame_free) av_frame_free = nullptr;
    decltype(&::av_packet_free) av_packet_free = nullptr;
    decltype(&::avcodec_free_context) avcodec_free_context = nullptr;
    decltype(&::avformat_close_input) avformat_close_input = nullptr;
    decltype(&::avformat_index_get_entries_count) avformat_index_get_entries_count = nullptr;
    decltype(&::avformat_index_get_entry) avformat_index_get_entry = nullptr;
};

std::string soname(const char* name, int major) {
    return std::string("lib") + name + ".so." + std::to_string(major);
}

const Libav* load_libav(std::string& why) {
    static Libav a;
    void* util = dlopen(soname("avutil", LIBAVUTIL_VERSION_MAJOR).c_str(), RTLD_NOW | RTLD_LOCAL);
    void* codec =
        dlopen(soname("avcodec", LIBAVCODEC_VERSION_MAJOR).c_str(), RTLD_NOW | RTLD_LOCAL);
    void* format =
        dlopen(soname("avformat", LIBAVFORMAT_VERSION_MAJOR).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!util || !codec || !format) {
        const char* e = dlerror();
        why = e ? e : "cannot load FFmpeg's libraries";
        return nullptr;
    }
    bool ok = true;
    auto load = [&](auto& fn, void* handle, const char* name) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
        if (!fn) {
            ok = false;
            why = std::string("no ") + name + " in FFmpeg's libraries";
        }
    };
    load(a.av_strerror, util, "av_strerror");
    load(a.av_sample_fmt_is_planar, util, "av_sample_fmt_is_planar");
    load(a.av_get_packed_sample_fmt, util, "av_get_packed_sample_fmt");
    load(a.av_log_set_level, util, "av_log_set_level");
    load(a.av_find_input_format, format, "av_find_input_format");
    load(a.av_dict_set, util, "av_dict_set");
    load(a.avformat_open_input, format, "avformat_open_input");
    load(a.av_dict_free, util, "av_dict_free");
    load(a.avformat_find_stream_info, format, "avformat_find_stream_info");
    load(a.av_find_best_stream, format, "av_find_best_stream");
    load(a.avcodec_get_name, codec, "avcodec_get_name");
    load(a.avcodec_alloc_context3, codec, "avcodec_alloc_context3");
    load(a.avcodec_parameters_to_context, codec, "avcodec_parameters_to_context");
    load(a.avcodec_open2, codec, "avcodec_open2");
    load(a.av_packet_alloc, codec, "av_packet_alloc");
    load(a.av_frame_alloc, util, "av_frame_alloc");
    load(a.av_rescale_q, util, "av_rescale_q");
    load(a.av_frame_unref, util, "av_frame_unref");
    load(a.avcodec_receive_frame, codec, "avcodec_receive_frame");
    load(a.av_read_frame, format, "av_read_frame");
    load(a.avcodec_send_packet, codec, "avcodec_send_packet");
    load(a.av_packet_unref, codec, "av_packet_unref");
    load(a.av_frame_free, util, "av_frame_free");
    load(a.av_packet_free, codec, "av_packet_free");
    load(a.avcodec_free_context, codec, "avcodec_free_context");
    load(a.avformat_close_input, format, "avformat_close_input");
    load(a.avformat_index_get_entries_count, format, "avformat_index_get_entries_count");
    load(a.avformat_index_get_entry, format, "avformat_index_get_entry");
    return ok ? &a : nullptr;
}

// The loaded functions; the first call loads them (once per process).
const Libav& lib(const std::string& path = {}) {
    static std::string why;
    static const Libav* const a = load_libav(why);
    if (!a)
        throw Error("cannot read MP4/AAC files: " + why +
                        " (Debian: libavformat59, libavcodec59, libavutil57)",
                    path);
    return *a;
}

std::string av_error(int code) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    lib().av_strerror(code, text, sizeof text);
    return text;
}

// Frames [first, first + n) of channel `c` of `f` into dst[0], dst[step], ...: integers
// scaled exactly by their width (2^-15, 2^-31: exact in float for up to 24 significant bits),
// as the libsndfile path does.
template <class T>
void convert(const AVFrame* f, int c, int channels, int first, int n, float* dst, std::size_t step,
             float scale, float offset) {
    const bool planar = lib().av_sample_fmt_is_planar(static_cast<AVSampleFormat>(f->format));
    const T* src = reinterpret_cast<const T*>(planar ? f->extended_data[c] : f->extended_data[0]);
    const std::size_t stride = planar ? 1 : std::size_t(channels);
    src += planar ? first : first * channels + c;
    for (int i = 0; i < n; ++i)
        dst[std::size_t(i) * step] = (float(src[std::size_t(i) * stride]) - offset) * scale;
}

void convert_channel(const AVFrame* f, int c, int channels, int first, int n, float* dst,
                     std::size_t step) {
    switch (lib().av_get_packed_sample_fmt(static_cast<AVSampleFormat>(f->format))) {
    case AV_SAMPLE_FMT_U8:
        return convert<std::uint8_t>(f, c, channels, first, n, dst, step, 1.0f / 128.0f, 128.0f);
    case AV_SAMPLE_FMT_S16:
        return convert<std::int16_t>(f, c, channels, first, n, dst, step, 1.0f / 32768.0f, 0.0f);
    case AV_SAMPLE_FMT_S32:
        return convert<std::int32_t>(f, c, channels, first, n, dst, step, 1.0f / 2147483648.0f,
                                     0.0f);
    case AV_SAMPLE_FMT_FLT:
        return convert<float>(f, c, channels, first, n, dst, step, 1.0f, 0.0f);
    case AV_SAMPLE_FMT_DBL:
        return convert<double>(f, c, channels, first, n, dst, step, 1.0f, 0.0f);
    default:
        return; // not produced by the AAC and ALAC decoders (checked at open)
    }
}

bool known_sample_format(int format) {
    switch (lib().av_get_packed_sample_fmt(static_cast<AVSampleFormat>(format))) {
    case AV_SAMPLE_FMT_U8:
    case AV_SAMPLE_FMT_S16:
    case AV_SAMPLE_FMT_S32:
    case AV_SAMPLE_FMT_FLT:
    case AV_SAMPLE_FMT_DBL:
        return true;
    default:
        return false;
    }
}

// Bytes of media data in an MP4 file: the payload of its top-level mdat boxes, as far as the
// file holds them (ISO/IEC 14496-12 §4.2: a 32-bit size, 1 for a 64-bit one after the type, 0
// for "to the end"). 0 when it cannot be told: a fragmented file (moof: its sample tables
// arrive with each fragment), or boxes that do not add up.
std::uint64_t mdat_payload_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        return 0;
    const auto file = static_cast<std::uint64_t>(std::streamoff(in.tellg()));
    std::uint64_t pos = 0, media = 0;
    while (pos + 8 <= file) {
        unsigned char h[16] = {};
        in.seekg(std::streamoff(pos));
        in.read(reinterpret_cast<char*>(h), 16);
        std::uint64_t size =
            std::uint64_t(h[0]) << 24 | std::uint64_t(h[1]) << 16 | std::uint64_t(h[2]) << 8 | h[3];
        std::uint64_t header = 8;
        if (size == 1) {
            size = 0;
            for (int i = 8; i < 16; ++i)
                size = size << 8 | h[i];
            header = 16;
        } else if (size == 0) {
            size = file - pos;
        }
        if (size < header)
            return 0;
        if (std::memcmp(h + 4, "moof", 4) == 0)
            return 0;
        if (std::memcmp(h + 4, "mdat", 4) == 0)
            media += std::min(size, file - pos) - std::min(header, file - pos);
        if (size > file - pos)
            break;
        pos += size;
    }
    return media;
}

} // namespace

std::string libav_container(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char m[12] = {};
    in.read(reinterpret_cast<char*>(m), sizeof m);
    if (in.gcount() < 8)
        return {};
    // ISO base media file (ISO/IEC 14496-12 §4.3): a size, then "ftyp". Older QuickTime
    // files may open with other boxes; tapeop takes the ftyp ones (every M4A writer's).
    if (std::memcmp(m + 4, "ftyp", 4) == 0)
        return "m4a";
    // ADTS (ISO/IEC 13818-7 §6.2): syncword 0xFFF, then layer bits 00 (MP3 has non-zero ones).
    if (m[0] == 0xFF && (m[1] & 0xF6) == 0xF0)
        return "aac";
    return {};
}

struct LibavDecoder::State {
    AVFormatContext* format = nullptr;
    AVCodecContext* codec = nullptr;
    AVPacket* packet = nullptr;
    AVFrame* frame = nullptr;
    int stream = -1;
    int offset = 0; // frames of `frame` already returned
    // The MP4 track's length after its edit list (-1: none given). The AAC decoder returns
    // whole 1024-frame blocks; the padding after the last sample is trimmed here (the delay
    // before the first one libavcodec trims itself, from the demuxer's skip-samples data).
    std::int64_t limit = -1;
    std::int64_t emitted = 0;
    // count_frames: decoding goes on past `limit`, counting the frames there (past_limit).
    bool count_past = false;
    std::int64_t past_limit = 0;
    bool have_frame = false, flushed = false, ended = false;

    ~State() {
        lib().av_frame_free(&frame);
        lib().av_packet_free(&packet);
        lib().avcodec_free_context(&codec);
        lib().avformat_close_input(&format);
    }
};

LibavDecoder::LibavDecoder(const std::string& path) : path_(path) {
    open();
}

LibavDecoder::~LibavDecoder() = default;

void LibavDecoder::open() {
    lib(path_); // loads FFmpeg's libraries, or says that they are missing
    static std::once_flag quiet;
    std::call_once(quiet,
                   [] { lib().av_log_set_level(AV_LOG_QUIET); }); // errors come back as codes
    container_ = libav_container(path_);
    if (container_.empty())
        throw Error("not an MP4/M4A or ADTS AAC file", path_);
    state_ = std::make_unique<State>();
    State& s = *state_;
    const AVInputFormat* demuxer = lib().av_find_input_format(container_ == "m4a" ? "mov" : "aac");
    AVDictionary* options = nullptr;
    lib().av_dict_set(&options, "protocol_whitelist", "file", 0);
    // "file:" + path: a name such as "http:x.m4a" stays a local file name.
    const std::string url = "file:" + path_;
    int rc = lib().avformat_open_input(&s.format, url.c_str(), demuxer, &options);
    lib().av_dict_free(&options);
    if (rc < 0)
        throw Error("cannot read: damaged " + std::string(container_ == "m4a" ? "MP4" : "AAC") +
                        " file (" + av_error(rc) + ")",
                    path_);
    if ((rc = lib().avformat_find_stream_info(s.format, nullptr)) < 0)
        throw Error("cannot read: damaged MP4 file (" + av_error(rc) + ")", path_);
    const AVCodec* decoder = nullptr;
    s.stream = lib().av_find_best_stream(s.format, AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
    if (s.stream < 0)
        throw Error("cannot read: the file holds no audio stream", path_);
    const AVCodecParameters* par = s.format->streams[s.stream]->codecpar;
    if (par->codec_id == AV_CODEC_ID_AAC)
        codec_ = "aac";
    else if (par->codec_id == AV_CODEC_ID_ALAC)
        codec_ = "alac";
    else
        throw Error("cannot read: the audio is " +
                        std::string(lib().avcodec_get_name(par->codec_id)) +
                        "; tapeop reads AAC and ALAC from MP4 files",
                    path_);
    if (!decoder)
        throw Error("cannot read: no " + codec_ + " decoder in this libavcodec", path_);
    for (unsigned i = 0; i < s.format->nb_streams; ++i)
        if (int(i) != s.stream)
            s.format->streams[i]->discard = AVDISCARD_ALL; // video, cover art, chapters
    s.codec = lib().avcodec_alloc_context3(decoder);
    if (!s.codec || lib().avcodec_parameters_to_context(s.codec, par) < 0)
        throw Error("cannot read: out of memory opening the decoder", path_);
    s.codec->thread_count = 1; // one thread: the reader already decodes ahead
    if ((rc = lib().avcodec_open2(s.codec, decoder, nullptr)) < 0)
        throw Error("cannot read: the " + codec_ + " decoder refused the stream (" + av_error(rc) +
                        ")",
                    path_);
    if (!known_sample_format(s.codec->sample_fmt))
        throw Error("cannot read: the decoder's sample format is not one tapeop converts", path_);
    s.packet = lib().av_packet_alloc();
    s.frame = lib().av_frame_alloc();
    if (!s.packet || !s.frame)
        throw Error("cannot read: out of memory", path_);
    sample_rate_ = s.codec->sample_rate;
    channels_ = s.codec->ch_layout.nb_channels;
    bits_ = codec_ == "alac" ? s.codec->bits_per_raw_sample : 0;
    if (codec_ == "alac" && bits_ <= 0)
        bits_ = s.codec->sample_fmt == AV_SAMPLE_FMT_S16P ? 16 : 24;
    channel_mask_ =
        s.codec->ch_layout.order == AV_CHANNEL_ORDER_NATIVE ? s.codec->ch_layout.u.mask : 0;
    if (sample_rate_ <= 0 || channels_ <= 0)
        throw Error("cannot read: the " + codec_ + " stream names no rate or channel count", path_);
    const AVStream* st = s.format->streams[s.stream];
    if (container_ == "m4a" && st->duration != AV_NOPTS_VALUE && st->duration > 0)
        s.limit = lib().av_rescale_q(st->duration, st->time_base, AVRational{1, sample_rate_});
    // The sample tables (of every track) must account for the media data: tables damaged to
    // list fewer samples would silently drop the rest of the audio. Writers put nothing else
    // in mdat; a tenth is left for whatever one might.
    if (container_ == "m4a") {
        std::uint64_t listed = 0;
        for (unsigned i = 0; i < s.format->nb_streams; ++i) {
            AVStream* t = s.format->streams[i];
            for (int k = 0, n = lib().avformat_index_get_entries_count(t); k < n; ++k)
                listed += std::uint64_t(lib().avformat_index_get_entry(t, k)->size);
        }
        const std::uint64_t media = mdat_payload_bytes(path_);
        if (media > 0 && listed < media - media / 10)
            throw Error("damaged MP4 file: its sample tables list " + std::to_string(listed) +
                            " of the " + std::to_string(media) + " bytes of audio data",
                        path_);
    }
}

std::size_t LibavDecoder::read(float* dst, std::size_t frames) {
    State& s = *state_;
    std::size_t got = 0;
    while (got < frames) {
        if (s.have_frame) {
            if (s.frame->ch_layout.nb_channels != channels_ || s.frame->sample_rate != sample_rate_)
                throw Error("cannot read: the " + codec_ +
                                " stream changes its channel count or rate midway",
                            path_);
            std::size_t room = frames - got;
            if (s.limit >= 0)
                room = std::min<std::size_t>(
                    room, std::size_t(std::max<std::int64_t>(0, s.limit - s.emitted)));
            const int n =
                int(std::min<std::size_t>(room, std::size_t(s.frame->nb_samples - s.offset)));
            if (n == 0 && s.count_past) { // past the track's end: counted, not returned
                s.past_limit += s.frame->nb_samples - s.offset;
                lib().av_frame_unref(s.frame);
                s.have_frame = false;
                continue;
            }
            if (n == 0) { // the track's end: the rest is the encoder's padding
                s.ended = true;
                lib().av_frame_unref(s.frame);
                s.have_frame = false;
                break;
            }
            for (int c = 0; c < channels_; ++c)
                convert_channel(s.frame, c, channels_, s.offset, n,
                                dst + got * std::size_t(channels_) + std::size_t(c),
                                std::size_t(channels_));
            got += std::size_t(n);
            s.emitted += n;
            s.offset += n;
            if (s.offset == s.frame->nb_samples) {
                lib().av_frame_unref(s.frame);
                s.have_frame = false;
            }
            continue;
        }
        if (s.ended)
            break;
        int rc = lib().avcodec_receive_frame(s.codec, s.frame);
        if (rc == 0) {
            s.have_frame = true;
            s.offset = 0;
            continue;
        }
        if (rc == AVERROR_EOF) {
            s.ended = true;
            break;
        }
        if (rc != AVERROR(EAGAIN))
            throw Error("cannot read: damaged " + codec_ + " stream (" + av_error(rc) + ")", path_);
        // The decoder wants input: the next packet of our stream, or the flush at the end.
        for (;;) {
            rc = lib().av_read_frame(s.format, s.packet);
            if (rc == AVERROR_EOF) {
                if (!s.flushed) {
                    s.flushed = true;
                    lib().avcodec_send_packet(s.codec, nullptr);
                }
                break;
            }
            if (rc < 0)
                throw Error("cannot read: " + av_error(rc), path_);
            if (s.packet->stream_index != s.stream) {
                lib().av_packet_unref(s.packet);
                continue;
            }
            rc = lib().avcodec_send_packet(s.codec, s.packet);
            lib().av_packet_unref(s.packet);
            if (rc < 0 && rc != AVERROR(EAGAIN))
                throw Error("cannot read: damaged " + codec_ + " stream (" + av_error(rc) + ")",
                            path_);
            break;
        }
    }
    return got;
}

void LibavDecoder::rewind() {
    state_.reset();
    open();
}

std::int64_t LibavDecoder::count_frames() {
    std::vector<float> scratch(4096 * std::size_t(channels_));
    std::int64_t total = 0;
    state_->count_past = true;
    while (const std::size_t n = read(scratch.data(), 4096))
        total += std::int64_t(n);
    // What the packets hold past the track's length is the encoder's padding: less than two
    // of its blocks plus the largest encoder delay (2112 frames) when no edit list trimmed it.
    // More is a damaged length (the track's duration, a sample table) that would silently
    // drop real audio.
    const std::int64_t block = std::max(state_->codec->frame_size, 1024);
    if (state_->limit >= 0 && state_->past_limit > 2 * block + 2112)
        throw Error("damaged MP4 file: the track announces " + std::to_string(state_->limit) +
                        " frames, its packets hold " +
                        std::to_string(state_->limit + state_->past_limit),
                    path_);
    // A file cut at a block boundary decodes cleanly, only shorter than its track says.
    if (state_->limit >= 0 && total < state_->limit)
        throw Error("truncated: the audio stops at frame " + std::to_string(total) + " of the " +
                        std::to_string(state_->limit) + " the MP4 track announces",
                    path_);
    rewind();
    return total;
}

} // namespace tapeop::io
