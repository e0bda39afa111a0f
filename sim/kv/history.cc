#include "sim/kv/history.h"

#include "sim/kit/trace.h"

namespace ringkv::sim {

const char* op_result_name(OpResult result) {
  switch (result) {
    case OpResult::kPending: return "pending";
    case OpResult::kOk: return "ok";
    case OpResult::kNotFound: return "not_found";
    case OpResult::kFailed: return "failed";
    case OpResult::kIndeterminate: return "indeterminate";
  }
  return "?";
}

Version History::purged_by(const Key& key, uint64_t time_ms) const {
  Version highest;
  for (const Purge& purge : purges) {
    if (purge.time_ms > time_ms) break;
    if (purge.key == key && highest < purge.version) highest = purge.version;
  }
  return highest;
}

std::string Op::describe() const {
  std::string out = "op " + std::to_string(id) + " client " + std::to_string(client) + " " +
                    client_op_name(kind) + " key=" + json_quote(key);
  if (kind == ClientOp::kPut || (kind == ClientOp::kGet && result == OpResult::kOk)) {
    // Values are unique by their prefix; a large one is shown by its prefix and size.
    constexpr size_t kShownValueBytes = 40;
    out += " value=" + json_quote(value.substr(0, kShownValueBytes));
    if (value.size() > kShownValueBytes) out += "...(" + std::to_string(value.size()) + " bytes)";
  }
 out += " q=" + std::to_string(quorum);
  out += " via node " + std::to_string(coordinator) + " [" + std::to_string(invoke_ms) + ".." +
         (result == OpResult::kPending || result == OpResult::kIndeterminate
              ? std::string("?")
              : std::to_string(complete_ms)) +
         "ms] -> " + op_result_name(result);
  if (!version.is_zero()) out += " version=" + version.to_string();
  if (!error.empty()) out += " (" + error + ")";
  return out;
}

}  // namespace ringkv::sim
