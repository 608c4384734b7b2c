// --- Interface ---
// RapidJSON helpers. Request bodies with amounts are written through a SAX writer with
// write_decimal(), so an amount sent is the exact decimal text. When reading, a JSON number's
// double is turned back into its shortest round-trip text, which for the API's decimal literals
// (at most 4 places, at most 15 significant digits) is exactly the literal the server sent; the
// same holds when a document read from the server is written back unchanged.
#pragma once

#include <functional>
#include <istream>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/result.hpp>
#include <optional>
#include <rapidjson/document.h>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::json {

using Document = rapidjson::Document;
using Value = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

// Parses `text`; on error returns "offset N: reason".
Result<Document, std::string> parse(std::string_view text);

// parse()'s checks before parsing (json_guard.hpp) over the text read from `in`, a chunk at a time:
// parse()'s message for the first problem, or nullopt.
std::optional<std::string> check_guards(std::istream& in);

// Where for_each_element found the array it read.
enum class ArrayAt {
    root,   // the text is the array
    member, // the array is the root object's member `key`
    none,   // neither: no element was read
};

// Reads the JSON text from `in` with a streaming (SAX) parser and calls fn(element, index, line)
// for each element of its array in turn, each built on its own, so that memory stays flat in the
// number of elements: the root array, or (with a non-empty `key`) the array that is the first
// member `key` of a root object. `line` is the 1-based line where the element starts. Returns where
// the array was, or parse()'s message for a text that is not valid JSON (fn may have been called
// for elements before the error). parse()'s other checks are check_guards()': run it first.
Result<ArrayAt, std::string>
for_each_element(std::istream& in, std::string_view key,
                 const std::function<void(const Value&, std::size_t, long)>& fn);

// The line (1-based) on which each top-level object of the JSON array `text` starts, so that input
// readers can name "file:line:field" for JSON as they do for CSV.
std::vector<long> array_object_lines(std::string_view text);

// Compact serialisation of `v`.
std::string to_string(const Value& v);
// Indented serialisation of `v` (for people).
std::string to_pretty_string(const Value& v);

// Looks up a dotted path ("company.name", "roles.customer.number"); nullptr when absent or null.
const Value* find(const Value& v, std::string_view dotted_path);
// The string at `dotted_path`, or nullopt when absent, null or not a string.
std::optional<std::string> get_string(const Value& v, std::string_view dotted_path);
// The integer at `dotted_path`, or nullopt.
std::optional<std::int64_t> get_int(const Value& v, std::string_view dotted_path);
// The bool at `dotted_path`, or nullopt.
std::optional<bool> get_bool(const Value& v, std::string_view dotted_path);
// The number (or numeric string, leniently, as some API samples send) at `dotted_path` as Decimal.
std::optional<Decimal> get_decimal(const Value& v, std::string_view dotted_path);

// Returns the exact text of a JSON number value (see file comment), or nullopt.
std::optional<std::string> number_text(const Value& v);

// Makes a string value (copied into `a`).
Value str(std::string_view s, Allocator& a);
// Writes `d` as a JSON number from its exact decimal text (SAX writers build request bodies).
template <class Writer> void write_decimal(Writer& w, Decimal d) {
    const std::string text = d.to_string();
    w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
}

// Sets `obj[key] = value`, replacing an existing member.
void set(Value& obj, std::string_view key, Value value, Allocator& a);
// Creates (as empty objects) all objects along `dotted_path` and returns the innermost.
Value& ensure_object(Value& root, std::string_view dotted_path, Allocator& a);

} // namespace lexsync::json
