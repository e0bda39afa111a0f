#include "sim/kv/linearizability.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "core/assert.h"
#include "core/prng.h"
#include "sim/kit/trace.h"

namespace ringkv::sim {
namespace {

// Register states: kAbsent, or 1 + the index of the PUT (of this key) that wrote the value.
constexpr uint32_t kAbsent = 0;
// A value that no remaining read returns: every such value is equivalent for the future of
// the search (no read can observe it, and it may be overwritten), so the cache folds them.
constexpr uint32_t kUnreadableValue = std::numeric_limits<uint32_t>::max() - 1;
constexpr uint32_t kNoOp = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kForever = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kZobristSeed = 0x6c696e6561726973;  // "linearis"
constexpr size_t kMaxReportedOps = 10;
constexpr size_t kMaxReportedStates = 4;

enum class Effect : uint8_t { kRead, kPut, kDelete };

// One op that takes part in the search of its key, after the simplifications.
struct SearchOp {
  const Op* op = nullptr;
  Effect effect = Effect::kRead;
  uint32_t state = kAbsent;  // read: the state it returned; write: the state it leaves
  bool optional = false;     // may never take effect: dropped when the search reaches its bound
  uint64_t invoke_ms = 0;
  uint64_t bound_ms = 0;  // the latest instant it may take effect
};

struct PreparedKey {
  std::vector<SearchOp> ops;                    // in op id order
  std::vector<const Op*> writer_of_state;       // [0] (absent) is null
  std::optional<KeyLinearizability> violation;  // found before any search
};

bool is_strong_read(const Op& op, uint32_t n) { return 2 * uint64_t{op.quorum} >= n; }
bool is_strong_write(const Op& op, uint32_t n) { return 2 * uint64_t{op.quorum} > n; }

bool takes_part_as_read(const Op& op, uint32_t n) {
  return !op.is_write() && is_strong_read(op, n) &&
         (op.result == OpResult::kOk || op.result == OpResult::kNotFound);
}

bool is_mandatory_write(const Op& op, uint32_t n) {
  return op.is_write() && op.result == OpResult::kOk && is_strong_write(op, n);
}

std::string describe_op(const Op& op) {
  std::string out = "op " + std::to_string(op.id) + " (" + client_op_name(op.kind);
  if (op.kind == ClientOp::kGet) {
    out += op.result == OpResult::kOk ? " returned " + json_quote(op.value) : " returned absent";
  } else if (op.kind == ClientOp::kPut) {
    out += " " + json_quote(op.value);
  }
  if (op.is_write() && op.result != OpResult::kOk) {
    out += std::string(", ") + op_result_name(op.result);
  }
  return out + ")";
}

KeyLinearizability static_violation(const Op& read, std::string detail) {
  KeyLinearizability result;
  result.key = read.key;
  result.verdict = LinearizabilityVerdict::kViolation;
  result.op_ids = {read.id};
  result.time_ms = read.complete_ms;
  result.detail = std::move(detail);
  return result;
}

// What the taking-part reads of a key observed, per state.
struct Observations {
  std::vector<const Op*> earliest_reader;  // per state: the read of it that completed first
  std::optional<uint64_t> latest_not_found_ms;
};

// Numbers the PUTs of a key as states 1.. (in id order) and collects what the reads saw.
// A read of a value no PUT of this key wrote is a violation on its own.
std::optional<KeyLinearizability> observe(const std::vector<const Op*>& ops, uint32_t n,
                                          PreparedKey& key, Observations& seen) {
  std::unordered_map<std::string_view, uint32_t> state_of_value;
  key.writer_of_state.assign(1, nullptr);
  for (const Op* op : ops) {
    if (op->kind != ClientOp::kPut) continue;
    const auto state = static_cast<uint32_t>(key.writer_of_state.size());
    const bool inserted = state_of_value.emplace(op->value, state).second;
    RINGKV_ASSERT_MSG(inserted, "two PUTs of one key wrote the same value");
    key.writer_of_state.push_back(op);
  }
  seen.earliest_reader.assign(key.writer_of_state.size(), nullptr);
  for (const Op* op : ops) {
    if (!takes_part_as_read(*op, n)) continue;
    RINGKV_ASSERT(op->invoke_ms <= op->complete_ms);
    if (op->result == OpResult::kNotFound) {
      seen.latest_not_found_ms = std::max(seen.latest_not_found_ms.value_or(0), op->complete_ms);
      key.ops.push_back({op, Effect::kRead, kAbsent, false, op->invoke_ms, op->complete_ms});
      continue;
    }
    auto it = state_of_value.find(op->value);
    if (it == state_of_value.end()) {
      return static_violation(*op, describe_op(*op) + " read a value no PUT to this key wrote");
    }
    const Op*& earliest = seen.earliest_reader[it->second];
    if (!earliest || op->complete_ms < earliest->complete_ms) earliest = op;
    key.ops.push_back({op, Effect::kRead, it->second, false, op->invoke_ms, op->complete_ms});
  }
  return std::nullopt;
}

// The search op for a write, or nullopt if the write is dropped (see the comments).
std::optional<SearchOp> search_op_for_write(const Op& op, uint32_t state, uint32_t n,
                                            const Observations& seen) {
  const bool mandatory = is_mandatory_write(op, n);
  if (mandatory) RINGKV_ASSERT(op.invoke_ms <= op.complete_ms);
  SearchOp result{&op,
                  op.kind == ClientOp::kPut ? Effect::kPut : Effect::kDelete,
                  op.kind == ClientOp::kPut ? state : kAbsent,
                  false,
                  op.invoke_ms,
                  mandatory ? op.complete_ms : kForever};
  if (op.kind == ClientOp::kPut) {
    // A read of v takes effect after the PUT of v and no later than the read's completion,
    // so the PUT must take effect by the earliest such completion. A PUT whose value was
    // read must take effect (values are unique); one whose value nobody read (among the
    // taking-part reads) changes nothing observable if it never takes effect: the register
    // would hold its value only until the next write, and no read returns that value.
    // So an optional PUT is either dropped here or made mandatory with this bound.
    const Op* reader = seen.earliest_reader[state];
    if (reader) result.bound_ms = std::min(result.bound_ms, reader->complete_ms);
    if (!reader && !mandatory) return std::nullopt;
    return result;
  }
  if (mandatory) return result;
  // An optional DELETE is observable only by a kNotFound read whose instant follows it,
  // so only by reads completing at or after its invoke; if there is none, drop it. If it
  // took effect after the last such read, the register would be absent until the next
  // write with no read in between (none returns absent any more, and a read of a value
  // would fail), so leaving it out changes nothing: bound it at that read, still optional.
  // So every optional DELETE of a key gets the same bound (KeySearch relies on it).
  if (!seen.latest_not_found_ms || *seen.latest_not_found_ms < op.invoke_ms) return std::nullopt;
  result.optional = true;
  result.bound_ms = *seen.latest_not_found_ms;
  return result;
}

PreparedKey prepare_key(const std::vector<const Op*>& ops, uint32_t n) {
  PreparedKey key;
  Observations seen;
  key.violation = observe(ops, n, key, seen);
  if (key.violation) return key;
  uint32_t put_state = 0;
  for (const Op* op : ops) {
    if (!op->is_write()) continue;
    const uint32_t state = op->kind == ClientOp::kPut ? ++put_state : kAbsent;
    std::optional<SearchOp> write = search_op_for_write(*op, state, n, seen);
    if (!write) continue;
    if (write->bound_ms < write->invoke_ms) {
      const Op& reader = *seen.earliest_reader[state];
      key.violation = static_violation(
          reader, describe_op(reader) + " completed at " + std::to_string(reader.complete_ms) +
                      " ms, before " + describe_op(*op) + " was invoked at " +
                      std::to_string(op->invoke_ms) + " ms");
      key.violation->op_ids.push_back(op->id);
      return key;
    }
    key.ops.push_back(*write);
  }
  std::sort(key.ops.begin(), key.ops.end(),
            [](const SearchOp& a, const SearchOp& b) { return a.op->id < b.op->id; });
  return key;
}

// Configurations already explored, as Lowe's cache, with a dominance rule. A configuration
// is (the mandatory ops placed, the register state, how many optional DELETEs were used or
// dropped). The optional DELETEs are always used and dropped in one fixed order (see
// KeySearch::first_optional_delete), so that count says which; and a configuration that
// used fewer of them is the same but with more left pending, so it can do whatever the
// other can (dropping the extra ones): if it was explored and failed, the other fails too.
// The set of placed ops is a 128-bit Zobrist hash (XOR of one random 128-bit word per op).
// Two different sets collide with probability 2^-128 per pair: with 2^22 entries (the step
// bound), about 2^-85 per key, negligible. Open addressing with linear probing.
class VisitedSet {
 public:
  void reset(size_t expected_entries) {
    size_t capacity = 64;
    while (capacity < 2 * expected_entries) capacity *= 2;
    slots_.assign(capacity, Slot{});
    used_ = 0;
  }

