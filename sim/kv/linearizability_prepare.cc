#include "sim/kv/linearizability_prepare.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "core/assert.h"
#include "sim/kit/trace.h"

namespace ringkv::sim::linearizability_detail {
namespace {

bool is_strong_read(const Op& op, uint32_t n) { return 2 * uint64_t{op.quorum} >= n; }
bool is_strong_write(const Op& op, uint32_t n) { return 2 * uint64_t{op.quorum} > n; }

bool takes_part_as_read(const Op& op, uint32_t n) {
  return !op.is_write() && is_strong_read(op, n) &&
         (op.result == OpResult::kOk || op.result == OpResult::kNotFound);
}

bool is_mandatory_write(const Op& op, uint32_t n) {
  return op.is_write() && op.result == OpResult::kOk && is_strong_write(op, n);
}

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace ringkv::sim::linearizability_detail
