// HostPort: a "HOST:PORT" network address as users and peers write it ("127.0.0.1:8081",
// "node1:8080", "[::1]:8081"). Parsing only; names are resolved when connecting. The one
// parser of kvnode's flags, its peer addresses and kvctl's --node.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ringkv {

struct HostPort {
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 0;

  // "host:port", with brackets around an IPv6 literal (the Host header form).
  std::string to_string() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

enum class PortZero : uint8_t {
  kRefused,  // an address to reach: 1..65535
  kAllowed,  // an address to listen on: 0 asks the system for a free port
};

// invalid_argument naming the problem: no colon, an empty host or one over 255 bytes, a
// port that is not a number in range.
Result<HostPort> parse_host_port(std::string_view text, PortZero zero = PortZero::kRefused);

}  // namespace ringkv
