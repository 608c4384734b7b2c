#include <doctest/doctest.h>
#include <lexsync/util/json.hpp>
#include <rapidjson/writer.h>
#include <sstream>

namespace json = lexsync::json;
using lexsync::Decimal;

namespace {

json::Document doc(const char* text) {
    auto r = json::parse(text);
    REQUIRE_MESSAGE(r.has_value(), text);
    return std::move(r).value();
}

} // namespace

TEST_SUITE("lexsync::json") {
    TEST_CASE("parse errors name the offset") {
        auto r = json::parse(R"({"a": 1,})");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().rfind("offset 8: ", 0) == 0);
        CHECK_FALSE(json::parse("").has_value());
        CHECK_FALSE(json::parse("{} x").has_value());
    }

    TEST_CASE("finds values along dotted paths") {
        auto d = doc(R"({"company":{"name":"ACME","n":3,"ok":true,"none":null},
                         "items":[{"id":"a"},{"id":"b"}],
                         "roles":{"customer":{"number":10001}}})");
        CHECK(json::get_string(d, "company.name") == "ACME");
        CHECK(json::get_int(d, "company.n") == 3);
        CHECK(json::get_int(d, "roles.customer.number") == 10001);
        CHECK(json::get_bool(d, "company.ok") == true);
        CHECK(json::find(d, "company.none") == nullptr);
        CHECK(json::find(d, "company.missing") == nullptr);
        CHECK(json::find(d, "company.name.deeper") == nullptr);
        CHECK(json::get_string(d, "items[1].id") == "b");
        CHECK(json::get_string(d, "items.0.id") == "a");
        CHECK(json::find(d, "items[2]") == nullptr);
        CHECK_FALSE(json::get_string(d, "company.n"));
        CHECK_FALSE(json::get_int(d, "company.name"));
    }

    TEST_CASE("reads amounts from numbers and numeric strings") {
        auto d = doc(R"({"a":15.946,"b":"12.50","c":"1.234,56","d":100,"e":"abc","f":0.1,
                         "g":1e2,"h":-0.0001,"i":0.12345})");
        CHECK(json::get_decimal(d, "a") == Decimal::parse("15.946"));
        CHECK(json::get_decimal(d, "b") == Decimal::parse("12.5"));
        CHECK(json::get_decimal(d, "c") == Decimal::parse("1234.56"));
        CHECK(json::get_decimal(d, "d") == Decimal::from_int(100));
        CHECK_FALSE(json::get_decimal(d, "e"));
        CHECK(json::get_decimal(d, "f") == Decimal::parse("0.1"));
        CHECK(json::get_decimal(d, "g") == Decimal::from_int(100));
        CHECK(json::get_decimal(d, "h") == Decimal::from_units(-1));
        CHECK_FALSE(json::get_decimal(d, "i"));
        CHECK_FALSE(json::get_decimal(d, "missing"));
    }

    TEST_CASE("number text is the exact literal without exponent") {
        auto d =
            doc(R"([12, -7, 0.1, 15.946, 1234567.89, 1e-7, 1.5e21, 18446744073709551615, 2.50])");
        const auto& a = d.GetArray();
        CHECK(json::number_text(a[0]) == "12");
        CHECK(json::number_text(a[1]) == "-7");
        CHECK(json::number_text(a[2]) == "0.1");
        CHECK(json::number_text(a[3]) == "15.946");
        CHECK(json::number_text(a[4]) == "1234567.89");
        CHECK(json::number_text(a[5]) == "0.0000001");
        CHECK(json::number_text(a[6]) == "1500000000000000000000");
        CHECK(json::number_text(a[7]) == "18446744073709551615");
        CHECK(json::number_text(a[8]) == "2.5");
        CHECK_FALSE(json::number_text(json::Value("x")));
    }

    TEST_CASE("serialises, sets and creates nested objects") {
        json::Document d;
        d.SetObject();
        auto& a = d.GetAllocator();
        json::set(d, "name", json::str("Müller & Söhne", a), a);
        json::set(d, "name", json::str("Replaced", a), a);
        json::ensure_object(d, "roles.customer", a);
        json::set(json::ensure_object(d, "address.billing", a), "city", json::str("Berlin", a), a);
        CHECK(
            json::to_string(d) ==
            R"({"name":"Replaced","roles":{"customer":{}},"address":{"billing":{"city":"Berlin"}}})");
        const std::string pretty = json::to_pretty_string(d);
        CHECK(pretty.find("\n  \"name\": \"Replaced\"") != std::string::npos);
        // A document read and written back keeps its amounts.
        auto back = doc(R"({"x":15.946,"y":0.1})");
        CHECK(json::to_string(back) == R"({"x":15.946,"y":0.1})");
    }

    TEST_CASE("write_decimal emits the exact decimal text") {
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        w.StartObject();
        w.Key("amount");
        json::write_decimal(w, *Decimal::parse("0.1"));
        w.Key("big");
        json::write_decimal(w, *Decimal::parse("1234567890.1234"));
        w.EndObject();
        CHECK(std::string(buf.GetString()) == R"({"amount":0.1,"big":1234567890.1234})");
    }
}

