#include <algorithm>
#include <cctype>
#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/api/webhook.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/encoding.hpp>
#include <lexsync/util/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sstream>

namespace lexsync::webhook {

const std::vector<std::string>& event_types() {
    static const std::vector<std::string> types = [] {
        const std::vector<std::pair<std::string, std::vector<std::string>>> table = {
            {"article", {"created", "changed", "deleted"}},
            {"contact", {"created", "changed", "deleted"}},
            {"credit-note", {"created", "changed", "deleted", "status.changed"}},
            {"delivery-note", {"created", "changed", "deleted", "status.changed"}},
            {"down-payment-invoice", {"created", "changed", "deleted", "status.changed"}},
            {"dunning", {"created", "changed", "deleted"}},
            {"invoice", {"created", "changed", "deleted", "status.changed"}},
            {"order-confirmation", {"created", "changed", "deleted", "status.changed"}},
            {"payment", {"changed"}},
            {"quotation", {"created", "changed", "deleted", "status.changed"}},
            {"recurring-template", {"created", "changed", "deleted"}},
            {"token", {"revoked"}},
            {"voucher", {"created", "changed", "deleted", "status.changed"}},
        };
        std::vector<std::string> out;
        for (const auto& [resource, events] : table) {
            for (const auto& e : events) {
                out.push_back(resource + "." + e);
            }
        }
        return out;
    }();
    return types;
}

bool is_event_type(std::string_view type) {
    std::string t(type);
    for (auto& c : t) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto& all = event_types();
    return std::find(all.begin(), all.end(), t) != all.end();
}

struct PublicKey::Impl {
    EVP_PKEY* key = nullptr;
    ~Impl() { EVP_PKEY_free(key); }
};

PublicKey::PublicKey() = default;
PublicKey::~PublicKey() = default;
PublicKey::PublicKey(PublicKey&& other) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&& other) noexcept = default;

Result<PublicKey, std::string> PublicKey::from_pem(std::string_view pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) {
        return unexpected(std::string("out of memory"));
    }
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key == nullptr) {
        return unexpected(std::string("not a PEM public key"));
    }
    if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        return unexpected(std::string("not an RSA public key"));
    }
    PublicKey k;
    k.m_impl = std::make_unique<Impl>();
    k.m_impl->key = key;
    return k;
}

Result<PublicKey, std::string> PublicKey::from_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return unexpected(fmt::format("{}: cannot read the file", file.string()));
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    auto key = from_pem(buf.str());
    if (!key) {
        return unexpected(fmt::format("{}: {}", file.string(), key.error()));
    }
    return key;
}

bool PublicKey::verify(std::string_view body, std::string_view signature_base64) const {
    if (!m_impl || m_impl->key == nullptr) {
        return false;
    }
    const auto sig = base64_decode(signature_base64);
    if (!sig || sig->empty()) {
        return false;
    }
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) {
        return false;
    }
    // RSA keys default to PKCS#1 v1.5 padding.
    const bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha512(), nullptr, m_impl->key) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                         reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

Result<Event, std::string> parse_event(std::string_view body) {
    auto doc = json::parse(body);
    if (!doc) {
        return unexpected("not JSON: " + doc.error());
    }
    if (!doc->IsObject()) {
        return unexpected(std::string("not a JSON object"));
    }
    Event e;
    for (const auto& [name, dst] :
         {std::pair{"organizationId", &e.organization_id}, std::pair{"eventType", &e.event_type},
          std::pair{"resourceId", &e.resource_id}, std::pair{"eventDate", &e.event_date}}) {
        auto v = json::get_string(*doc, name);
        if (!v || v->empty()) {
            return unexpected(fmt::format("{} is missing or not a string", name));
        }
        *dst = *v;
    }
    return e;
}

std::string to_json(const Event& e) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("organizationId");
    w.String(e.organization_id);
    w.Key("eventType");
    w.String(e.event_type);
    w.Key("resourceId");
    w.String(e.resource_id);
    w.Key("eventDate");
    w.String(e.event_date);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

namespace {

std::string event_key(const Event& e) {
    return e.event_type + "\n" + e.resource_id + "\n" + e.event_date;
}

} // namespace

ReplayGuard::ReplayGuard(StateStore& state) : m_state(state) {
    m_state.db().exec("CREATE TABLE IF NOT EXISTS webhook_events ("
                      "key TEXT PRIMARY KEY, organization_id TEXT NOT NULL, "
                      "received_at TEXT NOT NULL)");
    m_state.db().exec("CREATE TABLE IF NOT EXISTS webhook_queue ("
                      "id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, "
                      "body TEXT NOT NULL, signature TEXT NOT NULL)");
}

namespace {

// Inserts `e` into webhook_events; true when it was not there (the caller holds the lock).
bool record(sqlite::Database& db, const Event& e) {
    const std::string now = utc_timestamp(std::time(nullptr));
    db.prepare("INSERT OR IGNORE INTO webhook_events (key, organization_id, received_at) "
               "VALUES (?, ?, ?)")
        .bind(1, event_key(e))
        .bind(2, e.organization_id)
        .bind(3, std::string_view(now))
        .run();
    return db.changes() == 1;
}

} // namespace

bool ReplayGuard::first_time(const Event& e) {
    std::lock_guard lock(m_mutex);
    return record(m_state.db(), e);
}

ReplayGuard::Admission ReplayGuard::admit(const Event& e, std::string_view body,
                                          std::string_view signature) {
    std::lock_guard lock(m_mutex);
    auto& db = m_state.db();
    sqlite::Transaction tx(db);
    const std::string key = event_key(e);
    {
        auto st = db.prepare("SELECT 1 FROM webhook_queue WHERE key = ?");
        st.bind(1, key);
        if (st.step()) {
            return Admission::already_queued;
        }
    }
    if (!record(db, e)) {
        return Admission::replay;
    }
    db.prepare("INSERT INTO webhook_queue (key, body, signature) VALUES (?, ?, ?)")
        .bind(1, key)
        .bind(2, body)
        .bind(3, signature)
        .run();
    tx.commit(); // synchronous=FULL: on disk before the sender hears 200
    return Admission::queued;
}

std::optional<ReplayGuard::Queued> ReplayGuard::next_queued() {
    std::lock_guard lock(m_mutex);
    auto st =
        m_state.db().prepare("SELECT id, body, signature FROM webhook_queue ORDER BY id LIMIT 1");
    if (!st.step()) {
        return std::nullopt;
    }
    return Queued{st.column_int(0), st.column_text(1), st.column_text(2)};
}

void ReplayGuard::done(std::int64_t id) {
    std::lock_guard lock(m_mutex);
    m_state.db().prepare("DELETE FROM webhook_queue WHERE id = ?").bind(1, id).run();
}

bool ReplayGuard::seen(const Event& e) {
    std::lock_guard lock(m_mutex);
    auto st = m_state.db().prepare("SELECT 1 FROM webhook_events WHERE key = ?");
    st.bind(1, event_key(e));
    return st.step();
}

} // namespace lexsync::webhook
