#include "tapeop/io/bext_loudness.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/format.hpp"

#include <cstring>
#include <limits>
#include <memory>
#include <sndfile.h>

namespace tapeop::io {
namespace {

using BextVar = SF_BROADCAST_INFO_VAR(16384);

std::string field(const char* p, std::size_t n) {
    return std::string(p, strnlen(p, n));
}

} // namespace

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

std::optional<Bext> bext_of(SNDFILE* sf) {
    auto b = std::make_unique<BextVar>();
    std::memset(b.get(), 0, sizeof *b);
    if (sf_command(sf, SFC_GET_BROADCAST_INFO, b.get(), sizeof *b) != SF_TRUE)
        return std::nullopt;
    Bext x;
    x.description = field(b->description, sizeof b->description);
    x.originator = field(b->originator, sizeof b->originator);
    x.originator_reference = field(b->originator_reference, sizeof b->originator_reference);
    x.origination_date = field(b->origination_date, sizeof b->origination_date);
    x.origination_time = field(b->origination_time, sizeof b->origination_time);
    x.time_reference = (std::uint64_t(b->time_reference_high) << 32) | b->time_reference_low;
    x.version = b->version;
    x.umid.assign(b->umid, sizeof b->umid);
    if (b->version >= 2) {
        x.loudness_value = b->loudness_value;
        x.loudness_range = b->loudness_range;
        x.max_true_peak_level = b->max_true_peak_level;
        x.max_momentary_loudness = b->max_momentary_loudness;
        x.max_shortterm_loudness = b->max_shortterm_loudness;
    }
    // Right after a set, libsndfile reports a size of 0 for the history it holds: the text
    // runs to its NUL.
    x.coding_history = field(b->coding_history, sizeof b->coding_history);
    return x;
}

void BextLoudness::begin(SNDFILE* sf, const std::string& line, const std::string& path) {
    bext_ = bext_of(sf).value_or(Bext{});
    bext_.coding_history = without_libsndfile_line(bext_.coding_history) + line;
    constexpr double unset = std::numeric_limits<double>::quiet_NaN();
    set_loudness(bext_, {unset, unset, unset, unset, unset});
    if (!update_bext(sf, bext_))
        throw Error("cannot write the bext chunk: " + std::string(sf_strerror(sf)), path);
    started_ = true;
}

void BextLoudness::finish(SNDFILE* sf, const LoudnessFields& levels, const std::string& path) {
    if (!started_)
        throw Error("internal: bext loudness finished before it was begun", path);
    set_loudness(bext_, levels);
    if (!update_bext(sf, bext_))
        throw Error("cannot update the bext chunk: " + std::string(sf_strerror(sf)), path);
}

} // namespace tapeop::io
