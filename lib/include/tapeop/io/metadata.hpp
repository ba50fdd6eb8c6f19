#pragma once
// Metadata: everything in a file that is not audio, read from an input and written to an
// output so it travels with the audio.
//
// RIFF/AIFF side through libsndfile: the broadcast extension (bext, EBU Tech 3285 v2, every
// field), cue points (SFC_GET/SET_CUE), the text strings (LIST/INFO in WAV, NAME/AUTH/(c) in
// AIFF, SF_STR_*) and the other chunks it lists (iXML, axml, unknown ones) copied verbatim with
// sf_set_chunk, in their order. libsndfile's RF64 reader lists the cue chunk but returns no
// cue points: for RF64 the chunk's bytes (from the chunk API) and the adtl labels are read
// here. Tags side through TagLib 1.13: the property map (title, artist, ISRC, custom fields,
// ...) and pictures of FLAC, Ogg Vorbis, Opus, MP3 (ID3v2) and MP4/M4A inputs (iTunes atoms,
// freeform atoms, cover art), mapped across containers by TagLib's property names
// (ISRC <-> TSRC, ...). The LIST/INFO and ID3 chunks of RIFF/AIFF files are taken as bytes
// from libsndfile's chunk API and read by TagLib (RIFF::Info::Tag, ID3v2::Tag), so RF64,
// which TagLib cannot open, reads the same as WAV.
//
// Positions (bext TimeReference, cue points) are frames at `sample_rate`; moved() shifts and
// rescales them when an output keeps only part of the audio or changes its rate.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

typedef struct sf_private_tag SNDFILE;

namespace tapeop::io {

// EBU Tech 3285 v2 loudness fields are int16 = value x 100; this marks one as not given.
constexpr std::int16_t bext_unset = 0x7FFF;

struct Bext {
    std::string description, originator, originator_reference, origination_date, origination_time;
    std::uint64_t time_reference = 0; // frames since midnight at the file's rate
    int version = 1;
    std::string umid; // 64 bytes as stored (may hold NULs)
    std::int16_t loudness_value = bext_unset, loudness_range = bext_unset,
                 max_true_peak_level = bext_unset, max_momentary_loudness = bext_unset,
                 max_shortterm_loudness = bext_unset;
    std::string coding_history; // lines in EBU R 98 form, each ending CR LF
};

struct CuePoint {
    std::uint32_t id = 0;
    std::int64_t position = 0; // frame
    std::string name;          // the label libsndfile reads with the cue (may be empty)
};

// Sampler data (WAV smpl/inst, AIFF INST) as libsndfile's SFC_GET/SET_INSTRUMENT hold it.
struct SampleLoop {
    int mode = 0;                    // libsndfile's SF_LOOP_* value
    std::int64_t start = 0, end = 0; // frames
    std::uint32_t count = 0;         // 0: forever
};
struct Instrument {
    int gain = 0, basenote = 0, detune = 0, velocity_lo = 0, velocity_hi = 127, key_lo = 0,
        key_hi = 127;
    std::vector<SampleLoop> loops;
};

// A FLAC cue sheet (CUESHEET block, read and written through libFLAC). Positions are absolute
// frames in the audio (the block stores index offsets relative to their track; converted on
// the way in and out). The lead-out track is not kept: it is written anew at the output's length.
struct CueSheetIndex {
    int number = 1;
    std::int64_t position = 0; // frame
};
struct CueSheetTrack {
    int number = 1;
    std::int64_t position = 0; // frame
    std::string isrc;
    bool audio = true, pre_emphasis = false;
    std::vector<CueSheetIndex> indices;
};
struct CueSheet {
    std::string media_catalog_number;
    std::uint64_t lead_in = 0; // frames
    bool is_cd = false;        // CD-DA subset: 44.1 kHz, positions on 588-frame CD sectors
    std::vector<CueSheetTrack> tracks;
};

struct Chunk {
    std::string id;   // "iXML", "axml", ...
    std::string data; // bytes verbatim
};

struct Picture {
    std::string mime, description, data;
    int type = 3; // front cover (ID3v2 / FLAC picture type)
};

// Measured levels written into bext v2 (and used by `tag`).
struct LoudnessFields {
    double integrated_lufs, loudness_range_lu, true_peak_dbtp, momentary_max_lufs,
        short_term_max_lufs;
};

struct Metadata {
    int sample_rate = 0; // the rate the positions are counted in
    std::optional<Bext> bext;
    std::vector<CuePoint> cues;
    std::optional<Instrument> instrument;                 // loops move like cue points
    std::vector<Chunk> chunks;                            // other RIFF/AIFF chunks, in order
    std::map<std::string, std::vector<std::string>> tags; // TagLib property names (upper case)
    std::vector<Picture> pictures;
    std::optional<CueSheet> cuesheet; // FLAC only
    // Every field of a WAV or RF64 input's LIST/INFO chunk (four-character id, text bytes as
    // stored), one per id, as TagLib's RIFF::Info::Tag reads them. The common ones (INAM, IART,
    // ...; ISFT as ENCODING) are also in `tags`, which is what other containers get.
    std::vector<std::pair<std::string, std::string>> info;
    // The input's ID3v2 tag (MP3, or the ID3 chunk of a WAV, RF64 or AIFF) as TagLib renders
    // it (v2.4). An ID3v2 output carries its frames, also those TagLib's property map leaves
    // out (PRIV, POPM, GEOB, UFID, USLT, COMM with descriptions, TXXX as they are spelled).
    std::string id3v2;

