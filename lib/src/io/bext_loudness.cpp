#include "tapeop/io/bext_loudness.hpp"

#include "fd_output.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/format.hpp"

#include <cstring>
#include <limits>
#include <memory>
#include <sndfile.h>

namespace tapeop::io {
namespace {} // namespace

bool carries_bext(const std::string& path) {
    const int major = container_for_path(path).sf_major;
    return major == SF_FORMAT_WAV || major == SF_FORMAT_RF64;
}

std::string without_libsndfile_line(const std::string& history) {
    std::string h = history;
    while (!h.empty() && (h.back() == '\n' || h.back() == '\r' || h.back() == '\0'))
        h.pop_back();
    const auto start = h.find_last_of('\n');
    const std::string last = start == std::string::npos ? h : h.substr(start + 1);
    if (last.rfind("A=", 0) != 0 || last.find(",T=libsndfile-") == std::string::npos)
        return history;
    return start == std::string::npos ? std::string() : h.substr(0, start + 1);
}

void BextLoudness::begin(SNDFILE* sf, const std::string& line, const std::string& path) {
    bext_ = bext_of(sf).value_or(Bext{});
    bext_.coding_history = without_libsndfile_line(bext_.coding_history) + line;
    constexpr double unset = std::numeric_limits<double>::quiet_NaN();
    set_loudness(bext_, {unset, unset, unset, unset, unset});
    if (!update_bext(sf, bext_))
        throw Error("cannot write the bext chunk: " + sndfile_error_text(sf), path);
    started_ = true;
}

void BextLoudness::finish(SNDFILE* sf, const LoudnessFields& levels, const std::string& path) {
    if (!started_)
        throw Error("internal: bext loudness finished before it was begun", path);
    set_loudness(bext_, levels);
    if (!update_bext(sf, bext_))
        throw Error("cannot update the bext chunk: " + sndfile_error_text(sf), path);
}

} // namespace tapeop::io
