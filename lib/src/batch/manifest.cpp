#include "tapeop/batch/manifest.hpp"

#include "tapeop/error.hpp"
#include "tapeop/io/writer.hpp"
#include "tapeop/numbers.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tapeop::batch {
namespace {

namespace fs = std::filesystem;

// Levels: null for -inf (silence) and for values never measured; else rounded to 1e-4.
Json number(double v) {
    const std::optional<double> r = rounded(v, 4);
    return r ? Json(*r) : Json(nullptr);
}
double number_from(const Json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number())
        return std::numeric_limits<double>::quiet_NaN();
    return it->get<double>();
}
// An integer field: absent is 0. nlohmann converts a float to an integer type with a plain cast,
// undefined for values out of range (1e300), so only integers that fit are taken.
template <typename T> T integer_from(const Json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end())
        return 0;
    if (it->is_number_unsigned() && it->get<std::uint64_t>() <= std::numeric_limits<T>::max())
        return static_cast<T>(it->get<std::uint64_t>());
    if (it->is_number_integer() && it->get<std::int64_t>() >= 0 &&
        static_cast<std::uint64_t>(it->get<std::int64_t>()) <= std::numeric_limits<T>::max())
        return static_cast<T>(it->get<std::int64_t>());
    throw Error(std::string("malformed manifest: '") + key + "' is not a count");
}

Json levels_json(const Levels& l) {
    Json j = {{"integrated_lufs", number(l.integrated_lufs)},
              {"true_peak_dbtp", number(l.true_peak_dbtp)},
              {"sample_peak_dbfs", number(l.sample_peak_dbfs)}};
    if (!std::isnan(l.loudness_range_lu))
        j["loudness_range_lu"] = number(l.loudness_range_lu);
    if (!std::isnan(l.duration_s))
        j["duration_s"] = number(l.duration_s);
    if (!l.subtype.empty())
        j["subtype"] = l.subtype;
    if (l.sample_rate > 0)
        j["sample_rate"] = l.sample_rate;
    return j;
}
Levels levels_from(const Json& j) {
    Levels l;
    l.integrated_lufs = number_from(j, "integrated_lufs");
    l.true_peak_dbtp = number_from(j, "true_peak_dbtp");
    l.sample_peak_dbfs = number_from(j, "sample_peak_dbfs");
    l.loudness_range_lu = number_from(j, "loudness_range_lu");
    l.duration_s = number_from(j, "duration_s");
    l.subtype = j.value("subtype", "");
    l.sample_rate = integer_from<int>(j, "sample_rate");
    return l;
}

Json file_json(const FileRecord& f, const char* levels_key) {
    Json j = {{"path", f.path}, {"size_bytes", f.size_bytes}, {"xxh3", f.xxh3}};
    if (f.levels)
        j[levels_key] = levels_json(*f.levels);
    return j;
}
FileRecord file_from(const Json& j, const char* levels_key) {
    FileRecord f;
    f.path = j.at("path").get<std::string>();
    f.size_bytes = integer_from<std::uint64_t>(j, "size_bytes");
    f.xxh3 = j.value("xxh3", "");
    if (const auto it = j.find(levels_key); it != j.end() && it->is_object())
        f.levels = levels_from(*it);
    return f;
}

JobStatus status_from(const std::string& s, const std::string& where) {
    if (s == "ok")
        return JobStatus::ok;
    if (s == "failed")
        return JobStatus::failed;
    if (s == "up-to-date")
        return JobStatus::up_to_date;
    throw Error("unknown job status '" + s + "'", where);
}

