#pragma once
// Streaming, atomic writer over libsndfile.
//
// Samples go to a hidden temporary file in the destination folder; commit() flushes it to
// disk and renames it over the target. A writer destroyed without commit() (an error, an
// exception) removes its temporary file, so a failed job never leaves a partial output and
// never damages an existing file. Integer output uses exact power-of-two scaling with
// round-to-nearest, and counts the samples clamped at full scale.
#include "tapeop/audio_buffer.hpp"
#include "tapeop/io/format.hpp"
#include "tapeop/io/metadata.hpp"
#include "tapeop/io/reader.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

typedef struct sf_private_tag SNDFILE;

namespace tapeop::io {

class FdOutput;

struct OutputSpec {
    int sample_rate = 48000;
    int channels = 2;
    SampleFormat sample_format = SampleFormat::pcm24; // resolved (see output_sample_format)
    // Frames that will be written, when known (-1: unknown). A .wav output whose data would
    // pass 4 GiB is written as RF64; with an unknown length it starts as RF64 and is
    // rewritten as plain WAV when it stays small.
    std::int64_t expected_frames = -1;
    // Loudspeaker positions to declare in the file, one per channel (empty: none). WAV and
    // RF64 outputs are then written as WAVE_FORMAT_EXTENSIBLE with that channel mask, FLAC
    // outputs get a WAVEFORMATEXTENSIBLE_CHANNEL_MASK comment when the positions are not
    // FLAC's own order for the channel count, AIFF outputs a CHAN chunk (any order). W64 and
    // CAF outputs cannot carry it (libsndfile 1.2 writes no channel map there), nor can lossy
    // ones; nor can a mask positions not in mask order. What is not declared is warned about
    // (unless the container's default order says the same) and remembered by the process.
    std::vector<Position> positions;
    // A job's hidden work file (recipes): a layout it cannot declare is not warned about (the
    // user never sees the file); like every file of this process, it is remembered instead
    // (undeclared_layout_of).
    bool intermediate = false;
};

class AudioWriter {
  public:
    // The container follows the extension of `path`. Throws Error naming the path when the
    // folder is not writable or the format cannot hold the spec.
    AudioWriter(const std::string& path, const OutputSpec& spec);
    ~AudioWriter();
    AudioWriter(const AudioWriter&) = delete;
    AudioWriter& operator=(const AudioWriter&) = delete;

    // What the output carries besides audio (already moved() to this output); call before
    // the first write(). RIFF/AIFF chunks go in through libsndfile now, tags through TagLib
    // into the closed temporary before the read-back check and the rename. Ignored under
    // --strip-metadata (strip_metadata()).
    void set_metadata(const Metadata& m);
    void write(AudioView block);
    // Writes `frames` frames of `stored` (its last read_matching) as they are: an output of
    // the stored format (32-bit integer or double) gets the input's samples unrounded.
    // Throws Error when the output's sample format is another.
    void write_stored(const StoredFrames& stored, std::size_t frames);
    // Flush, fsync, rename over the target. After this the writer is closed.
    void commit();
    // Drop the temporary file (also done by the destructor when not committed).
    void abandon() noexcept;

    const std::string& path() const { return path_; }
    const OutputSpec& spec() const { return spec_; }
    std::uint64_t frames_written() const { return frames_; }
    // Samples clamped to full scale when converting to integer (or beyond +-1 into a lossy
    // encoder).
    std::uint64_t clipped_samples() const { return clipped_; }
    // The open libsndfile handle (null after commit), for metadata set around the audio: bext
    // loudness is updated after the last sample and before commit() (io/bext_loudness.hpp).
    SNDFILE* handle() const { return file_.get(); }

