// RingConfig: the cluster's ring configuration at one epoch (docs/membership.md): the
// members with their states, and the membership change in progress with its stage and
// owner. From it come, per key, the old and the new replica sets and which of them each
// kind of operation must reach a quorum of. Immutable values; a change is a sequence of
// configurations with growing epochs (begin_*, next_stage), validated on construction,
// so a configuration that arrives from a peer is checked like one made here.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/ring.h"
#include "core/status.h"
#include "core/types.h"

namespace ringkv {

// Wire and disk values: DO NOT CHANGE.
enum class MemberState : uint8_t { kNormal = 0, kJoining = 1, kLeaving = 2, kRemoved = 3, kLeft = 4 };
enum class ChangeStage : uint8_t { kNone = 0, kJoint = 1, kStreaming = 2, kReadsSwitched = 3 };
const char* member_state_name(MemberState state);
const char* change_stage_name(ChangeStage stage);
// Every value, in wire order (for readers that accept names).
inline constexpr MemberState kMemberStates[] = {MemberState::kNormal, MemberState::kJoining,
                                                MemberState::kLeaving, MemberState::kRemoved,
                                                MemberState::kLeft};
inline constexpr ChangeStage kChangeStages[] = {ChangeStage::kNone, ChangeStage::kJoint,
                                                ChangeStage::kStreaming,
                                                ChangeStage::kReadsSwitched};

struct RingMember {
  NodeId id;
  std::string address;  // "host:port" the member advertises
  MemberState state = MemberState::kNormal;
  friend bool operator==(const RingMember&, const RingMember&) = default;
};

// A configuration as plain data: what the wire and the disk carry (RingConfig::make
// checks it).
struct RingDescription {
  uint64_t epoch = 0;
  ChangeStage stage = ChangeStage::kNone;
  NodeId owner;  // "" without a change
  uint32_t vnodes_per_node = kDefaultVnodesPerNode;
  std::vector<RingMember> members;
  friend bool operator==(const RingDescription&, const RingDescription&) = default;
};

// A key's replica sets: equal unless the key moves in the change in progress.
struct ReplicaSets {
  std::vector<NodeId> old_set;  // who owns the key before the change
  std::vector<NodeId> new_set;  // who owns it after
  bool moving() const { return old_set != new_set; }
  // Members of either set, the old set's order first, each once.
  std::vector<NodeId> members() const;
  // Whether `id` is in either set.
  bool includes(const NodeId& id) const;
  // True when `acked` holds `required` members of the old set and `required` of the new
  // (a set smaller than `required` needs all of it).
  bool quorum_met(const std::set<NodeId>& acked, size_t required) const;
};

class RingConfig {
 public:
  // Limits on what a configuration may hold (a peer's too).
  static constexpr uint64_t kMaxEpoch = uint64_t{1} << 62;

  // An empty configuration (epoch 0): the cluster is not formed yet.
  RingConfig() = default;
  // Checks every rule below; the error names the first one broken.
  static Result<RingConfig> make(uint64_t epoch, ChangeStage stage, NodeId owner,
                                 std::vector<RingMember> members, uint32_t vnodes_per_node,
                                 size_t max_members);
  static Result<RingConfig> make(RingDescription description, size_t max_members) {
    return make(description.epoch, description.stage, std::move(description.owner),
                std::move(description.members), description.vnodes_per_node, max_members);
  }
  RingDescription description() const {
    return RingDescription{epoch_, stage_, owner_, vnodes_per_node_, members_};
  }
  // Epoch 1 of a new cluster: every member normal.
  static Result<RingConfig> initial(std::vector<RingMember> members, uint32_t vnodes_per_node,
                                    size_t max_members);

  uint64_t epoch() const { return epoch_; }
  ChangeStage stage() const { return stage_; }
  const NodeId& owner() const { return owner_; }  // of the change in progress ("" if none)
  const std::vector<RingMember>& members() const { return members_; }  // sorted by id
  bool formed() const { return epoch_ > 0; }
  bool changing() const { return stage_ != ChangeStage::kNone; }
  Status can_begin() const;  // formed, and no change in progress
  // The member the change is about (joining, leaving or removed); nullptr without one.
  const RingMember* subject() const;
  const RingMember* find(std::string_view id) const;
  // Members that must acknowledge an epoch before the next stage: all but removed/left.
  std::vector<NodeId> voters() const;

  const Ring& old_ring() const { return old_ring_; }
  const Ring& new_ring() const { return new_ring_; }
  ReplicaSets sets(std::string_view key, size_t n) const;
  // Same, for a key at ring position `position` (hash64(key)).
  ReplicaSets sets_at(uint64_t position, size_t n) const;
  // The sets writes, write queries and read write-backs need a quorum of: both sets from
  // the joint stage on, the old set alone outside a change.
  ReplicaSets write_sets(std::string_view key, size_t n) const;
  // The set reads ask: the old one until reads switch, then the new one.
  std::vector<NodeId> read_set(std::string_view key, size_t n) const;

  // The next configurations of a change. Each refuses when a change is in progress or
  // the request does not fit (unknown or known member, a cluster left with fewer than
  // `min_members` owners).
  Result<RingConfig> begin_join(const NodeId& id, const std::string& address,
                                const NodeId& owner, size_t max_members) const;
  Result<RingConfig> begin_decommission(const NodeId& id, const NodeId& owner,
                                        size_t min_members) const;
  Result<RingConfig> begin_remove(const NodeId& id, const NodeId& owner,
                                  size_t min_members) const;
  // joint -> streaming -> reads_switched -> done (no change: joining members normal,
  // leaving members left, removed members dropped). Refused without a change.
  Result<RingConfig> next_stage() const;

  // A digest of everything but the rings (which follow from it), for gossip and for
  // telling two configurations of the same epoch apart.
  uint64_t digest() const;
  std::string describe() const;  // "epoch 7, join of n4 at stage streaming (owner n1)"
  std::string describe_change() const;  // "join of n4 at stage streaming"; "" without one
  friend bool operator==(const RingConfig& a, const RingConfig& b) {
    return a.epoch_ == b.epoch_ && a.stage_ == b.stage_ && a.owner_ == b.owner_ &&
           a.members_ == b.members_ && a.vnodes_per_node_ == b.vnodes_per_node_;
  }

 private:
  RingConfig(uint64_t epoch, ChangeStage stage, NodeId owner, std::vector<RingMember> members,
             uint32_t vnodes_per_node);
  Result<RingConfig> begin_change(const NodeId& id, MemberState state, const NodeId& owner,
                                  size_t min_members) const;
  size_t owners_after_change() const;

  uint64_t epoch_ = 0;
  ChangeStage stage_ = ChangeStage::kNone;
  NodeId owner_;
  std::vector<RingMember> members_;
  uint32_t vnodes_per_node_ = kDefaultVnodesPerNode;
  Ring old_ring_;
  Ring new_ring_;
};

// The durable form of a configuration (a node's side store, docs/formats.md "Ring
// configuration record"): text, one header line, then one line per member:
//   ringkv-ring 1\n
//   <epoch> <stage name> <owner or -> <vnodes>\n
//   <id> <address> <state name>\n ...
// Decoding checks the grammar only; RingConfig::make checks the rest. FROZEN.
std::string encode_ring_record(const RingDescription& ring);
Result<RingDescription> decode_ring_record(std::string_view record);

}  // namespace ringkv
