#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>
#include <istream>
#include <lexsync/formats/bank_statement.hpp>
#include <lexsync/formats/xml.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/strings.hpp>
#include <map>

namespace lexsync::bank_statement {

namespace {

// Collapses runs of white space into one space and trims.
std::string squeeze(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += c;
    }
    return out;
}

// A reference that stands for "none".
bool no_reference(std::string_view r) {
    const std::string u = ascii_upper(trim_view(r));
    return u.empty() || u == "NONREF" || u == "NOTPROVIDED";
}

// --- CAMT ---

// An amount as the file gives it, with its currency.
struct Amount {
    std::string value;
    std::string currency;
};

// What one <TxDtls> says.
struct Details {
    long line = 0;      // the line its <TxDtls> starts on
    Amount booked;      // TxDtls/Amt (camt .03 on): in the account's currency
    Amount transaction; // AmtDtls/TxAmt/Amt
    std::string credit; // its own CdtDbtInd (camt .03 on), else the entry's
    std::string reference;
    std::string end_to_end_id;
    std::string mandate_id;
    std::string creditor_id;
    std::string debtor_name;
    std::string debtor_iban;
    std::string debtor_bic;
    std::string creditor_name;
    std::string creditor_iban;
    std::string creditor_bic;
    std::vector<std::string> unstructured; // RmtInf/Ustrd
    std::string structured_ref;            // RmtInf/Strd/CdtrRefInf/Ref
    std::string additional;                // AddtlTxInf
    std::string code;
};

// Reads the <Ntry> elements of every <Stmt>, <Rpt> or <Ntfctn> with their paths below, handing
// each entry to `sink` at its end tag. The statement's account is read from its <Acct>, which the
// schema puts before the entries.
class CamtReader : public xml::Handler {
public:
    explicit CamtReader(EntrySink s) : sink(std::move(s)) {}

    void start(std::string_view qname, const xml::Attributes& attributes) override {
        const std::string_view name = xml::local_name(qname);
        m_path.emplace_back(name);
        m_text.clear();
        if (m_path.size() == 2 && m_path[0] == "Document") {
            message_ok = name == "BkToCstmrStmt" || name == "BkToCstmrAcctRpt" ||
                         name == "BkToCstmrDbtCdtNtfctn";
            message = std::string(name);
        }
        if (m_path.size() == 1) {
            root = std::string(name);
        }
        if (!message_ok) {
            return;
        }
        if (m_path.size() == 3) { // a statement, report or notification
            m_account.clear();
        }
        if (name == "Ntry" && m_path.size() == 4) {
            m_entry = Entry{};
            m_entry.line = line;
            m_details.clear();
            m_in_entry = true;
            m_reversal = false;
            m_credit.clear();
        } else if (m_in_entry && name == "TxDtls") {
            m_details.emplace_back();
            m_details.back().line = line;
        } else if (m_in_entry && name == "Amt") {
            std::string currency;
            for (const auto& [k, v] : attributes) {
                if (k == "Ccy") {
                    currency = std::string(v);
                }
            }
            const std::string p = below(4);
            if (m_path.size() == 5) {
                m_entry.currency = currency;
            } else if (p == "NtryDtls/TxDtls/Amt" && !m_details.empty()) {
                m_details.back().booked.currency = currency;
            } else if (p == "NtryDtls/TxDtls/AmtDtls/TxAmt/Amt" && !m_details.empty()) {
                m_details.back().transaction.currency = currency;
            }
        }
    }

    void text(std::string_view data) override {
        if (m_text.size() + data.size() > k_max_text) {
            // Refused; its text is not kept, and after a problem no entry is handed on.
            if (!problem) {
                problem = Problem{line, fmt::format("the text of <{}> is longer than {} MiB",
                                                    m_path.empty() ? "" : m_path.back(),
                                                    k_max_text >> 20)};
            }
            m_text.clear();
            return;
        }
        m_text.append(data);
    }

    void end(std::string_view) override {
        const std::string value = trim(m_text);
        m_text.clear();
        if (message_ok && !value.empty()) {
            if (m_in_entry) {
                entry_value(value);
            } else if (m_path.size() >= 5 && m_path[3] == "Acct" && m_path[4] == "Id" &&
                       (m_path.back() == "IBAN" ||
                        (m_path.back() == "Id" && m_path.size() == 7 && m_path[5] == "Othr"))) {
                m_account = value;
            }
        }
        if (message_ok) {
            if (m_in_entry && m_path.size() == 4) {
                finish_entry();
                m_in_entry = false;
            }
        }
        m_path.pop_back();
    }

