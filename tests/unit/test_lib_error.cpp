#include "fake_transport.hpp"

#include <doctest/doctest.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>

using lexsync::ApiError;
using lexsync::error_from_response;
using lexsync::error_from_transport;
using lexsync::ExitCode;
using lexsync::testing::fixture;
namespace http = lexsync::http;

namespace {

http::Response answer(int status, std::string body) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

} // namespace

TEST_SUITE("lexsync::ApiError") {
    TEST_CASE("reads the legacy IssueList format") {
        const auto e = error_from_response(answer(406, fixture("error_legacy_issuelist.json")),
                                           http::Method::post);
        CHECK(e.kind == ApiError::Kind::validation);
        CHECK(e.status == 406);
        REQUIRE(e.details.size() == 2);
        CHECK(e.details[0].field == "company.name");
        CHECK(e.details[0].message == "missing_entity");
        CHECK(e.details[1].field == "addresses.billing[0].countryCode");
        CHECK(e.trace_id == "75d4dad6-6ccb-40fd-8c22-797f2d421d98");
        CHECK_FALSE(e.maybe_executed);
        CHECK(e.describe() == "Not Acceptable (HTTP 406): company.name: missing_entity; "
                              "addresses.billing[0].countryCode: countrycode_is_not_valid");
        CHECK(e.exit_code() == ExitCode::error);
    }

    TEST_CASE("reads the regular format with details and trace id") {
        const auto e = error_from_response(answer(406, fixture("error_regular_details.json")),
                                           http::Method::post);
        CHECK(e.kind == ApiError::Kind::validation);
        CHECK(e.message ==
              "Validation failed for request. Please see details list for specific causes.");
        CHECK(e.trace_id == "90d78d0777be");
        REQUIRE(e.details.size() == 2);
        CHECK(e.details[0].field == "lineItems[0].unitPrice.taxRatePercentage");
        CHECK(e.details[0].message == "darf nicht leer sein");
        CHECK(e.details[1].message == "MIN"); // no message: the violation stands in
    }

    TEST_CASE("reads a bare message and maps 401 to an authentication error") {
        const auto e =
            error_from_response(answer(401, fixture("error_bare_message.json")), http::Method::get);
        CHECK(e.kind == ApiError::Kind::auth);
        CHECK(e.message == "Unauthorized");
        CHECK(e.details.empty());
        CHECK(e.describe() == "Unauthorized (HTTP 401)");
        CHECK(e.exit_code() == ExitCode::config);
    }

    TEST_CASE("reads the error-and-message shape and falls back to the raw body") {
        auto e = error_from_response(answer(400, R"({"error":"invalid_request","message":"bad"})"),
                                     http::Method::get);
        CHECK(e.message == "bad");
        CHECK(e.kind == ApiError::Kind::validation);
        e = error_from_response(answer(502, "<html>Bad gateway</html>"), http::Method::get);
        CHECK(e.message == "<html>Bad gateway</html>");
        CHECK(e.kind == ApiError::Kind::http);
        e = error_from_response(answer(503, ""), http::Method::get);
        CHECK(e.message == "Service Unavailable");
        e = error_from_response(answer(500, std::string(1000, 'x')), http::Method::get);
        CHECK(e.message.size() < 400);
    }

    TEST_CASE("a 406 naming a stale version is a conflict, a missing version is not") {
        auto e = error_from_response(answer(406, fixture("error_version_conflict.json")),
                                     http::Method::put);
        CHECK(e.kind == ApiError::Kind::conflict);
        e = error_from_response(answer(406, fixture("error_version_missing.json")),
                                http::Method::put);
        CHECK(e.kind == ApiError::Kind::validation);
        e = error_from_response(answer(409, R"({"message":"conflict"})"), http::Method::put);
        CHECK(e.kind == ApiError::Kind::conflict);
    }

    TEST_CASE("maps the other statuses to kinds") {
        CHECK(error_from_response(answer(403, "{}"), http::Method::get).kind ==
              ApiError::Kind::auth);
        CHECK(error_from_response(answer(404, "{}"), http::Method::get).kind ==
              ApiError::Kind::not_found);
        CHECK(error_from_response(answer(415, "{}"), http::Method::post).kind ==
              ApiError::Kind::validation);
        const auto limited = error_from_response(answer(429, "{}"), http::Method::get);
        CHECK(limited.kind == ApiError::Kind::rate_limited);
        CHECK(limited.exit_code() == ExitCode::network);
        CHECK(error_from_response(answer(402, "{}"), http::Method::get).kind ==
              ApiError::Kind::http);
    }

    TEST_CASE("a 5xx answer to a write may have been executed") {
        CHECK(error_from_response(answer(504, "{}"), http::Method::post).maybe_executed);
        CHECK(error_from_response(answer(500, "{}"), http::Method::put).maybe_executed);
        CHECK_FALSE(error_from_response(answer(504, "{}"), http::Method::get).maybe_executed);
        CHECK_FALSE(error_from_response(answer(406, "{}"), http::Method::post).maybe_executed);
    }

    TEST_CASE("transport errors are network errors; writes may have run unless not sent") {
        using Kind = http::TransportError::Kind;
        auto e = error_from_transport({Kind::timeout, "timed out"}, http::Method::post);
        CHECK(e.kind == ApiError::Kind::network);
        CHECK(e.maybe_executed);
        CHECK(e.exit_code() == ExitCode::network);
        CHECK(e.message == "timed out");
        CHECK_FALSE(
            error_from_transport({Kind::connect, "refused"}, http::Method::post).maybe_executed);
        CHECK_FALSE(error_from_transport({Kind::timeout, "t"}, http::Method::get).maybe_executed);
    }

    TEST_CASE("throw_api_error puts the context in front and keeps the exit code") {
        ApiError e;
        e.kind = ApiError::Kind::not_found;
        e.status = 404;
        e.message = "Not Found";
        try {
            lexsync::throw_api_error(e, "contact 42");
            FAIL("no exception");
        } catch (const lexsync::Error& err) {
            CHECK(std::string(err.what()) == "contact 42: Not Found (HTTP 404)");
            CHECK(err.code() == ExitCode::error);
        }
    }
}
