// The voucher list in the sandbox: mandatory parameters, enum checks, filters, sort, page size
// and the listing window over sales and bookkeeping vouchers.
#include "sandbox_fixture.hpp"

#include <set>

using namespace sandbox_test;

namespace {

constexpr const char* k_mueller = "c0a80001-0000-4000-8000-000000000001";
constexpr const char* k_becker = "c0a80001-0000-4000-8000-000000000010";

std::string invoice(const std::string& date, const std::string& contact = k_mueller) {
    return R"({"voucherDate":")" + date + R"(T10:00:00.000+01:00",
      "address":{"contactId":")" +
           contact + R"("},
      "lineItems":[{"type":"custom","name":"Reinigung","quantity":1,"unitName":"Std",
        "unitPrice":{"currency":"EUR","netAmount":100,"taxRatePercentage":19}}],
      "totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"},
      "shippingConditions":{"shippingType":"none"}})";
}

std::string voucher(const std::string& number, const std::string& date) {
    return R"({"type":"salesinvoice","voucherNumber":")" + number + R"(","voucherDate":")" + date +
           R"(","totalGrossAmount":119.00,"totalTaxAmount":19.00,"taxType":"gross",
      "useCollectiveContact":true,"voucherItems":[{"amount":119.00,"taxAmount":19.00,
      "taxRatePercent":19,"categoryId":"8f8664a8-fd86-11e1-a21f-0800200c9a66"}],"version":0})";
}

std::string post(httplib::Client& c, const std::string& path, const std::string& body) {
    auto res = c.Post(path.c_str(), body, k_json);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 201, res->body);
    return parse(res->body)["id"].GetString();
}

rapidjson::Document list(httplib::Client& c, const std::string& query) {
    auto res = c.Get(("/v1/voucherlist?" + query).c_str());
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 200, query << ": " << res->body);
    return parse(res->body);
}

int status_of(httplib::Client& c, const std::string& query) {
    auto res = c.Get(("/v1/voucherlist" + query).c_str());
    REQUIRE(res);
    if (res->status == 400) {
        const auto d = parse(res->body);
        CHECK(d["status"].GetInt() == 400); // regular format
        CHECK(d.HasMember("message"));
    }
    return res->status;
}

std::vector<std::string> numbers(const rapidjson::Document& page) {
    std::vector<std::string> out;
    for (const auto& row : page["content"].GetArray()) {
        out.emplace_back(row["voucherNumber"].IsString() ? row["voucherNumber"].GetString() : "");
    }
    return out;
}

// Four invoices (RE0001 draft 2026-01-10, RE0002 open 2026-02-10, RE0003 open 2026-03-10 for
// Becker, RE0004 open 2099-01-10 not yet due) and one bookkeeping voucher B-1 (2026-02-20).
struct Data {
    std::string draft, open1, open2, future, bookkeeping;
};

Data seed(httplib::Client& c) {
    Data d;
    d.draft = post(c, "/v1/invoices", invoice("2026-01-10"));
    d.open1 = post(c, "/v1/invoices?finalize=true", invoice("2026-02-10"));
    d.open2 = post(c, "/v1/invoices?finalize=true", invoice("2026-03-10", k_becker));
    d.future = post(c, "/v1/invoices?finalize=true", invoice("2099-01-10"));
    d.bookkeeping = post(c, "/v1/vouchers", voucher("B-1", "2026-02-20"));
    return d;
}

} // namespace