  // Records the configuration. Returns false if it is dominated by one explored already
  // (then, if `prune`, nothing changes); true otherwise.
  bool visit(uint64_t hash_low, uint64_t hash_high, uint32_t state, uint32_t optional_done,
             bool prune) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = slot_of(hash_low, state) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.state == kEmptySlot) {
        slot = Slot{hash_low, hash_high, state, optional_done};
        ++used_;
        return true;
      }
      if (slot.hash_low != hash_low || slot.hash_high != hash_high || slot.state != state) {
        continue;
      }
      if (slot.optional_done <= optional_done && prune) return false;
      slot.optional_done = std::min(slot.optional_done, optional_done);
      return slot.optional_done == optional_done;
    }
  }

 private:
  static constexpr uint32_t kEmptySlot = std::numeric_limits<uint32_t>::max();
  struct Slot {
    uint64_t hash_low = 0;
    uint64_t hash_high = 0;
    uint32_t state = kEmptySlot;
    uint32_t optional_done = 0;
  };

  static size_t slot_of(uint64_t hash_low, uint32_t state) {
    return static_cast<size_t>(hash_low ^ (uint64_t{state} * 0x9e3779b97f4a7c15));
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.state == kEmptySlot) continue;
      size_t i = slot_of(slot.hash_low, slot.state) & mask;
      while (slots_[i].state != kEmptySlot) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  size_t used_ = 0;
};

