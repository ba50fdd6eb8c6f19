#include "tapeop/batch/stale_temps.hpp"

#include "tapeop/io/writer.hpp"

#include <cctype>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <set>
#include <unistd.h>

namespace tapeop::batch {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view tag = ".tapeop-tmp-";

bool all_digits(std::string_view s) {
    if (s.empty() || s.size() > 10)
        return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    return true;
}

// kill(pid, 0) probes without sending: EPERM means it runs under another user.
bool process_alive(long pid) {
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

void remove_file(const fs::path& p, std::vector<std::string>& removed) {
    std::error_code ec;
    if (fs::remove(p, ec))
        removed.push_back(p.string());
}

} // namespace

std::optional<TempOwner> temporary_owner(std::string_view name) {
    // .NAME.tapeop-tmp-PID@HOST-XXXXXX (mkstemp's six characters at the end), or
    // .NAME.tapeop-tmp-PID@HOST-XXXXXX.verify.EXT
    if (name.empty() || name.front() != '.')
        return std::nullopt;
    const auto at_tag = name.rfind(tag);
    if (at_tag == std::string_view::npos)
        return std::nullopt;
    std::string_view rest = name.substr(at_tag + tag.size());
    // A lossy master's verification copy carries ".verify.EXT" after the six characters
    // (io::OwnedTemporary); they are letters and digits, so the first ".verify." ends them.
    if (const auto v = rest.find(".verify."); v != std::string_view::npos)
        rest = rest.substr(0, v);
    if (rest.size() < 7 || rest[rest.size() - 7] != '-')
        return std::nullopt;
    rest.remove_suffix(7);
    const auto at = rest.find('@');
    if (at == std::string_view::npos || at + 1 >= rest.size())
        return std::nullopt;
    const std::string_view pid = rest.substr(0, at);
    if (!all_digits(pid))
        return std::nullopt;
    TempOwner owner;
    owner.pid = std::stol(std::string(pid));
    owner.host = std::string(rest.substr(at + 1));
    return owner.pid > 0 ? std::optional(owner) : std::nullopt;
}

std::string this_host() {
    // The writer's name for this host: read it back from a template rather than repeat its rules.
    const std::string templ = io::temporary_template_for("probe");
    const auto owner = temporary_owner(fs::path(templ).filename().string());
    return owner ? owner->host : std::string();
}

std::vector<std::string> remove_stale_temporaries(const std::string& dir) {
    std::vector<std::string> removed;
    const std::string host = this_host();
    const long self = static_cast<long>(::getpid());
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const auto owner = temporary_owner(name);
        if (!owner || owner->host != host)
            continue;
        if (owner->pid == self || !process_alive(owner->pid))
            remove_file(it->path(), removed);
    }
    return removed;
}

std::vector<std::string> remove_job_leftovers(const std::string& out_dir,
                                              const std::string& job_name,
                                              const std::vector<std::string>& outputs) {
    std::vector<std::string> removed;
    const std::string work = "." + job_name + ".tapeop-work-";
    std::error_code ec;
    for (fs::directory_iterator it(out_dir.empty() ? "." : out_dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        // Only the finished intermediates; one still being written carries its owner (above).
        if (name.rfind(work, 0) == 0 && name.find(tag) == std::string::npos)
            remove_file(it->path(), removed);
    }
    for (const auto& out : outputs) {
        const fs::path p(out);
        const fs::path verify = p.parent_path() / ("." + p.stem().string() + ".tapeop-tmp-verify" +
                                                   p.extension().string());
        remove_file(verify, removed);
    }
    return removed;
}

} // namespace tapeop::batch
