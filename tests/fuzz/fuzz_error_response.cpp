// libFuzzer target: error_from_response() on any status and body (the API's three error shapes,
// gateway pages, garbage), and describe() of the result.
#include "fuzz_util.hpp"

#include <lexsync/api/client.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    lexsync::http::Response response;
    response.status = 400 + (data[0] % 200); // 400..599
    const auto method = static_cast<lexsync::http::Method>(data[1] % 5);
    response.body.assign(lexsync::fuzz::as_text(data + 2, size - 2));
    response.headers.set("Content-Type", "application/json");
    const lexsync::ApiError e = lexsync::error_from_response(response, method);
    const std::string text = e.describe();
    if (e.status != response.status || text.empty()) {
        __builtin_trap();
    }
    (void)e.exit_code();
    return 0;
}
