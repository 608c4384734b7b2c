// --- Interface ---
// The flat view of a contact used for csv and table output.
#pragma once

#include "cli/output.hpp"

#include <lexsync/json.hpp>
#include <vector>

namespace lexsync::commands::contacts {

// The columns of the flat view.
const std::vector<Column>& flat_columns();
// Writes the flat view of `contact` into `out` (an object using out's allocator).
void flatten(const json::Value& contact, json::Document& out);

} // namespace lexsync::commands::contacts
