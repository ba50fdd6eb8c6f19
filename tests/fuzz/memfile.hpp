#pragma once
// The fuzz input as a file that tapeop's own readers open by path (AudioReader, TagLib,
// read_manifest), so their validation is fuzzed too: an anonymous in-memory file (memfd),
// named /proc/self/fd/N. No disk, nothing left behind.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tapeop::fuzz {

class MemFile {
  public:
    MemFile(const std::uint8_t* data, std::size_t size) {
        fd_ = ::memfd_create("tapeop-fuzz", MFD_CLOEXEC);
        if (fd_ < 0) {
            std::perror("memfd_create");
            std::abort(); // the harness itself is broken: not a finding
        }
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = ::write(fd_, data + done, size - done);
            if (n <= 0) {
                std::perror("write to memfd");
                std::abort();
            }
            done += static_cast<std::size_t>(n);
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    ~MemFile() { ::close(fd_); }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;

    const std::string& path() const { return path_; }

  private:
    int fd_ = -1;
    std::string path_;
};

} // namespace tapeop::fuzz