Json job_json(const JobRecord& r) {
    Json j = {{"name", r.name}, {"status", status_name(r.status)}};
    if (!r.error.empty())
        j["error"] = r.error;
    if (!r.reason.empty())
        j["reason"] = r.reason;
    j["version"] = r.version;
    j["recipe_hash"] = r.recipe_hash;
    j["inputs"] = Json::array();
    for (const auto& f : r.inputs)
        j["inputs"].push_back(file_json(f, "before"));
    j["outputs"] = Json::array();
    for (const auto& f : r.outputs)
        j["outputs"].push_back(file_json(f, "after"));
    j["notes"] = r.notes;
    j["seconds"] = rounded(r.seconds, 3).value_or(0.0);
    j["audio_seconds"] = rounded(r.audio_seconds, 3).value_or(0.0);
    j["finished_at"] = r.finished_at;
    j["plan"] = r.plan;
    return j;
}
JobRecord job_from(const Json& j, const std::string& where) {
    JobRecord r;
    r.name = j.at("name").get<std::string>();
    r.status = status_from(j.at("status").get<std::string>(), where);
    r.error = j.value("error", "");
    r.reason = j.value("reason", "");
    r.version = j.value("version", "");
    r.recipe_hash = j.value("recipe_hash", "");
    r.plan = j.value("plan", "");
    for (const auto& f : j.value("inputs", Json::array()))
        r.inputs.push_back(file_from(f, "before"));
    for (const auto& f : j.value("outputs", Json::array()))
        r.outputs.push_back(file_from(f, "after"));
    r.notes = j.value("notes", std::vector<std::string>{});
    r.seconds = j.value("seconds", 0.0);
    r.audio_seconds = j.value("audio_seconds", 0.0);
    r.finished_at = j.value("finished_at", "");
    return r;
}

std::string absolute_normal(const fs::path& p) {
    return fs::absolute(p).lexically_normal().string();
}

std::string merge_key(const JobRecord& r, const fs::path& manifest_dir) {
    std::string key;
    for (const auto& o : r.outputs)
        key += absolute_normal(manifest_dir / o.path) + '\n';
    return key.empty() ? "job:" + r.name : key;
}

// Of two entries for one job: a successful one over a failed one, then the most recent.
bool better(const JobRecord& a, const JobRecord& b) {
    const bool a_ok = a.status != JobStatus::failed, b_ok = b.status != JobStatus::failed;
    if (a_ok != b_ok)
        return a_ok;
    return a.finished_at > b.finished_at;
}

} // namespace

const char* status_name(JobStatus s) {
    switch (s) {
    case JobStatus::ok:
        return "ok";
    case JobStatus::failed:
        return "failed";
    case JobStatus::up_to_date:
        return "up-to-date";
    }
    return "failed";
}

Json to_json(const Manifest& m) {
    Json j = {{"tool", "tapeop"},
              {"version", m.version},
              {"manifest_format", manifest_format},
              {"schema", manifest_schema}};
    j["recipe"] = {
        {"file", m.recipe_file}, {"hash", m.recipe_hash}, {"included", m.recipe_included}};
    j["params"] = Json::object();
    for (const auto& [k, v] : m.params)
        j["params"][k] = v;
    j["shard"] = m.shard.empty() ? Json(nullptr) : Json(m.shard);
    j["output_dir"] = m.output_dir;
    j["started_at"] = m.started_at;
    j["finished_at"] = m.finished_at;
    if (!m.merged_from.empty())
        j["merged_from"] = m.merged_from;
    j["jobs"] = Json::array();
    for (const auto& r : m.jobs)
        j["jobs"].push_back(job_json(r));
    return j;
}

Manifest manifest_from_json(const Json& j, const std::string& where) {
    try {
        if (!j.is_object() || j.value("tool", "") != "tapeop" || !j.contains("jobs"))
            throw Error("not a tapeop manifest", where);
        Manifest m;
        m.version = j.value("version", "");
        if (const auto it = j.find("recipe"); it != j.end() && it->is_object()) {
            m.recipe_file = it->value("file", "");
            m.recipe_hash = it->value("hash", "");
            m.recipe_included = it->value("included", std::vector<std::string>{});
        }
        if (const auto it = j.find("params"); it != j.end() && it->is_object())
            for (const auto& [k, v] : it->items())
                m.params[k] = v.is_string() ? v.get<std::string>() : v.dump();
        if (const auto it = j.find("shard"); it != j.end() && it->is_string())
            m.shard = it->get<std::string>();
        m.output_dir = j.value("output_dir", "");
        m.started_at = j.value("started_at", "");
        m.finished_at = j.value("finished_at", "");
        m.merged_from = j.value("merged_from", std::vector<std::string>{});
        for (const auto& job : j.at("jobs"))
            m.jobs.push_back(job_from(job, where));
        return m;
    } catch (const Json::exception& e) {
        throw Error(std::string("malformed manifest: ") + e.what(), where);
    } catch (const Error& e) {
        if (e.where().empty()) // from a field reader, which does not know the file
            throw Error(e.message(), where);
        throw;
    }
}

