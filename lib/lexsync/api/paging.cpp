#include <algorithm>
#include <lexsync/api/client.hpp>

namespace lexsync {

namespace {

const json::Value& empty_array() {
    static const json::Value k_empty(rapidjson::kArrayType);
    return k_empty;
}

} // namespace

PageIterator::PageIterator(ApiClient& client, std::string path, Query query, int page_size)
    : m_client(client), m_path(std::move(path)), m_query(std::move(query)),
      m_page_size(std::clamp(page_size, 1, 250)) {}

Result<bool, ApiError> PageIterator::next() {
    if (m_done) {
        return false;
    }
    // lexoffice refuses windows past 10,000 results and reports at most 10,000: stop before
    // asking for one. A server that reports more (an emulator without the cap) is read to the end.
    if (static_cast<long>(m_page + 1) * m_page_size > k_window && m_total_elements <= k_window) {
        m_window_capped = true;
        m_done = true;
        m_doc.SetObject();
        return false;
    }
    Query q = m_query;
    q.emplace_back("page", std::to_string(m_page));
    q.emplace_back("size", std::to_string(m_page_size));
    auto doc = m_client.get_json(m_path, q);
    if (!doc) {
        m_done = true;
        return unexpected(std::move(doc).error());
    }
    m_doc = std::move(doc).value();
    const json::Value* content = json::find(m_doc, "content");
    if (!m_doc.IsObject() || content == nullptr || !content->IsArray()) {
        m_done = true;
        ApiError e;
        e.kind = ApiError::Kind::protocol;
        e.status = 200;
        e.message = "expected a page with a 'content' array from " + m_path;
        return unexpected(std::move(e));
    }
    const auto reported = json::get_int(m_doc, "totalElements");
    if (m_total_elements < 0) {
        m_total_elements = static_cast<long>(reported.value_or(-1));
    }
    if (reported) {
        m_max_total_elements = std::max<long>(m_max_total_elements, static_cast<long>(*reported));
    }
    ++m_page;
    const auto last = json::get_bool(m_doc, "last");
    const bool is_last = last ? *last : static_cast<int>(content->Size()) < m_page_size;
    if (content->Empty()) {
        m_done = true;
        return false;
    }
    // A server that claims an implausible total, or keeps sending pages past the total it
    // reported (one page of slack for items added meanwhile), would be paged forever.
    const long read = static_cast<long>(m_page) * m_page_size;
    const bool implausible =
        m_max_total_elements > k_max_plausible_elements || read > k_max_plausible_elements ||
        (!is_last && m_max_total_elements >= 0 && read >= m_max_total_elements + m_page_size);
    if (implausible) {
        m_done = true;
        ApiError e;
        e.kind = ApiError::Kind::protocol;
        e.status = 200;
        e.message =
            "stopped paging " + m_path + " after " + std::to_string(m_page) +
            " pages: the server reports " +
            (m_max_total_elements >= 0 ? std::to_string(m_max_total_elements) : std::string("no")) +
            " elements in total and still more pages; the listing is not plausible";
        return unexpected(std::move(e));
    }
    if (is_last) {
        m_done = true;
        // totalElements stops at 10,000: a "last" page at the cap may hide further results.
        if (m_total_elements == k_window) {
            m_window_capped = true;
        }
    }
    return true;
}

const json::Value& PageIterator::items() const {
    const json::Value* content = m_doc.IsObject() ? json::find(m_doc, "content") : nullptr;
    if (content == nullptr || !content->IsArray()) {
        return empty_array();
    }
    return *content;
}

} // namespace lexsync
