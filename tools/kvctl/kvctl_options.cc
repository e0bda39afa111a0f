#include "tools/kvctl/kvctl_options.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "tools/kvctl/put_value.h"

namespace ringkv::tools {
namespace {

constexpr std::array<std::string_view, 8> kOptionsWithValue = {
    "--node",          "--w", "--r", "--timeout-ms", "--token", "--context", "--max-value-bytes",
    "--wait-timeout-s"};
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

constexpr std::array<CommandArity, 11> kCommands = {{
    {"put", 1, 2, "put KEY [VALUE|-]"},
    {"get", 1, 1, "get KEY"},
    {"del", 1, 1, "del KEY"},
    {"delete", 1, 1, "delete KEY"},
    {"status", 0, 0, "status"},
    {"ring", 0, 0, "ring"},
    {"health", 0, 0, "health"},
    {"metrics", 0, 0, "metrics"},
    {"decommission", 0, 0, "decommission [--wait]"},
    {"removenode", 1, 1, "removenode ID [--wait]"},
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

// The node to talk to as given, and how: "--node" or the environment variable (so an
// error names what the user actually typed).
struct NodeChoice {
  std::string text;
  std::string given_as;
};

Status apply_option(std::string_view name, std::string_view value, KvctlOptions& options,
                    NodeChoice& node) {
  if (name == "--node") node = NodeChoice{std::string(value), "--node"};
  if (name == "--token") options.token = value;
  if (name == "--context") return Status::invalid_argument(std::string(kContextRetired));
  if (name == "--w") return assign_int(name, value, kMaxQuorum, options.write_quorum);
  if (name == "--r") return assign_int(name, value, kMaxQuorum, options.read_quorum);
  if (name == "--timeout-ms") return assign_int(name, value, kMaxTimeoutMs, options.timeout_ms);
  if (name == "--wait-timeout-s") {
    return assign_int(name, value, kMaxWaitTimeoutS, options.wait_timeout_s);
  }
  if (name == "--max-value-bytes") {
    Result<int> bytes = parse_bounded_int(name, value, static_cast<int>(kMaxValueBytesCeiling));
    if (!bytes.ok()) return bytes.status();
    options.max_value_bytes = static_cast<uint64_t>(*bytes);
  }
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

// --wait and --wait-timeout-s: only for the membership commands, the timeout with --wait;
// and removenode's ID not empty.
Status check_membership_command(const KvctlOptions& options) {
  const bool membership = options.command == "decommission" || options.command == "removenode";
  if ((options.wait || options.wait_timeout_s.has_value()) && !membership) {
    return Status::invalid_argument(
        "--wait and --wait-timeout-s are for decommission and removenode");
  }
  if (options.wait_timeout_s.has_value() && !options.wait) {
    return Status::invalid_argument("--wait-timeout-s needs --wait");
  }
  if (options.command == "removenode" && options.arguments.front().empty()) {
    return Status::invalid_argument("ID must not be empty (usage: kvctl removenode ID)");
  }
  return Status::ok_status();
}

// What the options cannot say alone: a known command with the right number of
// arguments, a usable --node, and --json and --wait only where they mean something.
Status check_command(KvctlOptions& options, const NodeChoice& node_choice) {
  if (options.command.empty()) return Status::invalid_argument("no command given (try kvctl help)");
  RINGKV_RETURN_IF_ERROR(check_arity(options));
  if (options.command == "help") return Status::ok_status();
  RINGKV_RETURN_IF_ERROR(check_membership_command(options));
  if (options.json && options.command == "metrics") {
    return Status::invalid_argument("metrics prints Prometheus text, not JSON: drop --json");
  }
  Result<HostPort> node = parse_host_port(node_choice.text);
  if (!node.ok()) {
    return Status::invalid_argument(node_choice.given_as + ": " + node.status().message());
  }
  options.node = std::move(node).value();
  return Status::ok_status();
}

// Splits "--name=value" / "--name value"; `index` moves past a consumed value.
Status take_option(std::span<const std::string_view> arguments, size_t& index,
                   KvctlOptions& options, NodeChoice& node) {
  std::string_view name = arguments[index];
  std::optional<std::string_view> value;
  if (const size_t equals = name.find('='); equals != std::string_view::npos) {
    value = name.substr(equals + 1);
    name = name.substr(0, equals);
  }
  if (name == "--json" || name == "--wait" || name == "--help" || name == "-h") {
    if (value.has_value()) return Status::invalid_argument(std::string(name) + " takes no value");
    if (name == "--json")
      options.json = true;
    else if (name == "--wait")
      options.wait = true;
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
  return apply_option(name, *value, options, node);
}

}  // namespace

ParsedCommandLine parse_kvctl_options(std::span<const std::string_view> arguments,
                                      const EnvironmentLookup& environment) {
  ParsedCommandLine parsed;
  KvctlOptions& options = parsed.options;
  NodeChoice node{std::string(kDefaultNode), "--node"};
  if (std::optional<std::string> from_environment = environment(kNodeEnvironmentVariable)) {
    node = NodeChoice{*from_environment, std::string(kNodeEnvironmentVariable)};
  }
  options.token = environment(kTokenEnvironmentVariable).value_or("");
  std::vector<std::string> positional;
  bool options_ended = false;
  // Reads on past a bad option (keeping the first error) to learn whether --json is there.
  for (size_t index = 0; index < arguments.size(); ++index) {
    const std::string_view argument = arguments[index];
    if (!options_ended && argument == "--") {
      options_ended = true;
    } else if (!options_ended && argument.size() > 1 && argument.front() == '-') {
      Status taken = take_option(arguments, index, options, node);
      if (parsed.error.ok()) parsed.error = std::move(taken);
    } else {
      positional.emplace_back(argument);
    }
  }
  if (!positional.empty() && options.command != "help") {
    options.command = positional.front();
    options.arguments.assign(positional.begin() + 1, positional.end());
  }
  if (parsed.error.ok()) parsed.error = check_command(options, node);
  return parsed;
}

std::string kvctl_usage() {
  return R"(usage: kvctl [options] COMMAND [ARGS]

commands:
  put KEY VALUE       store VALUE under KEY; prints the new version
  put KEY -           store all of stdin (any bytes, empty too)
  put KEY             same as '-' when stdin is a pipe or file, but an empty stdin is
                      refused; with stdin a terminal this is a usage error
  get KEY             print the value (raw bytes); exit 1 when not found
  del KEY             delete KEY (writes a tombstone)
  status              membership table: node, address, status (alive/suspect/down),
                      state (normal/joining/leaving/removed/left), incarnation,
                      heartbeat, streaming progress; first the ring epoch and the
                      change in progress
  ring                how the hash ring is shared between nodes, with each node's status
  health              check that the node answers and is not rebuilding lost data (exit 5)
  metrics             print the node's Prometheus metrics (no --json form)
  decommission        ask --node to leave the cluster: it streams its ranges to the
                      members that take them over, then exits; prints the change and
                      its ring epoch (refused while another change runs)
  removenode ID       remove member ID, gone for good (ask any other member with
                      --node): the others copy its ranges from the remaining replicas
  help                this text

options:
  --node HOST:PORT    node to talk to (default: $RINGKV_NODE, else 127.0.0.1:8081)
  --w N, --r N        write / read quorum for this request (1..N)
  --timeout-ms N      server-side deadline for this request
  --token T           send X-Cluster-Token (default: $RINGKV_CLUSTER_TOKEN)
  --max-value-bytes N largest value put sends, in bytes (default: )" +
         size_text(kDefaultMaxValueBytes) + R"(, what nodes accept
                      unless started with a larger --max-value-bytes; at most )" +
         size_text(kMaxValueBytesCeiling) + R"()
  --json              machine-readable output: every answer and every error (help
                      aside) is one JSON line on stdout, errors {"error":..,"key":..};
                      stderr stays empty and the exit code is the one without --json
  --wait              decommission, removenode: then follow the change, a line each time
                      its progress changes, until the node has left (or exited after
                      leaving) / ID is no longer a member; with --json a JSON line each
  --wait-timeout-s N  stop waiting after N seconds (default )" +
         std::to_string(kDefaultWaitTimeoutS) + R"(, at most )" + std::to_string(kMaxWaitTimeoutS) +
         R"():
                      exit 6, the change goes on

exit codes: 0 ok, 1 not found, 2 usage error (nothing was sent), 3 server error or
            quorum failure (a refused change too), 4 cannot connect, 5 (health)
            rebuilding, 6 --wait timed out (the change goes on)
)";
}

}  // namespace ringkv::tools
