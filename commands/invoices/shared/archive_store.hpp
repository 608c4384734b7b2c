// --- Interface ---
// The archive directory of `invoices pull`: the downloaded documents under safe names, and in
// DIR/.lexsync/vouchers/<id>.json every voucher as fetched (full JSON plus what the index needs),
// so that the index of a period is rebuilt from what is stored. Every file is written atomically,
// and a document is never replaced by different content: the new version goes beside it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/file_lock.hpp>
#include <lexsync/util/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lexsync::commands::invoices::archive {

// One downloaded document of a voucher.
struct ArchivedFile {
    std::string kind;   // "pdf" or "xml"
    std::string name;   // file name inside the archive directory
    std::string sha256; // of its bytes
    std::uint64_t size = 0;
};

// One voucher as stored: the list row's change markers, the resolved customer, the files and the
// full voucher JSON.
struct ArchivedVoucher {
    std::string id;
    std::string type;
    std::string status;
    std::string number;
    std::string updated_date;                // the voucher list's updatedDate when fetched
    std::optional<Decimal> list_open_amount; // the voucher list's openAmount when fetched
    std::optional<Decimal> open_amount;      // from the payments endpoint; none for drafts
    std::string customer_name;
    std::string customer_number;
    std::string vat_id;
    std::vector<ArchivedFile> files;
    json::Document voucher;

    ArchivedVoucher() = default;
    ArchivedVoucher(ArchivedVoucher&&) = default;
    ArchivedVoucher& operator=(ArchivedVoucher&&) = default;
};

// The stored form of `v` (JSON text) and back.
std::string to_json(const ArchivedVoucher& v);
std::optional<ArchivedVoucher> from_json(std::string_view text);

// Where a document went.
struct Placement {
    std::string name;      // its file name
    bool written = false;  // false: an identical file was already there
    std::string displaced; // set when `name` sits beside a different earlier version of that name
};

class ArchiveDir {
public:
    // Creates `root` and root/.lexsync/vouchers when missing; throws Error on failure.
    explicit ArchiveDir(std::filesystem::path root);
    ArchiveDir(const ArchiveDir&) = delete;
    ArchiveDir& operator=(const ArchiveDir&) = delete;
    ~ArchiveDir();

    // Takes the directory's lock for this process; throws Error when another run holds it.
    void lock();

    // The stored voucher `id`, or nullopt when there is none (or it is unreadable).
    std::optional<ArchivedVoucher> load(const std::string& id) const;
    // Stores `v` atomically.
    void save(const ArchivedVoucher& v);

    // Writes `bytes` as "<stem>.<ext>" for voucher `voucher_id`, or, when a file of that name holds
    // different content (or belongs to another voucher), as "<stem>_2.<ext>", "<stem>_3.<ext>", …;
    // an existing identical file is reused. `stem` must already be safe.
    Placement place(const std::string& voucher_id, const std::string& stem, const std::string& ext,
                    const std::string& bytes);

    // True when `name` exists in the archive directory.
    bool has_file(const std::string& name) const;
    // Writes the archive-level file `name` (e.g. index.csv) atomically.
    void write(const std::string& name, const std::string& content);

    const std::filesystem::path& root() const { return m_root; }
    // Number of document files written by place() so far.
    long files_written() const { return m_files_written; }

private:
    std::filesystem::path voucher_path(const std::string& id) const;
    // The voucher that lists `name` among its files, from the stored vouchers (read once).
    std::optional<std::string> owner_of(const std::string& name);

    std::filesystem::path m_root;
    std::filesystem::path m_meta;
    std::optional<FileLock> m_lock;
    long m_files_written = 0;
    std::optional<std::map<std::string, std::string>> m_owners;
};

} // namespace lexsync::commands::invoices::archive
