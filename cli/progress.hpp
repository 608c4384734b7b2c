// --- Interface ---
// The one progress line of long-running commands: on stderr, only when stderr is a terminal and
// neither --quiet nor -v (whose request log is on stderr) is given; stdout stays data. The line
// reads "contacts push: 120/1000 contacts, 2.0/s, about 7 min 20 s left", is redrawn in place a
// few times per second at most, fits the terminal and is erased before any other message
// (Context::say) and at the end. Each redraw asks the terminal for its width again
// (IOStreams::err_width_now), so a resize shows at the next one. While the client waits out the
// rate limit, a Retry-After or a backoff, it says so ("waiting 12 s for the rate limit"). The
// formatting, the rate and ETA and the throttling are pure functions below, tested without a
// terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <lexsync/api/client.hpp>
#include <lexsync/util/clock.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace lexsync {

class Context;

// What the line shows at one moment.
struct ProgressView {
    std::string label;                // "contacts push"
    std::string unit;                 // "contacts"
    std::size_t done = 0;             // items finished
    std::optional<std::size_t> total; // nullopt while unknown (listing)
    Clock::duration elapsed{};        // since the progress began
    std::string detail;               // shown last, dropped first ("RE-1001")
    std::optional<std::pair<WaitReason, Clock::duration>> wait; // the client is waiting
};

// Items per second over the run so far; nullopt until k_progress_min_items are done and a second
// has passed (an early rate says nothing).
inline constexpr std::size_t k_progress_min_items = 3;
std::optional<double> progress_rate(std::size_t done, Clock::duration elapsed);
// The time left at the rate so far; nullopt when there is no rate or no total.
std::optional<Clock::duration> progress_eta(std::size_t done, std::optional<std::size_t> total,
                                            Clock::duration elapsed);
// "12 s", "4 min 05 s", "2 h 03 min" (seconds rounded up, so a wait never reads "0 s").
std::string short_duration(Clock::duration d);
// The line for `view`, at most `width - 1` columns (the last column would wrap); 80 when `width`
// is 0. No control characters: the caller adds "\r" and the erase.
std::string progress_line(const ProgressView& view, int width);
// Whether a redraw is due at `now`: the first one, and then at most every k_progress_interval.
inline constexpr std::chrono::milliseconds k_progress_interval{250};
bool progress_due(std::optional<Clock::time_point> last_draw, Clock::time_point now);
// A wait shorter than this is the normal pace of requests and is not shown.
inline constexpr std::chrono::seconds k_progress_min_wait{1};

// Its methods may be called from the lanes' threads too (waiting(), through the context's wait
// hook): each holds the lock of the stream (log_mutex(), lexsync/wrappers.hpp).
class Progress {
public:
    // `label` names the command ("contacts push"), `unit` the items ("contacts"); `total` may
    // be set later. Registers itself as the context's progress line when it is shown.
    Progress(Context& ctx, std::string label, std::string unit,
             std::optional<std::size_t> total = std::nullopt);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    bool shown() const { return m_enabled; }
    void set_total(std::size_t total);
    // `done` items are finished; redraws when due.
    void update(std::size_t done, std::string_view detail = {});
    // One more item is finished.
    void step(std::string_view detail = {}) { update(m_done + 1, detail); }
    // The client is about to wait `d` (drawn at once when long enough; the next update returns
    // to the count).
    void waiting(WaitReason reason, Clock::duration d);
    // Erases the line; the next due update draws it again.
    void clear();
    // Erases the line for good.
    void finish();

private:
    void draw(const ProgressView& view);
    void clear_line();
    ProgressView view() const;

    Context& m_ctx;
    bool m_enabled;
    std::string m_label;
    std::string m_unit;
    std::optional<std::size_t> m_total;
    std::size_t m_done = 0;
    std::string m_detail;
    Clock::time_point m_start;
    std::optional<Clock::time_point> m_last_draw;
    bool m_drawn = false; // something is on the line
};

} // namespace lexsync
