#include "tapeop/batch/batch_run.hpp"

#include "tapeop/analysis/analyze.hpp"
#include "tapeop/batch/hash.hpp"
#include "tapeop/batch/identity.hpp"
#include "tapeop/batch/stale_temps.hpp"
#include "tapeop/error.hpp"
#include "tapeop/parallel.hpp"
#include "tapeop/version.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

namespace tapeop::batch {
namespace {

namespace fs = std::filesystem;

std::string outputs_key(const std::vector<FileRecord>& outputs) {
    std::string key;
    for (const auto& o : outputs)
        key += o.path + '\n';
    return key;
}

std::string file_name(const std::string& path) {
    return fs::path(path).filename().string();
}

// Why `prev` no longer describes the job ("" when it does).
std::string mismatch(const JobRecord& prev, const JobRecord& current, const std::string& out_dir) {
    if (prev.status == JobStatus::failed)
        return "it failed last time";
    if (prev.version != current.version)
        return "tapeop version changed (" + prev.version + " -> " + current.version + ")";
    if (prev.recipe_hash != current.recipe_hash)
        return "recipe or parameters changed";
    if (prev.inputs.size() != current.inputs.size())
        return "inputs changed";
    for (std::size_t i = 0; i < prev.inputs.size(); ++i)
        if (prev.inputs[i].xxh3 != current.inputs[i].xxh3)
            return "input changed: " + file_name(current.inputs[i].path);
    if (outputs_key(prev.outputs) != outputs_key(current.outputs))
        return "outputs changed";
    for (const auto& o : prev.outputs) {
        const fs::path p = fs::path(out_dir) / o.path;
        std::error_code ec;
        const auto size = fs::file_size(p, ec);
        if (ec)
            return "output missing: " + o.path;
        if (size != o.size_bytes)
            return "output changed on disk: " + o.path;
        try {
            if (hash_file(p.string()).xxh3 != o.xxh3)
                return "output changed on disk: " + o.path;
        } catch (const Error&) {
            return "output unreadable: " + o.path;
        }
    }
    return {};
}

Levels input_levels(const std::string& path) {
    const analysis::FileAnalysis a = analysis::analyze_file(path);
    Levels l;
    l.integrated_lufs = a.integrated_lufs;
    l.true_peak_dbtp = a.true_peak_dbtp;
    l.sample_peak_dbfs = a.sample_peak_dbfs;
    l.loudness_range_lu = a.loudness_range_lu;
    l.duration_s = a.info.duration_s();
    l.subtype = a.info.subtype;
    l.sample_rate = a.info.sample_rate;
    return l;
}

Levels output_levels(const recipe::OutputReport& o) {
    Levels l;
    l.integrated_lufs = o.integrated_lufs;
    l.true_peak_dbtp = o.true_peak_dbtp;
    l.sample_peak_dbfs = o.sample_peak_dbfs;
    l.subtype = o.subtype;
    l.sample_rate = o.sample_rate;
    return l;
}

// Everything a batch run shares between its worker threads.
class BatchState {
  public:
    BatchState(const recipe::Recipe& recipe, const std::vector<recipe::Job>& jobs,
               const BatchOptions& options, const BatchEvents& events)
        : recipe_(recipe), jobs_(jobs), options_(options), events_(events),
          out_dir_(options.run.out_dir.empty() ? "." : options.run.out_dir),
          texts_hash_(recipe_texts_hash(recipe)), slots_(jobs.size()) {}

    void start(BatchResult& result) {
        result.manifest_path = (fs::path(out_dir_) / manifest_file_name(options_.shard)).string();
        manifest_.version = tapeop::version;
        manifest_.recipe_file = recipe_.file;
        manifest_.recipe_hash = texts_hash_;
        manifest_.recipe_included = recipe_.included;
        manifest_.params = recipe_.params;
        manifest_.shard = options_.shard.whole() ? std::string() : options_.shard.label();
        manifest_.output_dir = fs::absolute(out_dir_).lexically_normal().string();
        manifest_.started_at = utc_now();
        load_previous();
        // Until a job is done, the manifest keeps its earlier entry: a run killed before it gets
        // there must not forget that the job was up to date.
        for (std::size_t i = 0; i < jobs_.size(); ++i) {
            auto it = previous_.find(expected_outputs_key(jobs_[i]));
            if (it != previous_.end())
                slots_[i] = it->second.front();
        }
    }

