#include "commands/contacts/pull.hpp"

#include "cli/option_values.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "commands/contacts/shared/bank_accounts.hpp"
#include "commands/contacts/shared/flatten.hpp"

#include <fmt/format.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/records/contacts.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <memory>
#include <set>

namespace lexsync::commands::contacts {

void register_pull(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<PullOptions>();
    auto* cmd = parent.add_subcommand(
        "pull", "Write every contact (or a filtered set) to stdout or a file");
    cmd->add_flag("--customer", opts->customer, "Only customers");
    cmd->add_flag("--vendor", opts->vendor, "Only vendors");
    cmd->add_option("--name", opts->name,
                    "Company or person name (at least 3 characters; _ and % are wildcards)");
    cmd->add_option("--email", opts->email,
                    "E-mail address (at least 3 characters; _ and % are wildcards)");
    cmd->add_option("--number", opts->number, "Customer or vendor number");
    cmd->add_option("--out", opts->out, "Write to FILE atomically instead of stdout")
        ->type_name(k_file_value);
    cmd->add_flag("--bank-accounts", opts->bank_accounts,
                  "Each contact's bank accounts too, one more request per contact (partner OAuth "
                  "connections with contacts.bankaccounts.read only)");
    cmd->footer(R"(Examples:
  lexsync contacts pull -o csv --out contacts.csv
  lexsync contacts pull --customer --name 'Müller & Söhne%' -o table
  lexsync contacts pull -o ndjson | jq -r .id
  lexsync --profile partner contacts pull --bank-accounts -o csv --out contacts.csv)");
    cmd->callback([opts, &ctx] { run_pull(*opts, ctx); });
}

namespace {

// The listing's filters.
Query pull_query(const PullOptions& opts) {
    Query query;
    if (opts.customer) {
        query.emplace_back("customer", "true");
    }
    if (opts.vendor) {
        query.emplace_back("vendor", "true");
    }
    if (!opts.name.empty()) {
        query.emplace_back("name", search_term(opts.name));
    }
    if (!opts.email.empty()) {
        query.emplace_back("email", search_term(opts.email));
    }
    if (opts.number) {
        query.emplace_back("number", std::to_string(*opts.number));
    }
    return query;
}

// One warning per kind of detail the csv or table left out (counts of contacts).
void warn_left_out(Context& ctx, const std::string& format, long persons_left_out,
                   long addresses_left_out, long accounts_left_out) {
    if (persons_left_out > 0) {
        ctx.warn(fmt::format("contacts pull: {} contact{} more than {} contact persons; the csv "
                             "holds the first {} (-o json has all)",
                             persons_left_out, persons_left_out == 1 ? " has" : "s have",
                             lexsync::contacts::k_max_persons, lexsync::contacts::k_max_persons));
    }
    if (addresses_left_out > 0) {
        ctx.warn(fmt::format("contacts pull: {} contact{} more than {} billing or shipping "
                             "addresses; the csv holds the first {} of each kind (-o json has all)",
                             addresses_left_out, addresses_left_out == 1 ? " has" : "s have",
                             lexsync::contacts::k_max_addresses,
                             lexsync::contacts::k_max_addresses));
    }
    if (accounts_left_out > 0) {
        ctx.warn(fmt::format("contacts pull: {} contact{} more than one bank account; the {} "
                             "holds the first (-o json has all)",
                             accounts_left_out, accounts_left_out == 1 ? " has" : "s have",
                             format));
    }
}

} // namespace

void run_pull(const PullOptions& opts, Context& ctx) {
    for (const auto& [flag, value] :
         {std::pair{"--name", &opts.name}, std::pair{"--email", &opts.email}}) {
        if (!value->empty() && value->size() < 3) {
            throw Error(ExitCode::usage, fmt::format("{} needs at least 3 characters", flag));
        }
    }
    if (opts.bank_accounts) {
        // Before any request: an API key (or a connection without the scope) is refused for
        // every contact's bank accounts, so the pull would fail only after the first page.
        if (const std::string why = bank_accounts_problem(ctx, false); !why.empty()) {
            throw Error(ExitCode::config, bank_accounts_refusal("contacts pull", why, false));
        }
    }
    const Query query = pull_query(opts);

    const std::string format = ctx.output_format();
    std::unique_ptr<AtomicFile> file;
    if (!opts.out.empty()) {
        file = std::make_unique<AtomicFile>(opts.out);
    }
    // csv has the columns push reads (a pulled file pushes back unchanged); table the short view.
    const bool csv = format == "csv";
    auto writer =
        ctx.writer(csv ? push_columns(opts.bank_accounts) : flat_columns(opts.bank_accounts),
                   file ? &file->stream() : nullptr);
    const bool flat = csv || format == "table";

    Progress progress(ctx, "contacts pull", "contacts");
    long listed = 0; // what the progress counts: entries read, a contact listed twice too
    long written = 0;
    long persons_left_out = 0;   // csv: contacts with more contact persons than it has columns for
    long addresses_left_out = 0; // csv: contacts with more addresses of a kind than that
    long accounts_left_out = 0;  // csv, table: contacts with more than one bank account
    // --bank-accounts: the contact's accounts, one request each (a bare JSON array).
    auto bank_accounts_of = [&](const json::Value& contact) {
        const std::string id = json::get_string(contact, "id").value_or("");
        return value_or_throw(ctx.client().get_json("/v1/contacts/" + id + "/bankaccounts"),
                              "reading the bank accounts of contact " + id);
    };
    std::set<std::string> seen; // ids, when two listings may overlap
    bool dedupe = false;
    auto write = [&](const json::Value& contact) {
        progress.update(static_cast<std::size_t>(++listed));
        if (dedupe && !seen.insert(json::get_string(contact, "id").value_or("")).second) {
            return; // a customer that is also a vendor, listed twice
        }
        std::optional<json::Document> accounts;
        if (opts.bank_accounts) {
            accounts = bank_accounts_of(contact);
        }
        if (flat) {
            // A fresh document per contact: a reused one keeps every earlier allocation in its
            // memory pool, and memory would grow with the number of contacts.
            json::Document flat_doc;
            if (csv) {
                std::size_t addresses = 0;
                persons_left_out += flatten_for_push(contact, flat_doc, &addresses) > 0 ? 1 : 0;
                addresses_left_out += addresses > 0 ? 1 : 0;
            } else {
                flatten(contact, flat_doc);
            }
            if (accounts) {
                accounts_left_out += flatten_bank_accounts(*accounts, flat_doc) > 0 ? 1 : 0;
            }
            writer->write(flat_doc);
        } else if (accounts) {
            // json, ndjson: the contact with its accounts as lexoffice lists them.
            json::Document with;
            with.CopyFrom(contact, with.GetAllocator());
            json::Value list(rapidjson::kArrayType);
            if (accounts->IsArray()) {
                list.CopyFrom(*accounts, with.GetAllocator());
            }
            with.AddMember("bankAccounts", list, with.GetAllocator());
            writer->write(with);
        } else {
            writer->write(contact);
        }
        ++written;
    };
    // Past lexoffice's 10,000-result window a listing cannot be read: an --out file is then not
    // written at all rather than cut short.
    auto capped = [&] {
        progress.finish();
        throw Error(ExitCode::partial,
                    fmt::format("lexoffice lists at most {} results per query; narrow it with "
                                "--customer, --vendor or --name to get the rest{}",
                                PageIterator::k_window,
                                file ? fmt::format(" ({} not written)", opts.out) : std::string()));
    };
    // Reads every page of `q`; the first page is already in `pages` when `started`.
    auto read_all = [&](PageIterator& pages, bool started) {
        if (started) {
            for (const auto& item : pages.items().GetArray()) {
                write(item);
            }
        }
        value_or_throw(pages.for_each(write), "contacts pull");
        if (pages.window_capped()) {
            capped();
        }
    };

    PageIterator pages(ctx.client(), "/v1/contacts", query, 250);
    const bool any = value_or_throw(pages.next(), "contacts pull");
    const bool unfiltered =
        !opts.customer && !opts.vendor && opts.name.empty() && opts.email.empty() && !opts.number;
    if (any && unfiltered && pages.total_elements() >= PageIterator::k_window) {
        // More contacts than one listing shows: every contact is a customer or a vendor (or
        // both), so the two role listings together are all of them, each below the window.
        // Their first pages come first: their totals are the progress's total (a contact in
        // both roles is counted, and listed, twice), as totalElements stops at the window.
        dedupe = true;
        std::vector<std::unique_ptr<PageIterator>> parts;
        std::vector<bool> started;
        std::size_t total = 0;
        for (const char* role : {"customer", "vendor"}) {
            Query q = query;
            q.emplace_back(role, "true");
            parts.push_back(std::make_unique<PageIterator>(ctx.client(), "/v1/contacts", q, 250));
            started.push_back(value_or_throw(parts.back()->next(), "contacts pull"));
            total += static_cast<std::size_t>(std::max(0L, parts.back()->total_elements()));
        }
        progress.set_total(total);
        for (std::size_t i = 0; i < parts.size(); ++i) {
            read_all(*parts[i], started[i]);
        }
    } else if (any) {
        if (pages.total_elements() >= 0) {
            progress.set_total(static_cast<std::size_t>(pages.total_elements()));
        }
        read_all(pages, true);
    }
    progress.finish();
    writer->finish();
    if (file) {
        file->commit();
    }
    warn_left_out(ctx, format, persons_left_out, addresses_left_out, accounts_left_out);
    ctx.info(fmt::format("contacts pull: {} contact{}{}", written, written == 1 ? "" : "s",
                         file ? " written to " + opts.out : ""));
}

} // namespace lexsync::commands::contacts
