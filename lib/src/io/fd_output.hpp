#pragma once
// libsndfile output through a file descriptor tapeop owns (SF_VIRTUAL_IO): every byte goes out
// through write(2) here, so the cause of a failed write (errno: a full disk, a quota, an I/O
// error) is known, also where libsndfile's encoders ignore a short write (Ogg Vorbis, MP3) or
// report it with a code libsndfile does not define (-1 from the Vorbis writer on a nearly
// full disk, whose text sf_error_number prints on stdout).
//
// libsndfile is told that every write succeeded, so it never takes an error path of its own
// (its Vorbis writer leaks the encoder when the header cannot be written at open, and its
// codecs disagree on what a short write means): the caller checks error() after each call
// into libsndfile instead, and closes the handle with sf_close as usual.
#include <sndfile.h>
#include <string>

namespace tapeop::io {

class FdOutput {
  public:
    explicit FdOutput(int fd) : fd_(fd) {}
    FdOutput(const FdOutput&) = delete;
    FdOutput& operator=(const FdOutput&) = delete;

    // sf_open_virtual over the descriptor (this object must outlive the handle); null when
    // libsndfile refuses, as sf_open_fd.
    SNDFILE* open(int mode, SF_INFO* info);
    // errno of the first failed read, write or seek on the descriptor (0: none failed); from
    // the first failed write on, the bytes libsndfile writes go nowhere.
    int error() const { return errno_; }

  private:
    static sf_count_t get_filelen(void* self);
    static sf_count_t seek(sf_count_t offset, int whence, void* self);
    static sf_count_t read(void* ptr, sf_count_t count, void* self);
    static sf_count_t write(const void* ptr, sf_count_t count, void* self);
    static sf_count_t tell(void* self);
    void fail(int err);
    int fd_;
    int errno_ = 0;
};

// tapeop's words for a failed write's errno: "disk full (No space left on device)", "disk quota
// exceeded (...)", or the system's text.
std::string write_error_text(int err);

// libsndfile's text for the handle's error (null: the last failed open), without its
// "Error : " or "System error : " prefix and final full stop. Never passes a code libsndfile
// does not define to sf_strerror (it would print on stdout): those read "unknown libsndfile
// error N".
std::string sndfile_error_text(SNDFILE* f);
// The same for a code libsndfile returned (sf_close's).
std::string sndfile_error_text(int code);

} // namespace tapeop::io
