#include "sim/kv/linearizability.h"

#include <algorithm>
#include <map>

#include "core/assert.h"
#include "sim/kit/trace.h"
#include "sim/kv/linearizability_prepare.h"
#include "sim/kv/linearizability_search.h"

namespace ringkv::sim {
namespace {

using namespace linearizability_detail;

constexpr size_t kMaxReportedOps = 10;

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
