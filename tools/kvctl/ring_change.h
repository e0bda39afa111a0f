// What kvnode's GET /cluster says about membership changes (docs/membership.md): the
// ring's epoch and the change in progress, each member's state and, while a member
// streams the ranges it gains, how far it got; and the text kvctl shows for them. Values
// and formatting only (cluster_views reads them from the JSON). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ringkv::tools {

struct StreamProgress {
  uint64_t ranges_done = 0;
  uint64_t ranges_total = 0;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
};

// /cluster's "ring" object.
struct RingSummary {
  uint64_t epoch = 0;
  std::string stage;   // "none", "joint", "streaming", "reads_switched"
  std::string owner;   // the member that runs the change; "" without one
  std::string change;  // "join of n4 at stage streaming"; "" without one
};

struct MemberChange {
  std::string node_id;
  std::string state;                     // "normal", "joining", ...; "" when not given
  std::optional<StreamProgress> stream;  // while it streams
};

// A /cluster answer as far as membership changes go. A node that predates them gives no
// ring and no member states.
struct ClusterChanges {
  std::string node;  // the node that answered; "" when not given
  std::optional<RingSummary> ring;
  std::vector<MemberChange> members;  // in the answer's order
};

// The member `node_id` of `changes`, or nullptr when it is not a member.
const MemberChange* find_member(const ClusterChanges& changes, const std::string& node_id);

// The progress of every member that streams, added up; nullopt when none streams.
std::optional<StreamProgress> total_stream_progress(const ClusterChanges& changes);

// "ring epoch 7: join of n4 at stage streaming (run by n1)", or
// "ring epoch 7: no membership change in progress".
std::string ring_summary_text(const RingSummary& ring);

// "3/8 ranges, 12.1 KiB/97.7 KiB", or "3/8 ranges, 12.1 KiB" when the total is not known.
std::string stream_progress_text(const StreamProgress& progress);

// "512 bytes", "12.1 KiB", "97.7 MiB", "1.5 GiB": one decimal in the largest binary unit
// the size reaches (up to TiB).
std::string approximate_size_text(uint64_t bytes);

}  // namespace ringkv::tools