    JobRecord process(std::size_t i) {
        const recipe::Job& job = jobs_[i];
        const auto t0 = std::chrono::steady_clock::now();
        JobRecord rec = identity(job);
        try {
            for (const auto& in : job.inputs) {
                const FileHash h = hash_file(in);
                rec.inputs.push_back({fs::absolute(in).lexically_normal().string(), h.size_bytes,
                                      h.xxh3, std::nullopt});
            }
        } catch (const Error& e) {
            rec.status = JobStatus::failed;
            rec.error = e.what();
            rec.finished_at = utc_now();
            return rec;
        }
        if (options_.force) {
            rec.reason = "--force";
        } else {
            std::vector<const JobRecord*> prev;
            if (auto it = previous_.find(outputs_key(rec.outputs)); it != previous_.end())
                for (const auto& r : it->second)
                    prev.push_back(&r);
            const Freshness f = check_freshness(prev, rec, out_dir_);
            if (f.up_to_date) {
                JobRecord kept = *f.up_to_date;
                kept.status = JobStatus::up_to_date;
                kept.reason.clear();
                return kept;
            }
            rec.reason = f.reason;
        }
        render(job, rec);
        rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rec.finished_at = utc_now();
        return rec;
    }

    // Rewrites the manifest after a job, unless that would cost more than about 5% of the
    // run: a batch of thousands of quick (up-to-date) jobs writes it every few seconds instead.
    // A job finished since the last write and lost to a kill is only rendered once more.
    void record(std::size_t i, const JobRecord& rec, BatchResult& result) {
        std::lock_guard lock(mutex_);
        slots_[i] = rec;
        if (std::chrono::steady_clock::now() >= next_save_)
            save(result);
    }

    void save(BatchResult& result) {
        const auto t0 = std::chrono::steady_clock::now();
        manifest_.jobs.clear();
        for (const auto& s : slots_)
            if (s)
                manifest_.jobs.push_back(*s);
        manifest_.finished_at = utc_now();
        try {
            update_manifest(result.manifest_path, manifest_);
        } catch (const Error& e) {
            result.manifest_error = e.what();
        }
        const auto t1 = std::chrono::steady_clock::now();
        next_save_ = t1 + 20 * (t1 - t0);
    }

  private:
    JobRecord identity(const recipe::Job& job) const {
        JobRecord rec;
        rec.name = job.name;
        rec.version = tapeop::version;
        rec.plan = job_plan_text(recipe_, job, out_dir_);
        rec.recipe_hash = job_recipe_hash(rec.plan, texts_hash_);
        for (const auto& o : job.outputs)
            rec.outputs.push_back({path_in(out_dir_, o), 0, {}, std::nullopt});
        if (!job.report.empty()) // run --report: the page is one of the job's outputs
            rec.outputs.push_back({path_in(out_dir_, job.report), 0, {}, std::nullopt});
        return rec;
    }

    std::string expected_outputs_key(const recipe::Job& job) const {
        std::string key;
        for (const auto& o : job.outputs)
            key += path_in(out_dir_, o) + '\n';
        if (!job.report.empty())
            key += path_in(out_dir_, job.report) + '\n';
        return key;
    }

    void load_previous() {
        for (const auto& path : manifests_in(out_dir_)) {
            Manifest m;
            try {
                m = read_manifest(path);
            } catch (const Error&) {
                continue; // unreadable or foreign: its jobs simply run again
            }
            for (auto& r : m.jobs)
                previous_[outputs_key(r.outputs)].push_back(std::move(r));
        }
        for (auto& [key, list] : previous_)
            std::stable_sort(list.begin(), list.end(), [](const JobRecord& a, const JobRecord& b) {
                return a.finished_at > b.finished_at;
            });
    }

