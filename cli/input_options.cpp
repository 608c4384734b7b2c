#include "cli/input_options.hpp"

#include "cli/option_values.hpp"

#include <ctime>
#include <fmt/format.h>
#include <lexsync/api/error.hpp>
#include <lexsync/util/date.hpp>

namespace lexsync::commands {

void add_encoding_option(CLI::App* cmd, std::string& value) {
    cmd->add_option("--encoding", value,
                    "Character encoding of the input: auto (UTF-8 when valid, else "
                    "Windows-1252), utf-8 or windows-1252")
        ->type_name("ENCODING")
        ->check(named_values({"auto", "utf-8", "windows-1252"}))
        ->default_str("auto");
}

table::Encoding encoding_option(const std::string& value) {
    const auto e = table::parse_encoding(value);
    if (!e) {
        throw Error(ExitCode::usage,
                    fmt::format("--encoding '{}' is not one of auto, utf-8, windows-1252", value));
    }
    return *e;
}

void add_period_options(CLI::App* cmd, std::string& month, std::string& period) {
    cmd->add_option("--month", month, "The calendar month instead of --from/--to (2026-03)")
        ->type_name("YYYY-MM");
    cmd->add_option("--period", period,
                    "A period relative to today instead of --from/--to: this-month, last-month, "
                    "this-quarter, last-quarter, this-year, last-year")
        ->type_name("PERIOD")
        ->check(named_values({"this-month", "last-month", "this-quarter", "last-quarter",
                              "this-year", "last-year"}));
}

table::Period period_option(const std::string& from, const std::string& to,
                            const std::string& month, const std::string& period, Context& ctx) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(ctx.clock.now());
    std::tm tm{};
    localtime_r(&tt, &tm);
    const Date today{std::chrono::year(tm.tm_year + 1900),
                     std::chrono::month(static_cast<unsigned>(tm.tm_mon + 1)),
                     std::chrono::day(static_cast<unsigned>(tm.tm_mday))};
    auto p = table::resolve_period(from, to, month, period, today);
    if (!p) {
        throw Error(ExitCode::usage, p.error());
    }
    return *p;
}

std::string expand_path_pattern(const std::string& pattern, const char* flag,
                                const std::string& profile, const table::Period& period) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size();) {
        if (pattern[i] != '{') {
            out += pattern[i++];
            continue;
        }
        const auto close = pattern.find('}', i);
        const std::string name =
            close == std::string::npos ? std::string() : pattern.substr(i + 1, close - i - 1);
        if (name == "profile") {
            if (profile.empty() || profile == "." || profile == ".." ||
                profile.find('/') != std::string::npos) {
                throw Error(ExitCode::usage,
                            fmt::format("{}: the profile name '{}' cannot be part of a path", flag,
                                        profile));
            }
            out += profile;
        } else if (name == "from" || name == "to" || name == "month") {
            const auto& d = name == "to" ? period.to : period.from;
            if (!d) {
                throw Error(ExitCode::usage,
                            fmt::format("{} uses {{{}}}, but no period was given", flag, name));
            }
            out += name == "month" ? format_date(*d).substr(0, 7) : format_date(*d);
        } else {
            throw Error(ExitCode::usage,
                        fmt::format("{} '{}': unknown placeholder at '{}' (known: {{profile}}, "
                                    "{{from}}, {{to}}, {{month}})",
                                    flag, pattern, pattern.substr(i)));
        }
        i = close + 1;
    }
    return out;
}

} // namespace lexsync::commands
