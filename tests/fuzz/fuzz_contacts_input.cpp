// libFuzzer target: contacts push's input reader (CSV or JSON, by the first byte) on any file.
#include "fuzz_util.hpp"

#include <lexsync/records/contacts.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static lexsync::fuzz::TempInput file(".input");
    if (size < 1) {
        return 0;
    }
    const std::string format = (data[0] & 1) != 0 ? "json" : "csv";
    const auto& path = file.write(lexsync::fuzz::as_text(data + 1, size - 1));
    auto input = lexsync::contacts::read_input(path, format);
    if (input) {
        for (const auto& row : input->rows()) {
            (void)row.ledger_key();
            (void)row.display_name();
            (void)lexsync::contacts::create_body(row);
        }
    } else {
        for (const auto& issue : input.error()) {
            (void)issue.to_string();
        }
    }
    return 0;
}
