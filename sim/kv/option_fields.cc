#include "sim/kv/option_fields.h"

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <variant>

namespace ringkv::sim {
namespace {

using FieldRef = std::variant<uint32_t*, uint64_t*, int64_t*, bool*, SyncPolicy*>;
struct Field {
  const char* name;
  FieldRef (*get)(SimOptions&);
};

#define RINGKV_OPTION(name, member) \
  Field { name, [](SimOptions& o) -> FieldRef { return &(o.member); } }

// Every field a run depends on. FROZEN names (option files in tests/ use them).
const std::vector<Field>& fields() {
  static const std::vector<Field> all = {
      RINGKV_OPTION("seed", seed),
      RINGKV_OPTION("nodes", node_count),
      RINGKV_OPTION("spare_nodes", spare_nodes),
      RINGKV_OPTION("keys", key_count),
      RINGKV_OPTION("clients", client_count),
      // Config (the node's).
      RINGKV_OPTION("replication_factor", config.replication_factor),
      RINGKV_OPTION("write_quorum", config.write_quorum),
      RINGKV_OPTION("read_quorum", config.read_quorum),
      RINGKV_OPTION("allow_weak_quorums", config.allow_weak_quorums),
      RINGKV_OPTION("vnodes_per_node", config.vnodes_per_node),
      RINGKV_OPTION("max_key_bytes", config.max_key_bytes),
      RINGKV_OPTION("max_value_bytes", config.max_value_bytes),
      RINGKV_OPTION("max_inflight_requests", config.max_inflight_requests),
      RINGKV_OPTION("default_timeout_ms", config.default_timeout_ms),
      RINGKV_OPTION("version_query_hedge_ms", config.version_query_hedge_ms),
      RINGKV_OPTION("max_timeout_ms", config.max_timeout_ms),
      RINGKV_OPTION("gossip_interval_ms", config.gossip_interval_ms),
      RINGKV_OPTION("gossip_fanout", config.gossip_fanout),
      RINGKV_OPTION("suspect_after_ms", config.suspect_after_ms),
      RINGKV_OPTION("dead_after_ms", config.dead_after_ms),
      RINGKV_OPTION("max_cluster_nodes", config.max_cluster_nodes),
      RINGKV_OPTION("max_hint_bytes_per_target", config.max_hint_bytes_per_target),
      RINGKV_OPTION("hint_replay_interval_ms", config.hint_replay_interval_ms),
      RINGKV_OPTION("hint_replay_batch", config.hint_replay_batch),
      RINGKV_OPTION("max_hint_age_ms", config.max_hint_age_ms),
      RINGKV_OPTION("anti_entropy_interval_ms", config.anti_entropy_interval_ms),
      RINGKV_OPTION("anti_entropy_max_entries_per_message",
                    config.anti_entropy_max_entries_per_message),
      RINGKV_OPTION("tombstone_grace_ms", config.tombstone_grace_ms),
      RINGKV_OPTION("memtable_max_bytes", config.memtable_max_bytes),
      // The simulated network and disks.
      RINGKV_OPTION("latency_min_ms", simulator.network.latency_min_ms),
      RINGKV_OPTION("latency_max_ms", simulator.network.latency_max_ms),
      RINGKV_OPTION("spike_permille", simulator.network.spike_permille),
      RINGKV_OPTION("latency_spike_ms", simulator.network.latency_spike_ms),
      RINGKV_OPTION("loss_permille", simulator.network.loss_permille),
      RINGKV_OPTION("duplicate_permille", simulator.network.duplicate_permille),
      RINGKV_OPTION("disk_latency_min_ms", simulator.disk_latency_min_ms),
      RINGKV_OPTION("disk_latency_max_ms", simulator.disk_latency_max_ms),
      // Faults.
      RINGKV_OPTION("fault_interval_min_ms", faults.fault_interval_min_ms),
      RINGKV_OPTION("fault_interval_max_ms", faults.fault_interval_max_ms),
      RINGKV_OPTION("crash_permille", faults.crash_permille),
      RINGKV_OPTION("power_failure_permille", faults.power_failure_permille),
      RINGKV_OPTION("partition_permille", faults.partition_permille),
      RINGKV_OPTION("clog_permille", faults.clog_permille),
      RINGKV_OPTION("pause_permille", faults.pause_permille),
      RINGKV_OPTION("downtime_max_ms", faults.downtime_max_ms),
      RINGKV_OPTION("partition_max_ms", faults.partition_max_ms),
      RINGKV_OPTION("read_bit_flip_permille", faults.read_bit_flip_permille),
      RINGKV_OPTION("io_error_permille", faults.io_error_permille),
      RINGKV_OPTION("disk_full_permille", faults.disk_full_permille),
      RINGKV_OPTION("crash_point_permille", faults.crash_point_permille),
      RINGKV_OPTION("junk_tail_permille", faults.junk_tail_permille),
      RINGKV_OPTION("disk_wipe_permille", faults.disk_wipe_permille),
      RINGKV_OPTION("rest_bit_flip_permille", faults.rest_bit_flip_permille),
      RINGKV_OPTION("membership_permille", faults.membership_permille),
      RINGKV_OPTION("clock_offset_max_ms", clock_offset_max_ms),
      RINGKV_OPTION("clock_drift_max_ppm", clock_drift_max_ppm),
      // Phases and workload.
      RINGKV_OPTION("safety_duration_ms", safety_duration_ms),
      RINGKV_OPTION("liveness_duration_ms", liveness_duration_ms),
      RINGKV_OPTION("convergence_bound_ms", convergence_bound_ms),
      RINGKV_OPTION("max_safety_duration_ms", max_safety_duration_ms),
      RINGKV_OPTION("min_ops", min_ops),
      RINGKV_OPTION("max_ops", max_ops),
      RINGKV_OPTION("injected_bugs", injected_bugs),
      RINGKV_OPTION("buggify_permille", buggify_permille),
      RINGKV_OPTION("hints_only", hints_only),
      RINGKV_OPTION("checkers", checkers),
      RINGKV_OPTION("sync", sync),
      RINGKV_OPTION("sync_batch_interval_ms", sync_batch_interval_ms),
      RINGKV_OPTION("timeout_one_in", timeout_one_in),
      RINGKV_OPTION("large_value_one_in", large_value_one_in),
      RINGKV_OPTION("tight_inflight_limit", tight_inflight_limit),
  };
  return all;
}

#undef RINGKV_OPTION

const Field* find_field(std::string_view name) {
  for (const Field& field : fields()) {
    if (name == field.name) return &field;
  }
  return nullptr;
}

template <typename T>
Status parse_integer(std::string_view name, std::string_view text, T* out) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Status::invalid_argument("option " + std::string(name) + " needs an integer in range, got '" +
                                    std::string(text) + "'");
  }
  *out = value;
  return Status();
}

