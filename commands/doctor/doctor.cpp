#include "commands/doctor/doctor.hpp"

#include <ctime>
#include <fmt/format.h>
#include <lexsync/api/error.hpp>
#include <lexsync/util/http_text.hpp>
#include <sys/stat.h>

namespace lexsync::commands::doctor {

namespace {

struct Check {
    std::string name;
    std::string status; // ok, warn, fail, skip
    std::string detail;
};

} // namespace

void register_doctor(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("doctor",
                                   "Check configuration, credentials, key, connectivity and clock");
    cmd->footer(R"(Each check prints ok, warn or fail with what to do about it.

Examples:
  lexsync doctor
  lexsync --profile client-b doctor -o json)");
    cmd->callback([&ctx] { run_doctor(DoctorOptions{}, ctx); });
}

void run_doctor(const DoctorOptions&, Context& ctx) {
    std::vector<Check> checks;
    ExitCode worst = ExitCode::ok;
    auto fail = [&](std::string name, std::string detail, ExitCode code) {
        checks.push_back({std::move(name), "fail", std::move(detail)});
        if (worst == ExitCode::ok) {
            worst = code;
        }
    };

    bool config_ok = false;
    try {
        const auto& file = ctx.config();
        checks.push_back(
            {"config", "ok",
             file.exists ? fmt::format("{} ({} profiles)", file.path.string(), file.profiles.size())
                         : fmt::format("{} does not exist; using defaults", file.path.string())});
        const auto& p = ctx.profile();
        checks.push_back({"profile", "ok", fmt::format("{} → {}", p.name, p.base_url)});
        config_ok = true;
    } catch (const Error& e) {
        fail("config", e.what(), ExitCode::config);
    }

    const auto creds = config::credentials_path(ctx.config_file());
    struct stat st {};
    if (::stat(creds.c_str(), &st) == 0) {
        if ((st.st_mode & 077) != 0) {
            fail("credentials",
                 fmt::format("{} is readable by others; run: chmod 600 {}", creds.string(),
                             creds.string()),
                 ExitCode::config);
        } else {
            checks.push_back({"credentials", "ok", creds.string() + " (mode 0600)"});
        }
    } else {
        checks.push_back(
            {"credentials", "ok", "no credentials file (keys from the environment or a command)"});
    }

    bool key_ok = false;
    if (config_ok) {
        try {
            (void)ctx.token();
            key_ok = true;
            checks.push_back(
                {"key", "ok",
                 "found in " + credentials::source_text(*ctx.token_source(), ctx.profile())});
        } catch (const Error& e) {
            fail("key", e.what(), ExitCode::config);
        }
    }

    if (key_ok) {
        auto r = ctx.client().get_raw("/v1/profile", "application/json");
        if (!r) {
            const auto& e = r.error();
            if (e.kind == ApiError::Kind::auth) {
                ctx.refused_key_explained = true;
                fail("api",
                     "the key was refused (401); " +
                         credentials::refused_key_advice(*ctx.token_source(), ctx.profile()),
                     ExitCode::config);
            } else if (e.kind == ApiError::Kind::network) {
                fail("api", e.describe() + "; check the network, a proxy (https_proxy) or base_url",
                     ExitCode::network);
            } else {
                fail("api", e.describe(), ExitCode::error);
            }
        } else {
            auto doc = json::parse(r->body);
            const std::string company =
                doc ? json::get_string(*doc, "companyName").value_or("?") : "?";
            checks.push_back(
                {"api", "ok", fmt::format("reaches {} ({})", company, ctx.profile().base_url)});
            if (auto date = r->headers.get("date")) {
                if (auto server = parse_http_date(*date)) {
                    const auto local = std::chrono::system_clock::to_time_t(ctx.clock.now());
                    const long skew = static_cast<long>(local - *server);
                    if (std::labs(skew) > 60) {
                        checks.push_back(
                            {"clock", "warn",
                             fmt::format("local clock is {} s {} the server's; fix NTP",
                                         std::labs(skew), skew > 0 ? "ahead of" : "behind")});
                    } else {
                        checks.push_back({"clock", "ok", fmt::format("skew {} s", skew)});
                    }
                }
            } else {
                checks.push_back({"clock", "skip", "the server sent no Date header"});
            }
        }
    }

    auto writer = ctx.writer({{"check", "check"}, {"status", "status"}, {"detail", "detail"}});
    json::Document rec;
    for (const auto& c : checks) {
        rec.SetObject();
        auto& a = rec.GetAllocator();
        rec.AddMember("check", json::str(c.name, a), a);
        rec.AddMember("status", json::str(c.status, a), a);
        rec.AddMember("detail", json::str(c.detail, a), a);
        writer->write(rec);
    }
    writer->finish();
    if (worst != ExitCode::ok) {
        throw Error(worst, "doctor found problems (see the checks marked fail)");
    }
}

} // namespace lexsync::commands::doctor
