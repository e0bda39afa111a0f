#include "tools/kvctl/ring_change.h"

#include <array>
#include <cstdio>
#include <string_view>

namespace ringkv::tools {

const MemberChange* find_member(const ClusterChanges& changes, const std::string& node_id) {
  for (const MemberChange& member : changes.members) {
    if (member.node_id == node_id) return &member;
  }
  return nullptr;
}

std::optional<StreamProgress> total_stream_progress(const ClusterChanges& changes) {
  std::optional<StreamProgress> total;
  for (const MemberChange& member : changes.members) {
    if (!member.stream.has_value()) continue;
    if (!total.has_value()) total.emplace();
    total->ranges_done += member.stream->ranges_done;
    total->ranges_total += member.stream->ranges_total;
    total->bytes_done += member.stream->bytes_done;
    total->bytes_total += member.stream->bytes_total;
  }
  return total;
}

std::string ring_summary_text(const RingSummary& ring) {
  std::string text = "ring epoch " + std::to_string(ring.epoch) + ": ";
  const bool in_progress = !ring.change.empty() || (!ring.stage.empty() && ring.stage != "none");
  if (!in_progress) return text + "no membership change in progress";
  text += ring.change.empty() ? "a change at stage " + ring.stage : ring.change;
  if (!ring.owner.empty()) text += " (run by " + ring.owner + ")";
  return text;
}

std::string stream_progress_text(const StreamProgress& progress) {
  std::string text = std::to_string(progress.ranges_done) + "/" +
                     std::to_string(progress.ranges_total) + " ranges, " +
                     approximate_size_text(progress.bytes_done);
  // kvnode estimates the total from the share of their keys the sources have scanned (0
  // before any answered).
  if (progress.bytes_total > 0) text += "/" + approximate_size_text(progress.bytes_total);
  return text;
}

std::string approximate_size_text(uint64_t bytes) {
  constexpr std::array<std::string_view, 4> kUnits = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double size = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  // Bounded by the number of units.
  while (size >= 1024 && unit + 1 < kUnits.size()) {
    size /= 1024;
    ++unit;
  }
  char text[48];
  std::snprintf(text, sizeof(text), "%.1f %s", size, kUnits[unit].data());
  return text;
}

}  // namespace ringkv::tools
