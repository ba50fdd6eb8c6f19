#include "tapeop/io/text_file.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/writer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace tapeop::io {
namespace {

// mkstemp creates 0600; a finished output gets the mode a plain open would (0666 & ~umask).
mode_t file_mode() {
    static std::once_flag once;
    static mode_t mask = 022;
    std::call_once(once, [] {
        mask = ::umask(0);
        ::umask(mask);
    });
    return static_cast<mode_t>(0666 & ~mask);
}

} // namespace

void write_text_file(const std::string& path, std::string_view text) {
    std::string temp = temporary_template_for(path);
    const int fd = ::mkstemp(temp.data());
    if (fd < 0)
        throw Error(std::string("cannot write: ") + std::strerror(errno), path);
    const int slot = register_temporary(temp);
    auto fail = [&](const char* what) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        ::unlink(temp.c_str());
        unregister_temporary(slot);
        throw Error(std::string(what) + why, path);
    };
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("cannot write: ");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, file_mode()) != 0)
        fail("cannot write: ");
    if (durable_writes_enabled() && ::fsync(fd) != 0)
        fail("cannot write: ");
    if (::close(fd) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(temp.c_str());
        unregister_temporary(slot);
        throw Error("cannot write: " + why, path);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(temp.c_str());
        unregister_temporary(slot);
        throw Error("cannot write: " + why, path);
    }
    unregister_temporary(slot);
}

} // namespace tapeop::io
