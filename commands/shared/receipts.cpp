#include "commands/shared/receipts.hpp"

#include <fstream>
#include <lexsync/store/settle.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/encoding.hpp>
#include <sstream>

namespace lexsync::commands::receipts {

std::string category_hash(const std::string& category_id) {
    return sha256_hex("category:" + category_id);
}

bool stops_run(const ApiError& e) {
    return (e.kind == ApiError::Kind::network && !e.maybe_executed) ||
           e.kind == ApiError::Kind::rate_limited || e.kind == ApiError::Kind::auth;
}

std::int64_t file_count(const json::Value& voucher) {
    const auto* files = json::find(voucher, "files");
    return files && files->IsArray() ? static_cast<std::int64_t>(files->Size()) : 0;
}

std::string last_file(const json::Value& voucher) {
    const auto* files = json::find(voucher, "files");
    if (!files || !files->IsArray() || files->Empty()) {
        return {};
    }
    const auto& last = (*files)[files->Size() - 1];
    return last.IsString() ? last.GetString() : "";
}

ReceiptLedger::ReceiptLedger(Context& ctx, bool dry_run) : m_ctx(ctx), m_dry_run(dry_run) {}

ReceiptEntries ReceiptLedger::entries(const std::string& sha) {
    return {m_ctx.state().get(k_receipt, sha), m_ctx.state().get(k_receipt_voucher, sha)};
}

bool ReceiptLedger::in_flight(const ReceiptEntries& e) const {
    const auto now = m_ctx.clock.now();
    const auto timeout = m_ctx.profile().request_timeout();
    return (e.receipt && !is_settled(*e.receipt, now, timeout)) ||
           (e.voucher && !is_settled(*e.voucher, now, timeout));
}

std::vector<LedgerEntry> ReceiptLedger::pending(const std::string& sha) {
    std::vector<LedgerEntry> out;
    for (const char* kind : {k_receipt, k_receipt_voucher}) {
        if (auto e = m_ctx.state().get(kind, sha); e && e->status == "pending") {
            out.push_back(*e);
        }
    }
    return out;
}

void ReceiptLedger::record(const char* kind, const std::string& sha, const std::string& voucher_id,
                           const std::string& number, std::int64_t version,
                           const std::string& hash) {
    if (m_dry_run) {
        return;
    }
    LedgerEntry e;
    e.kind = kind;
    e.key = sha;
    e.content_hash = hash;
    e.status = "done";
    e.remote_id = voucher_id;
    e.remote_number = number;
    e.remote_version = version;
    e.run_id = m_run;
    m_ctx.state().mark_done(e);
}

void ReceiptLedger::forget(const char* kind, const std::string& sha) {
    if (!m_dry_run) {
        m_ctx.state().forget(kind, sha);
    }
}

ReceiptLedger::Listed
ReceiptLedger::read_numbers(ApiClient& client, const lexsync::vouchers::VoucherListQuery& query) {
    return lexsync::vouchers::list_vouchers(client, query);
}

void ReceiptLedger::keep_numbers(Listed listed) {
    if (listed) {
        m_numbers = lexsync::vouchers::NumberIndex(*listed);
    } else if (listed.error().status == 403) {
        // A connection without voucherlist.read: one lookup per number instead.
        m_no_voucher_list = true;
    }
}

Result<std::vector<json::Document>, ApiError>
ReceiptLedger::by_number(const std::string& number, lexsync::vouchers::VoucherType type,
                         bool fresh) {
    ApiClient& client = m_ctx.client();
    if (!fresh && !m_numbers && !m_no_voucher_list) {
        auto listed = read_numbers(client, m_numbers_query);
        if (!listed && listed.error().status != 403) {
            return unexpected(std::move(listed).error());
        }
        keep_numbers(std::move(listed));
    }
    std::vector<json::Document> found;
    if (fresh || !m_numbers) {
        auto searched = lexsync::vouchers::find_by_number(client, number);
        if (!searched) {
            return unexpected(std::move(searched).error());
        }
        found = std::move(*searched);
    } else {
        for (const auto& id : m_numbers->find(number, type)) {
            auto v = lexsync::vouchers::get_voucher(client, m_ctx.clock, id);
            if (!v) {
                return unexpected(std::move(v).error());
            }
            found.push_back(std::move(*v));
        }
    }
    std::vector<json::Document> same_type;
    for (auto& v : found) {
        if (json::get_string(v, "type").value_or("") == lexsync::vouchers::type_name(type)) {
            same_type.push_back(std::move(v));
        }
    }
    return same_type;
}

std::string ReceiptLedger::adopt(const std::string& sha, const json::Value& voucher,
                                 const std::string& number, const std::string& hash,
                                 bool holds_receipt) {
    const std::string id = json::get_string(voucher, "id").value_or("");
    record(k_receipt_voucher, sha, id, number, file_count(voucher), hash);
    const std::string file = last_file(voucher);
    if (holds_receipt && file_count(voucher) > 0) {
        record(k_receipt, sha, id, file, 0, sha);
    }
    return file;
}

Write ReceiptLedger::create(const std::string& sha, const std::string& number,
                            lexsync::vouchers::VoucherType type, const std::string& body,
                            const std::string& hash) {
    begin_create(sha, hash);
    return end_create(sha, number, type, hash, send_create(m_ctx.client(), body));
}

void ReceiptLedger::begin_create(const std::string& sha, const std::string& hash) {
    m_ctx.state().mark_pending(k_receipt_voucher, sha, hash, m_run);
}

Result<json::Document, ApiError> ReceiptLedger::send_create(ApiClient& client,
                                                            const std::string& body) {
    return client.post_json("/v1/vouchers", body);
}

Write ReceiptLedger::end_create(const std::string& sha, const std::string& number,
                                lexsync::vouchers::VoucherType type, const std::string& hash,
                                Result<json::Document, ApiError> post) {
    Write w;
    if (post) {
        w.status = Write::Status::done;
        w.id = json::get_string(*post, "id").value_or("");
        record(k_receipt_voucher, sha, w.id, number, 0, hash);
        if (m_numbers) {
            m_numbers->add(number, type, w.id);
        }
        return w;
    }
    w.error = post.error();
    if (w.error.maybe_executed) {
        // The POST may have created the voucher: once it can no longer be in flight, its number
        // tells. Never sent again before.
        m_ctx.state().mark_pending(k_receipt_voucher, sha, hash, m_run);
        w.status = Write::Status::pending;
        return w;
    }
    m_ctx.state().forget(k_receipt_voucher, sha);
    w.status = Write::Status::failed;
    return w;
}

Write ReceiptLedger::attach(const ReceiptFile& file, const std::string& voucher_id) {
    auto bytes = begin_attach(file);
    if (!bytes) {
        Write w;
        w.status = Write::Status::changed;
        return w;
    }
    return end_attach(file, voucher_id,
                      send_attach(m_ctx.client(), file, voucher_id, std::move(*bytes)));
}

std::optional<std::string> ReceiptLedger::begin_attach(const ReceiptFile& file) {
    auto bytes = content(file);
    if (bytes) {
        m_ctx.state().mark_pending(k_receipt, file.sha, file.sha, m_run);
    }
    return bytes;
}

Result<std::string, ApiError> ReceiptLedger::send_attach(ApiClient& client, const ReceiptFile& file,
                                                         const std::string& voucher_id,
                                                         std::string bytes) {
    return lexsync::vouchers::attach_file(client, voucher_id, file.path.filename().string(),
                                          std::move(bytes), file_check::content_type(file.kind));
}

Write ReceiptLedger::end_attach(const ReceiptFile& file, const std::string& voucher_id,
                                Result<std::string, ApiError> a) {
    Write w;
    if (a) {
        record(k_receipt, file.sha, voucher_id, *a, 0, file.sha);
        w.status = Write::Status::done;
        w.id = *a;
        return w;
    }
    w.error = a.error();
    if (w.error.maybe_executed) {
        // The voucher's files tell, once the attach can no longer be in flight.
        m_ctx.state().mark_pending(k_receipt, file.sha, file.sha, m_run);
        w.status = Write::Status::pending;
        return w;
    }
    m_ctx.state().forget(k_receipt, file.sha);
    w.status = Write::Status::failed;
    return w;
}

Result<std::optional<std::string>, ApiError>
ReceiptLedger::confirm_attach(const std::string& sha, const LedgerEntry& voucher) {
    auto v = lexsync::vouchers::get_voucher(m_ctx.client(), m_ctx.clock, voucher.remote_id);
    if (!v) {
        return unexpected(std::move(v).error());
    }
    if (file_count(*v) <= voucher.remote_version) {
        return std::optional<std::string>();
    }
    const std::string file = last_file(*v);
    record(k_receipt, sha, voucher.remote_id, file, 0, sha);
    return std::optional<std::string>(file);
}

std::optional<std::string> ReceiptLedger::content(const ReceiptFile& file) {
    auto content = read_file(file.path);
    if (!content || sha256_hex(*content) != file.sha) {
        return std::nullopt;
    }
    return content;
}

} // namespace lexsync::commands::receipts
