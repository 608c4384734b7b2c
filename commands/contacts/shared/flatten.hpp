// --- Interface ---
// The flat views of a contact: the short one for table output, and for csv the columns that
// `contacts push` reads, so that a pulled file can be edited and pushed back.
#pragma once

#include "cli/output.hpp"

#include <lexsync/util/json.hpp>
#include <vector>

namespace lexsync::commands::contacts {

// The columns of the flat view; with `bank_accounts`, the first bank account's IBAN too.
const std::vector<Column>& flat_columns(bool bank_accounts = false);
// Writes the flat view of `contact` into `out` (an object using out's allocator).
void flatten(const json::Value& contact, json::Document& out);

// The csv columns: every input column of `contacts push` but ref (lexsync::contacts::
// k_input_fields), in that order.
const std::vector<Column>& push_columns(bool bank_accounts = false);
// Adds the first bank account of `accounts` (a bank account listing) to the flat view `out` in
// the bank account columns of push (lexsync::contacts::k_bank_fields; empty when there is none).
// Returns the number of accounts beyond the first (not written).
std::size_t flatten_bank_accounts(const json::Value& accounts, json::Document& out);
// Writes `contact` as push reads it into `out`: up to lexsync::contacts::k_max_addresses billing
// and shipping addresses (street..., billing2_*, ...), every e-mail and phone number of each kind
// (several in one cell, "a@x.de; b@x.de"), and up to lexsync::contacts::k_max_persons contact
// persons of a company; region stays empty (lexoffice keeps it in the city). Returns the number
// of contact persons beyond those (not written) and adds the addresses beyond those to
// `addresses_left_out`.
std::size_t flatten_for_push(const json::Value& contact, json::Document& out,
                             std::size_t* addresses_left_out = nullptr);

} // namespace lexsync::commands::contacts