    bool empty() const {
        return !bext && cues.empty() && !instrument && chunks.empty() && tags.empty() &&
               pictures.empty() && !cuesheet && info.empty() && id3v2.empty();
    }
};

// Reads what `path` carries; an unreadable or untagged file gives empty metadata (the audio
// reader reports real errors). `sample_rate`: the file's rate.
Metadata read_metadata(const std::string& path);

// The TagLib property name a RIFF INFO field is read as (INAM: TITLE, ISFT: ENCODING, ...),
// or null for the fields that have none (IENG, IKEY, ...: kept in RIFF outputs only).
const char* info_property(const std::string& id);
// An INFO field's text (bytes with no declared encoding) as UTF-8: as it is when it is UTF-8,
// else read as Latin-1.
std::string info_text(const std::string& bytes);

// The bext set on (or read from) an open file, if it has one.
std::optional<Bext> bext_of(SNDFILE* sf);

// Every chunk of a RIFF/AIFF file as libsndfile lists it (audio and format chunks too), in
// file order; empty for other containers. For `info`.
struct ChunkSize {
    std::string id;
    std::uint64_t bytes = 0;
};
std::vector<ChunkSize> list_chunks(const std::string& path);

// For an output that starts `head_frames` into the source (source rate) and is `kept_frames`
// long there, written at `out_rate`: TimeReference advanced by the head, cue points shifted
// and those outside the kept audio dropped, then all positions rescaled to `out_rate`
// (rounded to the nearest frame). A FLAC cue sheet moves the same way: tracks that end before
// the head or start after the kept audio go, a track cut at the head starts at frame 0 with
// the index that was current there; a cue sheet that no longer meets the CD-DA subset (not
// 44.1 kHz, or a position off the 588-frame sector grid) becomes a non-CD one. `audio_changed`:
// loudness tags (REPLAYGAIN_*, R128_*) and bext loudness fields described the old audio and are
// dropped.
Metadata moved(const Metadata& m, std::int64_t head_frames, std::int64_t kept_frames, int out_rate,
               bool audio_changed);

// Tags that describe the encoded file rather than the work, for an output encoded anew into
// `path` (the writer calls this before it writes anything): ENCODING (ID3 TSSE, RIFF INFO
// ISFT: the encoder or software and its settings) and ENCODER name whatever encoded the
// input's bytes, so they are dropped. Where the tags are written before the audio (the ID3
// chunk of WAV, RF64, AIFF) the output's length is not known yet: LENGTH is dropped there
// (the file's header states the length).
void drop_encoder_tags(Metadata& m, const std::string& path);

// What of `m` an output at `path` has no place for, one short phrase per kind ("bext", "3
// markers", "iXML, axml chunks", ...; empty: everything fits): bext, markers and other chunks
// do not go into FLAC, Ogg or MP3; bext and INFO fields without a common name not into AIFF;
// a FLAC cue sheet only into FLAC; W64 and CAF carry none of it (libsndfile writes no metadata
// there). The writer warns with it, so that nothing is dropped silently.
std::vector<std::string> unplaced_metadata(const Metadata& m, const std::string& path);

// After the audio: LENGTH (ID3 TLEN, milliseconds) set to the written length of `frames`
// frames at `sample_rate`; ENCODING and ENCODER dropped.
void refresh_encoding_tags(Metadata& m, std::uint64_t frames, int sample_rate);

// Sets bext v2 loudness fields (value x 100, rounded; silence: unset) and bext version 2.
void set_loudness(Bext& b, const LoudnessFields& l);

// An EBU R 98 CodingHistory line: "A=PCM,F=48000,W=24,M=stereo,T=tapeop X.Y.Z; what" + CR LF.
std::string coding_history_line(int sample_rate, int bits, int channels, const std::string& what);

// Writer hooks. apply_before_audio(): what libsndfile writes into `sf` (opened for `path`'s
// container), before any sample; `chunk_store` keeps the chunk bytes alive until sf_close.
// WAV and RF64 get LIST/INFO (TagLib's Info::Tag renders it), and WAV, RF64 and AIFF an ID3
// chunk (TagLib's ID3v2::Tag renders it) when the tags go beyond what INFO or AIFF's text
// chunks hold, as raw chunks.
void apply_before_audio(SNDFILE* sf, const std::string& path, const Metadata& m,
                        std::vector<std::string>& chunk_store);
// Updates the bext of an open WAV file; only after apply_before_audio() gave it one, and the
// coding history must keep its length (the header is rewritten in place at close).
bool update_bext(SNDFILE* sf, const Bext& b);
// What TagLib writes into the closed file `file` whose container follows `target_path`.
void apply_tags(const std::string& file, const std::string& target_path, const Metadata& m);

// Process-wide (the CLI's --strip-metadata): outputs carry no metadata at all.
void set_strip_metadata(bool strip);
bool strip_metadata();

} // namespace tapeop::io