    std::string root;
    std::string message;
    bool message_ok = false;
    EntrySink sink;
    std::optional<Problem> problem;

private:
    // The names of the open elements from depth `from` on, joined by "/" ("BookgDt/Dt").
    std::string below(std::size_t from) const {
        std::string p;
        for (std::size_t i = from; i < m_path.size(); ++i) {
            if (!p.empty()) {
                p += '/';
            }
            p += m_path[i];
        }
        return p;
    }

    void entry_value(const std::string& v) {
        // m_path: Document, message, Stmt, Ntry, ...
        const std::string p = below(4);
        if (p == "Amt") {
            m_entry.amount = v;
        } else if (p == "CdtDbtInd") {
            m_credit = v;
        } else if (p == "RvslInd") {
            m_reversal = v == "true" || v == "1";
        } else if (p == "Sts" || p == "Sts/Cd" || p == "Sts/Prtry") {
            m_entry.status = v;
        } else if (p == "BookgDt/Dt" || p == "BookgDt/DtTm") {
            m_entry.booking_date = v.substr(0, 10);
        } else if (p == "ValDt/Dt" || p == "ValDt/DtTm") {
            m_entry.value_date = v.substr(0, 10);
        } else if (p == "AcctSvcrRef") {
            m_entry.reference = no_reference(v) ? std::string() : v;
        } else if (p == "AddtlNtryInf") {
            m_entry.booking_text = squeeze(v);
        } else if (p == "BkTxCd/Prtry/Cd") {
            m_entry.transaction_code = v;
        } else if (p == "BkTxCd/Domn/Fmly/SubFmlyCd" && m_entry.transaction_code.empty()) {
            m_domain_code = v;
        } else if (p.starts_with("NtryDtls/TxDtls/") && !m_details.empty()) {
            detail_value(p.substr(16), v);
        }
    }

    void detail_value(const std::string& p, const std::string& v) {
        Details& d = m_details.back();
        if (p == "Amt") {
            d.booked.value = v;
        } else if (p == "AmtDtls/TxAmt/Amt") {
            d.transaction.value = v;
        } else if (p == "CdtDbtInd") {
            d.credit = v;
        } else if (p == "Refs/AcctSvcrRef") {
            d.reference = no_reference(v) ? std::string() : v;
        } else if (p == "Refs/EndToEndId") {
            d.end_to_end_id = no_reference(v) ? std::string() : v;
        } else if (p == "Refs/MndtId") {
            d.mandate_id = v;
        } else if (p == "RltdPties/Dbtr/Nm" || p == "RltdPties/Dbtr/Pty/Nm") {
            d.debtor_name = squeeze(v);
        } else if (p == "RltdPties/DbtrAcct/Id/IBAN") {
            d.debtor_iban = v;
        } else if (p == "RltdPties/Cdtr/Nm" || p == "RltdPties/Cdtr/Pty/Nm") {
            d.creditor_name = squeeze(v);
        } else if (p == "RltdPties/CdtrAcct/Id/IBAN") {
            d.creditor_iban = v;
        } else if (p == "RltdPties/Cdtr/Id/PrvtId/Othr/Id" ||
                   p == "RltdPties/Cdtr/Pty/Id/PrvtId/Othr/Id") {
            d.creditor_id = v;
        } else if (p == "RltdAgts/DbtrAgt/FinInstnId/BIC" ||
                   p == "RltdAgts/DbtrAgt/FinInstnId/BICFI") {
            d.debtor_bic = v;
        } else if (p == "RltdAgts/CdtrAgt/FinInstnId/BIC" ||
                   p == "RltdAgts/CdtrAgt/FinInstnId/BICFI") {
            d.creditor_bic = v;
        } else if (p == "RmtInf/Ustrd") {
            d.unstructured.push_back(v);
        } else if (p == "RmtInf/Strd/CdtrRefInf/Ref") {
            d.structured_ref = v;
        } else if (p == "AddtlTxInf") {
            d.additional = squeeze(v);
        } else if (p == "BkTxCd/Prtry/Cd") {
            d.code = v;
        }
    }