TEST_SUITE("lexsync::json streaming") {
    struct Seen {
        std::vector<std::string> elements; // compact text
        std::vector<long> lines;
    };

    lexsync::Result<json::ArrayAt, std::string> stream(const std::string& text, Seen& seen,
                                                       std::string_view key = {}) {
        std::istringstream in(text);
        return json::for_each_element(in, key, [&](const json::Value& v, std::size_t i, long line) {
            CHECK(i == seen.elements.size());
            seen.elements.push_back(json::to_string(v));
            seen.lines.push_back(line);
        });
    }

    TEST_CASE("the elements of the root array, one at a time, with the line each starts on") {
        Seen seen;
        const std::string text = "[\n  {\"a\": 1, \"b\": [true, null, \"x\"], \"a\": 2.5},\n  7,\n"
                                 "  [{\"c\": {}}],\n\n  \"s\"\n]\n";
        auto r = stream(text, seen);
        REQUIRE(r);
        CHECK(*r == json::ArrayAt::root);
        // As a document has them: members in order, duplicates kept, numbers as parsed.
        CHECK(seen.elements == std::vector<std::string>{R"({"a":1,"b":[true,null,"x"],"a":2.5})",
                                                        "7", R"([{"c":{}}])", R"("s")"});
        CHECK(seen.lines == std::vector<long>{2, 3, 4, 6});
        auto whole = json::parse(text);
        REQUIRE(whole);
        CHECK(json::to_string((*whole)[0]) == seen.elements[0]);
    }

    TEST_CASE("the array of a root object's member; other members are passed over") {
        Seen seen;
        auto r = stream(R"({"x": [9], "invoices": [{"n": 1}, {"n": 2}], "invoices": [3]})", seen,
                        "invoices");
        REQUIRE(r);
        CHECK(*r == json::ArrayAt::member);
        CHECK(seen.elements == std::vector<std::string>{R"({"n":1})", R"({"n":2})"});
        Seen none;
        CHECK(*stream(R"({"invoices": {"n": 1}})", none, "invoices") == json::ArrayAt::none);
        CHECK(*stream(R"({"n": [1]})", none, "invoices") == json::ArrayAt::none);
        CHECK(*stream(R"({"invoices": [1]})", none) == json::ArrayAt::none);
        CHECK(*stream("42", none) == json::ArrayAt::none);
        CHECK(none.elements.empty());
    }

    TEST_CASE("a text that is not JSON gives parse()'s message") {
        for (const std::string text : {"[{\"a\": 1}, {\"a\": ]", "[1] 2", "", "[1, 2"}) {
            Seen seen;
            auto r = stream(text, seen);
            REQUIRE_FALSE(r);
            auto whole = json::parse(text);
            REQUIRE_FALSE(whole);
            CHECK(r.error() == whole.error());
        }
    }

    TEST_CASE("check_guards reads a stream as parse() reads the text") {
        std::istringstream deep(std::string(200'000, '['));
        CHECK(json::check_guards(deep) == "offset 100: nested deeper than 100 levels");
        std::istringstream number(R"({"x":0.0000000000021910320012e-332})");
        CHECK(json::check_guards(number) == "offset 5: number out of range");
        std::istringstream fine("[1, {\"a\": \"[[[\"}]");
        CHECK_FALSE(json::check_guards(fine));
    }
}
