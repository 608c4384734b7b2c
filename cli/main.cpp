#include "cli/context.hpp"
#include "commands/commands.hpp"

#include <cstdlib>
#include <curl/curl.h>
#include <iostream>
#include <lexsync/http/in_flight.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char** argv) {
    curl_global_init(CURL_GLOBAL_DEFAULT); // once per process: the library leaves it to us
    lexsync::SystemClock clock;
    // The columns of the terminal on `fd`, or 0.
    const auto columns = [](int fd) {
        struct winsize ws {};
        return isatty(fd) == 1 && ioctl(fd, TIOCGWINSZ, &ws) == 0 ? int{ws.ws_col} : 0;
    };
    lexsync::Context ctx(
        lexsync::IOStreams{std::cout, std::cerr, std::cin, isatty(1) == 1, isatty(2) == 1,
                           isatty(0) == 1, columns(1), columns(2),
                           [columns] { return columns(2); }},
        [](const std::string& name) -> std::optional<std::string> {
            const char* v = std::getenv(name.c_str());
            return v ? std::optional<std::string>(v) : std::nullopt;
        },
        clock);
    ctx.max_in_flight = lexsync::http::k_default_in_flight;
    const int code = lexsync::run(argc, argv, ctx);
    std::cout.flush();
    curl_global_cleanup();
    return code;
}
