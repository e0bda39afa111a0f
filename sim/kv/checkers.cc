#include "sim/kv/checkers.h"

#include <algorithm>

namespace ringkv::sim {
namespace {

using OpList = std::vector<const Op*>;

std::map<Key, OpList> ops_by_key(const History& history) {
  std::map<Key, OpList> by_key;
  for (const Op& op : history.ops) by_key[op.key].push_back(&op);
  return by_key;
}

// Ops sorted by completion time with the running maximum version, to answer "the highest
// version among ops completed strictly before time t" by binary search.
class CompletedBefore {
 public:
  explicit CompletedBefore(OpList ops) : ops_(std::move(ops)) {
    std::sort(ops_.begin(), ops_.end(),
              [](const Op* a, const Op* b) { return a->complete_ms < b->complete_ms; });
    const Op* best = nullptr;
    for (const Op* op : ops_) {
      if (!best || op->version > best->version) best = op;
      prefix_max_.push_back(best);
    }
  }
  // The op with the highest version among those completed strictly before `time_ms`.
  const Op* max_before(uint64_t time_ms) const {
    auto it = std::lower_bound(ops_.begin(), ops_.end(), time_ms,
                               [](const Op* op, uint64_t t) { return op->complete_ms < t; });
    if (it == ops_.begin()) return nullptr;
    return prefix_max_[static_cast<size_t>(it - ops_.begin()) - 1];
  }

 private:
  OpList ops_;
  OpList prefix_max_;
};

Violation violation(const char* invariant, const Op& op, const Op* other, std::string detail) {
  Violation v{invariant, op.key, {op.id}, op.complete_ms, std::move(detail)};
  if (other) v.op_ids.push_back(other->id);
  return v;
}

// One CompletedBefore per quorum size 1..N, so that a check can ask only the ops whose
// quorum intersects its own.
class ByQuorum {
 public:
  ByQuorum(const OpList& ops, uint32_t n) {
    std::vector<OpList> groups(n + 1);
    for (const Op* op : ops) groups[std::min(op->quorum, n)].push_back(op);
    for (auto& group : groups) levels_.emplace_back(std::move(group));
  }
  // Highest version among ops with quorum in [low, high] completed before time_ms.
  const Op* max_before(uint64_t time_ms, uint32_t low, uint32_t high) const {
    const Op* best = nullptr;
    for (uint32_t q = std::max(low, 1u); q <= high && q < levels_.size(); ++q) {
      const Op* candidate = levels_[q].max_before(time_ms);
      if (candidate && (!best || candidate->version > best->version)) best = candidate;
    }
    return best;
  }

 private:
  std::vector<CompletedBefore> levels_;
};

std::optional<Violation> check_key(const OpList& ops,
                                   const std::map<Value, const Op*>& puts_by_value, uint32_t n) {
  OpList acked_writes, reads;
  for (const Op* op : ops) {
    if (op->is_write() && op->result == OpResult::kOk) acked_writes.push_back(op);
    if (!op->is_write() && (op->result == OpResult::kOk || op->result == OpResult::kNotFound)) {
      reads.push_back(op);
    }
  }
  const ByQuorum writes_before(acked_writes, n);
  const ByQuorum reads_before(reads, n);
  for (const Op* w : acked_writes) {
    const Op* earlier = writes_before.max_before(w->invoke_ms, n - w->quorum + 1, n);
    if (earlier && !(w->version > earlier->version)) {
      return violation("write order", *w, earlier,
                       "write started after op " + std::to_string(earlier->id) +
                           " completed but got version " + w->version.to_string() +
                           " <= " + earlier->version.to_string());
    }
  }
  for (const Op* r : reads) {
    const Op* written = writes_before.max_before(r->invoke_ms, n - r->quorum + 1, n);
    if (written && r->version < written->version) {
      return violation("quorum read-after-write", *r, written,
                       "read returned version " + r->version.to_string() + " but op " +
                           std::to_string(written->id) +
                           " was acknowledged before the read started with version " +
                           written->version.to_string());
    }
    const Op* read = reads_before.max_before(r->invoke_ms, 1, r->quorum);
    if (read && r->version < read->version) {
      return violation("monotonic reads", *r, read,
                       "read returned version " + r->version.to_string() + " after op " +
                           std::to_string(read->id) + " had read " + read->version.to_string());
    }
    if (r->result == OpResult::kOk) {
      auto it = puts_by_value.find(r->value);
      if (it == puts_by_value.end() || it->second->key != r->key ||
          it->second->invoke_ms > r->complete_ms) {
        return violation("no invention", *r, nullptr,
                         "read a value that no PUT to this key wrote before the read ended");
      }
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
    if (auto v = check_key(ops, values, replication_factor)) return v;
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
