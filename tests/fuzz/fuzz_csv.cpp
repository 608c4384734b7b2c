// libFuzzer target: the CSV reader on any bytes (delimiter detection, quoting, UTF-8 checks) and
// the writer's quoting and formula neutralisation of every field read.
#include "fuzz_util.hpp"

#include <lexsync/formats/csv.hpp>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(lexsync::fuzz::as_text(data, size));
    lexsync::csv::Reader reader(text, "fuzz.csv");
    std::ostringstream out;
    lexsync::csv::Writer writer(out, ';', true);
    lexsync::csv::Record rec;
    for (int n = 0; n < 100000; ++n) {
        auto more = reader.next(rec);
        if (!more) {
            (void)more.error().to_string();
            break;
        }
        if (!*more) {
            break;
        }
        if (rec.fields.size() != reader.header().size()) {
            __builtin_trap(); // every record has as many fields as the header
        }
        writer.write_row(rec.fields);
        for (const auto& f : rec.fields) {
            const std::string cell = lexsync::csv::format_cell(f, ',', true);
            if (lexsync::csv::looks_like_formula(cell) && cell.front() != '"') {
                __builtin_trap(); // a neutralised cell never starts a formula
            }
        }
    }
    return 0;
}
