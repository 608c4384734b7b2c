#include <algorithm>
#include <lexsync/util/iban.hpp>
#include <lexsync/util/strings.hpp>
#include <string>
#include <utility>

namespace lexsync::iban {

namespace {

bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}

// The IBAN lengths of the SEPA countries and a few more (SWIFT's IBAN registry).
constexpr std::pair<std::string_view, int> k_lengths[] = {
    {"AD", 24}, {"AE", 23}, {"AT", 20}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BR", 29},
    {"CH", 21}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18},
    {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
    {"MC", 27}, {"ME", 22}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24},
    {"RS", 22}, {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TR", 26}, {"UA", 29},
    {"VA", 22}, {"XK", 20},
};

} // namespace

std::string normalize(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '-' || c == '.') {
            continue;
        }
        out += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

int length_of(std::string_view country) {
    for (const auto& [code, length] : k_lengths) {
        if (code == country) {
            return length;
        }
    }
    return 0;
}

std::string problem(std::string_view iban) {
    if (iban.size() < 4 || !is_upper(iban[0]) || !is_upper(iban[1]) || !is_digit(iban[2]) ||
        !is_digit(iban[3])) {
        return "not an IBAN: it starts with two letters of a country and two check digits "
               "(DE89 3704 …)";
    }
    if (!std::all_of(iban.begin(), iban.end(), [](char c) { return is_upper(c) || is_digit(c); })) {
        return "not an IBAN: only letters and digits";
    }
    const std::string_view country = iban.substr(0, 2);
    if (const int want = length_of(country); want > 0) {
        if (static_cast<int>(iban.size()) != want) {
            return "not an IBAN of " + std::string(country) + ": those have " +
                   std::to_string(want) + " characters, this one " + std::to_string(iban.size());
        }
    } else if (iban.size() < 15 || iban.size() > 34) {
        return "not an IBAN: IBANs have 15 to 34 characters, this one " +
               std::to_string(iban.size());
    }
    // ISO 7064 mod 97-10 over the rearranged number, one digit (or letter, two digits) at a time.
    int rest = 0;
    auto add = [&](char c) {
        if (is_digit(c)) {
            rest = (rest * 10 + (c - '0')) % 97;
        } else {
            rest = (rest * 100 + (c - 'A' + 10)) % 97;
        }
    };
    for (char c : iban.substr(4)) {
        add(c);
    }
    for (char c : iban.substr(0, 4)) {
        add(c);
    }
    if (rest != 1) {
        return "not a valid IBAN: its check digits do not match (a typo?)";
    }
    return {};
}

std::string bic_problem(std::string_view bic) {
    if ((bic.size() != 8 && bic.size() != 11) ||
        !std::all_of(bic.begin(), bic.end(), [](char c) { return is_upper(c) || is_digit(c); }) ||
        !std::all_of(bic.begin(), bic.begin() + 6, is_upper)) {
        return "not a BIC: 8 or 11 letters and digits, the first six letters (COBADEFFXXX)";
    }
    return {};
}

} // namespace lexsync::iban
