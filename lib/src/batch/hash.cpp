#include "tapeop/batch/hash.hpp"

#include "tapeop/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <unistd.h>
#include <vector>
#include <xxhash.h>

namespace tapeop::batch {
namespace {

std::string hex64(XXH64_hash_t h) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

struct StateFree {
    void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

} // namespace

std::string hash_bytes(std::string_view data) {
    return hex64(XXH3_64bits(data.data(), data.size()));
}

FileHash hash_file(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        throw Error(std::string("cannot read: ") + std::strerror(errno), path);
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    std::unique_ptr<XXH3_state_t, StateFree> state(XXH3_createState());
    if (!state || XXH3_64bits_reset(state.get()) != XXH_OK)
        throw Error("cannot start hashing", path);
    std::vector<char> block(1 << 20);
    FileHash out;
    for (;;) {
        const ssize_t n = ::read(fd.get(), block.data(), block.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw Error(std::string("cannot read: ") + std::strerror(errno), path);
        }
        if (n == 0)
            break;
        XXH3_64bits_update(state.get(), block.data(), static_cast<std::size_t>(n));
        out.size_bytes += static_cast<std::uint64_t>(n);
    }
    out.xxh3 = hex64(XXH3_64bits_digest(state.get()));
    return out;
}

} // namespace tapeop::batch
