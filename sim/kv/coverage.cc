#include "sim/kv/coverage.h"

#include <algorithm>
#include <charconv>

namespace ringkv::sim {

void Coverage::add(std::string_view name, uint64_t count) {
  auto it = counts_.find(name);
  if (it == counts_.end()) it = counts_.emplace(std::string(name), 0).first;
  it->second += count;
}

uint64_t Coverage::count(std::string_view name) const {
  auto it = counts_.find(name);
  return it == counts_.end() ? 0 : it->second;
}

void Coverage::merge(const Coverage& other) {
  for (const auto& [name, count] : other.counts_) add(name, count);
}

std::string Coverage::line(const std::vector<std::string>& names) const {
  std::string out = "coverage:";
  for (const std::string& name : names) out += " " + name + "=" + std::to_string(count(name));
  for (const auto& [name, count] : counts_) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    out += " " + name + "=" + std::to_string(count);
  }
  return out;
}

std::optional<Coverage> Coverage::parse_line(std::string_view text) {
  constexpr std::string_view kPrefix = "coverage:";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  Coverage coverage;
  while (!text.empty()) {
    if (text.front() == ' ') {
      text.remove_prefix(1);
      continue;
    }
    const size_t end = std::min(text.find(' '), text.size());
    const std::string_view item = text.substr(0, end);
    text.remove_prefix(end);
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos || equals == 0) return std::nullopt;
    uint64_t count = 0;
    const std::string_view digits = item.substr(equals + 1);
    auto [next, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (error != std::errc() || next != digits.data() + digits.size()) return std::nullopt;
    coverage.add(item.substr(0, equals), count);
  }
  return coverage;
}

std::vector<std::string> Coverage::missing(const std::vector<std::string>& required) const {
  std::vector<std::string> names;
  for (const std::string& name : required) {
    if (count(name) == 0) names.push_back(name);
  }
  return names;
}

const std::vector<std::string>& required_coverage() {
  static const std::vector<std::string> names = {
      "crash_during_sync", "tombstone_purged", "hint_budget_full", "overloaded", "compaction",
      "large_value", "write_superseded", "read_write_back", "read_winner_change",
      "version_query_hedge", "request_timeout", "enospc", "crash_point", "junk_tail",
      "disk_wiped", "data_rebuilt", "corruption_detected", "join_completed",
      "decommission_completed", "stream_resumed", "range_switched", "index_loaded_in_steps"};
  return names;
}

}  // namespace ringkv::sim