    // The counterparty, references and code of one transaction's details `d` into `e`, money
    // coming in when `credit`.
    void apply(Entry& e, const Details& d, bool credit) const {
        // Incoming money came from the debtor; outgoing went to the creditor. A reversal turns
        // the sides around.
        bool other_is_debtor = credit != m_reversal;
        // A file that names only one side: that side.
        if (other_is_debtor ? d.debtor_name.empty() && d.debtor_iban.empty()
                            : d.creditor_name.empty() && d.creditor_iban.empty()) {
            other_is_debtor = !other_is_debtor;
        }
        e.counterparty_name = other_is_debtor ? d.debtor_name : d.creditor_name;
        e.counterparty_iban = other_is_debtor ? d.debtor_iban : d.creditor_iban;
        e.counterparty_bic = other_is_debtor ? d.debtor_bic : d.creditor_bic;
        e.end_to_end_id = d.end_to_end_id;
        e.mandate_id = d.mandate_id;
        e.creditor_id = d.creditor_id;
        if (e.transaction_code.empty()) {
            e.transaction_code = d.code;
        }
    }

    // The purpose of `d`: the unstructured remittance information, else the structured
    // reference, else the additional information.
    static std::string purpose_of(const Details& d) {
        std::string u;
        for (const auto& part : d.unstructured) {
            u += part;
        }
        u = squeeze(u);
        if (u.empty()) {
            u = !d.structured_ref.empty() ? d.structured_ref : d.additional;
        }
        return u;
    }

    // The signed amounts of a batch entry's transaction details when they split the entry: there
    // are several, each carries its booked amount (TxDtls/Amt, else AmtDtls/TxAmt) in the entry's
    // currency, and together they make the entry's amount. Otherwise nothing: a batch whose
    // details lack amounts (banks often give only the total), whose amounts are in another
    // currency (an instructed foreign amount), or do not add up (charges taken from the total)
    // stays one transaction, since a split that does not sum to what the account moved would
    // book a wrong balance.
    std::optional<std::vector<std::string>> split_amounts(const Entry& e) const {
        if (m_details.size() < 2) {
            return std::nullopt;
        }
        const auto total = Decimal::parse(e.amount);
        if (!total) {
            return std::nullopt;
        }
        std::vector<std::string> amounts;
        Decimal sum;
        for (const auto& d : m_details) {
            const Amount& a = !d.booked.value.empty() ? d.booked : d.transaction;
            const std::string credit = d.credit.empty() ? m_credit : d.credit;
            auto value = Decimal::parse(a.value);
            if (!value || *value <= Decimal() ||
                (!a.currency.empty() && a.currency != e.currency) ||
                (credit != "CRDT" && credit != "DBIT")) {
                return std::nullopt;
            }
            amounts.push_back((credit == "CRDT" ? "" : "-") + a.value);
            sum += credit == "CRDT" ? *value : -*value;
        }
        if (sum != *total) {
            return std::nullopt;
        }
        return amounts;
    }

    // One transaction per detail of a batch entry `e` split into `amounts`. Each keeps the
    // entry's dates, status, currency and booking text. Its reference is the detail's own
    // AcctSvcrRef when that tells it from the others, else the entry's with the detail's
    // position ("REF-2"), else none (the export derives an id from its content, as for any
    // entry without a reference).
    void split(const Entry& e, const std::vector<std::string>& amounts) {
        std::map<std::string, int> refs;
        for (const auto& d : m_details) {
            ++refs[d.reference];
        }
        for (std::size_t i = 0; i < m_details.size(); ++i) {
            const Details& d = m_details[i];
            Entry t = e;
            t.line = d.line;
            t.amount = amounts[i];
            apply(t, d, amounts[i].front() != '-');
            if (!d.reference.empty() && refs[d.reference] == 1 && d.reference != e.reference) {
                t.reference = d.reference;
            } else if (!e.reference.empty()) {
                t.reference = fmt::format("{}-{}", e.reference, i + 1);
            } else {
                t.reference.clear();
            }
            t.purpose = purpose_of(d);
            if (t.purpose.empty()) {
                t.purpose = e.booking_text;
            }
            emit(std::move(t));
        }
    }

    // Hands `e` on unless a problem was found: the entries are then to be dropped.
    void emit(Entry&& e) {
        if (!problem) {
            sink(std::move(e));
        }
    }

