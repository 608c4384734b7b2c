#include "cli/settle.hpp"

#include <chrono>
#include <fmt/format.h>

namespace lexsync {

void wait_out_unclear_writes(Context& ctx, const std::vector<LedgerEntry>& entries,
                             std::string_view what, std::size_t n) {
    wait_until_settled(
        ctx.clock, entries, ctx.profile().request_timeout(), [&](Clock::duration left) {
            ctx.info(
                fmt::format("{}; looking {} up in lexoffice{}", what, n == 1 ? "it" : "them",
                            left > Clock::duration::zero()
                                ? fmt::format(" in {} s, when no request can still be in flight",
                                              std::chrono::ceil<std::chrono::seconds>(left).count())
                                : std::string()));
        });
}

} // namespace lexsync