    void render(const recipe::Job& job, JobRecord& rec) {
        remove_job_leftovers(out_dir_, job.name, job.outputs);
        if (events_.started)
            events_.started(job);
        for (auto& in : rec.inputs) {
            try {
                in.levels = input_levels(in.path);
            } catch (const std::exception&) {
                // the job fails on it below, with the runner's message
            }
        }
        const recipe::JobReport report =
            recipe::run_job(recipe_, job, options_.run, events_.progress);
        rec.status = report.ok ? JobStatus::ok : JobStatus::failed;
        rec.error = report.error;
        rec.notes = report.notes;
        rec.audio_seconds = report.audio_seconds;
        if (!report.ok) {
            rec.outputs.clear();
            return;
        }
        try {
            for (std::size_t k = 0; k < job.outputs.size(); ++k) {
                const FileHash h = hash_file(job.outputs[k]);
                rec.outputs[k].size_bytes = h.size_bytes;
                rec.outputs[k].xxh3 = h.xxh3;
                for (const auto& o : report.outputs)
                    if (o.path == job.outputs[k])
                        rec.outputs[k].levels = output_levels(o);
            }
            if (!job.report.empty()) {
                const FileHash h = hash_file(job.report);
                rec.outputs.back().size_bytes = h.size_bytes;
                rec.outputs.back().xxh3 = h.xxh3;
            }
        } catch (const Error& e) {
            rec.status = JobStatus::failed;
            rec.error = e.what();
        }
    }

    const recipe::Recipe& recipe_;
    const std::vector<recipe::Job>& jobs_;
    const BatchOptions& options_;
    const BatchEvents& events_;
    const std::string out_dir_;
    const std::string texts_hash_;
    std::map<std::string, std::vector<JobRecord>> previous_; // by outputs, most recent first
    std::vector<std::optional<JobRecord>> slots_;
    Manifest manifest_;
    std::chrono::steady_clock::time_point next_save_{};
    std::mutex mutex_;
};

} // namespace

std::size_t BatchResult::count(JobStatus s) const {
    return static_cast<std::size_t>(std::count_if(
        jobs.begin(), jobs.end(), [s](const JobOutcome& o) { return o.record.status == s; }));
}

Freshness check_freshness(const std::vector<const JobRecord*>& previous, const JobRecord& current,
                          const std::string& out_dir) {
    Freshness f;
    if (previous.empty()) {
        f.reason = "no manifest entry";
        return f;
    }
    for (const JobRecord* prev : previous) {
        const std::string why = mismatch(*prev, current, out_dir);
        if (why.empty()) {
            f.up_to_date = prev;
            f.reason.clear();
            return f;
        }
        if (f.reason.empty())
            f.reason = why; // the most recent entry's reason is the one to tell
    }
    return f;
}

BatchResult run_batch(const recipe::Recipe& recipe, const std::vector<recipe::Job>& jobs,
                      const BatchOptions& options, const BatchEvents& events) {
    const std::string out_dir = options.run.out_dir.empty() ? "." : options.run.out_dir;
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec)
        throw Error("cannot create the output folder: " + ec.message(), out_dir);

    BatchResult result;
    std::set<std::string> dirs{out_dir};
    for (const auto& job : jobs)
        for (const auto& o : job.outputs) {
            const fs::path parent = fs::path(o).parent_path();
            dirs.insert(parent.empty() ? "." : parent.string());
        }
    for (const auto& d : dirs) {
        auto removed = remove_stale_temporaries(d);
        result.removed.insert(result.removed.end(), removed.begin(), removed.end());
    }

    BatchState state(recipe, jobs, options, events);
    state.start(result);
    result.jobs.resize(jobs.size());
    parallel_for(jobs.size(), options.run.jobs, [&](std::size_t i) {
        JobOutcome& out = result.jobs[i];
        out.job = jobs[i];
        out.record = state.process(i);
        state.record(i, out.record, result);
        if (events.finished)
            events.finished(out);
    });
    state.save(result);
    return result;
}

} // namespace tapeop::batch
