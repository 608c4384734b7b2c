#include "commands/contacts/pull.hpp"

#include "cli/output.hpp"
#include "commands/contacts/shared/flatten.hpp"

#include <fmt/format.h>
#include <lexsync/atomic_file.hpp>
#include <lexsync/client.hpp>
#include <lexsync/error.hpp>
#include <memory>

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
    cmd->add_option("--out", opts->out, "Write to FILE atomically instead of stdout");
    cmd->footer(R"(Examples:
  lexsync contacts pull -o csv --out contacts.csv
  lexsync contacts pull --customer --name 'Müller & Söhne%' -o table
  lexsync contacts pull -o ndjson | jq -r .id)");
    cmd->callback([opts, &ctx] { run_pull(*opts, ctx); });
}

void run_pull(const PullOptions& opts, Context& ctx) {
    for (const auto& [flag, value] :
         {std::pair{"--name", &opts.name}, std::pair{"--email", &opts.email}}) {
        if (!value->empty() && value->size() < 3) {
            throw Error(ExitCode::usage, fmt::format("{} needs at least 3 characters", flag));
        }
    }
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

    const std::string format = ctx.output_format();
    std::unique_ptr<AtomicFile> file;
    if (!opts.out.empty()) {
        file = std::make_unique<AtomicFile>(opts.out);
    }
    auto writer = ctx.writer(flat_columns(), file ? &file->stream() : nullptr);
    const bool flat = format == "csv" || format == "table";

    PageIterator pages(ctx.client(), "/v1/contacts", query, 250);
    auto count = pages.for_each([&](const json::Value& contact) {
        if (flat) {
            // A fresh document per contact: a reused one keeps every earlier allocation in its
            // memory pool, and memory would grow with the number of contacts.
            json::Document flat_doc;
            flatten(contact, flat_doc);
            writer->write(flat_doc);
        } else {
            writer->write(contact);
        }
        if (ctx.io.err_is_tty && !ctx.global.quiet) {
            ctx.io.err << "\r" << pages.total_elements() << " contacts…" << std::flush;
        }
    });
    if (ctx.io.err_is_tty && !ctx.global.quiet) {
        ctx.io.err << "\r\033[K";
    }
    const long n = value_or_throw(std::move(count), "contacts pull");
    writer->finish();
    if (file) {
        file->commit();
    }
    ctx.info(fmt::format("contacts pull: {} contact{}{}", n, n == 1 ? "" : "s",
                         file ? " written to " + opts.out : ""));
    if (pages.window_capped()) {
        throw Error(
            ExitCode::partial,
            fmt::format("lexoffice lists at most {} results per query; narrow it with --customer, "
                        "--vendor or --name to get the rest",
                        PageIterator::k_window));
    }
}

} // namespace lexsync::commands::contacts