Manifest read_manifest(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(std::string("cannot read: ") + std::strerror(errno), path);
    const Json j = Json::parse(in, nullptr, false);
    if (j.is_discarded())
        throw Error("not valid JSON", path);
    return manifest_from_json(j, path);
}

void write_manifest(const std::string& path, const Manifest& m) {
    const std::string text = to_json(m).dump(1) + "\n";
    std::string templ = io::temporary_template_for(path);
    const int fd = ::mkstemp(templ.data());
    if (fd < 0)
        throw Error(std::string("cannot write the manifest: ") + std::strerror(errno), path);
    ::fchmod(fd, 0644);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(templ.c_str());
            throw Error("cannot write the manifest: " + why, path);
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (std::rename(templ.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(templ.c_str());
        throw Error("cannot move the manifest into place: " + why, path);
    }
}

void update_manifest(const std::string& path, const Manifest& m) {
    // The folder is locked rather than the manifest (which is replaced by a rename) or a lock
    // file (which would stay in the user's folder).
    const fs::path dir =
        fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
    struct Lock {
        int fd;
        ~Lock() {
            if (fd >= 0)
                ::close(fd); // releases the flock
        }
    } lock{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (lock.fd >= 0)
        while (::flock(lock.fd, LOCK_EX) != 0 && errno == EINTR) {
        }
    Manifest out = m;
    std::error_code ec;
    if (fs::exists(path, ec)) {
        try {
            const Manifest disk = read_manifest(path);
            std::set<std::string> mine;
            for (const auto& r : m.jobs)
                mine.insert(merge_key(r, dir));
            // Only what finished since this run started: entries this run chose to drop at its
            // start stay dropped.
            for (const auto& r : disk.jobs)
                if (!mine.count(merge_key(r, dir)) && r.finished_at >= m.started_at)
                    out.jobs.push_back(r);
        } catch (const Error&) {
            // unreadable: replaced, as write_manifest alone would
        }
    }
    write_manifest(path, out);
}

std::vector<std::string> manifests_in(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind("tapeop-manifest", 0) == 0 && name.size() > 5 &&
            name.substr(name.size() - 5) == ".json" && it->is_regular_file())
            out.push_back(it->path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

Manifest merge_manifests(const std::vector<std::string>& sources, const std::string& out_dir) {
    std::vector<std::string> files;
    for (const auto& s : sources) {
        std::error_code ec;
        if (fs::is_directory(s, ec)) {
            const auto found = manifests_in(s);
            if (found.empty())
                throw Error("no tapeop-manifest*.json in this folder", s);
            files.insert(files.end(), found.begin(), found.end());
        } else {
            files.push_back(s);
        }
    }
    Manifest merged;
    std::map<std::string, JobRecord> jobs; // key: outputs' absolute paths
    const fs::path to = fs::absolute(out_dir.empty() ? "." : out_dir).lexically_normal();
    for (const auto& f : files) {
        const Manifest m = read_manifest(f);
        const fs::path dir = fs::absolute(f).parent_path();
        if (merged.version.empty()) {
            merged.version = m.version;
            merged.recipe_file = m.recipe_file;
            merged.recipe_hash = m.recipe_hash;
            merged.recipe_included = m.recipe_included;
            merged.params = m.params;
        } else if (merged.recipe_hash != m.recipe_hash) {
            merged.recipe_hash.clear(); // several recipes: each job keeps its own hash
        }
        if (!m.started_at.empty() &&
            (merged.started_at.empty() || m.started_at < merged.started_at))
            merged.started_at = m.started_at;
        merged.finished_at = std::max(merged.finished_at, m.finished_at);
        merged.merged_from.push_back(f);
        for (JobRecord r : m.jobs) {
            const std::string key = merge_key(r, dir);
            for (auto& o : r.outputs)
                o.path = fs::path(absolute_normal(dir / o.path)).lexically_relative(to).string();
            auto [it, fresh] = jobs.emplace(key, r);
            if (!fresh && better(r, it->second))
                it->second = r;
        }
    }
    merged.output_dir = to.string();
    for (auto& [key, r] : jobs)
        merged.jobs.push_back(std::move(r));
    return merged;
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace tapeop::batch
