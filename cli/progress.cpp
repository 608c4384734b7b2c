#include "cli/progress.hpp"

#include "cli/columns.hpp"
#include "cli/context.hpp"

#include <cmath>
#include <fmt/format.h>
#include <lexsync/http/wrappers.hpp>
#include <lexsync/util/safe_text.hpp>
#include <mutex>
#include <vector>

namespace lexsync {

std::optional<double> progress_rate(std::size_t done, Clock::duration elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    if (done < k_progress_min_items || seconds < 1.0) {
        return std::nullopt;
    }
    return static_cast<double>(done) / seconds;
}

std::optional<Clock::duration> progress_eta(std::size_t done, std::optional<std::size_t> total,
                                            Clock::duration elapsed) {
    const auto rate = progress_rate(done, elapsed);
    if (!rate || !total || done > *total) {
        return std::nullopt;
    }
    const double left = static_cast<double>(*total - done) / *rate;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(left));
}

std::string short_duration(Clock::duration d) {
    using namespace std::chrono;
    const auto s = std::max<long long>(
        0, duration_cast<seconds>(d + seconds(1) - nanoseconds(1)).count()); // rounded up
    if (s < 60) {
        return fmt::format("{} s", s);
    }
    if (s < 3600) {
        return fmt::format("{} min {:02} s", s / 60, s % 60);
    }
    return fmt::format("{} h {:02} min", s / 3600, s % 3600 / 60);
}

namespace {

std::string wait_text(WaitReason reason, Clock::duration d) {
    switch (reason) {
    case WaitReason::rate_limit:
        return fmt::format("waiting {} for the rate limit", short_duration(d));
    case WaitReason::retry_after:
        return fmt::format("waiting {} as lexoffice asked (429)", short_duration(d));
    case WaitReason::backoff:
        break;
    }
    return fmt::format("retrying in {}", short_duration(d));
}

} // namespace

std::string progress_line(const ProgressView& view, int width) {
    const std::size_t room = static_cast<std::size_t>(width > 1 ? width - 1 : 79);
    std::string head = view.label + ": " + std::to_string(view.done);
    if (view.total) {
        head += "/" + std::to_string(*view.total);
    }
    if (!view.unit.empty()) {
        head += " " + view.unit;
    }
    // Parts after the count, most important first; the last ones go when the line is too wide.
    std::vector<std::string> parts;
    if (view.wait) {
        parts.push_back(wait_text(view.wait->first, view.wait->second));
    } else {
        if (const auto rate = progress_rate(view.done, view.elapsed)) {
            parts.push_back(fmt::format("{:.1f}/s", *rate));
        }
        if (const auto eta = progress_eta(view.done, view.total, view.elapsed)) {
            parts.push_back(fmt::format("about {} left", short_duration(*eta)));
        }
    }
    if (!view.detail.empty()) {
        parts.push_back(terminal_text(view.detail));
    }
    while (!parts.empty()) {
        std::string line = head;
        for (const auto& p : parts) {
            line += ", " + p;
        }
        if (display_width(line) <= room) {
            return line;
        }
        parts.pop_back();
    }
    return fit(head, room);
}

bool progress_due(std::optional<Clock::time_point> last_draw, Clock::time_point now) {
    return !last_draw || now - *last_draw >= k_progress_interval || now < *last_draw;
}

Progress::Progress(Context& ctx, std::string label, std::string unit,
                   std::optional<std::size_t> total)
    : m_ctx(ctx), m_enabled(ctx.io.err_is_tty && !ctx.global.quiet && ctx.global.verbose == 0 &&
                            ctx.progress == nullptr),
      m_label(std::move(label)), m_unit(std::move(unit)), m_total(total), m_start(ctx.clock.now()) {
    if (m_enabled) {
        m_ctx.progress = this;
    }
}

Progress::~Progress() {
    finish();
}

void Progress::set_total(std::size_t total) {
    std::lock_guard lock(log_mutex());
    m_total = total;
}

ProgressView Progress::view() const {
    ProgressView v;
    v.label = m_label;
    v.unit = m_unit;
    v.done = m_done;
    v.total = m_total;
    v.elapsed = m_ctx.clock.now() - m_start;
    v.detail = m_detail;
    return v;
}

void Progress::update(std::size_t done, std::string_view detail) {
    std::lock_guard lock(log_mutex());
    m_done = done;
    m_detail = std::string(detail);
    if (!m_enabled) {
        return;
    }
    const auto now = m_ctx.clock.now();
    if (progress_due(m_last_draw, now) || (m_total && done == *m_total)) {
        m_last_draw = now;
        draw(view());
    }
}

void Progress::waiting(WaitReason reason, Clock::duration d) {
    std::lock_guard lock(log_mutex());
    if (!m_enabled || d < k_progress_min_wait) {
        return;
    }
    ProgressView v = view();
    v.wait = std::make_pair(reason, d);
    v.detail.clear();
    draw(v);
    // Back to the count with the first update after the wait.
    m_last_draw.reset();
}

void Progress::draw(const ProgressView& view) {
    // The terminal may have been resized since the last draw (one ioctl at most every 250 ms).
    if (m_ctx.io.err_width_now) {
        if (const int width = m_ctx.io.err_width_now(); width > 0) {
            m_ctx.io.err_terminal_width = width;
        }
    }
    m_ctx.io.err << "\r" << progress_line(view, m_ctx.io.err_terminal_width) << "\033[K"
                 << std::flush;
    m_drawn = true;
}

void Progress::clear() {
    std::lock_guard lock(log_mutex());
    clear_line();
}

void Progress::clear_line() {
    if (m_enabled && m_drawn) {
        m_ctx.io.err << "\r\033[K" << std::flush;
        m_drawn = false;
        m_last_draw.reset();
    }
}

void Progress::finish() {
    std::lock_guard lock(log_mutex());
    clear_line();
    if (m_enabled && m_ctx.progress == this) {
        m_ctx.progress = nullptr;
    }
    m_enabled = false;
}

} // namespace lexsync
