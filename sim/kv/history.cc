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

std::string Op::describe() const {
  std::string out = "op " + std::to_string(id) + " client " + std::to_string(client) + " " +
                    client_op_name(kind) + " key=" + json_quote(key);
  if (kind == ClientOp::kPut || (kind == ClientOp::kGet && result == OpResult::kOk)) {
    out += " value=" + json_quote(value);
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
