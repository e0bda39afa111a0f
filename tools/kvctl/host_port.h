// HostPort: a "HOST:PORT" network address as users type it ("127.0.0.1:8081",
// "node1:8080", "[::1]:8081"). Parsing only; name resolution happens at connect time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ringkv::tools {

struct HostPort {
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 0;

  // "host:port", with brackets around an IPv6 literal (the Host header form).
  std::string to_string() const;
};

// invalid_argument naming the problem for an empty host, a missing or bad port (1..65535).
Result<HostPort> parse_host_port(std::string_view text);

}  // namespace ringkv::tools