// Where the search got stuck deepest: the op whose bound the scan reached unplaced with the
// most ops already placed (linearized or dropped).
struct Stuck {
  enum class Why : uint8_t {
    kRegister,       // the register state did not allow it (or the orders were explored)
    kPendingReader,  // it would overwrite a value that `reader` has yet to read
    kLateReader,     // a PUT whose first reader was invoked after `barrier` had to act
  };
  uint32_t op = kNoOp;
  size_t placed = 0;
  std::vector<uint32_t> states;      // the distinct register states it was stuck at
  std::vector<uint32_t> recent_ops;  // ops linearized just before it, latest first
  Why why = Why::kRegister;          // at the first of `states`
  uint32_t reader = kNoOp;
  uint32_t barrier = kNoOp;
};

// The Wing & Gong search over one key's call and return events, with Lowe's cache of
// explored configurations. Built per key; run() once.
class KeySearch {
 public:
  KeySearch(const std::vector<SearchOp>& ops, size_t state_count, VisitedSet& visited,
            uint64_t max_steps);
  LinearizabilityVerdict run();
  uint64_t steps() const { return steps_; }
  const Stuck& stuck() const { return stuck_; }

 private:
  // kEager and kDrop moves are the only option of their configuration: undoing one
  // backtracks further. The others are one option among the scanned candidates.
  enum class Move : uint8_t { kApply, kApplyAfterDelete, kEager, kDrop };
  struct Frame {
    uint32_t op;
    uint32_t delete_op;  // kApplyAfterDelete: the optional DELETE placed just before `op`
    uint32_t previous_state;
    Move move;
  };
  // The event list, doubly linked and circular through the head sentinel entries_[0].
  struct Entry {
    uint32_t prev = 0;
    uint32_t next = 0;
    uint32_t op = kNoOp;
    uint32_t match = 0;  // a call's return entry and vice versa
    bool is_return = false;
  };

