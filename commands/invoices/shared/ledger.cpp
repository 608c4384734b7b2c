#include "commands/invoices/shared/ledger.hpp"

#include <fmt/format.h>
#include <lexsync/util/json.hpp>

namespace lexsync::commands::invoices::shared {

namespace {

std::string extra_cursor(const std::string& key) {
    return "invoices export extra " + key;
}

} // namespace

std::string ledger_key(const std::string& mode, const std::string& number) {
    return mode + ":" + number;
}

std::optional<ExportExtra> read_extra(StateStore& state, const std::string& key) {
    const auto text = state.cursor(extra_cursor(key));
    if (!text) {
        return std::nullopt;
    }
    auto doc = json::parse(*text);
    if (!doc || !doc->IsObject()) {
        return std::nullopt;
    }
    ExportExtra e;
    e.kind = json::get_string(*doc, "kind").value_or("");
    e.status = json::get_string(*doc, "status").value_or("");
    e.file = json::get_string(*doc, "file").value_or("");
    return e;
}

void write_extra(StateStore& state, const std::string& key, const ExportExtra& extra) {
    json::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("kind", json::str(extra.kind, a), a);
    doc.AddMember("status", json::str(extra.status, a), a);
    doc.AddMember("file", json::str(extra.file, a), a);
    state.set_cursor(extra_cursor(key), json::to_string(doc));
}

std::optional<std::string> source_of(StateStore& state, const std::string& remote_id) {
    auto st =
        state.db().prepare("SELECT key FROM ledger WHERE kind = ?1 AND remote_id = ?2 LIMIT 1");
    st.bind(1, std::string_view(k_ledger_kind)).bind(2, std::string_view(remote_id));
    if (!st.step()) {
        return std::nullopt;
    }
    return st.column_text(0);
}

std::string year_mode_cursor(int year) {
    return fmt::format("invoices export mode {}", year);
}

} // namespace lexsync::commands::invoices::shared
