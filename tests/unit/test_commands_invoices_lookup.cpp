#include "commands/invoices/shared/lookup.hpp"
#include "fake_transport.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <lexsync/store/state.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/json.hpp>
#include <memory>

namespace fs = std::filesystem;
using lexsync::Decimal;
using lexsync::http::Method;
using lexsync::invoices::Kind;
using namespace lexsync::commands::invoices::shared;
using lexsync::commands::invoices::archive::ListRow;

namespace {

const std::string k_day = "2026-03-20";
const std::string k_c1 = "c1c1c1c1-0000-4000-8000-000000000001";
const std::string k_c2 = "c2c2c2c2-0000-4000-8000-000000000002";
const std::string k_c3 = "c3c3c3c3-0000-4000-8000-000000000003";

LookupItem item(const std::string& number, const std::string& contact, Kind kind = Kind::invoice,
                const std::string& day = k_day) {
    LookupItem i;
    i.number = number;
    i.kind = kind;
    i.date = *lexsync::parse_iso_date(day);
    i.contact_id = contact;
    i.gross = Decimal::from_int(100);
    i.line_items = 1;
    return i;
}

ListRow row(const std::string& id, const std::string& contact, const std::string& type = "invoice",
            const std::string& day = k_day) {
    ListRow r;
    r.id = id;
    r.type = type;
    r.status = "open";
    r.voucher_date = day;
    r.contact_id = contact;
    return r;
}

// `s` as a JSON string (the remarks here hold no quotes or backslashes).
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        out += c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : std::string(1, c);
    }
    return out + "\"";
}

lexsync::json::Document doc(const std::string& remark, const std::string& gross = "100.00",
                            int lines = 1) {
    std::string items;
    for (int i = 0; i < lines; ++i) {
        items += (i == 0 ? "" : ",") + std::string(R"({"name":"x"})");
    }
    auto d = lexsync::json::parse(
        fmt::format(R"({{"voucherNumber":"RE1","voucherStatus":"open","remark":{},)"
                    R"("totalPrice":{{"totalGrossAmount":{}}},"lineItems":[{}]}})",
                    quoted(remark), gross, items));
    REQUIRE(d);
    return std::move(*d);
}

std::vector<std::string> numbers(const std::vector<const LookupItem*>& items) {
    std::vector<std::string> out;
    for (const auto* i : items) {
        out.push_back(i->number);
    }
    return out;
}

using lexsync::testing::Forward;

using lexsync::testing::TempDir;

} // namespace

