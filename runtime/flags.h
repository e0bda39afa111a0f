// Command-line and environment configuration of kvnode: `--name value` or `--name=value`,
// or the environment variable KV_NAME (upper case, '-' -> '_'); a flag wins over the
// environment. parse_flags() validates everything and names the offending flag.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "runtime/options.h"

namespace ringkv::runtime {

// Looks up an environment variable (std::getenv in production, a map in tests).
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

struct FlagsOutcome {
  bool help_requested = false;
  std::optional<RuntimeOptions> options;  // set when valid and help was not requested
  std::string error;                      // one line naming the flag, when invalid
};

FlagsOutcome parse_flags(const std::vector<std::string>& arguments,
                         const EnvironmentLookup& environment);

// The --help text: every flag, its environment variable and default.
std::string help_text();

// "127.0.0.1:8081" or "[::1]:8081"; port 1..65535.
// "n2=127.0.0.1:8082,n3=127.0.0.1:8083" (empty: no peers).
Result<std::vector<Peer>> parse_peers(std::string_view text);

}  // namespace ringkv::runtime
