// --- Interface ---
// The one wait for writes whose answer was unclear, said the same way by every writing command.
#pragma once

#include "cli/context.hpp"

#include <cstddef>
#include <lexsync/store/settle.hpp>
#include <string_view>
#include <vector>

namespace lexsync {

// Says "<what>; looking it up in lexoffice in 12 s, when no request can still be in flight"
// ("them" for several; the time only when there is a wait) and sleeps until no write of
// `entries` can still be in flight (wait_until_settled with the profile's request timeout).
// `what` names the unclear writes, counted, after the command's name ("contacts push: 1 answer
// lost"); `n` is their number.
void wait_out_unclear_writes(Context& ctx, const std::vector<LedgerEntry>& entries,
                             std::string_view what, std::size_t n);

} // namespace lexsync
