// The kvctl command line: `kvctl [options] COMMAND [ARGS]`. Parsing is pure (the
// environment is passed in), so tests can drive it. Options may appear anywhere before
// `--`; `-` alone is an argument (stdin).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/host_port.h"
#include "core/status.h"

namespace ringkv::tools {

inline constexpr std::string_view kDefaultNode = "127.0.0.1:8081";
inline constexpr std::string_view kNodeEnvironmentVariable = "RINGKV_NODE";
inline constexpr std::string_view kTokenEnvironmentVariable = "RINGKV_CLUSTER_TOKEN";
inline constexpr int kMaxTimeoutMs = 24 * 3600 * 1000;
inline constexpr int kDefaultWaitTimeoutS = 3600;
inline constexpr int kMaxWaitTimeoutS = 7 * 24 * 3600;

struct KvctlOptions {
  HostPort node;
  std::optional<int> write_quorum;  // --w: query parameter w
  std::optional<int> read_quorum;   // --r: query parameter r
  std::optional<int> timeout_ms;    // --timeout-ms: query parameter timeout_ms
  // --max-value-bytes: the largest value put sends; the nodes' own --max-value-bytes.
  uint64_t max_value_bytes = kDefaultMaxValueBytes;
  bool json = false;
  // decommission / removenode: --wait follows the change until it ends, for at most
  // --wait-timeout-s seconds (kDefaultWaitTimeoutS when not given; only with --wait).
  bool wait = false;
  std::optional<int> wait_timeout_s;
  std::string token;    // X-Cluster-Token when not empty
  // "put", "get", "del", "status", "ring", "health", "metrics", "decommission",
  // "removenode", "help"
  std::string command;
  std::vector<std::string> arguments;
};

// Returns the value of an environment variable, or nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The command line as far as it could be read. `error` is the first usage error, an
// invalid_argument with a message fit for the user ("unknown option '--x'"); `options` is
// complete only when `error` is ok, but `options.json` is set whenever --json is among the
// options, so that even a usage error can be answered in JSON.
struct ParsedCommandLine {
  KvctlOptions options;
  Status error;
};

// `arguments` excludes the program name.
ParsedCommandLine parse_kvctl_options(std::span<const std::string_view> arguments,
                                      const EnvironmentLookup& environment);

// The --help text; its limits come from the constants kvctl enforces.
std::string kvctl_usage();

}  // namespace ringkv::tools
