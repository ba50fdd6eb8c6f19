/* Fault injection for the CLI tests, loaded with LD_PRELOAD (compiled by the test with cc):
 *
 *   SHIM_EIO_FILE=NAME SHIM_EIO_AFTER=N
 *       read(), pread() and readv() of a file whose path ends in "/NAME" fail with EIO once
 *       they reach byte N (a read that spans N returns the bytes before it first): a disk
 *       that stops answering in the middle of an input.
 *   SHIM_FSYNC_EIO=1
 *       fsync() and fdatasync() fail with EIO: a disk that loses the data on its way down.
 *
 * Everything else goes to the C library unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *eio_file;
static long long eio_after = -1;
static int fsync_eio;

__attribute__((constructor)) static void shim_init(void) {
    const char *after = getenv("SHIM_EIO_AFTER");
    eio_file = getenv("SHIM_EIO_FILE");
    if (eio_file && after)
        eio_after = atoll(after);
    fsync_eio = getenv("SHIM_FSYNC_EIO") != NULL;
}

static void *next(const char *name) {
    void *f = dlsym(RTLD_NEXT, name);
    if (!f)
        abort();
    return f;
}

/* Whether fd is the named file. */
static int is_target(int fd) {
    if (!eio_file || eio_after < 0)
        return 0;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    const size_t len = strlen(path), want = strlen(eio_file);
    return len > want && path[len - want - 1] == '/' && strcmp(path + len - want, eio_file) == 0;
}

/* How many of `count` bytes at `offset` may be read: -1 (EIO) at or past the fault. */
static long long allowed(long long offset, size_t count) {
    if (offset >= eio_after)
        return -1;
    return offset + (long long)count > eio_after ? eio_after - offset : (long long)count;
}

ssize_t read(int fd, void *buf, size_t count) {
    static ssize_t (*real)(int, void *, size_t);
    if (!real)
        real = (ssize_t(*)(int, void *, size_t))next("read");
    if (count > 0 && is_target(fd)) {
        const long long n = allowed(lseek(fd, 0, SEEK_CUR), count);
        if (n < 0) {
            errno = EIO;
            return -1;
        }
        count = (size_t)n;
    }
    return real(fd, buf, count);
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset) {
    static ssize_t (*real)(int, void *, size_t, off_t);
    if (!real)
        real = (ssize_t(*)(int, void *, size_t, off_t))next("pread");
    if (count > 0 && is_target(fd)) {
        const long long n = allowed(offset, count);
        if (n < 0) {
            errno = EIO;
            return -1;
        }
        count = (size_t)n;
    }
    return real(fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset) {
    return pread(fd, buf, count, offset);
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt) {
    static ssize_t (*real)(int, const struct iovec *, int);
    if (!real)
        real = (ssize_t(*)(int, const struct iovec *, int))next("readv");
    if (iovcnt > 0 && is_target(fd)) {
        /* One buffer at a time through read(): simple, and enough for the fault. */
        if (iov[0].iov_len == 0 && iovcnt > 1)
            return read(fd, iov[1].iov_base, iov[1].iov_len);
        return read(fd, iov[0].iov_base, iov[0].iov_len);
    }
    return real(fd, iov, iovcnt);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))next("fsync");
    if (fsync_eio) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))next("fdatasync");
    if (fsync_eio) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}
