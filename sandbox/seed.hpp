// --- Interface ---
// Seeds: the built-in `demo` and `empty` organisations, or a JSON seed file (format: the JSON
// Schema sandbox/seed.schema.json and lexsync-sandbox(1), SEED FILES). Every seed uses the same
// loader, so the demo data is itself a seed document.
#pragma once

#include "sandbox/store.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace lexsync::sandbox {

// The demo organisation "Demo Reinigung GmbH" (stable id).
inline constexpr const char* k_demo_org_id = "d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e";

// One problem of a seed document: the JSON path of the value ("$.organizations[0].apiKeys"), its
// 1-based line and column in the text (0 when unknown) and what is wrong.
struct SeedProblem {
    std::string path;
    std::size_t line = 0;
    std::size_t column = 0;
    std::string message;
};

// A seed that cannot be used. what() lists every problem, one per line, as
// "ORIGIN:LINE:COLUMN: PATH: MESSAGE".
class SeedError : public std::runtime_error {
public:
    SeedError(const std::string& origin, std::vector<SeedProblem> problems);
    const std::vector<SeedProblem>& problems() const { return m_problems; }

private:
    std::vector<SeedProblem> m_problems;
};

// The JSON Schema of seed documents (the text of sandbox/seed.schema.json).
const char* seed_schema_json();

// The seed document for `demo` (with contacts) or `empty` (without).
std::string builtin_seed_json(bool with_contacts);

// Applies `spec` ("demo", "empty" or the path of a JSON seed file) to an unseeded store.
// Throws SeedError naming each problem by file, line, column and JSON path, or
// std::runtime_error when the file cannot be read.
void apply_seed(Store& store, const std::string& spec);

// Applies a seed document given as JSON text; `origin` names it in error messages. Throws
// SeedError; nothing is applied then.
void apply_seed_json(Store& store, const std::string& text, const std::string& origin);

// Checks a seed document without applying it: JSON syntax, the schema (unknown keys, types,
// required keys, enums, UUIDs) and then a trial load into a throwaway in-memory store (keys or
// clients listed twice, contact rules). Returns every problem found; empty when the seed is
// usable.
std::vector<SeedProblem> check_seed_json(const std::string& text);

} // namespace lexsync::sandbox
