// libFuzzer target: the bank statement readers on any bytes (CAMT XML through expat, MT940 lines
// and the German :86: subfields) and the e-invoice XML check: every MT940 entry read has a signed
// amount that parses as a decimal and dates that are yyyy-MM-dd or empty, and the text fed in
// pieces (of a size taken from its first byte) reads as the whole text.
#include "fuzz_util.hpp"

#include <lexsync/formats/bank_statement.hpp>
#include <lexsync/formats/file_check.hpp>
#include <lexsync/util/decimal.hpp>

namespace {

void check_date(const std::string& d) {
    if (!d.empty() && (d.size() != 10 || d[4] != '-' || d[7] != '-')) {
        __builtin_trap(); // a date is yyyy-MM-dd
    }
}

void check(const lexsync::Result<std::vector<lexsync::bank_statement::Entry>,
                                 lexsync::bank_statement::Problem>& r,
           bool mt940) {
    if (!r) {
        return;
    }
    for (const auto& e : *r) {
        // MT940 amounts and dates are built by the reader; CAMT passes the file's text on for
        // the mapping to check.
        if (mt940) {
            if (!lexsync::Decimal::parse(e.amount)) {
                __builtin_trap();
            }
            check_date(e.booking_date);
            check_date(e.value_date);
        }
        for (const auto& c : lexsync::bank_statement::column_names()) {
            if (!lexsync::bank_statement::cell(e, c)) {
                __builtin_trap(); // every listed cell exists
            }
        }
    }
}

// The entries of `text` read as `syntax` in pieces of `size` bytes, each cell and line, or the
// problem.
std::string read_in_pieces(std::string_view text, lexsync::bank_statement::Syntax syntax,
                           std::size_t size) {
    namespace bs = lexsync::bank_statement;
    std::string out;
    bs::Reader reader(syntax, [&out](bs::Entry&& e) {
        out += std::to_string(e.line);
        for (const auto& c : bs::column_names()) {
            out += "|" + *bs::cell(e, c);
        }
        out += "\n";
    });
    for (std::size_t pos = 0; pos < text.size(); pos += size) {
        reader.feed(text.substr(pos, size));
    }
    if (auto problem = reader.finish()) {
        return "problem " + std::to_string(problem->line) + ": " + problem->message;
    }
    return out;
}

// Traps when `text` fed in pieces reads otherwise than as a whole.
void check_pieces(std::string_view text, lexsync::bank_statement::Syntax syntax) {
    const std::size_t size = text.empty() ? 1 : 1 + static_cast<unsigned char>(text[0]) % 64;
    if (read_in_pieces(text, syntax, size) != read_in_pieces(text, syntax, text.size() + 1)) {
        __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = lexsync::fuzz::as_text(data, size);
    (void)lexsync::bank_statement::detect(text);
    check(lexsync::bank_statement::parse_camt(text), false);
    check(lexsync::bank_statement::parse_mt940(text), true);
    check_pieces(text, lexsync::bank_statement::Syntax::camt);
    check_pieces(text, lexsync::bank_statement::Syntax::mt940);
    (void)lexsync::file_check::detect_e_invoice(text);
    return 0;
}
