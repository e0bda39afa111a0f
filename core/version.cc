#include "core/version.h"

namespace ringkv {

bool valid_node_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxNodeIdBytes) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Version::to_string() const { return std::to_string(counter) + "." + node_id; }

std::optional<Version> parse_version(std::string_view text, bool* out_of_range) {
  if (out_of_range) *out_of_range = false;
  size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 20) return std::nullopt;
  uint64_t counter = 0;
  for (size_t i = 0; i < dot; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (counter > (UINT64_MAX - digit) / 10) return std::nullopt;
    counter = counter * 10 + digit;
  }
  std::string_view id = text.substr(dot + 1);
  if (!valid_node_id(id)) return std::nullopt;
  if (counter > kMaxVersionCounter) {
    if (out_of_range) *out_of_range = true;
    return std::nullopt;
  }
  return Version{counter, NodeId(id)};
}

}  // namespace ringkv
