#include "sim/kv/checkers.h"

#include <algorithm>

#include "sim/kit/trace.h"

namespace ringkv::sim {
namespace {

using OpList = std::vector<const Op*>;

std::map<Key, OpList> ops_by_key(const History& history) {
  std::map<Key, OpList> by_key;
  for (const Op& op : history.ops) by_key[op.key].push_back(&op);
  return by_key;
}

Violation violation(const Op& op, const Op* other, std::string detail) {
  Violation v{"linearizability", op.key, {op.id}, op.complete_ms, std::move(detail)};
  if (other) v.op_ids.push_back(other->id);
  return v;
}

std::string op_name(const Op& op) { return "op " + std::to_string(op.id); }

// What an op says a version holds: the value it wrote or read, or a tombstone.
struct Observed {
  const Op* op = nullptr;
  bool tombstone = false;
  const Value* value = nullptr;
};

// Every op that reports a version: answered writes that were stamped (a failed write
// carries its stamp) and answered reads. Weak and failed ones included: whatever their
// quorum, a write has one version and a read reports the version of what it returns.
std::optional<Observed> observed(const Op& op) {
  if (op.version.is_zero()) return std::nullopt;
  const bool answered = op.result == OpResult::kOk || op.result == OpResult::kNotFound ||
                        (op.is_write() && op.result == OpResult::kFailed);
  if (!answered) return std::nullopt;
  const bool tombstone =
      op.kind == ClientOp::kDelete || (op.kind == ClientOp::kGet && op.result != OpResult::kOk);
  return Observed{&op, tombstone, tombstone ? nullptr : &op.value};
}

// White box, part 1: each value lives at exactly one version, and each version holds one
// value (or a tombstone). A value seen at two versions means a write was stamped twice.
std::optional<Violation> check_one_version_per_value(const OpList& ops) {
  std::map<Value, const Op*> version_of_value;
  std::map<Version, Observed> content_of_version;
  for (const Op* op : ops) {
    std::optional<Observed> seen = observed(*op);
    if (!seen) continue;
    if (seen->value) {
      auto [it, first] = version_of_value.emplace(*seen->value, op);
      if (!first && it->second->version != op->version) {
        return violation(*op, it->second,
                         "value " + json_quote(*seen->value) + " seen at two versions: " +
                             op->version.to_string() + " by " + op_name(*op) + " and " +
                             it->second->version.to_string() + " by " + op_name(*it->second));
      }
    }
    auto [it, first] = content_of_version.emplace(op->version, *seen);
    const Observed& other = it->second;
    const bool same = other.tombstone == seen->tombstone &&
                      (seen->tombstone || *other.value == *seen->value);
    if (!first && !same) {
      return violation(*op, other.op,
                       "version " + op->version.to_string() + " holds different content for " +
                           op_name(*op) + " and " + op_name(*other.op));
    }
  }
  return std::nullopt;
}

bool is_strong(const Op& op, uint32_t n) {
  return op.is_write() ? 2 * op.quorum > n : 2 * op.quorum >= n;
}

// The ops whose version the real-time order constrains: strong acknowledged writes and
// strong answered reads. Weak and failed writes are indeterminate (they may appear late).
bool determinate(const Op& op, uint32_t n) {
  if (!is_strong(op, n)) return false;
  if (op.is_write()) return op.result == OpResult::kOk;
  return op.result == OpResult::kOk || op.result == OpResult::kNotFound;
}

// White box, part 2: versions respect real time. If A returned before B was called,
// version(A) <= version(B), strictly when B is a write.
std::optional<Violation> check_real_time_order(const OpList& ops, uint32_t n) {
  OpList by_complete, by_invoke;
  for (const Op* op : ops) {
    if (!determinate(*op, n)) continue;
    by_complete.push_back(op);
    by_invoke.push_back(op);
  }
  std::sort(by_complete.begin(), by_complete.end(),
            [](const Op* a, const Op* b) { return a->complete_ms < b->complete_ms; });
  std::sort(by_invoke.begin(), by_invoke.end(),
            [](const Op* a, const Op* b) { return a->invoke_ms < b->invoke_ms; });
  const Op* highest = nullptr;  // highest version among ops completed before `op` started
  size_t next_completed = 0;
  for (const Op* op : by_invoke) {
    for (; next_completed < by_complete.size() &&
           by_complete[next_completed]->complete_ms < op->invoke_ms;
         ++next_completed) {
      const Op* done = by_complete[next_completed];
      if (!highest || done->version > highest->version) highest = done;
    }
    if (!highest) continue;
    const bool ordered =
        op->is_write() ? op->version > highest->version : op->version >= highest->version;
    if (ordered) continue;
    const std::string got = op->version.is_zero() ? "nothing" : op->version.to_string();
    return violation(*op, highest,
                     op_name(*op) + " (" + client_op_name(op->kind) + ") started after " +
                         op_name(*highest) + " returned version " +
                         highest->version.to_string() + ", but " +
                         (op->is_write() ? "was stamped " : "returned ") + got);
  }
  return std::nullopt;
}

// 5. No invention: every value read was written by a PUT to the key invoked before the
// read ended.
std::optional<Violation> check_no_invention(const OpList& ops,
                                            const std::map<Value, const Op*>& puts_by_value) {
  for (const Op* r : ops) {
    if (r->is_write() || r->result != OpResult::kOk) continue;
    auto it = puts_by_value.find(r->value);
    if (it == puts_by_value.end() || it->second->key != r->key ||
        it->second->invoke_ms > r->complete_ms) {
      return Violation{"no invention", r->key, {r->id}, r->complete_ms,
                       "read a value that no PUT to this key wrote before the read ended"};
    }
  }
  return std::nullopt;
}

std::map<Value, const Op*> puts_by_value(const History& history) {
  std::map<Value, const Op*> by_value;
  for (const Op& op : history.ops) {
    if (op.kind == ClientOp::kPut) by_value.emplace(op.value, &op);
  }
  return by_value;
}

}  // namespace

std::optional<Violation> check_history(const History& history, uint32_t replication_factor) {
  const auto values = puts_by_value(history);
  for (const auto& [key, ops] : ops_by_key(history)) {
    if (auto v = check_no_invention(ops, values)) return v;
    if (auto v = check_one_version_per_value(ops)) return v;
    if (auto v = check_real_time_order(ops, replication_factor)) return v;
  }
  return std::nullopt;
}

std::optional<Violation> check_durability(const History& history,
                                          const std::map<Key, ReplicaState>& final_state,
                                          uint64_t now_ms) {
  const auto values = puts_by_value(history);
  for (const auto& [key, replicas] : final_state) {
    std::optional<Entry> winner;
    for (const auto& [node, entry] : replicas) winner = lww_merge(winner, entry);
    if (winner && !winner->tombstone) {
      auto it = values.find(winner->value);
      if (it == values.end() || it->second->key != key) {
        return Violation{"no invention", key, {}, now_ms,
                         "replicas hold a value no PUT to this key wrote"};
      }
    }
    for (const Op& op : history.ops) {
      if (op.key != key || !op.is_write() || op.result != OpResult::kOk) continue;
      if (!winner || winner->version < op.version) {
        return Violation{"durability", key, {op.id}, now_ms,
                         "acknowledged write " + op.version.to_string() +
                             " lost: the winning version is " +
                             (winner ? winner->version.to_string() : std::string("none"))};
      }
      if (winner->version == op.version &&
          (winner->tombstone != (op.kind == ClientOp::kDelete) ||
           (!winner->tombstone && winner->value != op.value))) {
        return Violation{"durability", key, {op.id}, now_ms,
                         "the winning entry has the acknowledged version but other content"};
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> check_convergence(const std::map<Key, ReplicaState>& final_state,
                                           uint64_t now_ms) {
  for (const auto& [key, replicas] : final_state) {
    const std::optional<Entry>* first = nullptr;
    std::string first_node;
    for (const auto& [node, entry] : replicas) {
      if (!first) {
        first = &entry;
        first_node = node;
        continue;
      }
      if (entry != *first) {
        auto show = [](const std::optional<Entry>& e) {
          return e ? e->version.to_string() + (e->tombstone ? " (tombstone)" : "")
                   : std::string("nothing");
        };
        return Violation{"convergence", key, {}, now_ms,
                         first_node + " holds " + show(*first) + " but " + node + " holds " +
                             show(entry)};
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> check_liveness(const History& history, uint64_t from_ms) {
  for (const Op& op : history.ops) {
    if (op.invoke_ms < from_ms) continue;
    if (op.result == OpResult::kPending || op.result == OpResult::kIndeterminate) {
      return Violation{"liveness", op.key, {op.id}, op.invoke_ms,
                       "request got no answer after the cluster healed"};
    }
  }
  return std::nullopt;
}

}  // namespace ringkv::sim
