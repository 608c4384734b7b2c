#include <lexsync/util/countries.hpp>

namespace lexsync::countries {

namespace {

// Every ISO 3166-1 alpha-2 code plus Kosovo (XK), in alphabetical order.
constexpr std::string_view k_iso_codes =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS XK YE YT ZA ZM ZW";

// Extended codes for special tax regions.
constexpr std::string_view k_extended_codes[] = {"ES_CN", "ES_CE", "ES_ML",
                                                 "GR_69", "IT_LI", "IT_CI"};

// Codes in common use that ISO 3166-1 does not have, with the code meant: the United Kingdom's
// top-level domain, and the EU's VAT prefix for Greece.
struct Alias {
    std::string_view written, meant;
};
constexpr Alias k_aliases[] = {{"UK", "GB"}, {"EL", "GR"}};

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

} // namespace

bool is_known(std::string_view code) {
    if (code.size() == 2) {
        for (std::size_t i = 0; i + 1 < k_iso_codes.size(); i += 3) {
            if (k_iso_codes.substr(i, 2) == code) {
                return true;
            }
        }
        return false;
    }
    for (std::string_view ext : k_extended_codes) {
        if (code == ext) {
            return true;
        }
    }
    return false;
}

std::string suggestion(std::string_view code) {
    const std::string u = upper(code);
    for (const auto& a : k_aliases) {
        if (u == a.written) {
            return std::string(a.meant);
        }
    }
    if (u != code && is_known(u)) {
        return u;
    }
    return {};
}

} // namespace lexsync::countries
