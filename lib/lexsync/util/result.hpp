// --- Interface ---
// A small "errors are values" type for lib/: C++20 has no std::expected.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace lexsync {

template <class E> struct Unexpected { E error; };

// Wraps `e` so that it converts into a failed Result.
template <class E> Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return Unexpected<std::decay_t<E>>{std::forward<E>(e)};
}

// Holds either a value of type `T` or an error of type `E`.
template <class T, class E> class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    template <class E2>
    Result(Unexpected<E2> err) : m_v(std::in_place_index<1>, E(std::move(err.error))) {}

    bool has_value() const { return m_v.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & {
        assert(has_value());
        return std::get<0>(m_v);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(m_v);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(m_v));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    E& error() & {
        assert(!has_value());
        return std::get<1>(m_v);
    }
    const E& error() const& {
        assert(!has_value());
        return std::get<1>(m_v);
    }
    E&& error() && {
        assert(!has_value());
        return std::get<1>(std::move(m_v));
    }

private:
    std::variant<T, E> m_v;
};

// Result without a value.
struct Ok {};

} // namespace lexsync
