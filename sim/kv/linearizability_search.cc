#include "sim/kv/linearizability_search.h"

#include <algorithm>
#include <tuple>

#include "core/assert.h"
#include "core/prng.h"

namespace ringkv::sim::linearizability_detail {
namespace {
constexpr uint64_t kZobristSeed = 0x6c696e6561726973;  // "linearis"
constexpr size_t kMaxReportedStates = 4;
}  // namespace

KeySearch::KeySearch(const std::vector<SearchOp>& ops, size_t state_count, VisitedSet& visited,
                     uint64_t max_steps)
    : ops_(ops), visited_(visited), max_steps_(max_steps) {
  RINGKV_ASSERT(ops.size() < kUnreadableValue / 2 && state_count < kUnreadableValue);
  Prng prng(kZobristSeed);
  zobrist_.resize(2 * ops.size());
  for (uint64_t& word : zobrist_) word = prng.next_u64();
  index_ops(state_count);
  placed_op_.assign(ops.size(), 0);
  frames_.reserve(ops.size());
  visited_.reset(2 * ops.size());
  build_events();
}

void KeySearch::index_ops(size_t state_count) {
  readers_.resize(state_count);
  first_reader_.assign(state_count, kNoOp);
  reads_remaining_.assign(state_count, 0);
  for (uint32_t i = 0; i < ops_.size(); ++i) {
    const SearchOp& op = ops_[i];
    // After prepare_key, only DELETEs remain optional (optional PUTs are dropped or bound),
    // all with the same bound.
    RINGKV_ASSERT(!op.optional || op.effect == Effect::kDelete);
    RINGKV_ASSERT(!op.optional || optional_order_.empty() ||
                  op.bound_ms == ops_[optional_order_[0]].bound_ms);
    if (op.optional) optional_order_.push_back(i);
    if (op.effect != Effect::kRead || op.state == kAbsent) continue;
    readers_[op.state].push_back(i);
    uint32_t& first = first_reader_[op.state];
    if (first == kNoOp || op.invoke_ms < ops_[first].invoke_ms) first = i;
    ++reads_remaining_[op.state];
  }
  std::stable_sort(optional_order_.begin(), optional_order_.end(), [this](uint32_t a, uint32_t b) {
    return ops_[a].invoke_ms < ops_[b].invoke_ms;
  });
}

// Calls at their invoke, returns at their bound. At equal times calls come first: ops whose
// times touch are concurrent (precedence is strict). Optional DELETEs have no call entry:
// the scan never tries them (see try_read_absent_after_delete). Their returns share one time
// and come in optional_order_, the order in which they are used.
void KeySearch::build_events() {
  std::vector<std::tuple<uint64_t, bool, uint64_t, uint32_t>> events;
  events.reserve(2 * ops_.size());
  for (uint32_t i = 0; i < ops_.size(); ++i) {
    if (!ops_[i].optional) events.emplace_back(ops_[i].invoke_ms, false, ops_[i].invoke_ms, i);
    events.emplace_back(ops_[i].bound_ms, true, ops_[i].invoke_ms, i);
  }
  std::sort(events.begin(), events.end());
  entries_.assign(events.size() + 1, Entry{});
  call_entry_.assign(ops_.size(), 0);
  for (uint32_t k = 1; k <= events.size(); ++k) {
    const auto& [time_ms, is_return, invoke_ms, op] = events[k - 1];
    entries_[k].prev = k - 1;
    entries_[k - 1].next = k;
    entries_[k].op = op;
    entries_[k].is_return = is_return;
    if (!is_return || ops_[op].optional) {
      call_entry_[op] = k;  // an optional op's only entry (its match stays 0: none)
    } else {
      entries_[k].match = call_entry_[op];
      entries_[call_entry_[op]].match = k;
    }
  }
  entries_.back().next = 0;
  entries_[0].prev = static_cast<uint32_t>(events.size());
}

void KeySearch::lift(uint32_t call) {
  for (uint32_t entry : {call, entries_[call].match}) {
    if (entry == 0) continue;
    entries_[entries_[entry].prev].next = entries_[entry].next;
    entries_[entries_[entry].next].prev = entries_[entry].prev;
  }
}

// Exactly the reverse of lift (dancing links).
void KeySearch::unlift(uint32_t call) {
  for (uint32_t entry : {entries_[call].match, call}) {
    if (entry == 0) continue;
    entries_[entries_[entry].prev].next = entry;
    entries_[entries_[entry].next].prev = entry;
  }
}

bool KeySearch::visit(uint32_t op, uint32_t other_op, uint32_t state, bool prune) {
  uint64_t low = hash_low_;
  uint64_t high = hash_high_;
  uint32_t optional_done = optional_done_;
  for (uint32_t placed : {op, other_op}) {
    if (placed == kNoOp) continue;
    if (ops_[placed].optional) {
      ++optional_done;
    } else {
      low ^= zobrist_[2 * placed];
      high ^= zobrist_[2 * placed + 1];
    }
  }
  return visited_.visit(low, high, state, optional_done, prune);
}

void KeySearch::place(uint32_t op) {
  barriers_valid_ = false;
  lift(call_entry_[op]);
  placed_op_[op] = 1;
  ++placed_;
  if (ops_[op].optional) {
    ++optional_done_;
  } else {
    hash_low_ ^= zobrist_[2 * op];
    hash_high_ ^= zobrist_[2 * op + 1];
  }
  if (ops_[op].effect == Effect::kRead && ops_[op].state != kAbsent) {
    --reads_remaining_[ops_[op].state];
  }
}

void KeySearch::unplace(uint32_t op) {
  barriers_valid_ = false;
  if (ops_[op].effect == Effect::kRead && ops_[op].state != kAbsent) {
    ++reads_remaining_[ops_[op].state];
  }
  if (ops_[op].optional) {
    --optional_done_;
  } else {
    hash_high_ ^= zobrist_[2 * op + 1];
    hash_low_ ^= zobrist_[2 * op];
  }
  --placed_;
  placed_op_[op] = 0;
  unlift(call_entry_[op]);
}

// Whether `op` may be linearized next as a step of the register (not as a drop).
bool KeySearch::admissible(uint32_t index) const {
  const SearchOp& op = ops_[index];
  return op.effect == Effect::kRead ? op.state == state_ : can_overwrite();
}

bool KeySearch::apply(uint32_t index, Move move) {
  const SearchOp& op = ops_[index];
  uint32_t remaining = op.state == kAbsent ? 0 : reads_remaining_[op.state];
  if (op.effect == Effect::kRead && op.state != kAbsent) --remaining;
  if (!visit(index, kNoOp, cache_state(op.state, remaining))) return false;
  frames_.push_back({index, kNoOp, state_, move});
  place(index);
  state_ = op.state;
  return true;
}

// Moves that lose nothing when made at once, so the other candidates need not be tried:
// - a read that returned the current state: any linearization that places it later stays
//   valid with it moved here (it changes nothing, and every op that had to precede it is
//   placed already, or it would not be a candidate);
// - a PUT whose value no read returned, while the register holds a value no remaining read
//   returns: moved here from later, it swaps one unreadable value for another; and where
//   it was, the register keeps the value the PUT overwrote until the next write, with no
//   read in between (the PUT's value was not read there either).
uint32_t KeySearch::find_eager_op() const {
  const bool unreadable = state_ != kAbsent && reads_remaining_[state_] == 0;
  for (uint32_t entry = entries_[0].next; entry != 0 && !entries_[entry].is_return;
       entry = entries_[entry].next) {
    const SearchOp& op = ops_[entries_[entry].op];
    if (op.effect == Effect::kRead && op.state == state_) return entries_[entry].op;
    if (unreadable && op.effect == Effect::kPut && readers_[op.state].empty()) {
      return entries_[entry].op;
    }
  }
  return kNoOp;
}

// After a move: makes the eager moves, then returns the entry where the scan of the new
// configuration starts; or backtracks if an eager move reaches an explored configuration
// (which failed then, so this one fails too).
std::optional<uint32_t> KeySearch::restart_scan() {
  for (uint32_t op = find_eager_op(); op != kNoOp; op = find_eager_op()) {
    ++steps_;
    if (!apply(op, Move::kEager)) return backtrack();
  }
  return entries_[0].next;
}

// The scan reached the call of `op`: linearize it next if the register allows.
bool KeySearch::try_call(uint32_t op) {
  const SearchOp& candidate = ops_[op];
  RINGKV_ASSERT(!candidate.optional);  // optional ops have no call entry
  ++steps_;
  if (candidate.effect == Effect::kRead && candidate.state == kAbsent && state_ != kAbsent) {
    return try_read_absent_after_delete(op);
  }
  if (candidate.effect == Effect::kPut && !read_can_follow(op)) return false;
  return admissible(op) && apply(op, Move::kApply);
}

// After a PUT whose value is read, only reads of that value can be linearized until all of
// them are (writes may not overwrite it, other reads fail), and the scan of the following
// configurations stops at the first return of a mandatory op other than the PUT's (returns
// of optional ops are dropped). So the PUT may go next only if a read of its value is
// invoked no later than that return; otherwise placing it would only be backtracked.
bool KeySearch::read_can_follow(uint32_t put) {
  const uint32_t reader = first_reader_[ops_[put].state];
  if (reader == kNoOp) return true;
  const uint32_t barrier = barrier_for(put);
  return barrier == kNoOp || ops_[reader].invoke_ms <= ops_[barrier].bound_ms;
}

// The first mandatory op other than `op` whose return is in the list, or kNoOp.
uint32_t KeySearch::barrier_for(uint32_t op) {
  if (!barriers_valid_) {
    barriers_ = {kNoOp, kNoOp};
    size_t found = 0;
    for (uint32_t entry = entries_[0].next; entry != 0 && found < barriers_.size();
         entry = entries_[entry].next) {
      if (entries_[entry].is_return && !ops_[entries_[entry].op].optional) {
        barriers_[found++] = entries_[entry].op;
      }
    }
    barriers_valid_ = true;
  }
  return barriers_[0] == op ? barriers_[1] : barriers_[0];
}

// An optional DELETE that takes effect is, in some linearization, immediately followed by
// a kNotFound read: otherwise the next op is a write that hides it (a read of a value
// would fail) and it can be dropped instead. So optional DELETEs are placed only here, just
// before such a read. And they all share one bound (prepare_key), so among those that could
// go here (invoked already) the first in list order is as good as any other: any one left
// pending can stand in for it later. So they are used, and dropped, in list order.
bool KeySearch::try_read_absent_after_delete(uint32_t read) {
  if (!can_overwrite()) return false;
  const uint32_t deletion = first_optional_delete();
  if (deletion == kNoOp || !visit(deletion, read, kAbsent)) return false;
  frames_.push_back({read, deletion, state_, Move::kApplyAfterDelete});
  place(deletion);
  place(read);
  state_ = kAbsent;
  return true;
}

// The next optional DELETE in optional_order_, if it may be linearized next: if it was
// invoked no later than the first return in the list (calls come first at equal times).
uint32_t KeySearch::first_optional_delete() const {
  if (optional_done_ == optional_order_.size()) return kNoOp;
  const uint32_t next = optional_order_[optional_done_];
  uint32_t entry = entries_[0].next;
  while (entry != 0 && !entries_[entry].is_return) entry = entries_[entry].next;
  RINGKV_ASSERT(entry != 0);  // at least the return of `next`
  return ops_[next].invoke_ms <= ops_[entries_[entry].op].bound_ms ? next : kNoOp;
}

// Never pruned: the configuration before the drop is still being explored, and the one
// after it, with one optional DELETE fewer pending, counts as dominated by it.
bool KeySearch::try_drop(uint32_t op) {
  RINGKV_ASSERT(op == optional_order_[optional_done_]);
  const uint32_t remaining = state_ == kAbsent ? 0 : reads_remaining_[state_];
  visit(op, kNoOp, cache_state(state_, remaining), /*prune=*/false);
  frames_.push_back({op, kNoOp, state_, Move::kDrop});
  place(op);
  return true;
}

// Undoes the latest move and returns the entry to scan next, or nullopt when no move is
// left. A drop is the last option at its return entry, so undoing it backtracks further.
std::optional<uint32_t> KeySearch::backtrack() {
  while (!frames_.empty()) {
    ++steps_;
    const Frame frame = frames_.back();
    frames_.pop_back();
    unplace(frame.op);
    if (frame.move == Move::kApplyAfterDelete) unplace(frame.delete_op);
    state_ = frame.previous_state;
    if (frame.move == Move::kApply || frame.move == Move::kApplyAfterDelete) {
      return entries_[call_entry_[frame.op]].next;
    }
  }
  return std::nullopt;
}

// The scan reached the return of `op` with `op` unplaced: remember the deepest such point.
void KeySearch::note_stuck(uint32_t op) {
  if (stuck_.op != kNoOp && placed_ <= stuck_.placed) {
    if (placed_ == stuck_.placed && stuck_.op == op && stuck_.states.size() < kMaxReportedStates &&
        std::find(stuck_.states.begin(), stuck_.states.end(), state_) == stuck_.states.end()) {
      stuck_.states.push_back(state_);
    }
    return;
  }
  stuck_ = Stuck{op, placed_, {state_}, {}, Stuck::Why::kRegister, kNoOp, kNoOp};
  for (size_t k = frames_.size(); k > 0 && frames_.size() - k < 32; --k) {
    const Frame& frame = frames_[k - 1];
    if (frame.move == Move::kDrop) continue;
    stuck_.recent_ops.push_back(frame.op);
    if (frame.move == Move::kApplyAfterDelete) stuck_.recent_ops.push_back(frame.delete_op);
    if (stuck_.recent_ops.size() >= 3) break;
  }
  explain_stuck(op);
}

void KeySearch::explain_stuck(uint32_t op) {
  if (ops_[op].effect == Effect::kPut && !read_can_follow(op)) {
    stuck_.why = Stuck::Why::kLateReader;
    stuck_.reader = first_reader_[ops_[op].state];
    stuck_.barrier = barrier_for(op);
    return;
  }
  const bool overwrites = ops_[op].effect != Effect::kRead || ops_[op].state == kAbsent;
  if (!overwrites || can_overwrite()) return;
  stuck_.why = Stuck::Why::kPendingReader;
  for (uint32_t reader : readers_[state_]) {
    if (!placed_op_[reader]) {
      stuck_.reader = reader;
      break;
    }
  }
}

LinearizabilityVerdict KeySearch::run() {
  std::optional<uint32_t> entry = restart_scan();
  while (entry && *entry != 0) {
    if (steps_ >= max_steps_) return LinearizabilityVerdict::kUnknown;
    const Entry& current = entries_[*entry];
    const uint32_t op = current.op;
    if (!current.is_return) {
      entry = try_call(op) ? restart_scan() : std::optional<uint32_t>(current.next);
      continue;
    }
    if (ops_[op].optional) {
      ++steps_;
      if (try_drop(op)) {
        entry = restart_scan();
        continue;
      }
    } else {
      note_stuck(op);
    }
    entry = backtrack();
  }
  return entry ? LinearizabilityVerdict::kLinearizable : LinearizabilityVerdict::kViolation;
}

}  // namespace ringkv::sim::linearizability_detail
