#include "temp_dir.hpp"

#include <chrono>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <lexsync/api/account.hpp>
#include <lexsync/store/settle.hpp>
#include <lexsync/store/state.hpp>
#include <sys/stat.h>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace {

using lexsync::testing::TempDir;

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

} // namespace

TEST_SUITE("lexsync::StateStore") {
    TEST_CASE("the store creates a private directory and file with the current schema") {
        TempDir dir;
        const fs::path db = dir.path / "state" / "shop" / "state.db";
        lexsync::StateStore store(db);
        CHECK(mode_of(db.parent_path()) == 0700);
        CHECK(mode_of(db) == 0600);
        auto st = store.db().prepare("PRAGMA user_version");
        REQUIRE(st.step());
        CHECK(st.column_int(0) == 2);
        auto jm = store.db().prepare("PRAGMA journal_mode");
        REQUIRE(jm.step());
        CHECK(jm.column_text(0) == "wal");
    }

    TEST_CASE("a pending entry becomes done and round-trips every field") {
        TempDir dir;
        lexsync::StateStore store(dir.path / "state.db");
        const auto run = store.begin_run("contacts push");
        CHECK_FALSE(store.get("contact", "K-1").has_value());

        store.mark_pending("contact", "K-1", "hash1", run);
        auto e = store.get("contact", "K-1");
        REQUIRE(e);
        CHECK(e->status == "pending");
        CHECK(e->content_hash == "hash1");
        CHECK(e->run_id == run);
        CHECK(e->remote_id.empty());
        CHECK(e->updated_at.size() == 24); // 2026-01-02T03:04:05.678Z
        CHECK(e->updated_at.back() == 'Z');
        REQUIRE(store.pending("contact").size() == 1);
        CHECK(store.pending("invoice").empty());
        CHECK(store.count_done("contact") == 0);

        lexsync::LedgerEntry done;
        done.kind = "contact";
        done.key = "K-1";
        done.content_hash = "hash1";
        done.remote_id = "0a1b-uuid";
        done.remote_version = 3;
        done.remote_number = "10042";
        done.run_id = run;
        store.mark_done(done);
        e = store.get("contact", "K-1");
        REQUIRE(e);
        CHECK(e->status == "done");
        CHECK(e->remote_id == "0a1b-uuid");
        CHECK(e->remote_version == 3);
        CHECK(e->remote_number == "10042");
        CHECK(store.pending("contact").empty());
        CHECK(store.count_done("contact") == 1);
    }

    TEST_CASE("marking a done entry pending again keeps its remote id for reconciliation") {
        TempDir dir;
        lexsync::StateStore store(dir.path / "state.db");
        lexsync::LedgerEntry done;
        done.kind = "contact";
        done.key = "K-2";
        done.content_hash = "old";
        done.remote_id = "rid";
        done.remote_version = 1;
        store.mark_done(done);
        store.mark_pending("contact", "K-2", "new", 7);
        auto e = store.get("contact", "K-2");
        REQUIRE(e);
        CHECK(e->status == "pending");
        CHECK(e->content_hash == "new");
        CHECK(e->remote_id == "rid");
        CHECK(e->run_id == 7);
        store.forget("contact", "K-2");
        CHECK_FALSE(store.get("contact", "K-2").has_value());
    }

    TEST_CASE("data survives closing and reopening") {
        TempDir dir;
        const fs::path db = dir.path / "state.db";
        std::int64_t run = 0;
        {
            lexsync::StateStore store(db);
            run = store.begin_run("vouchers upload");
            store.mark_pending("voucher", "a.pdf", "h", run);
            store.set_cursor("contacts.pull", "2026-01-01T00:00:00.000+01:00");
            store.finish_run(run, "partial", R"({"created":1,"failed":1})");
        }
        lexsync::StateStore store(db);
        auto e = store.get("voucher", "a.pdf");
        REQUIRE(e);
        CHECK(e->status == "pending");
        CHECK(store.cursor("contacts.pull") == "2026-01-01T00:00:00.000+01:00");
        CHECK_FALSE(store.cursor("other").has_value());
        store.set_cursor("contacts.pull", "later");
        CHECK(store.cursor("contacts.pull") == "later");

        auto st = store.db().prepare(
            "SELECT command, status, summary, finished_at IS NOT NULL FROM runs WHERE id = ?1");
        st.bind(1, run);
        REQUIRE(st.step());
        CHECK(st.column_text(0) == "vouchers upload");
        CHECK(st.column_text(1) == "partial");
        CHECK(st.column_text(2) == R"({"created":1,"failed":1})");
        CHECK(st.column_int(3) == 1);
        CHECK(store.begin_run("next") > run);
    }

    TEST_CASE("a ledger of schema version 1 (before the account table) is migrated on open") {
        TempDir dir;
        const fs::path db = dir.path / "state.db";
        {
            // What lexsync wrote before the ledger was bound to an account, verbatim.
            lexsync::sqlite::Database old(db.string());
            old.exec(R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    summary TEXT
);
CREATE TABLE ledger (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    content_hash TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    remote_id TEXT NOT NULL DEFAULT '',
    remote_version INTEGER NOT NULL DEFAULT 0,
    remote_number TEXT NOT NULL DEFAULT '',
    run_id INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX ledger_status ON ledger (kind, status);
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO runs (command, started_at, finished_at, status, summary)
VALUES ('invoices export', '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:05.000Z', 'ok', '{}');
INSERT INTO ledger (kind, key, content_hash, status, remote_id, remote_version, remote_number,
                    run_id, updated_at)
VALUES ('invoice', 'invoice:RE-1', 'abc', 'done', 'id-1', 3, 'RE0001', 1,
        '2026-03-01T10:00:04.000Z'),
       ('invoice', 'invoice:RE-2', 'def', 'pending', '', 0, '', 1, '2026-03-01T10:00:05.000Z');
INSERT INTO cursors (name, value) VALUES ('invoices-pull', '2026-03-01');
PRAGMA user_version = 1;
)sql");
        }
        lexsync::StateStore store(db);
        auto st = store.db().prepare("PRAGMA user_version");
        REQUIRE(st.step());
        CHECK(st.column_int(0) == 2);
        // Everything the old version recorded is still there, unchanged.
        const auto done = store.get("invoice", "invoice:RE-1");
        REQUIRE(done);
        CHECK(done->status == "done");
        CHECK(done->remote_id == "id-1");
        CHECK(done->remote_version == 3);
        CHECK(done->remote_number == "RE0001");
        CHECK(done->content_hash == "abc");
        CHECK(done->updated_at == "2026-03-01T10:00:04.000Z");
        REQUIRE(store.pending("invoice").size() == 1);
        CHECK(store.pending("invoice")[0].key == "invoice:RE-2");
        CHECK(store.cursor("invoices-pull") == "2026-03-01");
        CHECK(store.begin_run("invoices export") == 2);
        // The old ledger names no account: it is unbound until the first run binds it.
        CHECK_FALSE(store.bound_account());
        store.bind_account("org-1", "https://api.lexware.io", "Shop GmbH");
        REQUIRE(store.bound_account());
        CHECK(store.bound_account()->first == "org-1");
    }

    TEST_CASE("an empty file (schema version 0) gets the whole current schema") {
        TempDir dir;
        const fs::path db = dir.path / "state.db";
        { lexsync::sqlite::Database empty(db.string()); }
        lexsync::StateStore store(db);
        auto st = store.db().prepare("PRAGMA user_version");
        REQUIRE(st.step());
        CHECK(st.column_int(0) == 2);
        CHECK_FALSE(store.bound_account());
        CHECK(store.count_done("invoice") == 0);
    }

    TEST_CASE("a database from a newer version is refused") {
        TempDir dir;
        const fs::path db = dir.path / "state.db";
        {
            lexsync::StateStore store(db);
            store.db().exec("PRAGMA user_version = 99");
        }
        CHECK_THROWS_AS(lexsync::StateStore{db}, lexsync::sqlite::SqliteError);
    }

    TEST_CASE("a pending write settles one request timeout (and a second) after its mark") {
        lexsync::LedgerEntry e;
        e.updated_at = "2026-03-01T10:00:00.250Z";
        const auto at = lexsync::settled_at(e, std::chrono::seconds(60));
        // 2026-03-01T10:00:00Z is 1772359200 seconds after the epoch.
        CHECK(at == std::chrono::system_clock::from_time_t(1772359200) +
                        std::chrono::milliseconds(250) + std::chrono::seconds(61));
        e.updated_at = "garbage";
        CHECK(lexsync::settled_at(e, std::chrono::seconds(60)) == lexsync::Clock::time_point{});
    }

    TEST_CASE("an entry is settled when it is not pending or its write can no longer run") {
        const auto mark = std::chrono::system_clock::from_time_t(1772359200); // 10:00:00Z
        lexsync::LedgerEntry e;
        e.status = "pending";
        e.updated_at = "2026-03-01T10:00:00.000Z";
        const auto timeout = std::chrono::seconds(30);
        // Pending: unsettled up to mark + timeout + 1 s, settled from that moment on.
        CHECK_FALSE(lexsync::is_settled(e, mark, timeout));
        CHECK_FALSE(lexsync::is_settled(e, mark + std::chrono::milliseconds(30999), timeout));
        CHECK(lexsync::is_settled(e, mark + std::chrono::seconds(31), timeout));
        // An unreadable timestamp is older than any run.
        e.updated_at = "garbage";
        CHECK(lexsync::is_settled(e, mark, timeout));
        // Done (or any status but pending) is settled at once, whatever its timestamp.
        e.updated_at = "2026-03-01T10:00:00.000Z";
        e.status = "done";
        CHECK(lexsync::is_settled(e, mark, timeout));
        e.status = "unknown";
        CHECK(lexsync::is_settled(e, mark, timeout));
    }

    TEST_CASE("waiting for pending writes sleeps until the newest one is settled") {
        lexsync::FakeClock clock(std::chrono::system_clock::from_time_t(1772359200) +
                                 std::chrono::seconds(5));
        lexsync::LedgerEntry old_one;
        old_one.updated_at = "2026-03-01T09:00:00.000Z";
        lexsync::LedgerEntry recent;
        recent.updated_at = "2026-03-01T10:00:00.000Z";
        const auto slept =
            lexsync::wait_until_settled(clock, {old_one, recent}, std::chrono::seconds(10));
        CHECK(slept == std::chrono::seconds(6));
        CHECK(clock.total_slept() == std::chrono::seconds(6));
        CHECK(lexsync::wait_until_settled(clock, {old_one, recent}, std::chrono::seconds(10)) ==
              lexsync::Clock::duration::zero());
    }

    TEST_CASE("the wait tells its length before it sleeps, also when there is none") {
        lexsync::FakeClock clock(std::chrono::system_clock::from_time_t(1772359200) +
                                 std::chrono::seconds(5));
        lexsync::LedgerEntry recent;
        recent.updated_at = "2026-03-01T10:00:00.000Z";
        std::vector<std::pair<lexsync::Clock::duration, lexsync::Clock::duration>> told;
        const auto notice = [&](lexsync::Clock::duration left) {
            told.emplace_back(left, clock.total_slept());
        };
        lexsync::wait_until_settled(clock, {recent}, std::chrono::seconds(10), notice);
        lexsync::wait_until_settled(clock, {recent}, std::chrono::seconds(10), notice);
        REQUIRE(told.size() == 2);
        CHECK(told[0].first == std::chrono::seconds(6));
        CHECK(told[0].second == lexsync::Clock::duration::zero()); // before the sleep
        CHECK(told[1].first == lexsync::Clock::duration::zero());
    }
}

