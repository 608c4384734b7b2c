#include "commands/invoices/shared/archive_store.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/api/error.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/safe_name.hpp>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

namespace lexsync::commands::invoices::archive {

namespace fs = std::filesystem;

namespace {

constexpr int k_schema = 1;

json::Value amount_value(const std::optional<Decimal>& d, json::Allocator& a) {
    if (!d) {
        return json::Value(rapidjson::kNullType);
    }
    return json::str(d->to_string(), a);
}

std::optional<Decimal> read_amount(const json::Value& v, std::string_view key) {
    const auto s = json::get_string(v, key);
    return s ? Decimal::parse(*s) : std::nullopt;
}

} // namespace

std::string to_json(const ArchivedVoucher& v) {
    json::Document doc;
    doc.SetObject();
    auto& a = doc.GetAllocator();
    doc.AddMember("schema", k_schema, a);
    doc.AddMember("id", json::str(v.id, a), a);
    doc.AddMember("voucherType", json::str(v.type, a), a);
    doc.AddMember("voucherStatus", json::str(v.status, a), a);
    doc.AddMember("voucherNumber", json::str(v.number, a), a);
    doc.AddMember("updatedDate", json::str(v.updated_date, a), a);
    doc.AddMember("listOpenAmount", amount_value(v.list_open_amount, a), a);
    doc.AddMember("openAmount", amount_value(v.open_amount, a), a);
    json::Value contact(rapidjson::kObjectType);
    contact.AddMember("name", json::str(v.customer_name, a), a);
    contact.AddMember("number", json::str(v.customer_number, a), a);
    contact.AddMember("vatId", json::str(v.vat_id, a), a);
    doc.AddMember("customer", contact, a);
    json::Value files(rapidjson::kArrayType);
    for (const auto& f : v.files) {
        json::Value o(rapidjson::kObjectType);
        o.AddMember("kind", json::str(f.kind, a), a);
        o.AddMember("name", json::str(f.name, a), a);
        o.AddMember("sha256", json::str(f.sha256, a), a);
        o.AddMember("size", static_cast<std::uint64_t>(f.size), a);
        files.PushBack(o, a);
    }
    doc.AddMember("files", files, a);
    json::Value voucher;
    if (v.voucher.IsObject()) {
        voucher.CopyFrom(v.voucher, a);
    } else {
        voucher.SetObject();
    }
    doc.AddMember("voucher", voucher, a);
    return json::to_pretty_string(doc) + "\n";
}

std::optional<ArchivedVoucher> from_json(std::string_view text) {
    auto parsed = json::parse(text);
    if (!parsed || !parsed->IsObject() || json::get_int(*parsed, "schema") != k_schema) {
        return std::nullopt;
    }
    const json::Document& doc = *parsed;
    ArchivedVoucher v;
    v.id = json::get_string(doc, "id").value_or("");
    if (v.id.empty()) {
        return std::nullopt;
    }
    v.type = json::get_string(doc, "voucherType").value_or("");
    v.status = json::get_string(doc, "voucherStatus").value_or("");
    v.number = json::get_string(doc, "voucherNumber").value_or("");
    v.updated_date = json::get_string(doc, "updatedDate").value_or("");
    v.list_open_amount = read_amount(doc, "listOpenAmount");
    v.open_amount = read_amount(doc, "openAmount");
    v.customer_name = json::get_string(doc, "customer.name").value_or("");
    v.customer_number = json::get_string(doc, "customer.number").value_or("");
    v.vat_id = json::get_string(doc, "customer.vatId").value_or("");
    if (const auto* files = json::find(doc, "files"); files && files->IsArray()) {
        for (const auto& f : files->GetArray()) {
            ArchivedFile af;
            af.kind = json::get_string(f, "kind").value_or("");
            af.name = json::get_string(f, "name").value_or("");
            af.sha256 = json::get_string(f, "sha256").value_or("");
            af.size = static_cast<std::uint64_t>(json::get_int(f, "size").value_or(0));
            if (!is_safe_file_name(af.name)) {
                return std::nullopt; // never trust a stored name that could leave the directory
            }
            v.files.push_back(std::move(af));
        }
    }
    if (const auto* voucher = json::find(doc, "voucher"); voucher && voucher->IsObject()) {
        v.voucher.CopyFrom(*voucher, v.voucher.GetAllocator());
    } else {
        v.voucher.SetObject();
    }
    return v;
}

ArchiveDir::ArchiveDir(fs::path root) : m_root(std::move(root)), m_meta(m_root / ".lexsync") {
    std::error_code ec;
    fs::create_directories(m_meta / "vouchers", ec);
    if (ec) {
        throw Error(ExitCode::error, fmt::format("cannot create {}: {}",
                                                 (m_meta / "vouchers").string(), ec.message()));
    }
}

ArchiveDir::~ArchiveDir() = default;

void ArchiveDir::lock() {
    if (m_lock) {
        return;
    }
    const fs::path p = m_meta / "lock";
    auto lock = FileLock::acquire(p, FileLock::Wait::fail);
    if (!lock) {
        throw Error(ExitCode::error,
                    lock.error().busy
                        ? fmt::format("another lexsync run is writing to {} (lock {})",
                                      m_root.string(), p.string())
                        : lock.error().message);
    }
    m_lock.emplace(std::move(lock).value());
}

fs::path ArchiveDir::voucher_path(const std::string& id) const {
    return m_meta / "vouchers" / (safe_file_name(id) + ".json");
}

std::optional<ArchivedVoucher> ArchiveDir::load(const std::string& id) const {
    const auto text = read_file(voucher_path(id));
    if (!text) {
        return std::nullopt;
    }
    auto v = from_json(*text);
    if (!v || v->id != id) {
        return std::nullopt;
    }
    return v;
}

void ArchiveDir::save(const ArchivedVoucher& v) {
    write_file_atomically(voucher_path(v.id), to_json(v));
    if (m_owners) {
        for (const auto& f : v.files) {
            (*m_owners)[f.name] = v.id;
        }
    }
}

std::optional<std::string> ArchiveDir::owner_of(const std::string& name) {
    if (!m_owners) {
        m_owners.emplace();
        std::error_code ec;
        for (fs::directory_iterator it(m_meta / "vouchers", ec), end; !ec && it != end;
             it.increment(ec)) {
            if (it->path().extension() != ".json") {
                continue;
            }
            const auto text = read_file(it->path());
            if (!text) {
                continue;
            }
            if (auto v = from_json(*text)) {
                for (const auto& f : v->files) {
                    m_owners->emplace(f.name, v->id);
                }
            }
        }
    }
    auto it = m_owners->find(name);
    if (it == m_owners->end()) {
        return std::nullopt;
    }
    return it->second;
}

Placement ArchiveDir::place(const std::string& voucher_id, const std::string& stem,
                            const std::string& ext, const std::string& bytes) {
    const std::string hash = sha256_hex(bytes);
    Placement out;
    std::string first_different;
    for (int k = 1;; ++k) {
        const std::string name =
            k == 1 ? fmt::format("{}.{}", stem, ext) : fmt::format("{}_{}.{}", stem, k, ext);
        const fs::path path = m_root / name;
        std::error_code ec;
        if (!fs::exists(fs::symlink_status(path, ec))) {
            write_file_atomically(path, bytes);
            ++m_files_written;
            if (m_owners) {
                (*m_owners)[name] = voucher_id;
            }
            out.name = name;
            out.written = true;
            out.displaced = first_different;
            return out;
        }
        if (fs::is_regular_file(fs::symlink_status(path, ec))) {
            if (const auto existing = read_file(path); existing && sha256_hex(*existing) == hash) {
                out.name = name;
                return out;
            }
        }
        // A different file (or a link, or a directory) of that name: never replace it.
        const auto owner = owner_of(name);
        if ((!owner || *owner == voucher_id) && first_different.empty()) {
            first_different = name;
        }
    }
}

bool ArchiveDir::has_file(const std::string& name) const {
    std::error_code ec;
    return fs::is_regular_file(fs::symlink_status(m_root / name, ec));
}

void ArchiveDir::write(const std::string& name, const std::string& content) {
    write_file_atomically(m_root / name, content);
}

} // namespace lexsync::commands::invoices::archive
