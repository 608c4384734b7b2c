// --- Interface ---
// Reference data served identically to every organisation (bare JSON arrays, §9.11).
#pragma once

#include <string>
#include <string_view>

namespace lexsync::sandbox {

// GET /v1/countries: a realistic subset of the live list (Germany, the EU, common third countries).
const std::string& countries_json();
// GET /v1/payment-conditions.
const std::string& payment_conditions_json();
// GET /v1/posting-categories (income and outgo, with the documented ids).
const std::string& posting_categories_json();
// GET /v1/print-layouts.
const std::string& print_layouts_json();

// True when `code` is an accepted address country code: every ISO 3166-1 alpha-2 code (the live
// list has ~257 entries, more than /v1/countries serves here) plus the extended tax-region codes;
// the list is lexsync::countries (lib/lexsync/util/countries.hpp), which the client checks input
// with.
bool is_valid_country_code(std::string_view code);

} // namespace lexsync::sandbox
