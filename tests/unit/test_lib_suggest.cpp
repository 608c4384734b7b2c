#include <doctest/doctest.h>
#include <lexsync/util/suggest.hpp>

using lexsync::did_you_mean;
using lexsync::edit_distance;
using lexsync::suggest;

TEST_CASE("edit distance counts swaps of neighbours as one edit") {
    CHECK(edit_distance("invoices", "invoices") == 0);
    CHECK(edit_distance("invocies", "invoices") == 1);
    CHECK(edit_distance("contcts", "contacts") == 1);
    CHECK(edit_distance("PULL", "pull") == 0);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("suggestions: close names and prefixes, best first, nothing for strangers") {
    const std::vector<std::string> nouns{"auth",     "contacts",     "invoices", "sandbox",
                                         "vouchers", "transactions", "webhooks", "sync",
                                         "doctor",   "completion"};
    CHECK(suggest("invocies", nouns) == std::vector<std::string>{"invoices"});
    CHECK(suggest("vouchr", nouns) == std::vector<std::string>{"vouchers"});
    CHECK(suggest("trans", nouns) == std::vector<std::string>{"transactions"});
    CHECK(suggest("xyzzy", nouns).empty());
    CHECK(suggest("invoices", nouns).empty()); // an exact name is no suggestion
    CHECK(did_you_mean("invocies", nouns) == " (did you mean 'invoices'?)");
    CHECK(did_you_mean("xyzzy", nouns).empty());
    CHECK(did_you_mean("Rechnungsnumer", {"Rechnungsnummer", "Rechnungsdatum"}) ==
          " (did you mean 'Rechnungsnummer'?)");
}
