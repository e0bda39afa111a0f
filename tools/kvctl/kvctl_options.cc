#include "tools/kvctl/kvctl_options.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace ringkv::tools {
namespace {

constexpr std::array<std::string_view, 6> kOptionsWithValue = {
    "--node", "--w", "--r", "--timeout-ms", "--token", "--context"};
constexpr std::string_view kContextRetired =
    "--context was retired: strong writes are ordered after every completed write without it "
    "(docs/consistency.md)";
constexpr int kMaxQuorum = 64;

struct CommandArity {
  std::string_view command;
  size_t min_arguments;
  size_t max_arguments;
  std::string_view shape;
};

constexpr std::array<CommandArity, 9> kCommands = {{
    {"put", 1, 2, "put KEY [VALUE|-]"},
    {"get", 1, 1, "get KEY"},
    {"del", 1, 1, "del KEY"},
    {"delete", 1, 1, "delete KEY"},
    {"status", 0, 0, "status"},
    {"ring", 0, 0, "ring"},
    {"health", 0, 0, "health"},
    {"metrics", 0, 0, "metrics"},
    {"help", 0, 0, "help"},
}};

Result<int> parse_bounded_int(std::string_view option, std::string_view text, int max) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > max) {
    return Status::invalid_argument(std::string(option) + " needs a number in 1.." +
                                    std::to_string(max) + ", got '" + std::string(text) + "'");
  }
  return value;
}

Status assign_int(std::string_view option, std::string_view text, int max,
                  std::optional<int>& target) {
  Result<int> value = parse_bounded_int(option, text, max);
  if (!value.ok()) return value.status();
  target = *value;
  return Status::ok_status();
}

Status apply_option(std::string_view name, std::string_view value, KvctlOptions& options,
                    std::string& node_text) {
  if (name == "--node") node_text = value;
  if (name == "--token") options.token = value;
  if (name == "--context") return Status::invalid_argument(std::string(kContextRetired));
  if (name == "--w") return assign_int(name, value, kMaxQuorum, options.write_quorum);
  if (name == "--r") return assign_int(name, value, kMaxQuorum, options.read_quorum);
  if (name == "--timeout-ms") return assign_int(name, value, kMaxTimeoutMs, options.timeout_ms);
  return Status::ok_status();
}

Status check_arity(const KvctlOptions& options) {
  for (const CommandArity& arity : kCommands) {
    if (arity.command != options.command) continue;
    const size_t count = options.arguments.size();
    if (count < arity.min_arguments || count > arity.max_arguments) {
      return Status::invalid_argument("usage: kvctl [options] " + std::string(arity.shape));
    }
    return Status::ok_status();
  }
  return Status::invalid_argument("unknown command '" + options.command + "' (try kvctl help)");
}

// Splits "--name=value" / "--name value"; `index` moves past a consumed value.
Status take_option(std::span<const std::string_view> arguments, size_t& index,
                   KvctlOptions& options, std::string& node_text) {
  std::string_view name = arguments[index];
  std::optional<std::string_view> value;
  if (const size_t equals = name.find('='); equals != std::string_view::npos) {
    value = name.substr(equals + 1);
    name = name.substr(0, equals);
  }
  if (name == "--json" || name == "--help" || name == "-h") {
    if (value.has_value()) return Status::invalid_argument(std::string(name) + " takes no value");
    if (name == "--json")
      options.json = true;
    else
      options.command = "help";
    return Status::ok_status();
  }
  if (std::find(kOptionsWithValue.begin(), kOptionsWithValue.end(), name) ==
      kOptionsWithValue.end()) {
    return Status::invalid_argument("unknown option '" + std::string(name) + "' (try kvctl help)");
  }
  if (!value.has_value()) {
    if (index + 1 >= arguments.size()) {
      return Status::invalid_argument(std::string(name) + " needs a value");
    }
    value = arguments[++index];
  }
  return apply_option(name, *value, options, node_text);
}

}  // namespace

Result<KvctlOptions> parse_kvctl_options(std::span<const std::string_view> arguments,
                                         const EnvironmentLookup& environment) {
  KvctlOptions options;
  std::string node_text(environment(kNodeEnvironmentVariable).value_or(std::string(kDefaultNode)));
  options.token = environment(kTokenEnvironmentVariable).value_or("");
  std::vector<std::string> positional;
  bool options_ended = false;
  for (size_t index = 0; index < arguments.size(); ++index) {
    const std::string_view argument = arguments[index];
    if (!options_ended && argument == "--") {
      options_ended = true;
    } else if (!options_ended && argument.size() > 1 && argument.front() == '-') {
      RINGKV_RETURN_IF_ERROR(take_option(arguments, index, options, node_text));
    } else {
      positional.emplace_back(argument);
    }
  }
  if (options.command == "help") return options;
  if (positional.empty()) return Status::invalid_argument("no command given (try kvctl help)");
  options.command = positional.front();
  options.arguments.assign(positional.begin() + 1, positional.end());
  RINGKV_RETURN_IF_ERROR(check_arity(options));
  Result<HostPort> node = parse_host_port(node_text);
  if (!node.ok()) return Status::invalid_argument("--node: " + node.status().message());
  options.node = std::move(node).value();
  return options;
}

std::string_view kvctl_usage() {
  return R"(usage: kvctl [options] COMMAND [ARGS]

commands:
  put KEY [VALUE|-]   store VALUE under KEY (no VALUE or '-': read it from stdin);
                      prints the new version
  get KEY             print the value (raw bytes); exit 1 when not found
  del KEY             delete KEY (writes a tombstone)
  status              membership table: node, address, status, incarnation, heartbeat
  ring                how the hash ring is shared between nodes
  health              check that the node answers and is not rebuilding lost data (exit 5)
  metrics             print the node's Prometheus metrics
  help                this text

options:
  --node HOST:PORT    node to talk to (default: $RINGKV_NODE, else 127.0.0.1:8081)
  --w N, --r N        write / read quorum for this request (1..N)
  --timeout-ms N      server-side deadline for this request
  --token T           send X-Cluster-Token (default: $RINGKV_CLUSTER_TOKEN)
  --json              machine-readable output

exit codes: 0 ok, 1 not found, 2 usage error, 3 server error or quorum failure,
            4 cannot connect
)";
}

}  // namespace ringkv::tools
