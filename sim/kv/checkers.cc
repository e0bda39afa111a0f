#include "sim/kv/checkers.h"

#include <algorithm>
#include <set>

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

// A point of the real-time check: an op, the version it took effect at, and whether it
// wrote (a write must get a version strictly above everything completed before it).
struct Ordered {
  const Op* op;
  Version version;
  bool write;
};

// The ops whose version the real-time order constrains: strong acknowledged writes and
// strong answered reads, plus every write whose value (or tombstone) a strong read
// returned: weak and failed writes are indeterminate, but one that a strong read observed
// took effect, at the version the read saw, and not before it was called.
std::vector<Ordered> ordered_ops(const OpList& ops, uint32_t n, const History& history) {
  std::map<Value, const Op*> put_of_value;
  std::map<Version, const Op*> delete_of_version;
  for (const Op* op : ops) {
    if (op->kind == ClientOp::kPut) put_of_value.emplace(op->value, op);
    if (op->kind == ClientOp::kDelete && !op->version.is_zero()) {
      delete_of_version.emplace(op->version, op);
    }
  }
  std::vector<Ordered> ordered;
  std::set<const Op*> observed_writes;
  for (const Op* op : ops) {
    if (!determinate(*op, n)) continue;
    Version version = op->version;
    if (op->result == OpResult::kNotFound && version.is_zero()) {
      version = history.purged_by(op->key, op->complete_ms);  // "nothing" after a purge
    }
    ordered.push_back(Ordered{op, version, op->is_write()});
    if (op->is_write() || op->version.is_zero()) continue;
    const Op* writer = nullptr;
    if (op->result == OpResult::kOk) {
      auto it = put_of_value.find(op->value);
      if (it != put_of_value.end()) writer = it->second;
    } else if (auto it = delete_of_version.find(op->version); it != delete_of_version.end()) {
      writer = it->second;
    }
    if (writer && !determinate(*writer, n) && observed_writes.insert(writer).second) {
      ordered.push_back(Ordered{writer, op->version, true});
    }
  }
  return ordered;
}

// White box, part 2: versions respect real time. If A returned before B was called,
// version(A) <= version(B), strictly when B is a write.
std::optional<Violation> check_real_time_order(const OpList& ops, uint32_t n,
                                               const History& history) {
  std::vector<Ordered> by_invoke = ordered_ops(ops, n, history);
  std::vector<const Ordered*> by_complete;
  for (const Ordered& point : by_invoke) {
    if (determinate(*point.op, n)) by_complete.push_back(&point);
  }
  std::sort(by_complete.begin(), by_complete.end(), [](const Ordered* a, const Ordered* b) {
    return a->op->complete_ms < b->op->complete_ms;
  });
  std::vector<const Ordered*> invoke_order;
  for (const Ordered& point : by_invoke) invoke_order.push_back(&point);
  std::sort(invoke_order.begin(), invoke_order.end(), [](const Ordered* a, const Ordered* b) {
    return a->op->invoke_ms < b->op->invoke_ms;
  });
  const Ordered* highest = nullptr;  // highest version among ops completed before B started
  size_t next_completed = 0;
  for (const Ordered* b : invoke_order) {
    for (; next_completed < by_complete.size() &&
           by_complete[next_completed]->op->complete_ms < b->op->invoke_ms;
         ++next_completed) {
      const Ordered* done = by_complete[next_completed];
      if (!highest || done->version > highest->version) highest = done;
    }
    if (!highest) continue;
    if (b->write ? b->version > highest->version : b->version >= highest->version) continue;
    const Op& op = *b->op;
    const std::string got = b->version.is_zero() ? "nothing" : b->version.to_string();
    const std::string how = !b->write ? "returned "
                            : determinate(op, n)
                                ? "was stamped "
                                : "(a weak or failed write) was read by a strong read at ";
    return violation(op, highest->op,
                     op_name(op) + " (" + client_op_name(op.kind) + ") started after " +
                         op_name(*highest->op) + " returned version " +
                         highest->version.to_string() + ", but " + how + got);
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
    if (auto v = check_real_time_order(ops, replication_factor, history)) return v;
  }
  return std::nullopt;
}