std::string value_text(const FieldRef& ref) {
  return std::visit(
      [](auto* value) -> std::string {
        using T = std::remove_pointer_t<decltype(value)>;
        if constexpr (std::is_same_v<T, bool>) {
          return *value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, SyncPolicy>) {
          return std::string("\"") + sync_policy_name(*value) + "\"";
        } else {
          return std::to_string(*value);
        }
      },
      ref);
}

}  // namespace

std::vector<std::string> option_names() {
  std::vector<std::string> names;
  for (const Field& field : fields()) names.emplace_back(field.name);
  return names;
}

Status set_option(SimOptions& options, std::string_view name, std::string_view value) {
  const Field* field = find_field(name);
  if (!field) {
    return Status::invalid_argument("unknown option '" + std::string(name) +
                                    "' (kvsim --list-options names them all)");
  }
  return std::visit(
      [&](auto* target) -> Status {
        using T = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_same_v<T, bool>) {
          if (value != "true" && value != "false" && value != "1" && value != "0") {
            return Status::invalid_argument("option " + std::string(name) +
                                            " needs true or false, got '" + std::string(value) + "'");
          }
          *target = value == "true" || value == "1";
          return Status();
        } else if constexpr (std::is_same_v<T, SyncPolicy>) {
          if (value == "always") {
            *target = SyncPolicy::kAlways;
          } else if (value == "batch") {
            *target = SyncPolicy::kBatch;
          } else {
            return Status::invalid_argument("option sync needs always or batch, got '" +
                                            std::string(value) + "'");
          }
          return Status();
        } else {
          return parse_integer(name, value, target);
        }
      },
      field->get(options));
}

