// --- Interface ---
// Seeds: the built-in `demo` and `empty` organisations, or a JSON seed file (format in
// sandbox/README.md). Every seed uses the same loader, so the demo data is itself a seed document.
#pragma once

#include "sandbox/store.hpp"

#include <string>

namespace lexsync::sandbox {

// The demo organisation "Demo Reinigung GmbH" (stable id).
inline constexpr const char* k_demo_org_id = "d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e";

// The seed document for `demo` (with contacts) or `empty` (without).
std::string builtin_seed_json(bool with_contacts);

// Applies `spec` ("demo", "empty" or the path of a JSON seed file) to an unseeded store.
// Throws std::runtime_error naming the problem (file, organisation, contact).
void apply_seed(Store& store, const std::string& spec);

// Applies a seed document given as JSON text; `origin` names it in error messages.
void apply_seed_json(Store& store, const std::string& text, const std::string& origin);

} // namespace lexsync::sandbox