    void finish_entry() {
        Entry& e = m_entry;
        e.account = m_account;
        if (m_credit != "CRDT" && m_credit != "DBIT") {
            if (!problem) {
                problem = Problem{e.line, fmt::format("the entry's CdtDbtInd is '{}', not CRDT or "
                                                      "DBIT",
                                                      m_credit)};
            }
            return;
        }
        const bool credit = m_credit == "CRDT";
        if (!e.amount.empty() && !credit) {
            e.amount = "-" + e.amount;
        }
        if (e.transaction_code.empty()) {
            e.transaction_code = m_domain_code;
        }
        m_domain_code.clear();
        if (auto amounts = split_amounts(e)) {
            split(e, *amounts);
            return;
        }
        if (m_details.size() == 1) {
            const Details& d = m_details.front();
            apply(e, d, credit);
            if (e.reference.empty()) {
                e.reference = d.reference;
            }
        }
        // A batch that is not split: the purposes of its details side by side, no counterparty.
        for (const auto& d : m_details) {
            if (const std::string p = purpose_of(d); !p.empty()) {
                e.purpose += (e.purpose.empty() ? "" : "; ") + p;
            }
        }
        if (e.purpose.empty()) {
            e.purpose = e.booking_text;
        }
        emit(std::move(e));
    }

    std::vector<std::string> m_path;
    std::string m_text;
    std::string m_account;
    Entry m_entry;
    std::vector<Details> m_details;
    std::string m_credit;
    std::string m_domain_code;
    bool m_in_entry = false;
    bool m_reversal = false;
};

// --- MT940 ---

// yyyy-MM-dd of "YYMMDD"; empty when it is not a date.
std::string date_of(std::string_view yymmdd) {
    if (yymmdd.size() != 6 || !std::all_of(yymmdd.begin(), yymmdd.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        })) {
        return {};
    }
    const int yy = std::stoi(std::string(yymmdd.substr(0, 2)));
    const int mm = std::stoi(std::string(yymmdd.substr(2, 2)));
    const int dd = std::stoi(std::string(yymmdd.substr(4, 2)));
    // The banks' own entry dates include the 30th of February: kept as written, the mapping's
    // date check reports them.
    if (mm < 1 || mm > 12 || dd < 1 || dd > 31) {
        return {};
    }
    return fmt::format("{:04}-{:02}-{:02}", yy < 80 ? 2000 + yy : 1900 + yy, mm, dd);
}

// "1234,5" → "1234.50"; empty when it is no amount.
std::string amount_of(std::string_view s) {
    const auto comma = s.find(',');
    if (s.empty() || comma == std::string_view::npos || comma == 0 ||
        s.find(',', comma + 1) != std::string_view::npos) {
        return {};
    }
    std::string whole(s.substr(0, comma));
    std::string frac(s.substr(comma + 1));
    while (frac.size() < 2) {
        frac += '0';
    }
    std::string out = whole + "." + frac;
    return Decimal::parse(out) ? out : std::string(); // within what a Decimal holds
}

// The SEPA keys of a German purpose ("EREF+", "SVWZ+", …), each starting a ?2x subfield.
constexpr std::array<std::string_view, 12> k_sepa_keys = {"EREF+", "KREF+", "MREF+", "CRED+",
                                                          "DEBT+", "COAM+", "OAMT+", "SVWZ+",
                                                          "ABWA+", "ABWE+", "IBAN+", "BIC+"};

