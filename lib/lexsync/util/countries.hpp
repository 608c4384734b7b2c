// --- Interface ---
// The address country codes lexoffice accepts (reference §7.4, §9.11): every ISO 3166-1 alpha-2
// code, Kosovo (XK), and the extended codes of special tax regions (ES_CN, GR_69, …). One list for
// the client's input checks and the sandbox's validation.
#pragma once

#include <string>
#include <string_view>

namespace lexsync::countries {

// True when `code` (exactly as written: capitals) is an accepted address country code.
bool is_known(std::string_view code);

// The accepted code someone writing `code` most likely meant ("UK" → "GB", "EL" → "GR", "de" →
// "DE"), or empty when there is no clear candidate.
std::string suggestion(std::string_view code);

} // namespace lexsync::countries
