#include "commands/invoices/shared/archive_format.hpp"

#include <array>
#include <fmt/format.h>
#include <lexsync/util/date.hpp>
#include <utility>

namespace lexsync::commands::invoices::archive {

std::string date_of(std::string_view timestamp) {
    if (timestamp.size() < 10) {
        return {};
    }
    const std::string_view day = timestamp.substr(0, 10);
    if (timestamp.size() > 10 && timestamp[10] != 'T') {
        return {};
    }
    return parse_iso_date(day) ? std::string(day) : std::string();
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