std::optional<std::string> option_value(const SimOptions& options, std::string_view name) {
  const Field* field = find_field(name);
  if (!field) return std::nullopt;
  SimOptions copy = options;  // the accessors hand out pointers into a mutable object
  return value_text(field->get(copy));
}

Status set_option_assignment(SimOptions& options, std::string_view assignment) {
  const size_t equals = assignment.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return Status::invalid_argument("--set needs name=value, got '" + std::string(assignment) + "'");
  }
  return set_option(options, assignment.substr(0, equals), assignment.substr(equals + 1));
}

std::string options_to_json(const SimOptions& options) {
  SimOptions copy = options;  // the accessors hand out pointers into a mutable object
  std::string out = "{\"format\":" + std::to_string(kOptionFileFormat);
  for (const Field& field : fields()) {
    out += ",\n \"" + std::string(field.name) + "\":" + value_text(field.get(copy));
  }
  return out + "\n}\n";
}

std::string write_reproduce_file(const SimOptions& options, uint64_t trace_hash,
                                 std::string_view prefix) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(trace_hash));
  std::error_code error;
  std::filesystem::path directory = std::filesystem::temp_directory_path(error);
  if (error) directory = "/tmp";
  const std::string path = (directory / (std::string(prefix) + "-" + hash + ".json")).string();
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << options_to_json(options);
  if (!file.flush()) return "reproduce: (cannot write " + path + ")\n" + options_to_json(options);
  return "reproduce: kvsim --options-from " + path;
}

Result<SimOptions> options_from_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::object object;
  if (parser.parse(padded).get(object) != simdjson::SUCCESS) {
    return Status::invalid_argument("an option file is one JSON object of name: value");
  }
  SimOptions options;
  bool have_format = false;
  for (auto [key, element] : object) {
    const std::string_view name = key;
    if (name == "format") {
      uint64_t format = 0;
      if (element.get(format) != simdjson::SUCCESS || format != kOptionFileFormat) {
        return Status::invalid_argument("option file format must be " +
                                        std::to_string(kOptionFileFormat));
      }
      have_format = true;
      continue;
    }
    std::string value;
    bool flag = false;
    int64_t signed_number = 0;
    uint64_t number = 0;
    std::string_view string;
    if (element.get(flag) == simdjson::SUCCESS) {
      value = flag ? "true" : "false";
    } else if (element.get(number) == simdjson::SUCCESS) {
      value = std::to_string(number);
    } else if (element.get(signed_number) == simdjson::SUCCESS) {
      value = std::to_string(signed_number);
    } else if (element.get(string) == simdjson::SUCCESS) {
      value = std::string(string);
    } else {
      return Status::invalid_argument("option " + std::string(name) +
                                      " must be a number, true/false or a string");
    }
    RINGKV_RETURN_IF_ERROR(set_option(options, name, value));
  }
  if (!have_format) return Status::invalid_argument("option file lacks \"format\"");
  if (auto problem = options.problem()) {
    return Status::invalid_argument("option file: " + *problem);
  }
  return options;
}

}  // namespace ringkv::sim
