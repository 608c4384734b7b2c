#include "sandbox/reference_data.hpp"

#include <lexsync/util/countries.hpp>
#include <sstream>
#include <vector>

namespace lexsync::sandbox {

namespace {

struct Country {
    const char* code;
    const char* en;
    const char* de;
    const char* tax;
};

constexpr Country k_countries[] = {
    {"DE", "Germany", "Deutschland", "de"},
    {"AT", "Austria", "Österreich", "intraCommunity"},
    {"BE", "Belgium", "Belgien", "intraCommunity"},
    {"BG", "Bulgaria", "Bulgarien", "intraCommunity"},
    {"CY", "Cyprus", "Zypern", "intraCommunity"},
    {"CZ", "Czech Republic", "Tschechische Republik", "intraCommunity"},
    {"DK", "Denmark", "Dänemark", "intraCommunity"},
    {"EE", "Estonia", "Estland", "intraCommunity"},
    {"ES", "Spain", "Spanien", "intraCommunity"},
    {"FI", "Finland", "Finnland", "intraCommunity"},
    {"FR", "France", "Frankreich", "intraCommunity"},
    {"GR", "Greece", "Griechenland", "intraCommunity"},
    {"HR", "Croatia", "Kroatien", "intraCommunity"},
    {"HU", "Hungary", "Ungarn", "intraCommunity"},
    {"IE", "Ireland", "Irland", "intraCommunity"},
    {"IT", "Italy", "Italien", "intraCommunity"},
    {"LT", "Lithuania", "Litauen", "intraCommunity"},
    {"LU", "Luxembourg", "Luxemburg", "intraCommunity"},
    {"LV", "Latvia", "Lettland", "intraCommunity"},
    {"MT", "Malta", "Malta", "intraCommunity"},
    {"NL", "Netherlands", "Niederlande", "intraCommunity"},
    {"PL", "Poland", "Polen", "intraCommunity"},
    {"PT", "Portugal", "Portugal", "intraCommunity"},
    {"RO", "Romania", "Rumänien", "intraCommunity"},
    {"SE", "Sweden", "Schweden", "intraCommunity"},
    {"SI", "Slovenia", "Slowenien", "intraCommunity"},
    {"SK", "Slovakia", "Slowakei", "intraCommunity"},
    {"ES_CN", "Canary Islands", "Kanarische Inseln", "thirdPartyCountry"},
    {"GR_69", "Mount Athos", "Berg Athos", "thirdPartyCountry"},
    {"CH", "Switzerland", "Schweiz", "thirdPartyCountry"},
    {"LI", "Liechtenstein", "Liechtenstein", "thirdPartyCountry"},
    {"NO", "Norway", "Norwegen", "thirdPartyCountry"},
    {"IS", "Iceland", "Island", "thirdPartyCountry"},
    {"GB", "United Kingdom", "Vereinigtes Königreich", "thirdPartyCountry"},
    {"US", "United States of America", "Vereinigte Staaten von Amerika", "thirdPartyCountry"},
    {"CA", "Canada", "Kanada", "thirdPartyCountry"},
    {"AU", "Australia", "Australien", "thirdPartyCountry"},
    {"NZ", "New Zealand", "Neuseeland", "thirdPartyCountry"},
    {"JP", "Japan", "Japan", "thirdPartyCountry"},
    {"CN", "China", "China", "thirdPartyCountry"},
    {"IN", "India", "Indien", "thirdPartyCountry"},
    {"TR", "Turkey", "Türkei", "thirdPartyCountry"},
    {"UA", "Ukraine", "Ukraine", "thirdPartyCountry"},
    {"RS", "Serbia", "Serbien", "thirdPartyCountry"},
    {"BA", "Bosnia and Herzegovina", "Bosnien und Herzegowina", "thirdPartyCountry"},
    {"AL", "Albania", "Albanien", "thirdPartyCountry"},
    {"IL", "Israel", "Israel", "thirdPartyCountry"},
    {"AE", "United Arab Emirates", "Vereinigte Arabische Emirate", "thirdPartyCountry"},
    {"SG", "Singapore", "Singapur", "thirdPartyCountry"},
    {"ZA", "South Africa", "Südafrika", "thirdPartyCountry"},
    {"BR", "Brazil", "Brasilien", "thirdPartyCountry"},
    {"MX", "Mexico", "Mexiko", "thirdPartyCountry"},
};

struct Category {
    const char* id;
    const char* name;
    const char* type;
    bool contact_required;
    bool split_allowed;
    const char* group;
};

constexpr Category k_categories[] = {
    {"8f8664a0-fd86-11e1-a21f-0800200c9a66", "Dienstleistung", "income", false, true, "Einnahmen"},
    {"8f8664a1-fd86-11e1-a21f-0800200c9a66", "Einnahmen", "income", false, true, "Einnahmen"},
    {"8f8664a8-fd86-11e1-a21f-0800200c9a66", "Warenverkauf", "income", false, true, "Einnahmen"},
    {"f5c7fee8-f184-4e7a-ab04-8f7e7ad6c207", "Einnahmen als Kleinunternehmer", "income", false,
     false, "Einnahmen"},
    {"8f8664a2-fd86-11e1-a21f-0800200c9a66", "Provision", "income", false, true, "Einnahmen"},
    {"8f8664a3-fd86-11e1-a21f-0800200c9a66", "Zinsertrag", "income", false, false,
     "Sonstige Einnahmen"},
    {"8f8664a4-fd86-11e1-a21f-0800200c9a66", "Sonstige betriebliche Erträge", "income", false, true,
     "Sonstige Einnahmen"},
    {"8f8664a5-fd86-11e1-a21f-0800200c9a66", "Erstattung", "income", false, true,
     "Sonstige Einnahmen"},
    {"8f8664a6-fd86-11e1-a21f-0800200c9a66", "Innergemeinschaftliche Lieferung", "income", true,
     false, "Einnahmen (EU)"},
    {"8f8664a7-fd86-11e1-a21f-0800200c9a66", "Leistung im EU-Ausland (Reverse Charge)", "income",
     true, false, "Einnahmen (EU)"},
    {"8f8664a9-fd86-11e1-a21f-0800200c9a66", "Ausfuhrlieferung (Drittland)", "income", false, false,
     "Einnahmen (Ausland)"},
    {"efa82f40-fd85-11e1-a21f-0800200c9a66", "Wareneingang", "outgo", false, true,
     "Waren, Rohstoffe und Hilfsstoffe"},
    {"efa82f41-fd85-11e1-a21f-0800200c9a66", "Fremdleistungen", "outgo", false, true,
     "Waren, Rohstoffe und Hilfsstoffe"},
    {"efa82f42-fd85-11e1-a21f-0800200c9a66", "Reinigungsmittel und Verbrauchsmaterial", "outgo",
     false, true, "Waren, Rohstoffe und Hilfsstoffe"},
    {"efa82f43-fd85-11e1-a21f-0800200c9a66", "Bürobedarf", "outgo", false, true,
     "Verwaltungskosten"},
    {"efa82f44-fd85-11e1-a21f-0800200c9a66", "Porto", "outgo", false, false, "Verwaltungskosten"},
    {"efa82f45-fd85-11e1-a21f-0800200c9a66", "Telefon und Internet", "outgo", false, true,
     "Verwaltungskosten"},
    {"efa82f46-fd85-11e1-a21f-0800200c9a66", "Software und Lizenzen", "outgo", false, true,
     "Verwaltungskosten"},
    {"efa82f47-fd85-11e1-a21f-0800200c9a66", "Fachliteratur", "outgo", false, true,
     "Verwaltungskosten"},
    {"efa82f48-fd85-11e1-a21f-0800200c9a66", "Miete und Pacht", "outgo", false, false,
     "Raumkosten"},
    {"efa82f49-fd85-11e1-a21f-0800200c9a66", "Strom, Gas, Wasser", "outgo", false, true,
     "Raumkosten"},
    {"efa82f4a-fd85-11e1-a21f-0800200c9a66", "Werbung", "outgo", false, true,
     "Werbe- und Reisekosten"},
    {"efa82f4b-fd85-11e1-a21f-0800200c9a66", "Reisekosten", "outgo", false, true,
     "Werbe- und Reisekosten"},
    {"efa82f4c-fd85-11e1-a21f-0800200c9a66", "Bewirtungskosten", "outgo", false, true,
     "Werbe- und Reisekosten"},
    {"efa82f4d-fd85-11e1-a21f-0800200c9a66", "Kraftstoff", "outgo", false, false, "Fahrzeugkosten"},
    {"efa82f4e-fd85-11e1-a21f-0800200c9a66", "Kfz-Reparaturen und Wartung", "outgo", false, true,
     "Fahrzeugkosten"},
    {"efa82f4f-fd85-11e1-a21f-0800200c9a66", "Kfz-Versicherung", "outgo", false, false,
     "Fahrzeugkosten"},
    {"efa82f50-fd85-11e1-a21f-0800200c9a66", "Versicherungen (betrieblich)", "outgo", false, false,
     "Versicherungen und Beiträge"},
    {"efa82f51-fd85-11e1-a21f-0800200c9a66", "Beiträge und Gebühren", "outgo", false, false,
     "Versicherungen und Beiträge"},
    {"efa82f52-fd85-11e1-a21f-0800200c9a66", "Kontoführungsgebühren", "outgo", false, false,
     "Finanzen"},
    {"efa82f53-fd85-11e1-a21f-0800200c9a66", "Löhne und Gehälter", "outgo", true, false,
     "Personalkosten"},
    {"efa82f54-fd85-11e1-a21f-0800200c9a66", "Fortbildungskosten", "outgo", false, true,
     "Personalkosten"},
    {"efa82f55-fd85-11e1-a21f-0800200c9a66", "Arbeitskleidung", "outgo", false, true,
     "Personalkosten"},
    {"efa82f56-fd85-11e1-a21f-0800200c9a66", "Geringwertige Wirtschaftsgüter", "outgo", false, true,
     "Anschaffungen"},
    {"efa82f57-fd85-11e1-a21f-0800200c9a66", "Innergemeinschaftlicher Erwerb", "outgo", true, false,
     "Ausgaben (EU)"},
    {"efa82f58-fd85-11e1-a21f-0800200c9a66", "Leistung aus dem EU-Ausland (Reverse Charge)",
     "outgo", true, false, "Ausgaben (EU)"},
};

std::string escape(const char* s) {
    std::string out;
    for (const char* p = s; *p; ++p) {
        if (*p == '"' || *p == '\\') {
            out += '\\';
        }
        out += *p;
    }
    return out;
}

std::string build_countries() {
    std::ostringstream o;
    o << '[';
    bool first = true;
    for (const auto& c : k_countries) {
        o << (first ? "" : ",") << R"({"countryCode":")" << c.code << R"(","countryNameEN":")"
          << escape(c.en) << R"(","countryNameDE":")" << escape(c.de)
          << R"(","taxClassification":")" << c.tax << "\"}";
        first = false;
    }
    o << ']';
    return o.str();
}

std::string build_categories() {
    std::ostringstream o;
    o << '[';
    bool first = true;
    for (const auto& c : k_categories) {
        o << (first ? "" : ",") << R"({"id":")" << c.id << R"(","name":")" << escape(c.name)
          << R"(","type":")" << c.type << R"(","contactRequired":)"
          << (c.contact_required ? "true" : "false") << R"(,"splitAllowed":)"
          << (c.split_allowed ? "true" : "false") << R"(,"groupName":")" << escape(c.group)
          << "\"}";
        first = false;
    }
    o << ']';
    return o.str();
}

} // namespace