TEST_SUITE("invoices export: finding documents again") {
    TEST_CASE("a row is read when an item of its type and day may have its contact") {
        const std::vector<LookupItem> with_contacts = {item("A", k_c1), item("B", k_c2)};
        const ItemIndex idx(with_contacts, "Ref. {number}");
        CHECK(idx.may_hold(row("1", k_c1)));
        CHECK(idx.may_hold(row("2", ""))); // the collective contact: any item's
        CHECK_FALSE(idx.may_hold(row("3", k_c3)));
        CHECK_FALSE(idx.may_hold(row("4", k_c1, "creditnote")));
        CHECK_FALSE(idx.may_hold(row("5", k_c1, "invoice", "2026-03-21")));

        const std::vector<LookupItem> one_time = {item("A", k_c1), item("C", "")};
        const ItemIndex idx2(one_time, "Ref. {number}");
        CHECK(idx2.may_hold(row("6", k_c3))); // C has no contact: any document of its day
    }

    TEST_CASE("a document matches the items whose reference line its remark has, each once") {
        const std::vector<LookupItem> items = {item("A", k_c1), item("B", k_c2), item("C", ""),
                                               item("D", k_c1, Kind::credit_note)};
        const ItemIndex idx(items, "Ref. {number}");
        const auto remark = doc("Danke!\nRef. A  \r\nRef. A\nRef. B\nRef. C\nRef. D\nRef. Z");
        // Contact c1: A (same contact) and C (none), not B (another contact) nor D (credit note).
        CHECK(numbers(idx.matches(row("1", k_c1), remark)) == std::vector<std::string>{"A", "C"});
        // The collective contact: every invoice named.
        CHECK(numbers(idx.matches(row("1", ""), remark)) ==
              std::vector<std::string>{"A", "B", "C"});
        CHECK(numbers(idx.matches(row("1", k_c1, "creditnote"), remark)) ==
              std::vector<std::string>{"D"});
        // Another day, or a line that only starts like the reference: nothing.
        CHECK(idx.matches(row("1", k_c1, "invoice", "2026-03-21"), remark).empty());
        CHECK(idx.matches(row("1", k_c1), doc("Ref. A1\nxRef. A")).empty());
    }

    TEST_CASE("without reference lines the gross total and the number of line items match") {
        std::vector<LookupItem> items = {item("A", k_c1), item("B", ""), item("C", k_c1)};
        items[2].line_items = 2;
        const ItemIndex idx(items, "");
        CHECK(numbers(idx.matches(row("1", k_c1), doc("Ref. C", "100.00", 1))) ==
              std::vector<std::string>{"A", "B"});
        CHECK(numbers(idx.matches(row("1", k_c2), doc("", "100.0", 1))) ==
              std::vector<std::string>{"B"});
        CHECK(numbers(idx.matches(row("1", k_c1), doc("", "100.00", 2))) ==
              std::vector<std::string>{"C"});
        CHECK(idx.matches(row("1", k_c1), doc("", "100.01", 1)).empty());
    }

    TEST_CASE("20,000 invoices of one day and their documents are matched one to one") {
        // One day, one-time recipients (no contact): every document of the day may be any
        // item's. Matching through the index costs one probe per remark line.
        const int n = 20000;
        std::vector<LookupItem> items;
        items.reserve(n);
        for (int i = 0; i < n; ++i) {
            items.push_back(item(fmt::format("GEN-{:05}", i), ""));
        }
        const ItemIndex idx(items, "Ref. {number}");
        long matched = 0;
        for (int i = 0; i < n; ++i) {
            const auto r = row(fmt::format("id-{}", i), i % 2 == 0 ? k_c1 : "");
            REQUIRE(idx.may_hold(r));
            const auto hits = idx.matches(r, doc(fmt::format("Ref. GEN-{:05}", i)));
            REQUIRE(hits.size() == 1);
            CHECK(hits[0] == &items[static_cast<std::size_t>(i)]);
            ++matched;
        }
        CHECK(matched == n);
    }

    TEST_CASE("find_documents reads each candidate once and reports found, unsure and unread") {
        TempDir dir;
        lexsync::StateStore state(dir.path / "ledger.db");
        lexsync::testing::FakeTransport fake;
        lexsync::ApiClient client("http://api.test", std::make_unique<Forward>(fake));
        const std::vector<LookupItem> items = {item("A", k_c1), item("B", ""), item("C", k_c2),
                                               item("D", k_c1, Kind::credit_note)};
        ListedRows listed;
        listed.from = *lexsync::parse_iso_date(k_day);
        listed.to = listed.from;
        for (const auto& r : {row("d1", k_c1), row("d2", k_c3), row("d3", k_c2), row("d4", k_c2),
                              row("d5", k_c3, "creditnote"), row("d6", k_c1, "creditnote"),
                              row("d1", k_c1)}) { // d1 listed twice: read once
            listed.add(r);
        }
        // d2 (another contact, but B has none) is read; d5 (a credit note of a contact no credit
        // note has) is not.
        fake.add(Method::get, "/v1/invoices/d1", 200,
                 R"({"remark":"Ref. A","voucherNumber":"R1"})");
        fake.add(Method::get, "/v1/invoices/d2", 200,
                 R"({"remark":"Ref. B","voucherNumber":"R2"})");
        fake.add(Method::get, "/v1/invoices/d3", 200,
                 R"({"remark":"Ref. C","voucherNumber":"R3"})");
        fake.add(Method::get, "/v1/invoices/d4", 200,
                 R"({"remark":"Ref. C","voucherNumber":"R4"})");
        fake.add(Method::get, "/v1/credit-notes/d6", 200,
                 R"({"remark":"Ref. D","voucherNumber":"G1","voucherStatus":"open"})");
        auto out = find_documents(client, state, items, "Ref. {number}", &listed);
        REQUIRE(out);
        fake.verify();
        CHECK(out->requests == 5);
        REQUIRE(out->found.size() == 3);
        CHECK(out->found.at("A").id == "d1");
        CHECK(out->found.at("B").voucher_number == "R2");
        CHECK(out->found.at("D").status == "open");
        REQUIRE(out->unsure.count("C") == 1);
        CHECK(out->unsure.at("C").find("2 documents") != std::string::npos);
    }
}
