#include "core/host_port.h"

#include <charconv>

namespace ringkv {

namespace {
constexpr size_t kMaxHostBytes = 255;  // a DNS name's limit
}  // namespace

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<HostPort> parse_host_port(std::string_view text, PortZero zero) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::invalid_argument("expected HOST:PORT, got '" + std::string(text) + "'");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host.size() > kMaxHostBytes) {
    return Status::invalid_argument("bad host in '" + std::string(text) + "'");
  }
  const unsigned lowest = zero == PortZero::kAllowed ? 0 : 1;
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port < lowest || port > 65535) {
    return Status::invalid_argument("bad port in '" + std::string(text) + "' (" +
                                    std::to_string(lowest) + "..65535)");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace ringkv