// Fills `e` from a structured :86: field ("166?00GUTSCHRIFT?20EREF+...?32NAME").
void read_details(std::string_view f, Entry& e) {
    const bool structured = f.size() >= 4 && std::isdigit(static_cast<unsigned char>(f[0])) &&
                            std::isdigit(static_cast<unsigned char>(f[1])) &&
                            std::isdigit(static_cast<unsigned char>(f[2])) &&
                            !std::isalnum(static_cast<unsigned char>(f[3])) && f[3] != ' ';
    if (!structured) {
        e.purpose = squeeze(f);
        return;
    }
    const char sep = f[3];
    e.transaction_code = std::string(f.substr(0, 3));
    std::map<int, std::string> sub; // subfield code → text
    std::vector<std::pair<int, std::string>> purpose_parts;
    std::size_t pos = 3;
    while (pos < f.size()) {
        // f[pos] is the separator, followed by two digits.
        if (pos + 2 >= f.size() || !std::isdigit(static_cast<unsigned char>(f[pos + 1])) ||
            !std::isdigit(static_cast<unsigned char>(f[pos + 2]))) {
            break;
        }
        const int code = (f[pos + 1] - '0') * 10 + (f[pos + 2] - '0');
        std::size_t next = pos + 3;
        while (next < f.size() && !(f[next] == sep && next + 2 < f.size() &&
                                    std::isdigit(static_cast<unsigned char>(f[next + 1])) &&
                                    std::isdigit(static_cast<unsigned char>(f[next + 2])))) {
            ++next;
        }
        const std::string text(f.substr(pos + 3, next - pos - 3));
        if ((code >= 20 && code <= 29) || (code >= 60 && code <= 63)) {
            purpose_parts.emplace_back(code, text);
        } else {
            sub[code] += text;
        }
        pos = next;
    }
    e.booking_text = squeeze(sub[0]);
    e.counterparty_bic = trim(sub[30]);
    e.counterparty_iban = trim(sub[31]);
    e.counterparty_name = squeeze(sub[32] + sub[33]);
    // The purpose, cut at the SEPA keys that start a subfield.
    std::string all;
    std::map<std::string, std::string> keyed;
    std::string current;
    for (const auto& [code, text] : purpose_parts) {
        all += text;
        const std::string t = trim(text);
        bool is_key = false;
        for (auto k : k_sepa_keys) {
            if (t.starts_with(k)) {
                current = std::string(k);
                keyed[current] += t.substr(k.size());
                is_key = true;
                break;
            }
        }
        if (!is_key && !current.empty()) {
            keyed[current] += text;
        }
    }
    if (auto s = keyed.find("SVWZ+"); s != keyed.end()) {
        e.purpose = squeeze(s->second);
    } else {
        e.purpose = squeeze(all);
    }
    if (auto r = keyed.find("EREF+"); r != keyed.end() && !no_reference(r->second)) {
        e.end_to_end_id = trim(r->second);
    }
    if (auto r = keyed.find("MREF+"); r != keyed.end()) {
        e.mandate_id = trim(r->second);
    }
    if (auto r = keyed.find("CRED+"); r != keyed.end()) {
        e.creditor_id = trim(r->second);
    }
    if (e.purpose.empty()) {
        e.purpose = e.booking_text;
    }
}

