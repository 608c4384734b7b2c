#include "commands/invoices/shared/archive_format.hpp"

#include <array>
#include <fmt/format.h>
#include <utility>

namespace lexsync::commands::invoices::archive {

namespace {

long days_from_civil(long y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

bool digits_at(std::string_view s, std::size_t pos, std::size_t n) {
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

int number_at(std::string_view s, std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

} // namespace

std::optional<long> parse_day(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits_at(s, 0, 4) ||
        !digits_at(s, 5, 2) || !digits_at(s, 8, 2)) {
        return std::nullopt;
    }
    const int y = number_at(s, 0, 4);
    const int m = number_at(s, 5, 2);
    const int d = number_at(s, 8, 2);
    static constexpr std::array<int, 12> k_days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) {
        return std::nullopt;
    }
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int max_day = k_days[static_cast<std::size_t>(m - 1)] + (m == 2 && leap ? 1 : 0);
    if (d > max_day) {
        return std::nullopt;
    }
    return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string format_day(long z) {
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long y = static_cast<long>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return fmt::format("{:04}-{:02}-{:02}", y + (m <= 2 ? 1 : 0), m, d);
}

std::string date_of(std::string_view timestamp) {
    if (timestamp.size() < 10) {
        return {};
    }
    const std::string_view day = timestamp.substr(0, 10);
    if (timestamp.size() > 10 && timestamp[10] != 'T') {
        return {};
    }
    return parse_day(day) ? std::string(day) : std::string();
}

std::string german_date(std::string_view iso) {
    if (!parse_day(iso)) {
        return {};
    }
    return fmt::format("{}.{}.{}", iso.substr(8, 2), iso.substr(5, 2), iso.substr(0, 4));
}

std::string german_amount(Decimal d, int digits) {
    return d.to_fixed(digits, ',');
}

std::string plain_amount(Decimal d, int digits) {
    return d.to_fixed(digits, '.');
}

std::string rate_label(Decimal rate, bool german) {
    std::string s = rate.to_string();
    if (german) {
        for (char& c : s) {
            if (c == '.') {
                c = ',';
            }
        }
    }
    return s;
}

std::string german_type(std::string_view type) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> k_names = {{
        {"invoice", "Rechnung"},
        {"creditnote", "Gutschrift"},
        {"downpaymentinvoice", "Abschlagsrechnung"},
    }};
    for (const auto& [en, de] : k_names) {
        if (en == type) {
            return std::string(de);
        }
    }
    return std::string(type);
}

std::string german_tax_type(std::string_view tax_type) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> k_names = {{
        {"net", "Netto"},
        {"gross", "Brutto"},
        {"vatfree", "steuerfrei"},
        {"intraCommunitySupply", "innergemeinschaftliche Lieferung"},
        {"constructionService13b", "Bauleistung nach § 13b UStG"},
        {"externalService13b", "Fremdleistung nach § 13b UStG"},
        {"thirdPartyCountryService", "Dienstleistung Drittland"},
        {"thirdPartyCountryDelivery", "Lieferung Drittland"},
        {"photovoltaicEquipment", "Photovoltaikanlage (0 %)"},
    }};
    for (const auto& [en, de] : k_names) {
        if (en == tax_type) {
            return std::string(de);
        }
    }
    return std::string(tax_type);
}

std::string german_status(std::string_view status) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> k_names = {{
        {"draft", "Entwurf"},
        {"open", "offen"},
        {"paid", "bezahlt"},
        {"paidoff", "ausgeglichen"},
        {"voided", "storniert"},
        {"overdue", "überfällig"},
        {"transferred", "übertragen"},
    }};
    for (const auto& [en, de] : k_names) {
        if (en == status) {
            return std::string(de);
        }
    }
    return std::string(status);
}

} // namespace lexsync::commands::invoices::archive
