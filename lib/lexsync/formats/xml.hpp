// --- Interface ---
// Reading XML with expat: a document's elements and character data as events, with the line
// they start on, from a whole document or fed in pieces. Nothing is fetched and no entity is
// expanded: a document type declaration may be present, an entity declaration in it is refused.
// Elements may be nested k_max_depth deep; one piece of markup (a tag with its attributes, a
// comment, a processing instruction) may take k_max_markup bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lexsync::xml {

// An element's attributes, as written (qualified names).
using Attributes = std::vector<std::pair<std::string_view, std::string_view>>;

// Receives the events of parse(). `line` is the line the current event starts on (1-based).
class Handler {
public:
    virtual ~Handler() = default;
    // A start tag (also of an empty element) with its qualified name and attributes.
    virtual void start(std::string_view name, const Attributes& attributes) = 0;
    // An end tag (also of an empty element).
    virtual void end(std::string_view name) = 0;
    // Character data; one text node may arrive in several pieces.
    virtual void text(std::string_view data) = 0;
    long line = 0;
};

// How deep elements may be nested (the root is at depth 1); a deeper element is refused.
inline constexpr int k_max_depth = 256;

// How many bytes may be fed without any of them becoming an event: expat holds the piece of
// markup it is in (a tag with its attributes, a comment, a processing instruction...) until it
// ends, so a longer one is refused ("not well-formed XML at line N: markup longer than 16 MiB")
// instead of taking memory without bound.
inline constexpr std::size_t k_max_markup = std::size_t{16} << 20;

// Returns the part of a qualified name after its prefix: "Ntry" for "ns2:Ntry".
std::string_view local_name(std::string_view qname);

// Parses `doc` (UTF-8, or what its XML declaration names; a UTF-8 byte order mark is skipped)
// and sends its events to `handler`. `encoding` ("UTF-8") overrides the declaration, for text
// already decoded. Returns "" when the document is well-formed, else
// "not well-formed XML at line N: what".
std::string parse(std::string_view doc, Handler& handler, const char* encoding = nullptr);

// The same parse fed a piece at a time, with memory flat in the document's size (expat keeps the
// token it is in and a little context). A piece may end anywhere: inside a tag, an attribute, an
// entity or character reference, a CDATA section, a comment or a UTF-8 sequence. Events reach
// `handler` as soon as expat has read them.
class Parser {
public:
    explicit Parser(Handler& handler, const char* encoding = nullptr);
    ~Parser();
    Parser(const Parser&) = delete;
    Parser& operator=(const Parser&) = delete;
    // Parses the next piece; `last` for the end of the document (the piece may be empty). Returns
    // "" while the document is well-formed so far, else parse()'s message, which every later call
    // returns again.
    std::string feed(std::string_view piece, bool last);

    struct State; // expat's parser and what the events need (xml.cpp)

private:
    std::unique_ptr<State> m_state;
};

} // namespace lexsync::xml
