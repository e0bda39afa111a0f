// EventQueue: the simulator's virtual time. Events run in (time, sequence) order, so two
// events at the same millisecond run in the order they were scheduled: deterministic.
// Single-threaded; an event may schedule more events.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "core/assert.h"

namespace ringkv::sim {

class EventQueue {
 public:
  using Action = std::function<void()>;

  uint64_t now_ms() const { return now_ms_; }
  bool empty() const { return queue_.empty(); }
  size_t size() const { return queue_.size(); }
  uint64_t next_time_ms() const { return queue_.empty() ? UINT64_MAX : queue_.top().time_ms; }

  // Schedules `action` at `time_ms` (clamped to now: the past is not reachable).
  void schedule(uint64_t time_ms, Action action) {
    if (time_ms < now_ms_) time_ms = now_ms_;
    queue_.push(Event{time_ms, next_sequence_++, std::move(action)});
  }

  // Runs the earliest event; false when there is none or it lies beyond `limit_ms`.
  bool run_next(uint64_t limit_ms) {
    if (queue_.empty() || queue_.top().time_ms > limit_ms) return false;
    Event event = queue_.top();
    queue_.pop();
    RINGKV_ASSERT(event.time_ms >= now_ms_);
    now_ms_ = event.time_ms;
    events_run_++;
    event.action();
    return true;
  }

  // Moves time forward with no event (used at the end of a phase).
  void advance_to(uint64_t time_ms) {
    if (time_ms > now_ms_) now_ms_ = time_ms;
  }
  uint64_t events_run() const { return events_run_; }

 private:
  struct Event {
    uint64_t time_ms;
    uint64_t sequence;
    Action action;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time_ms != b.time_ms ? a.time_ms > b.time_ms : a.sequence > b.sequence;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  uint64_t now_ms_ = 0;
  uint64_t next_sequence_ = 0;
  uint64_t events_run_ = 0;
};

}  // namespace ringkv::sim
