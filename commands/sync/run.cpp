#include "commands/sync/run.hpp"

#include "commands/contacts/pull.hpp"
#include "commands/invoices/export.hpp"
#include "commands/invoices/pull.hpp"
#include "commands/vouchers/upload.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fmt/format.h>
#include <functional>
#include <lexsync/api/error.hpp>
#include <lexsync/store/job_lock.hpp>
#include <lexsync/util/date.hpp>
#include <ostream>
#include <sstream>

namespace lexsync::commands::sync {

namespace {

// Thrown by the lock's wait callback under --no-wait.
struct LockBusy {};

std::string ends_with_format(const std::string& file) {
    const auto dot = file.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : file.substr(dot + 1);
    if (ext == "csv") {
        return "csv";
    }
    if (ext == "ndjson" || ext == "jsonl") {
        return "ndjson";
    }
    return "json";
}

// yyyy-mm-dd of `t` in local time.
std::string local_date(std::chrono::system_clock::time_point t, int year_offset = 0,
                       bool first_of_year = false) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    if (first_of_year) {
        return fmt::format("{:04}-01-01", tm.tm_year + 1900 + year_offset);
    }
    return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// The clock's time as a UTC timestamp, for the sync cursors.
std::string now_utc(const Clock& clock) {
    return utc_timestamp(std::chrono::system_clock::to_time_t(clock.now()));
}

// One configured job: its name and how to run it in a given context.
struct Job {
    std::string name;
    std::function<void(Context&)> run;
};

std::vector<Job> configured_jobs(const config::SyncSettings& s, Context& ctx) {
    std::vector<Job> jobs;
    if (s.contacts_pull_out) {
        jobs.push_back({"contacts", [s](Context& job) {
                            job.global.output = s.contacts_pull_format.value_or(
                                ends_with_format(*s.contacts_pull_out));
                            contacts::PullOptions o;
                            o.out = *s.contacts_pull_out;
                            contacts::run_pull(o, job);
                        }});
    }
    if (s.invoices_pull_dir) {
        const std::string from =
            s.invoices_pull_from.value_or(local_date(ctx.clock.now(), -1, true));
        const std::string to = local_date(ctx.clock.now());
        jobs.push_back({"invoices", [s, from, to](Context& job) {
                            job.global.output = "json"; // the records go nowhere (stdout is null)
                            invoices::PullOptions o;
                            o.out = *s.invoices_pull_dir;
                            o.from = from;
                            o.to = to;
                            invoices::run_pull(o, job);
                        }});
    }
    if (s.invoices_export_file) {
        jobs.push_back({"export", [s](Context& job) {
                            invoices::ExportOptions o;
                            o.file = *s.invoices_export_file;
                            invoices::run_export(o, job);
                        }});
    }
    if (!s.receipts_dirs.empty()) {
        jobs.push_back({"receipts", [s](Context& job) {
                            vouchers::UploadOptions o;
                            o.paths = s.receipts_dirs;
                            vouchers::run_upload(o, job);
                        }});
    }
    return jobs;
}

} // namespace

void run_sync(const SyncOptions& opts, Context& ctx) {
    const auto& profile = ctx.profile();
    auto jobs = configured_jobs(profile.sync, ctx);
    if (jobs.empty()) {
        throw Error(ExitCode::config,
                    fmt::format("sync: profile '{}' configures no job; add a [profiles.{}.sync] "
                                "table (see lexsync-sync(1))",
                                profile.name, profile.name));
    }
    if (!opts.only.empty()) {
        for (const auto& name : opts.only) {
            if (std::none_of(jobs.begin(), jobs.end(),
                             [&](const Job& j) { return j.name == name; })) {
                throw Error(ExitCode::usage,
                            fmt::format("sync: job '{}' is not configured in profile '{}'", name,
                                        profile.name));
            }
        }
        std::erase_if(jobs, [&](const Job& j) {
            return std::find(opts.only.begin(), opts.only.end(), j.name) == opts.only.end();
        });
    }

    // One sync per profile at a time. Under --no-wait the wait callback throws out of the
    // constructor (its descriptor, which holds no lock, is closed when the process exits).
    std::unique_ptr<JobLock> lock;
    try {
        lock = std::make_unique<JobLock>(profile.state_dir, "sync", [&] {
            if (opts.no_wait) {
                throw LockBusy{};
            }
            ctx.info("sync: another sync of this profile is running; waiting for it");
        });
    } catch (const LockBusy&) {
        ctx.info("sync: another sync of this profile is running; nothing done (--no-wait)");
        return;
    }

    auto& state = ctx.state();
    const std::int64_t run_id = state.begin_run("sync");
    std::vector<std::string> failures;
    ExitCode first_code = ExitCode::ok;
    std::string summary;
    for (const auto& job : jobs) {
        // Each job gets its own context: stdout discarded (sync writes data only to the
        // configured files), stderr and the global options shared.
        // Under --quiet the job's warnings are held back: printed after a success, folded into
        // the one-line reason after a failure.
        std::ostream null_out(nullptr);
        std::ostringstream held;
        const bool hold = ctx.global.quiet;
        IOStreams io{null_out,
                     hold ? static_cast<std::ostream&>(held) : ctx.io.err,
                     ctx.io.in,
                     false,
                     hold ? false : ctx.io.err_is_tty,
                     false,
                     0,
                     hold ? 0 : ctx.io.err_terminal_width,
                     hold ? std::function<int()>() : ctx.io.err_width_now};
        Context job_ctx(io, ctx.env, ctx.clock);
        job_ctx.global = ctx.global;
        job_ctx.global.fields.clear();
        job_ctx.transport_factory = ctx.transport_factory;
        job_ctx.read_secret = ctx.read_secret;
        std::string outcome = "ok";
        const auto failed = [&](const std::string& what, ExitCode code) {
            outcome = "failed";
            std::string reason = fmt::format("{}: {}", job.name, what);
            std::string first = held.str().substr(0, held.str().find('\n'));
            if (first.rfind("lexsync: ", 0) == 0) {
                first.erase(0, 9);
            }
            if (!first.empty() && what.find(first) == std::string::npos) {
                reason += " (" + first + ")";
            }
            failures.push_back(reason);
            if (first_code == ExitCode::ok) {
                first_code = code;
            }
        };
        try {
            job.run(job_ctx);
            state.set_cursor("sync." + job.name + ".last_success", now_utc(ctx.clock));
            ctx.io.err << held.str();
        } catch (const Error& e) {
            failed(e.what(), e.code());
        } catch (const std::exception& e) {
            failed(e.what(), ExitCode::error);
        }
        summary += fmt::format("{}\"{}\":\"{}\"", summary.empty() ? "" : ",", job.name, outcome);
        state.set_cursor("sync." + job.name + ".last_run", now_utc(ctx.clock));
    }
    state.set_cursor("sync.last_run", now_utc(ctx.clock));
    state.finish_run(run_id, failures.empty() ? "ok" : "failed", "{" + summary + "}");
    if (!failures.empty()) {
        std::string line;
        for (const auto& f : failures) {
            line += (line.empty() ? "" : "; ") + f;
        }
        // One line: newlines inside job messages would break cron mail and log parsers.
        std::replace(line.begin(), line.end(), '\n', ' ');
        throw Error(first_code, fmt::format("sync: {} of {} job{} failed: {}", failures.size(),
                                            jobs.size(), jobs.size() == 1 ? "" : "s", line));
    }
    ctx.info(fmt::format("sync: {} job{} done", jobs.size(), jobs.size() == 1 ? "" : "s"));
}

} // namespace lexsync::commands::sync
