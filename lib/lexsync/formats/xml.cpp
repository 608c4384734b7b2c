#include <algorithm>
#include <expat.h>
#include <fmt/format.h>
#include <lexsync/formats/xml.hpp>
#include <memory>
#include <type_traits>

namespace lexsync::xml {

using ParserPtr = std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)>;

struct Parser::State {
    ParserPtr parser{nullptr, &XML_ParserFree};
    Handler* handler = nullptr;
    std::vector<std::string> open; // the names of the open elements
    std::string refused;           // why the parser was stopped from a handler
    std::string error;             // the message once the document is not well-formed
    bool ended = false;            // the last piece was fed
    std::size_t unread = 0;        // bytes fed since the last event (expat holds them)
};

namespace {

using State = Parser::State;

void set_line(State& s) {
    s.unread = 0;
    s.handler->line = static_cast<long>(XML_GetCurrentLineNumber(s.parser.get()));
}

void on_start(void* data, const XML_Char* name, const XML_Char** atts) {
    auto& s = *static_cast<State*>(data);
    set_line(s);
    if (s.open.size() >= static_cast<std::size_t>(k_max_depth)) {
        s.refused = fmt::format("elements nested deeper than {}", k_max_depth);
        XML_StopParser(s.parser.get(), XML_FALSE);
        return;
    }
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
    XML_StopParser(s.parser.get(), XML_FALSE);
}

// Any other markup (the XML declaration, comments, processing instructions, CDATA delimiters,
// the document type declaration, white space outside the root): nothing to report, but expat
// has read it.
void on_other(void* data, const XML_Char*, int) {
    static_cast<State*>(data)->unread = 0;
}

// The name of the end tag expat stopped at: its input context holds the tag, whose name starts
// at the current position (past "</").
std::string end_tag_name(XML_Parser parser) {
    int offset = 0;
    int size = 0;
    const char* context = XML_GetInputContext(parser, &offset, &size);
    if (context == nullptr || offset < 0 || offset >= size) {
        return {};
    }
    const std::string_view rest(context + offset, static_cast<std::size_t>(size - offset));
    const auto stop = rest.find_first_of("> \t\r\n");
    return std::string(rest.substr(0, stop == std::string_view::npos ? rest.size() : stop));
}

// The message for a document expat stopped reading.
std::string failure(State& s) {
    XML_Parser parser = s.parser.get();
    const long line = static_cast<long>(XML_GetCurrentLineNumber(parser));
    std::string what;
    const XML_Error code = XML_GetErrorCode(parser);
    if (!s.refused.empty()) {
        what = s.refused;
    } else if (code == XML_ERROR_TAG_MISMATCH) {
        const std::string name = end_tag_name(parser);
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

} // namespace

std::string_view local_name(std::string_view qname) {
    const auto colon = qname.find(':');
    return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

Parser::Parser(Handler& handler, const char* encoding) : m_state(std::make_unique<State>()) {
    State& s = *m_state;
    s.parser.reset(XML_ParserCreate(encoding));
    s.handler = &handler;
    if (!s.parser) {
        s.error = "not well-formed XML at line 0: out of memory";
        return;
    }
    XML_Parser p = s.parser.get();
    XML_SetUserData(p, &s);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    XML_SetEntityDeclHandler(p, on_entity_decl);
    // The expanding variant: setting a default handler changes nothing else expat reports.
    XML_SetDefaultHandlerExpand(p, on_other);
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
}

Parser::~Parser() = default;

std::string Parser::feed(std::string_view piece, bool last) {
    State& s = *m_state;
    if (!s.error.empty() || s.ended) {
        return s.error;
    }
    s.ended = last;
    // In pieces of at most 1 MiB: XML_Parse takes an int length.
    constexpr std::size_t k_piece = 1 << 20;
    std::size_t pos = 0;
    do {
        const std::size_t n = std::min(k_piece, piece.size() - pos);
        const bool final = last && pos + n == piece.size();
        if (XML_Parse(s.parser.get(), piece.data() + pos, static_cast<int>(n), final ? 1 : 0) !=
            XML_STATUS_OK) {
            s.error = failure(s);
            return s.error;
        }
        pos += n;
        s.unread += n;
        if (s.unread > k_max_markup) {
            s.error = fmt::format("not well-formed XML at line {}: markup longer than {} MiB",
                                  XML_GetCurrentLineNumber(s.parser.get()), k_max_markup >> 20);
            return s.error;
        }
    } while (pos < piece.size());
    return {};
}

std::string parse(std::string_view doc, Handler& handler, const char* encoding) {
    Parser parser(handler, encoding);
    return parser.feed(doc, true);
}

} // namespace lexsync::xml