// Reads a :61: field (its first line, and a second with supplementary details) into `e`.
std::optional<std::string> read_statement_line(std::string_view f, Entry& e) {
    std::string_view first = f.substr(0, f.find('\n'));
    std::string joined; // the first line joined with the second when the amount wraps
    std::size_t i = 0;
    auto digits = [&](std::size_t n) {
        if (i + n > first.size()) {
            return false;
        }
        return std::all_of(first.begin() + static_cast<long>(i),
                           first.begin() + static_cast<long>(i + n),
                           [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    };
    if (!digits(6)) {
        return "no value date (YYMMDD) at the start of :61:";
    }
    e.value_date = date_of(first.substr(0, 6));
    if (e.value_date.empty()) {
        return fmt::format("'{}' is not a date (YYMMDD)", first.substr(0, 6));
    }
    i = 6;
    if (digits(4)) { // the entry (booking) date MMDD, in the value date's year or next to it
        const int vy = std::stoi(e.value_date.substr(0, 4));
        const int vm = std::stoi(e.value_date.substr(5, 2));
        const int bm = std::stoi(std::string(first.substr(6, 2)));
        const int bd = std::stoi(std::string(first.substr(8, 2)));
        int by = vy;
        if (vm == 12 && bm == 1) {
            by = vy + 1;
        } else if (vm == 1 && bm == 12) {
            by = vy - 1;
        }
        if (bm >= 1 && bm <= 12 && bd >= 1 && bd <= 31) {
            e.booking_date = fmt::format("{:04}-{:02}-{:02}", by, bm, bd);
        }
        i = 10;
    }
    bool negative = false;
    const std::string_view rest = first.substr(i);
    if (rest.starts_with("RC")) { // reversal of a credit: money goes out
        negative = true;
        i += 2;
    } else if (rest.starts_with("RD")) {
        i += 2;
    } else if (rest.starts_with("C")) {
        i += 1;
    } else if (rest.starts_with("D")) {
        negative = true;
        i += 1;
    } else {
        return "no debit/credit mark (C, D, RC or RD) in :61:";
    }
    if (i < first.size() && std::isalpha(static_cast<unsigned char>(first[i]))) {
        ++i; // the funds code: the third letter of the currency
    }
    if (i == first.size() && first.size() < f.size()) {
        // Sparkassen break the line after the mark ("1811261126CR", then "30,00N062NONREF"): the
        // amount and the rest of the line open the next one.
        const std::string_view next = f.substr(first.size() + 1);
        joined = std::string(first) + std::string(next.substr(0, next.find('\n')));
        first = joined;
    } else if (i < first.size() && first[i] == ' ') {
        ++i; // a space before the amount (some banks write one)
    }
    const std::size_t amount_start = i;
    while (i < first.size() &&
           (std::isdigit(static_cast<unsigned char>(first[i])) || first[i] == ',')) {
        ++i;
    }
    const std::string amount = amount_of(first.substr(amount_start, i - amount_start));
    if (amount.empty()) {
        return fmt::format("'{}' is not an amount like 123,45",
                           first.substr(amount_start, i - amount_start));
    }
    e.amount = (negative ? "-" : "") + amount;
    i = std::min(i + 4, first.size()); // the transaction type: N, S or F and three characters
    const std::string_view refs = first.substr(i);
    const auto slashes = refs.find("//");
    const std::string customer(trim(refs.substr(0, slashes)));
    const std::string bank(slashes == std::string_view::npos ? std::string()
                                                             : trim(refs.substr(slashes + 2)));
    e.reference = !no_reference(bank) ? bank : !no_reference(customer) ? customer : "";
    return std::nullopt;
}

// Reads MT940 text a line at a time, handing each entry to `sink` once it is complete: when the
// field after its :86: starts, or without one when the next entry, the closing balance (:62F:,
// :62M:) or the next statement starts, or the message or text ends.
class Mt940Reader {
public:
    explicit Mt940Reader(EntrySink s) : m_sink(std::move(s)) {}

    // One line of the text, without its line feed.
    void line(std::string_view line) {
        ++m_line_no;
        if (m_stopped) {
            return;
        }
        if (line.size() > k_max_text) {
            too_long(m_line_no, "line");
            return;
        }
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (m_line_no == 1 && line.starts_with("\xEF\xBB\xBF")) {
            line.remove_prefix(3);
        }
        // SWIFT envelope: "{1:...}{2:...}{4:" before the fields, "-}" after them.
        if (line.starts_with("{")) {
            const auto body = line.find("{4:");
            line = body == std::string_view::npos ? std::string_view() : line.substr(body + 3);
        }
        if (line == "-" || line == "-}" || line.starts_with("-}")) {
            flush();
            emit_pending();
            return;
        }
        // Sparkassen may break a tag after its opening colon (":" alone, then "86:..."): the two
        // lines are one field start. A ":" line followed by anything else is text.
        std::string carried; // that ":" joined to this line
        if (m_colon_alone) {
            m_colon_alone = false;
            if (tag_end(":" + std::string(line)) == std::string_view::npos) {
                m_value += m_tag == "61" ? "\n:" : ":";
            } else {
                carried = ":" + std::string(line);
                line = carried;
            }
        } else if (line == ":" && !m_tag.empty()) {
            m_colon_alone = true;
            return;
        }
        const auto close = tag_end(line);
        if (close != std::string_view::npos) {
            flush();
            m_tag = std::string(line.substr(1, close - 1));
            m_tag_line = m_line_no;
            m_value = std::string(line.substr(close + 1));
            // The next entry, the closing balance or the next statement: the entry got no
            // :86: (one after the closing balance is the statement's). Any other field leaves
            // it waiting for its :86:, as a field a bank puts between the two.
            if (m_tag == "61" || m_tag == "20" || m_tag.starts_with("62")) {
                emit_pending();
            }
        } else if (!m_tag.empty()) {
            // A continuation line: :61: keeps it apart (supplementary details), :86: is one
            // text wrapped at 65 characters.
            if (m_value.size() + line.size() + 1 > k_max_text) {
                too_long(m_tag_line, fmt::format("field :{}: with its continuation lines", m_tag));
                return;
            }
            m_value += m_tag == "61" ? "\n" : "";
            m_value.append(line);
        }
    }

    // The line being read is longer than k_max_text: the text is refused there, since what
    // follows cannot be read without it.
    void line_too_long() { too_long(m_line_no + 1, "line"); }

    // Whether the rest of the text is ignored after a line or field that is too long.
    bool stopped() const { return m_stopped; }

    // The end of the text: the first problem found, if any.
    std::optional<Problem> finish() {
        flush();
        emit_pending();
        return m_problem;
    }

private:
    // Refuses the text at `line_no`: `what` (a line, a field) is longer than k_max_text.
    void too_long(long line_no, const std::string& what) {
        if (!m_problem) {
            m_problem =
                Problem{line_no, fmt::format("{} longer than {} MiB", what, k_max_text >> 20)};
        }
        m_stopped = true;
        m_pending.reset();
        m_tag.clear();
        m_value.clear();
    }

    // The position of the colon closing the tag of a field's first line (":NN:" or ":NNa:").
    static std::size_t tag_end(std::string_view line) {
        std::size_t close = std::string_view::npos;
        if (line.size() >= 4 && line[0] == ':') {
            close = line.find(':', 1);
            if (close != std::string_view::npos &&
                (close < 3 || close > 4 ||
                 !std::all_of(
                     line.begin() + 1, line.begin() + static_cast<long>(close),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))) {
                close = std::string_view::npos;
            }
        }
        return close;
    }

    // Hands the entry waiting for its :86: on, unless a problem was found (the entries are then
    // to be dropped).
    void emit_pending() {
        if (m_pending && !m_problem) {
            m_sink(std::move(*m_pending));
        }
        m_pending.reset();
    }

    // The field read so far, now complete.
    void flush() {
        if (m_tag == "86" && m_pending) {
            read_details(m_value, *m_pending);
            emit_pending();
        }
        if (m_tag == "20") {
            m_interim = false;
        } else if (m_tag == "34F" || m_tag == "13D" || m_tag == "13") {
            m_interim = true;
        } else if (m_tag == "25") {
            m_account = trim(m_value);
        } else if (m_tag == "60F" || m_tag == "60M") {
            // C or D, YYMMDD, the currency.
            if (m_value.size() >= 10) {
                m_currency = m_value.substr(7, 3);
            }
        } else if (m_tag == "61") {
            Entry e;
            e.line = m_tag_line;
            e.account = m_account;
            e.currency = m_currency;
            e.status = m_interim ? "PDNG" : "BOOK";
            if (auto bad = read_statement_line(m_value, e)) {
                if (!m_problem) {
                    m_problem = Problem{m_tag_line, *bad};
                }
            } else {
                m_pending = std::move(e);
            }
        }
        m_tag.clear();
        m_value.clear();
    }

    EntrySink m_sink;
    std::string m_account;
    std::string m_currency;
    // The current field: its tag, the line it starts on and its text.
    std::string m_tag;
    long m_tag_line = 0;
    std::string m_value;
    std::optional<Problem> m_problem;
    std::optional<Entry> m_pending; // the entry a :86: may follow
    bool m_interim = false;         // an MT942 interim report (:34F:, :13D:)
    long m_line_no = 0;
    bool m_colon_alone = false; // the line before was ":" alone
    bool m_stopped = false;     // a line or field was too long: the rest is not read
};
} // namespace

const char* syntax_name(Syntax s) {
    return s == Syntax::camt ? "CAMT" : "MT940";
}

std::optional<Syntax> detect(std::string_view content) {
    std::string_view s = content;
    if (s.starts_with("\xEF\xBB\xBF")) {
        s.remove_prefix(3);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    if (s.starts_with("<")) {
        const std::string_view head = s.substr(0, 4096);
        if (head.find("BkToCstmrStmt") != std::string_view::npos ||
            head.find("BkToCstmrAcctRpt") != std::string_view::npos ||
            head.find("BkToCstmrDbtCdtNtfctn") != std::string_view::npos) {
            return Syntax::camt;
        }
        return std::nullopt;
    }
    // A statement starts with its reference (:20:) or the SWIFT header; an extract of one (as
    // some online banking exports give) with the account, statement number, opening balance or
    // its first :61: line.
    for (std::string_view first : {":20:", "{1:", ":25:", ":28C:", ":60F:", ":61:"}) {
        if (s.starts_with(first)) {
            return Syntax::mt940;
        }
    }
    return std::nullopt;
}

struct Reader::State {
    // CAMT: the reader of the document's events and expat fed with the pieces.
    std::unique_ptr<CamtReader> camt;
    std::unique_ptr<xml::Parser> xml;
    std::string xml_error; // why the document is not well-formed
    // MT940: the lines, the last one read so far kept until its line feed.
    std::unique_ptr<Mt940Reader> mt940;
    std::string partial;
};

Reader::Reader(Syntax syntax, EntrySink sink) : m_state(std::make_unique<State>()) {
    if (syntax == Syntax::camt) {
        m_state->camt = std::make_unique<CamtReader>(std::move(sink));
        // The input layer decoded the file: the declared encoding is not applied again.
        m_state->xml = std::make_unique<xml::Parser>(*m_state->camt, "UTF-8");
    } else {
        m_state->mt940 = std::make_unique<Mt940Reader>(std::move(sink));
    }
}

Reader::~Reader() = default;

void Reader::feed(std::string_view piece) {
    State& s = *m_state;
    if (s.camt) {
        if (s.xml_error.empty()) {
            s.xml_error = s.xml->feed(piece, false);
        }
        return;
    }
    for (auto eol = piece.find('\n'); eol != std::string_view::npos; eol = piece.find('\n')) {
        if (s.mt940->stopped()) {
            return;
        }
        if (s.partial.empty()) {
            s.mt940->line(piece.substr(0, eol));
        } else {
            s.partial.append(piece.substr(0, eol));
            s.mt940->line(s.partial);
            s.partial.clear();
        }
        piece.remove_prefix(eol + 1);
    }
    if (s.mt940->stopped()) {
        return;
    }
    if (s.partial.size() + piece.size() > k_max_text) {
        // A line that does not end within the bound is not kept.
        s.mt940->line_too_long();
        s.partial.clear();
        return;
    }
    s.partial.append(piece);
}

std::optional<Problem> Reader::finish() {
    State& s = *m_state;
    if (s.mt940) {
        s.mt940->line(s.partial); // the last line, also when empty
        s.partial.clear();
        return s.mt940->finish();
    }
    if (s.xml_error.empty()) {
        s.xml_error = s.xml->feed({}, true);
    }
    if (!s.xml_error.empty()) {
        return Problem{0, s.xml_error};
    }
    const CamtReader& reader = *s.camt;
    if (!reader.message_ok) {
        return Problem{
            0, reader.message.empty()
                   ? fmt::format("the root element <{}> is not a CAMT <Document>", reader.root)
                   : fmt::format("<{}> is not a CAMT statement (expected BkToCstmrStmt, "
                                 "BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn)",
                                 reader.message)};
    }
    return reader.problem;
}

std::optional<Problem> read(std::istream& in, Syntax syntax, const EntrySink& sink) {
    Reader reader(syntax, sink);
    std::string buffer(std::size_t{64} << 10, '\0');
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n > 0) {
            reader.feed(std::string_view(buffer.data(), n));
        }
    }
    if (in.bad()) {
        return Problem{0, "the file could not be read to its end"};
    }
    return reader.finish();
}