TEST_SUITE("lexsync::Account") {
    TEST_CASE("each organisation and API host has its own ledger, bound on first use") {
        TempDir dir;
        const lexsync::Account a{"aaaaaaaa-0000-4000-8000-000000000001", "Alpha GmbH",
                                 "https://api.lexware.io"};
        const lexsync::Account b{"bbbbbbbb-0000-4000-8000-000000000002", "Beta GmbH",
                                 "https://api.lexware.io"};
        const lexsync::Account legacy_host{a.organization_id, a.company_name,
                                           "https://API.lexoffice.io/"};
        const lexsync::Account local{a.organization_id, a.company_name, "http://127.0.0.1:8080"};
        CHECK(lexsync::ledger_file(dir.path, a) != lexsync::ledger_file(dir.path, b));
        CHECK(lexsync::ledger_file(dir.path, a) == lexsync::ledger_file(dir.path, legacy_host));
        CHECK(lexsync::ledger_file(dir.path, a) != lexsync::ledger_file(dir.path, local));
        {
            auto store = lexsync::open_account_state(dir.path, a);
            store->mark_pending("invoice", "invoice:RE-1", "h", 1);
            const auto bound = store->bound_account();
            REQUIRE(bound);
            CHECK(bound->first == a.organization_id);
        }
        // Another organisation sees nothing of it.
        auto other = lexsync::open_account_state(dir.path, b);
        CHECK_FALSE(other->get("invoice", "invoice:RE-1"));
        // A file of one organisation opened for another (a copy) is refused.
        fs::copy_file(lexsync::ledger_file(dir.path, a), dir.path / "copy.db");
        lexsync::StateStore copy(dir.path / "copy.db");
        copy.bind_account(b.organization_id, b.base_url, b.company_name);
        CHECK(copy.bound_account()->first == a.organization_id);
    }

    TEST_CASE("an organisation id from the server never leaves the state directory") {
        TempDir dir;
        const lexsync::Account evil{"../../etc/x", "", "https://api.lexware.io"};
        const auto file = lexsync::ledger_file(dir.path, evil);
        CHECK(file.parent_path() == dir.path);
        CHECK(file.filename().string().find("..") == std::string::npos);
    }

    TEST_CASE("remembering the account of a profile reports a change of organisation") {
        TempDir dir;
        const lexsync::Account a{"aaaaaaaa-0000-4000-8000-000000000001", "Alpha GmbH",
                                 "https://api.lexware.io"};
        const lexsync::Account b{"bbbbbbbb-0000-4000-8000-000000000002", "Beta GmbH",
                                 "https://api.lexware.io"};
        CHECK_FALSE(lexsync::remember_account(dir.path, "shop", a));
        CHECK_FALSE(lexsync::remember_account(dir.path, "shop", a));
        const auto before = lexsync::remember_account(dir.path, "shop", b);
        REQUIRE(before);
        CHECK(before->organization_id == a.organization_id);
        CHECK(before->company_name == "Alpha GmbH");
        CHECK_FALSE(lexsync::remember_account(dir.path, "other", b));
    }
}
