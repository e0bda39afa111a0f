#include "sim/kv/schedule.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <utility>

#include "sim/kv/option_fields.h"

namespace ringkv::sim {
namespace {

constexpr std::array<std::pair<FaultKind, const char*>, 14> kFaultNames{{
    {FaultKind::kCrash, "crash"},
    {FaultKind::kPowerFailure, "power-failure"},
    {FaultKind::kPartitionHalves, "partition-halves"},
    {FaultKind::kIsolate, "isolate"},
    {FaultKind::kOneWay, "one-way"},
    {FaultKind::kClog, "clog"},
    {FaultKind::kPause, "pause"},
    {FaultKind::kDiskFull, "disk-full"},
    {FaultKind::kCrashPoint, "crash-point"},
    {FaultKind::kDiskWipe, "disk-wipe"},
    {FaultKind::kRestBitFlip, "bit-flip"},
    {FaultKind::kJoin, "join"},
    {FaultKind::kDecommission, "decommission"},
    {FaultKind::kRemove, "remove"},
}};

constexpr std::array<std::pair<ClientOp, const char*>, 3> kOpNames{{
    {ClientOp::kGet, "get"},
    {ClientOp::kPut, "put"},
    {ClientOp::kDelete, "delete"},
}};

// Sets `out` to the value named `name` in a {value, name} table; false for an unknown name.
template <typename T, size_t N>
bool find_named(const std::array<std::pair<T, const char*>, N>& table, std::string_view name,
                T& out) {
  for (const auto& [value, text] : table) {
    if (name == text) {
      out = value;
      return true;
    }
  }
  return false;
}

// A bound on every list a schedule file holds, so a damaged file cannot exhaust memory.
constexpr size_t kMaxScheduleEntries = 10'000'000;

std::string number_list(const auto& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out + "]";
}

std::string action_json(const FaultAction& a) {
  std::string out = std::string("{\"fault\":\"") + fault_kind_name(a.kind) + "\"";
  auto add = [&out](const char* name, uint64_t value) {
    if (value != 0) out += std::string(",\"") + name + "\":" + std::to_string(value);
  };
  if (a.kind != FaultKind::kPowerFailure && a.kind != FaultKind::kPartitionHalves) {
    out += ",\"node\":" + std::to_string(a.node);
  }
  add("to", a.to);
  if (a.inbound) out += ",\"inbound\":true";
  if (!a.side.empty()) out += ",\"side\":" + number_list(a.side);
  if (!a.down_ms.empty()) out += ",\"down_ms\":" + number_list(a.down_ms);
  add("for_ms", a.duration_ms);
  add("delay_ms", a.delay_ms);
  add("amount", a.amount);
  return out + "}";
}

std::string op_json(const ScheduledOp& op) {
  std::string out = "{\"client\":" + std::to_string(op.client) +
                    ",\"think_ms\":" + std::to_string(op.think_ms) +
                    ",\"at_ms\":" + std::to_string(op.at_ms) + ",\"op\":\"" +
                    kOpNames[static_cast<size_t>(op.kind)].second +
                    "\",\"key\":" + std::to_string(op.key) +
                    ",\"node\":" + std::to_string(op.coordinator);
  if (op.quorum != 0) out += ",\"quorum\":" + std::to_string(op.quorum);
  if (op.timeout_ms != 0) out += ",\"timeout_ms\":" + std::to_string(op.timeout_ms);
  if (op.value_bytes != 0) out += ",\"value_bytes\":" + std::to_string(op.value_bytes);
  return out + "}";
}

Status field_error(const std::string& where, const char* field) {
  return Status::invalid_argument("schedule file: " + where + ": \"" + field +
                                  "\" is missing or not a non-negative integer");
}

template <typename T>
Status read_number(simdjson::dom::object object, const char* name, T& out, bool required,
                   const std::string& where) {
  uint64_t value = 0;
  auto error = object[name].get(value);
  if (error == simdjson::NO_SUCH_FIELD && !required) return Status();
  if (error != simdjson::SUCCESS || value > std::numeric_limits<T>::max()) {
    return field_error(where, name);
  }
  out = static_cast<T>(value);
  return Status();
}

template <typename T>
Status read_list(simdjson::dom::object object, const char* name, std::vector<T>& out,
                 const std::string& where) {
  simdjson::dom::array array;
  auto error = object[name].get(array);
  if (error == simdjson::NO_SUCH_FIELD) return Status();
  if (error != simdjson::SUCCESS || array.size() > kMaxScheduleEntries) {
    return field_error(where, name);
  }
  for (simdjson::dom::element element : array) {
    uint64_t value = 0;
    if (element.get(value) != simdjson::SUCCESS || value > std::numeric_limits<T>::max()) {
      return field_error(where, name);
    }
    out.push_back(static_cast<T>(value));
  }
  return Status();
}

Result<FaultAction> parse_action(simdjson::dom::element element, const std::string& where) {
  simdjson::dom::object object;
  std::string_view name;
  if (element.get(object) != simdjson::SUCCESS || object["fault"].get(name) != simdjson::SUCCESS) {
    return Status::invalid_argument("schedule file: " + where + " is not a {\"fault\":...} object");
  }
  FaultAction a;
  if (!find_named(kFaultNames, name, a.kind)) {
    return Status::invalid_argument("schedule file: " + where + ": unknown fault '" +
                                    std::string(name) + "'");
  }
  RINGKV_RETURN_IF_ERROR(read_number(object, "node", a.node, false, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "to", a.to, false, where));
  RINGKV_RETURN_IF_ERROR(read_list(object, "side", a.side, where));
  RINGKV_RETURN_IF_ERROR(read_list(object, "down_ms", a.down_ms, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "for_ms", a.duration_ms, false, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "delay_ms", a.delay_ms, false, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "amount", a.amount, false, where));
  bool inbound = false;
  auto error = object["inbound"].get(inbound);
  if (error != simdjson::SUCCESS && error != simdjson::NO_SUCH_FIELD) {
    return Status::invalid_argument("schedule file: " + where + ": \"inbound\" is not true/false");
  }
  a.inbound = inbound;
  return a;
}

Result<ScheduledOp> parse_op(simdjson::dom::element element, const std::string& where) {
  simdjson::dom::object object;
  std::string_view name;
  if (element.get(object) != simdjson::SUCCESS || object["op"].get(name) != simdjson::SUCCESS) {
    return Status::invalid_argument("schedule file: " + where + " is not an {\"op\":...} object");
  }
  ScheduledOp op;
  if (!find_named(kOpNames, name, op.kind)) {
    return Status::invalid_argument("schedule file: " + where + ": unknown op '" +
                                    std::string(name) + "' (get, put or delete)");
  }
  RINGKV_RETURN_IF_ERROR(read_number(object, "client", op.client, true, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "think_ms", op.think_ms, true, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "at_ms", op.at_ms, false, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "key", op.key, true, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "node", op.coordinator, true, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "quorum", op.quorum, false, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "timeout_ms", op.timeout_ms, false, where));
  RINGKV_RETURN_IF_ERROR(read_number(object, "value_bytes", op.value_bytes, false, where));
  return op;
}

}  // namespace

const char* fault_kind_name(FaultKind kind) { return kFaultNames[static_cast<size_t>(kind)].second; }

size_t Schedule::fault_count() const {
  size_t count = 0;
  for (const FaultTick& tick : ticks) count += tick.actions.size();
  return count;
}

std::optional<std::string> Schedule::problem() const {
  const size_t nodes = options.machine_count();
  auto action_problem = [nodes](const FaultAction& a, uint64_t at_ms) -> std::optional<std::string> {
    const bool beyond = a.node >= nodes || a.to >= nodes ||
                        std::any_of(a.side.begin(), a.side.end(), [&](uint32_t n) { return n >= nodes; });
    const bool bad_down = a.kind == FaultKind::kPowerFailure ? a.down_ms.size() != nodes
                                                             : a.down_ms.size() > 1;
    if (!beyond && !bad_down) return std::nullopt;
    const std::string what = std::string(fault_kind_name(a.kind)) + " at " + std::to_string(at_ms) + " ms";
    if (beyond) return what + " names a node beyond " + std::to_string(nodes);
    return what + " has " + std::to_string(a.down_ms.size()) + " down times";
  };
  for (const FaultTick& tick : ticks) {
    for (const FaultAction& a : tick.actions) {
      if (auto problem = action_problem(a, tick.at_ms)) return problem;
    }
  }
  if (closing) {
    if (auto problem = action_problem(*closing, closing_at_ms)) return problem;
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    const ScheduledOp& op = ops[i];
    const std::string what = "request " + std::to_string(i + 1);
    if (op.client >= options.client_count) return what + " names client " + std::to_string(op.client) + ", beyond the options' clients";
    if (op.key >= options.key_count) return what + " names key " + std::to_string(op.key) + ", beyond the options' keys";
    if (op.coordinator >= nodes) return what + " names node " + std::to_string(op.coordinator) + ", beyond the options' nodes";
    if (op.quorum > options.config.replication_factor) return what + " asks a quorum above N";
    if (op.value_bytes > options.config.max_value_bytes) return what + " has a value above max_value_bytes";
  }
  return std::nullopt;
}

std::string schedule_to_json(const Schedule& s) {
  std::string out = "{\"format\":" + std::to_string(kScheduleFileFormat) +
                    ",\n\"safety_end_ms\":" + std::to_string(s.safety_end_ms) +
                    ",\n\"options\":" + options_to_json(s.options);
  if (s.closing) {
    std::string closing = action_json(*s.closing);
    out += ",\"closing\":{\"at\":" + std::to_string(s.closing_at_ms) + "," + closing.substr(1) + "\n";
  }
  out += ",\"ticks\":[";
  for (size_t i = 0; i < s.ticks.size(); ++i) {
    out += i ? ",\n" : "\n";
    out += "{\"at\":" + std::to_string(s.ticks[i].at_ms) + ",\"faults\":[";
    for (size_t j = 0; j < s.ticks[i].actions.size(); ++j) {
      out += (j ? "," : "") + action_json(s.ticks[i].actions[j]);
    }
    out += "]}";
  }
  out += "],\n\"ops\":[";
  for (size_t i = 0; i < s.ops.size(); ++i) out += (i ? ",\n" : "\n") + op_json(s.ops[i]);
  return out + "]}\n";
}

Result<Schedule> schedule_from_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::object object;
  if (parser.parse(padded).get(object) != simdjson::SUCCESS) {
    return Status::invalid_argument("a schedule file is one JSON object (kvsim --schedule-out)");
  }
  uint64_t format = 0;
  if (object["format"].get(format) != simdjson::SUCCESS || format != kScheduleFileFormat) {
    return Status::invalid_argument("schedule file format must be " +
                                    std::to_string(kScheduleFileFormat));
  }
  Schedule s;
  simdjson::dom::element options;
  if (object["options"].get(options) != simdjson::SUCCESS) {
    return Status::invalid_argument("schedule file lacks \"options\"");
  }
  auto parsed_options = options_from_json(simdjson::to_string(options));
  if (!parsed_options.ok()) return parsed_options.status();
  s.options = *parsed_options;
  RINGKV_RETURN_IF_ERROR(read_number(object, "safety_end_ms", s.safety_end_ms, true, "the file"));
  simdjson::dom::element closing;
  if (object["closing"].get(closing) == simdjson::SUCCESS) {
    auto action = parse_action(closing, "closing");
    if (!action.ok()) return action.status();
    s.closing = *action;
    RINGKV_RETURN_IF_ERROR(read_number(closing.get_object().value(), "at", s.closing_at_ms, true, "closing"));
  }
  simdjson::dom::array ticks, ops;
  if (object["ticks"].get(ticks) != simdjson::SUCCESS || object["ops"].get(ops) != simdjson::SUCCESS ||
      ticks.size() > kMaxScheduleEntries || ops.size() > kMaxScheduleEntries) {
    return Status::invalid_argument("schedule file needs \"ticks\" and \"ops\" lists");
  }
  for (simdjson::dom::element element : ticks) {
    const std::string where = "tick " + std::to_string(s.ticks.size() + 1);
    simdjson::dom::object tick;
    simdjson::dom::array faults;
    if (element.get(tick) != simdjson::SUCCESS || tick["faults"].get(faults) != simdjson::SUCCESS) {
      return Status::invalid_argument("schedule file: " + where + " is not {\"at\":..,\"faults\":[..]}");
    }
    FaultTick parsed;
    RINGKV_RETURN_IF_ERROR(read_number(tick, "at", parsed.at_ms, true, where));
    if (!s.ticks.empty() && parsed.at_ms < s.ticks.back().at_ms) {
      return Status::invalid_argument("schedule file: " + where + " goes back in time");
    }
    for (simdjson::dom::element fault : faults) {
      auto action = parse_action(fault, where);
      if (!action.ok()) return action.status();
      parsed.actions.push_back(std::move(*action));
    }
    s.ticks.push_back(std::move(parsed));
  }
  for (simdjson::dom::element element : ops) {
    auto op = parse_op(element, "request " + std::to_string(s.ops.size() + 1));
    if (!op.ok()) return op.status();
    s.ops.push_back(*op);
  }
  if (auto problem = s.problem()) return Status::invalid_argument("schedule file: " + *problem);
  return s;
}

}  // namespace ringkv::sim
