#include "fd_output.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace tapeop::io {

SNDFILE* FdOutput::open(int mode, SF_INFO* info) {
    SF_VIRTUAL_IO io{};
    io.get_filelen = &FdOutput::get_filelen;
    io.seek = &FdOutput::seek;
    io.read = &FdOutput::read;
    io.write = &FdOutput::write;
    io.tell = &FdOutput::tell;
    return sf_open_virtual(&io, mode, info, this);
}

void FdOutput::fail(int err) {
    if (errno_ == 0)
        errno_ = err != 0 ? err : EIO;
}

sf_count_t FdOutput::get_filelen(void* self) {
    auto* o = static_cast<FdOutput*>(self);
    struct stat st {};
    if (::fstat(o->fd_, &st) != 0) {
        o->fail(errno);
        return -1;
    }
    return st.st_size;
}

sf_count_t FdOutput::seek(sf_count_t offset, int whence, void* self) {
    auto* o = static_cast<FdOutput*>(self);
    const off_t at = ::lseek(o->fd_, offset, whence);
    if (at < 0)
        o->fail(errno);
    return at;
}

sf_count_t FdOutput::read(void* ptr, sf_count_t count, void* self) {
    auto* o = static_cast<FdOutput*>(self);
    sf_count_t done = 0;
    while (done < count) {
        const ssize_t n = ::read(o->fd_, static_cast<char*>(ptr) + done, std::size_t(count - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            o->fail(errno);
        if (n <= 0)
            break;
        done += n;
    }
    return done;
}

sf_count_t FdOutput::write(const void* ptr, sf_count_t count, void* self) {
    auto* o = static_cast<FdOutput*>(self);
    if (o->errno_ != 0)
        return count; // the file is lost already: see the class comment
    sf_count_t done = 0;
    while (done < count) {
        const ssize_t n =
            ::write(o->fd_, static_cast<const char*>(ptr) + done, std::size_t(count - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->fail(n < 0 ? errno : ENOSPC); // write(2) of a regular file returns 0 for no room
            break;
        }
        done += n;
    }
    return count;
}

sf_count_t FdOutput::tell(void* self) {
    auto* o = static_cast<FdOutput*>(self);
    const off_t at = ::lseek(o->fd_, 0, SEEK_CUR);
    if (at < 0)
        o->fail(errno);
    return at;
}

std::string write_error_text(int err) {
    if (err == ENOSPC)
        return "disk full (" + std::string(std::strerror(err)) + ")";
    if (err == EDQUOT)
        return "disk quota exceeded (" + std::string(std::strerror(err)) + ")";
    return std::strerror(err);
}

namespace {
std::string tidy(std::string why) {
    for (const char* prefix : {"Error : ", "System error : "})
        if (why.rfind(prefix, 0) == 0)
            why.erase(0, std::strlen(prefix));
    if (!why.empty() && why.back() == '.')
        why.pop_back();
    return why;
}
} // namespace

// libsndfile's own codes run from 0 to SFE_MAX_ERROR (184 in 1.2.0, less in older versions,
// which never return the newer codes); a negative one is a libsndfile bug that
// sf_error_number would print on stdout.
std::string sndfile_error_text(SNDFILE* f) {
    const int code = sf_error(f);
    if (code < 0)
        return "unknown libsndfile error " + std::to_string(code);
    return tidy(sf_strerror(f));
}

std::string sndfile_error_text(int code) {
    if (code < 0)
        return "unknown libsndfile error " + std::to_string(code);
    return tidy(sf_error_number(code));
}

} // namespace tapeop::io
