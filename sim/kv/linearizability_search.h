// The Wing & Gong search over one prepared key (linearizability_prepare.h), with Lowe's
// cache of explored configurations and a dominance rule, bounded in steps. Internal to
// the black-box checker (linearizability.h).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "sim/kv/linearizability_prepare.h"

namespace ringkv::sim::linearizability_detail {


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

}  // namespace ringkv::sim::linearizability_detail