  void index_ops(size_t state_count);
  void build_events();
  std::optional<uint32_t> restart_scan();
  bool try_call(uint32_t op);
  bool read_can_follow(uint32_t put);
  uint32_t barrier_for(uint32_t op);
  uint32_t find_eager_op() const;
  bool admissible(uint32_t op) const;
  bool apply(uint32_t op, Move move);
  bool try_read_absent_after_delete(uint32_t read);
  bool try_drop(uint32_t op);
  uint32_t first_optional_delete() const;
  std::optional<uint32_t> backtrack();
  void note_stuck(uint32_t op);
  void explain_stuck(uint32_t op);

  // A value may be overwritten only once every read of it is placed: values are unique,
  // so once overwritten it never returns and a read of it still to come could not succeed.
  bool can_overwrite() const { return state_ == kAbsent || reads_remaining_[state_] == 0; }
  uint32_t cache_state(uint32_t state, uint32_t reads_remaining) const {
    return state == kAbsent || reads_remaining > 0 ? state : kUnreadableValue;
  }
  // Records the configuration with `op` (and `other_op` unless kNoOp) also placed and the
  // register in `state`; false if it is dominated by one explored already (see VisitedSet).
  bool visit(uint32_t op, uint32_t other_op, uint32_t state, bool prune = true);
  void place(uint32_t op);
  void unplace(uint32_t op);
  void lift(uint32_t call);
  void unlift(uint32_t call);

  const std::vector<SearchOp>& ops_;
  VisitedSet& visited_;
  const uint64_t max_steps_;
  std::vector<uint64_t> zobrist_;  // two words per op
  std::vector<Entry> entries_;
  std::vector<uint32_t> call_entry_;            // per op
  std::vector<std::vector<uint32_t>> readers_;  // per state: the reads that returned it
  std::vector<uint32_t> first_reader_;          // per state: the one invoked first
  std::vector<uint32_t> reads_remaining_;       // per state: its reads not placed yet
  std::vector<uint8_t> placed_op_;              // per op
  std::vector<uint32_t> optional_order_;        // optional DELETEs by invoke: order of use
  std::vector<Frame> frames_;
  // The first two mandatory ops whose returns are in the list; recomputed after a change.
  std::array<uint32_t, 2> barriers_{kNoOp, kNoOp};
  bool barriers_valid_ = false;
  uint32_t state_ = kAbsent;
  uint64_t hash_low_ = 0;
  uint64_t hash_high_ = 0;
  size_t placed_ = 0;
  uint32_t optional_done_ = 0;  // optional DELETEs used or dropped
  uint64_t steps_ = 0;
  Stuck stuck_;
};

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

std::string state_text(const PreparedKey& key, uint32_t state) {
  return state == kAbsent ? std::string("absent") : json_quote(key.writer_of_state[state]->value);
}

std::string describe_stuck(const PreparedKey& key, const Stuck& stuck) {
  std::string detail = "no linearization: " + describe_op(*key.ops[stuck.op].op);
  if (stuck.placed == 0) {
    detail += " cannot take effect first";
  } else {
    detail += " cannot follow any order of the " + std::to_string(stuck.placed) +
              (stuck.placed == 1 ? " op" : " ops") + " before it";
  }
  detail += stuck.states.size() == 1 ? "; deepest state reached: " : "; deepest states reached: ";
  for (size_t i = 0; i < stuck.states.size(); ++i) {
    detail += (i > 0 ? ", " : "") + state_text(key, stuck.states[i]);
  }
  if (stuck.why == Stuck::Why::kPendingReader) {
    detail += "; it would overwrite " + state_text(key, stuck.states.front()) + ", which " +
              describe_op(*key.ops[stuck.reader].op) + " has yet to read";
  }
  if (stuck.why == Stuck::Why::kLateReader) {
    detail += "; the first read of its value, " + describe_op(*key.ops[stuck.reader].op) +
              ", was invoked after " + describe_op(*key.ops[stuck.barrier].op) +
              " had to take effect";
  }
  return detail;
}