std::optional<Violation> check_durability(const History& history,
                                          const std::map<Key, ReplicaState>& final_state,
                                          uint32_t replication_factor, uint64_t now_ms) {
  const auto values = puts_by_value(history);
  std::map<Key, std::vector<const Op*>> acked_writes;  // one pass, not one per key
  for (const Op& op : history.ops) {
    if (op.is_write() && op.result == OpResult::kOk) acked_writes[op.key].push_back(&op);
  }
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
    const Version purged = history.purged_by(key, now_ms);
    if (winner && winner->version < purged) {
      return Violation{"durability", key, {}, now_ms,
                       "a purged key came back: the tombstone at " + purged.to_string() +
                           " was purged, yet replicas hold " + winner->version.to_string() +
                           (winner->tombstone ? " (tombstone)" : "")};
    }
    auto writes = acked_writes.find(key);
    if (writes == acked_writes.end()) continue;
    for (const Op* acked : writes->second) {
      const Op& op = *acked;
      if (op.version <= purged) continue;  // overwritten by a delete whose tombstone was purged
      if (2 * op.quorum <= replication_factor && !history.wipes.empty() &&
          op.complete_ms <= history.wipes.back().time_ms) {
        continue;  // weak, and perhaps held by a disk that was lost since
      }
      if (!winner || winner->version < op.version) {
        std::string held;
        for (const auto& [node, entry] : replicas) {
          held += (held.empty() ? "" : ", ") + node + " " +
                  (entry ? entry->version.to_string() + (entry->tombstone ? " (tombstone)" : "")
                         : std::string("nothing"));
        }
        return Violation{"durability", key, {op.id}, now_ms,
                         "acknowledged write " + op.version.to_string() +
                             " lost: the winning version is " +
                             (winner ? winner->version.to_string() : std::string("none")) +
                             " (replicas: " + held + ")"};
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

namespace {

// A strong read that failed in its write-back phase while a write to its key overlapped it.
bool contended(const History& history, const Op& read) {
  if (read.kind != ClientOp::kGet || read.error.find("confirmed the value") == std::string::npos) {
    return false;
  }
  for (const Op& write : history.ops) {
    if (!write.is_write() || write.key != read.key) continue;
    const uint64_t write_end = write.result == OpResult::kPending ? UINT64_MAX : write.complete_ms;
    if (write.invoke_ms < read.complete_ms && write_end > read.invoke_ms) return true;
  }
  return false;
}

}  // namespace

std::optional<Violation> check_liveness(const History& history, uint64_t from_ms,
                                        uint64_t settled_ms, bool overload_expected,
                                        uint64_t* contended_reads) {
  std::map<Key, std::pair<uint64_t, uint64_t>> reads;  // key -> (settled reads, contended)
  for (const Op& op : history.ops) {
    if (op.invoke_ms < from_ms) continue;
    if (op.result == OpResult::kPending || op.result == OpResult::kIndeterminate) {
      return Violation{"liveness", op.key, {op.id}, op.invoke_ms,
                       "request got no answer after the cluster healed"};
    }
    if (op.invoke_ms < settled_ms) continue;
    if (!op.is_write()) reads[op.key].first++;
    if (op.result != OpResult::kFailed) continue;
    if (overload_expected && op.error.starts_with("overloaded")) continue;
    if (contended(history, op)) {
      reads[op.key].second++;
      if (contended_reads) (*contended_reads)++;
      continue;
    }
    return Violation{"liveness", op.key, {op.id}, op.invoke_ms,
                     "request failed in a healed, settled cluster: " + op.error};
  }
  for (const auto& [key, counts] : reads) {
    if (counts.second * 2 > counts.first) {
      return Violation{"liveness", key, {}, settled_ms,
                       std::to_string(counts.second) + " of " + std::to_string(counts.first) +
                           " reads in the settled cluster failed under write contention"};
    }
  }
  return std::nullopt;
}

}  // namespace ringkv::sim
