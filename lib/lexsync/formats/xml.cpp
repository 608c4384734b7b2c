#include <algorithm>
#include <expat.h>
#include <fmt/format.h>
#include <lexsync/formats/xml.hpp>
#include <memory>
#include <type_traits>

namespace lexsync::xml {

namespace {

struct State {
    XML_Parser parser = nullptr;
    Handler* handler = nullptr;
    std::vector<std::string> open; // the names of the open elements
    std::string refused;           // why the parser was stopped from a handler
};

void set_line(State& s) {
    s.handler->line = static_cast<long>(XML_GetCurrentLineNumber(s.parser));
}

void on_start(void* data, const XML_Char* name, const XML_Char** atts) {
    auto& s = *static_cast<State*>(data);
    set_line(s);
    Attributes attributes;
    for (const XML_Char** a = atts; a != nullptr && *a != nullptr; a += 2) {
        attributes.emplace_back(a[0], a[1]);
    }
    s.open.emplace_back(name);
    s.handler->start(name, attributes);
}

void on_end(void* data, const XML_Char* name) {
    auto& s = *static_cast<State*>(data);
    set_line(s);
    if (!s.open.empty()) {
        s.open.pop_back();
    }
    s.handler->end(name);
}

void on_text(void* data, const XML_Char* text, int len) {
    auto& s = *static_cast<State*>(data);
    set_line(s);
    s.handler->text(std::string_view(text, static_cast<std::size_t>(len)));
}

// Entities are never expanded: a document that declares one is refused.
void on_entity_decl(void* data, const XML_Char* name, int, const XML_Char*, int, const XML_Char*,
                    const XML_Char*, const XML_Char*, const XML_Char*) {
    auto& s = *static_cast<State*>(data);
    s.refused = fmt::format("entity declaration '{}' (entities are not accepted)", name);
    XML_StopParser(s.parser, XML_FALSE);
}

// The name of the end tag whose name starts at byte `at` of `doc` (expat points there, past "</").
std::string end_tag_name(std::string_view doc, long at) {
    if (at < 0 || static_cast<std::size_t>(at) >= doc.size()) {
        return {};
    }
    const auto rest = doc.substr(static_cast<std::size_t>(at));
    const auto stop = rest.find_first_of("> \t\r\n");
    return std::string(rest.substr(0, stop == std::string_view::npos ? rest.size() : stop));
}

} // namespace

std::string_view local_name(std::string_view qname) {
    const auto colon = qname.find(':');
    return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

std::string parse(std::string_view doc, Handler& handler, const char* encoding) {
    std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
        XML_ParserCreate(encoding), &XML_ParserFree);
    if (!parser) {
        return "not well-formed XML at line 0: out of memory";
    }
    State s;
    s.parser = parser.get();
    s.handler = &handler;
    XML_SetUserData(parser.get(), &s);
    XML_SetElementHandler(parser.get(), on_start, on_end);
    XML_SetCharacterDataHandler(parser.get(), on_text);
    XML_SetEntityDeclHandler(parser.get(), on_entity_decl);
    XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
    // Fed in pieces: XML_Parse takes an int length.
    constexpr std::size_t k_piece = 1 << 20;
    std::size_t pos = 0;
    XML_Status status = XML_STATUS_OK;
    do {
        const std::size_t n = std::min(k_piece, doc.size() - pos);
        const bool last = pos + n == doc.size();
        status = XML_Parse(parser.get(), doc.data() + pos, static_cast<int>(n), last ? 1 : 0);
        pos += n;
    } while (status == XML_STATUS_OK && pos < doc.size());
    if (status == XML_STATUS_OK) {
        return {};
    }
    const long line = static_cast<long>(XML_GetCurrentLineNumber(parser.get()));
    std::string what;
    const XML_Error code = XML_GetErrorCode(parser.get());
    if (!s.refused.empty()) {
        what = s.refused;
    } else if (code == XML_ERROR_TAG_MISMATCH) {
        const std::string name =
            end_tag_name(doc, static_cast<long>(XML_GetCurrentByteIndex(parser.get())));
        what = s.open.empty()
                   ? fmt::format("end tag </{}> without a start tag", name)
                   : fmt::format("end tag </{}> does not match <{}>", name, s.open.back());
    } else if (code == XML_ERROR_NO_ELEMENTS && s.open.empty()) {
        what = "no root element";
    } else if (code == XML_ERROR_NO_ELEMENTS) {
        what = "element <" + s.open.back() + "> is not closed";
    } else if (code == XML_ERROR_JUNK_AFTER_DOC_ELEMENT) {
        what = "text or a second root element after the root element";
    } else {
        what = XML_ErrorString(code);
    }
    return fmt::format("not well-formed XML at line {}: {}", line, what);
}

} // namespace lexsync::xml
