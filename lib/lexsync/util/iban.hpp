// --- Interface ---
// International bank account numbers (ISO 13616): the written form normalised, and the check of
// its country, length and mod-97 check digits, for input that names an account. BICs (ISO 9362)
// checked for their form.
#pragma once

#include <string>
#include <string_view>

namespace lexsync::iban {

// `text` without spaces (and the hyphens and dots some forms print), letters in capitals
// ("de89 3704 0044 0532 0130 00" → "DE89370400440532013000").
std::string normalize(std::string_view text);

// Why the normalised IBAN `iban` cannot be an account number, or "" when it can: two letters of
// a country, two check digits, letters and digits only; the length that country's IBANs have
// (DE 22, AT 20, CH 21 and the other countries of the SEPA area; 15 to 34 for others); the
// check digits right (the number read with A = 10 … Z = 35, the country and check digits moved
// to its end, leaves 1 when divided by 97).
std::string problem(std::string_view iban);

// The length of `country`'s IBANs, or 0 when lexsync does not know it.
int length_of(std::string_view country);

// Why `bic` (spaces removed, capitals) cannot be a BIC, or "": 8 or 11 letters and digits, the
// first six letters (bank and country).
std::string bic_problem(std::string_view bic);

} // namespace lexsync::iban