TEST_SUITE("lexsync::sandbox::Server voucher list") {

    TEST_CASE("voucherType and voucherStatus are mandatory and checked") {
        RunningServer s;
        auto c = s.client();
        CHECK(status_of(c, "") == 400);
        CHECK(status_of(c, "?voucherType=invoice") == 400);
        CHECK(status_of(c, "?voucherStatus=open") == 400);
        auto res = c.Get("/v1/voucherlist?voucherType=invoice");
        REQUIRE(res);
        CHECK(parse(res->body)["message"] == "Missing required request parameters");
        CHECK(status_of(c, "?voucherType=dunning&voucherStatus=any") == 400);
        CHECK(status_of(c, "?voucherType=recurringtemplate&voucherStatus=any") == 400);
        CHECK(status_of(c, "?voucherType=invoice&voucherStatus=paymentordered") == 400);
        CHECK(status_of(c, "?voucherType=invoice,bogus&voucherStatus=open") == 400);
        CHECK(status_of(c, "?voucherType=invoice&voucherStatus=open,overdue") == 400);
        CHECK(status_of(c, "?voucherType=any&voucherStatus=blank") == 200);
        CHECK(status_of(c, "?voucherType=any&voucherStatus=any&size=250") == 200);
        CHECK(status_of(c, "?voucherType=any&voucherStatus=any&size=251") == 400);
        res = c.Get("/v1/voucherlist?voucherType=any&voucherStatus=any&size=251");
        REQUIRE(res);
        CHECK(parse(res->body)["message"] == "parameter 'size' must be equal or lower than 250");
        CHECK(status_of(c, "?voucherType=any&voucherStatus=any&sort=voucherNumber,ASC") == 400);
        CHECK(status_of(c, "?voucherType=any&voucherStatus=any&voucherDateFrom=01.02.2026") == 400);
        // Unknown parameters are ignored.
        CHECK(status_of(c, "?voucherType=any&voucherStatus=any&bogus=1") == 200);
    }

    TEST_CASE("rows project sales and bookkeeping vouchers; invoice is not salesinvoice") {
        RunningServer s;
        auto c = s.client();
        const Data d = seed(c);
        auto page = list(c, "voucherType=any&voucherStatus=any");
        CHECK(page["totalElements"].GetInt() == 5);
        // Default sort: voucher date descending.
        CHECK(numbers(page) ==
              std::vector<std::string>{"RE0004", "RE0003", "B-1", "RE0002", "RE0001"});
        CHECK(page["sort"][0]["property"] == "voucherdate");
        CHECK(page["sort"][0]["direction"] == "DESC");

        page = list(c, "voucherType=invoice&voucherStatus=any");
        CHECK(page["totalElements"].GetInt() == 4);
        page = list(c, "voucherType=salesinvoice&voucherStatus=any");
        REQUIRE(page["totalElements"].GetInt() == 1);
        const auto& b = page["content"][0];
        CHECK(std::string(b["id"].GetString()) == d.bookkeeping);
        CHECK(b["contactId"].IsNull());
        CHECK(b["totalAmount"].GetDouble() == doctest::Approx(119));
        CHECK(b["openAmount"].GetDouble() == doctest::Approx(119));

        page = list(c, "voucherType=invoice&voucherStatus=draft");
        REQUIRE(page["content"].Size() == 1);
        const auto& draft = page["content"][0];
        CHECK(draft["voucherNumber"] == "RE0001");
        CHECK(draft["openAmount"].IsNull());
        CHECK(draft["voucherDate"] == "2026-01-10T00:00:00.000+01:00"); // midnight
        CHECK(draft["dueDate"].IsNull());
        CHECK(draft["currency"] == "EUR");
        CHECK(draft["archived"].GetBool() == false);
        CHECK(std::string(draft["contactId"].GetString()) == k_mueller);
        CHECK(draft["contactName"] == "Müller & Söhne GmbH");
        CHECK(draft["totalAmount"].GetDouble() == doctest::Approx(119));

        page = list(c, "voucherType=invoice&voucherStatus=open");
        CHECK(page["totalElements"].GetInt() == 3);
        CHECK(page["content"][0]["openAmount"].GetDouble() == doctest::Approx(119));
        CHECK(page["content"][0]["dueDate"].IsString());
    }

    TEST_CASE("overdue is derived from open invoices past their due date") {
        RunningServer s;
        auto c = s.client();
        seed(c);
        const auto page = list(c, "voucherType=invoice&voucherStatus=overdue");
        CHECK(numbers(page) == std::vector<std::string>{"RE0003", "RE0002"});
    }

    TEST_CASE("filters: contact, dates (To inclusive), number, archived") {
        RunningServer s;
        auto c = s.client();
        seed(c);
        auto page = list(c, std::string("voucherType=any&voucherStatus=any&contactId=") + k_becker);
        CHECK(numbers(page) == std::vector<std::string>{"RE0003"});
        page = list(c, "voucherType=any&voucherStatus=any&voucherDateFrom=2026-02-10"
                       "&voucherDateTo=2026-03-10");
        CHECK(numbers(page) == std::vector<std::string>{"RE0003", "B-1", "RE0002"});
        page = list(c, "voucherType=any&voucherStatus=any&voucherNumber=RE0002");
        CHECK(numbers(page) == std::vector<std::string>{"RE0002"});
        page = list(c, "voucherType=any&voucherStatus=any&archived=true");
        CHECK(page["totalElements"].GetInt() == 0);
        page = list(c, "voucherType=any&voucherStatus=any&archived=false");
        CHECK(page["totalElements"].GetInt() == 5);

        const std::string today =
            std::string(page["content"][0]["createdDate"].GetString()).substr(0, 10);
        page = list(c, "voucherType=any&voucherStatus=any&createdDateTo=" + today);
        CHECK(page["totalElements"].GetInt() == 5);
        page = list(c, "voucherType=any&voucherStatus=any&updatedDateFrom=" + today +
                           "&updatedDateTo=" + today);
        CHECK(page["totalElements"].GetInt() == 5);
        page = list(c, "voucherType=any&voucherStatus=any&createdDateFrom=2099-01-01");
        CHECK(page["totalElements"].GetInt() == 0);
        page = list(c, "voucherType=any&voucherStatus=any&createdDateTo=2000-01-01");
        CHECK(page["totalElements"].GetInt() == 0);
    }

    TEST_CASE("sort, paging and the listing window") {
        ServerOptions o = unlimited();
        o.listing_window = 3;
        RunningServer s(o);
        auto c = s.client();
        seed(c);
        auto page = list(c, "voucherType=any&voucherStatus=any&sort=voucherDate,ASC&size=2");
        CHECK(numbers(page) == std::vector<std::string>{"RE0001", "RE0002"});
        CHECK(page["sort"][0]["direction"] == "ASC");
        CHECK(page["size"].GetInt() == 2);
        CHECK(page["totalElements"].GetInt() == 3); // capped by the window
        CHECK(page["totalPages"].GetInt() == 2);
        CHECK(page["first"].GetBool());
        CHECK(!page["last"].GetBool());
        page = list(c, "voucherType=any&voucherStatus=any&sort=voucherDate,ASC&size=2&page=1");
        CHECK(numbers(page) == std::vector<std::string>{"B-1"});
        CHECK(page["last"].GetBool());
        CHECK(page["numberOfElements"].GetInt() == 1);
        CHECK(status_of(c, "?voucherType=any&voucherStatus=any&size=3&page=1") == 400);
    }
}