const std::string& countries_json() {
    static const std::string s = build_countries();
    return s;
}

const std::string& payment_conditions_json() {
    static const std::string s =
        R"([)"
        R"({"id":"a3b1c2d4-1e2f-4a5b-8c6d-7e8f9a0b1c01","organizationDefault":true,)"
        R"("paymentTermLabelTemplate":"Zahlbar innerhalb von {paymentRange} Tagen ohne Abzug.",)"
        R"("paymentTermDuration":14},)"
        R"({"id":"a3b1c2d4-1e2f-4a5b-8c6d-7e8f9a0b1c02","organizationDefault":false,)"
        R"("paymentTermLabelTemplate":"Zahlbar innerhalb von {paymentRange} Tagen ohne Abzug.",)"
        R"("paymentTermDuration":30},)"
        R"({"id":"a3b1c2d4-1e2f-4a5b-8c6d-7e8f9a0b1c03","organizationDefault":false,)"
        R"("paymentTermLabelTemplate":"Zahlbar innerhalb von {paymentRange} Tagen ohne Abzug. )"
        R"(Bei Zahlung innerhalb von {discountRange} Tagen {discount} Skonto.",)"
        R"("paymentTermDuration":30,)"
        R"("paymentDiscountConditions":{"discountPercentage":2,"discountRange":10}},)"
        R"({"id":"a3b1c2d4-1e2f-4a5b-8c6d-7e8f9a0b1c04","organizationDefault":false,)"
        R"("paymentTermLabelTemplate":"Zahlbar sofort ohne Abzug.","paymentTermDuration":0})"
        R"(])";
    return s;
}

const std::string& posting_categories_json() {
    static const std::string s = build_categories();
    return s;
}

const std::string& print_layouts_json() {
    static const std::string s =
        R"([{"id":"7c2e9b3a-5d41-4f6e-9a8b-1c2d3e4f5a01","name":"Standard","default":true},)"
        R"({"id":"7c2e9b3a-5d41-4f6e-9a8b-1c2d3e4f5a02","name":"Briefpapier mit Logo",)"
        R"("default":false}])";
    return s;
}

bool is_valid_country_code(std::string_view code) {
    return countries::is_known(code);
}

} // namespace lexsync::sandbox
