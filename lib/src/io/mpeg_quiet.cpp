#include "tapeop/io/mpeg_quiet.hpp"

#include <dlfcn.h>
#include <mpg123.h>

namespace {

using NewFn = mpg123_handle* (*)(const char*, int*);
using ParamFn = int (*)(mpg123_handle*, enum mpg123_parms, long, double);

struct RealMpg123 {
    NewFn create = nullptr;
    ParamFn param = nullptr;
};

// Looked up once (thread-safe static initialisation), after the executable in the lookup
// order: the definitions of libmpg123.so that libsndfile loaded.
const RealMpg123& real_mpg123() {
    static const RealMpg123 real = [] {
        RealMpg123 r;
        r.create = reinterpret_cast<NewFn>(::dlsym(RTLD_NEXT, "mpg123_new"));
        r.param = reinterpret_cast<ParamFn>(::dlsym(RTLD_NEXT, "mpg123_param"));
        return r;
    }();
    return real;
}

} // namespace

// The interposer (see the header): the real constructor, then MPG123_QUIET.
extern "C" mpg123_handle* mpg123_new(const char* decoder, int* error) {
    const RealMpg123& real = real_mpg123();
    if (!real.create) {
        if (error)
            *error = MPG123_ERR;
        return nullptr;
    }
    mpg123_handle* h = real.create(decoder, error);
    if (h && real.param)
        real.param(h, MPG123_ADD_FLAGS, MPG123_QUIET, 0.0);
    return h;
}

namespace tapeop::io {

bool quiet_mpeg_decoder() {
    return real_mpg123().create != nullptr;
}

} // namespace tapeop::io