// The stuck op, the read that blocked it, the ops placed just before it, then the ops
// concurrent with it, without repeats and capped.
std::vector<uint64_t> stuck_op_ids(const PreparedKey& key, const Stuck& stuck) {
  std::vector<uint64_t> ids;
  auto add = [&ids, &key](uint32_t op) {
    if (op == kNoOp || ids.size() >= kMaxReportedOps) return;
    const uint64_t id = key.ops[op].op->id;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  add(stuck.op);
  add(stuck.reader);
  add(stuck.barrier);
  for (uint32_t op : stuck.recent_ops) add(op);
  const SearchOp& blocked = key.ops[stuck.op];
  for (uint32_t i = 0; i < key.ops.size(); ++i) {
    const SearchOp& other = key.ops[i];
    if (other.invoke_ms <= blocked.bound_ms && blocked.invoke_ms <= other.bound_ms) add(i);
  }
  return ids;
}

KeyLinearizability check_key(const Key& key, const std::vector<const Op*>& ops, uint32_t n,
                             VisitedSet& visited, const LinearizabilityOptions& options) {
  PreparedKey prepared = prepare_key(ops, n);
  if (prepared.violation) return *prepared.violation;
  KeySearch search(prepared.ops, prepared.writer_of_state.size(), visited,
                   options.max_steps_per_key);
  KeyLinearizability result;
  result.key = key;
  result.verdict = search.run();
  result.steps = search.steps();
  if (result.verdict != LinearizabilityVerdict::kViolation) return result;
  const Stuck& stuck = search.stuck();
  RINGKV_ASSERT(stuck.op != kNoOp);
  result.op_ids = stuck_op_ids(prepared, stuck);
  result.time_ms = prepared.ops[stuck.op].bound_ms;
  result.detail = describe_stuck(prepared, stuck);
  return result;
}

}  // namespace

const char* linearizability_verdict_name(LinearizabilityVerdict verdict) {
  switch (verdict) {
    case LinearizabilityVerdict::kLinearizable:
      return "linearizable";
    case LinearizabilityVerdict::kViolation:
      return "violation";
    case LinearizabilityVerdict::kUnknown:
      return "unknown";
  }
  return "?";
}

std::optional<KeyLinearizability> LinearizabilityReport::first_violation() const {
  for (const KeyLinearizability& key : keys) {
    if (key.verdict == LinearizabilityVerdict::kViolation) return key;
  }
  return std::nullopt;
}

size_t LinearizabilityReport::unknown_keys() const {
  return static_cast<size_t>(std::count_if(keys.begin(), keys.end(), [](const auto& key) {
    return key.verdict == LinearizabilityVerdict::kUnknown;
  }));
}

uint64_t LinearizabilityReport::total_steps() const {
  uint64_t steps = 0;
  for (const KeyLinearizability& key : keys) steps += key.steps;
  return steps;
}

LinearizabilityReport check_linearizability(const History& history, uint32_t replication_factor,
                                            const LinearizabilityOptions& options) {
  RINGKV_ASSERT(replication_factor > 0);
  std::map<Key, std::vector<const Op*>> ops_by_key;
  for (const Op& op : history.ops) ops_by_key[op.key].push_back(&op);
  VisitedSet visited;
  LinearizabilityReport report;
  report.keys.reserve(ops_by_key.size());
  for (const auto& [key, ops] : ops_by_key) {
    report.keys.push_back(check_key(key, ops, replication_factor, visited, options));
  }
  return report;
}

}  // namespace ringkv::sim