  private:
    // Throws (and drops the temporary) unless the closed temporary reads back complete.
    void verify_complete();
    // Drops the temporary and throws the error of a failed write: `what` and its cause (the
    // descriptor's errno, or a full disk) when one is known, else `what` and `detail`.
    [[noreturn]] void fail_write(const std::string& what, const std::string& detail = {});
    // errno of the failed write: the descriptor's, else ENOSPC when the temporary's file
    // system has no room left (a step TagLib did), else 0.
    int failure_errno() const;
    // After a step that wrote into the closed temporary by other means (TagLib) failed: throws
    // when failure_errno() knows why (else returns, for the step's own error).
    void fail_if_disk_full();
    struct Closer {
        void operator()(SNDFILE* f) const;
    };
    std::string path_;
    std::string temp_path_;
    OutputSpec spec_;
    int fd_ = -1;
    int pending_slot_ = -1;         // in the table of temporaries removed on a signal
    std::unique_ptr<FdOutput> out_; // what libsndfile writes through; outlives file_
    std::unique_ptr<SNDFILE, Closer> file_;
    bool integer_ = false;
    int bits_ = 0;
    std::uint64_t frames_ = 0;
    std::uint64_t clipped_ = 0;
    std::vector<std::int32_t> scratch_int_;
    std::vector<float> scratch_float_;
    std::unique_ptr<Metadata> metadata_;
    std::vector<std::string> chunk_store_; // chunk bytes libsndfile reads until sf_close
    bool layout_undeclared_ = false;       // spec_.positions not in the file (remembered)
};

// Resolves the spec for writing `path` from an input's info and optional overrides. The
// input's layout is kept (spec.positions) when the channel count is unchanged and the layout
// came from the file, from --layout, or from FLAC's standard order; an unmasked WAV's
// assumed order is not declared as if the file had said so.
OutputSpec output_spec_for(const std::string& path, const FileInfo& input,
                           std::optional<SampleFormat> bits = std::nullopt,
                           std::optional<int> sample_rate = std::nullopt,
                           std::optional<int> channels = std::nullopt);

// Bytes per sample of a format as stored in a PCM container (0 for lossy).
int bytes_per_sample(SampleFormat f);

// Throws UsageError when `output` names the same file as one of `inputs` (unless
// `in_place`), so a typo never destroys a source recording.
void refuse_overwriting_inputs(const std::string& output, const std::vector<std::string>& inputs,
                               bool in_place);

// Where an input's output goes: `out` itself for a single input, or inside the folder `out`
// as the input's stem plus `extension` (with the dot; empty: the input's own extension).
std::string output_path_for(const std::string& input, const std::string& out, bool out_is_dir,
                            const std::string& extension = {});

// Whether `path` is a file that a writer of this process committed and nobody changed since
// (device, inode, size and modification time: any spelling of the path matches). Readers use it so
// that the CLI's --layout override, which describes the user's inputs, does not refuse an output or
// intermediate tapeop itself wrote with another channel count, and so that layout warnings name
// inputs.
bool written_by_this_process(const std::string& path);
// The positions this process wrote `path` with when its container could not declare them (a
// recipe's WAV intermediate of a 7.1 CAF in MPEG_7_1_C order): readers in this process use them
// as the file's layout. nullopt for other files.
std::optional<std::vector<Position>> undeclared_layout_of(const std::string& path);

// Whether commit() also forces the data to disk (fsync) before the rename. Off by default:
// the rename alone already guarantees that no reader ever sees a partial file and that a
// killed job leaves nothing behind; fsync adds protection against a power loss at the cost of
// waiting for the disk. Process-wide (the CLI's --sync); set it before writing starts.
void set_durable_writes(bool durable);

// The mkstemp template for a temporary beside `path`: ".NAME.tapeop-tmp-PID@HOST-XXXXXX" in
// the same folder. The process id and host name let a later run remove the leftovers of a
// killed process without touching files another live process is still writing
// (batch/stale_temps.hpp reads them back).
std::string temporary_template_for(const std::string& path);

// A hidden file this process makes beside `target` and removes itself: a lossy master's
// verification copy, which is decoded and measured before it takes the real name. Its name is
// temporary_template_for(target) made unique, plus `suffix` (the container's extension, so
// the writer picks the same format): ".NAME.tapeop-tmp-PID@HOST-XXXXXX.verify.mp3". It is
// removed when this object goes, on SIGINT/SIGTERM (remove_pending_temporaries()), and after
// a SIGKILL by the next run in that folder (batch/stale_temps.hpp reads the owner back).
class OwnedTemporary {
  public:
    // Creates the file (empty); throws Error naming `target` when the folder is not writable.
    OwnedTemporary(const std::string& target, const std::string& suffix);
    ~OwnedTemporary();
    OwnedTemporary(const OwnedTemporary&) = delete;
    OwnedTemporary& operator=(const OwnedTemporary&) = delete;

    const std::string& path() const { return path_; }
    // The file was renamed away: forget it.
    void release() noexcept;

  private:
    std::string path_;
    int slot_ = -1;
};

// Removes every temporary file still open by writers in this process. Async-signal-safe:
// the CLI calls it from its SIGINT/SIGTERM handler.
void remove_pending_temporaries() noexcept;

// For temporaries written by other means than AudioWriter (io/text_file.hpp, a spooled standard
// input in io/stream.hpp): a place in the table remove_pending_temporaries() clears (-1 when full),
// released by unregister_temporary; and whether commits are durable (set_durable_writes).
int register_temporary(const std::string& temp_path);
void unregister_temporary(int slot) noexcept;
bool durable_writes_enabled();

} // namespace tapeop::io