std::optional<Problem> read(std::string_view text, Syntax syntax, const EntrySink& sink) {
    Reader reader(syntax, sink);
    reader.feed(text);
    return reader.finish();
}

Result<std::vector<Entry>, Problem> parse(std::string_view content, Syntax syntax) {
    std::vector<Entry> entries;
    if (auto problem =
            read(content, syntax, [&entries](Entry&& e) { entries.push_back(std::move(e)); })) {
        return unexpected(std::move(*problem));
    }
    return entries;
}

Result<std::vector<Entry>, Problem> parse_camt(std::string_view xml) {
    return parse(xml, Syntax::camt);
}

Result<std::vector<Entry>, Problem> parse_mt940(std::string_view text) {
    return parse(text, Syntax::mt940);
}

const std::vector<std::string>& column_names() {
    static const std::vector<std::string> k_names = {"booking_date",
                                                     "value_date",
                                                     "amount",
                                                     "currency",
                                                     "status",
                                                     "counterparty_name",
                                                     "counterparty_iban",
                                                     "counterparty_bic",
                                                     "purpose",
                                                     "booking_text",
                                                     "transaction_code",
                                                     "end_to_end_id",
                                                     "mandate_id",
                                                     "creditor_id",
                                                     "reference",
                                                     "account"};
    return k_names;
}

std::optional<std::string> cell(const Entry& e, std::string_view column) {
    const std::pair<std::string_view, const std::string*> k_cells[] = {
        {"booking_date", &e.booking_date},
        {"value_date", &e.value_date},
        {"amount", &e.amount},
        {"currency", &e.currency},
        {"status", &e.status},
        {"counterparty_name", &e.counterparty_name},
        {"counterparty_iban", &e.counterparty_iban},
        {"counterparty_bic", &e.counterparty_bic},
        {"purpose", &e.purpose},
        {"booking_text", &e.booking_text},
        {"transaction_code", &e.transaction_code},
        {"end_to_end_id", &e.end_to_end_id},
        {"mandate_id", &e.mandate_id},
        {"creditor_id", &e.creditor_id},
        {"reference", &e.reference},
        {"account", &e.account}};
    for (const auto& [name, value] : k_cells) {
        if (name == column) {
            return *value;
        }
    }
    return std::nullopt;
}

} // namespace lexsync::bank_statement
