#include "core/ring_config.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/assert.h"
#include "core/hash.h"

namespace ringkv {
namespace {

constexpr size_t kMaxAddressBytes = 256;  // as the wire codec's

bool owns_before(MemberState state) {
  return state == MemberState::kNormal || state == MemberState::kLeaving ||
         state == MemberState::kRemoved;
}

bool owns_after(MemberState state) {
  return state == MemberState::kNormal || state == MemberState::kJoining;
}

bool votes(MemberState state) {
  return state != MemberState::kRemoved && state != MemberState::kLeft;
}

std::vector<NodeId> ids_where(const std::vector<RingMember>& members, bool (*keep)(MemberState)) {
  std::vector<NodeId> ids;
  for (const RingMember& member : members) {
    if (keep(member.state)) ids.push_back(member.id);
  }
  return ids;
}

}  // namespace

const char* member_state_name(MemberState state) {
  switch (state) {
    case MemberState::kNormal: return "normal";
    case MemberState::kJoining: return "joining";
    case MemberState::kLeaving: return "leaving";
    case MemberState::kRemoved: return "removed";
    case MemberState::kLeft: return "left";
  }
  return "unknown";
}

const char* change_stage_name(ChangeStage stage) {
  switch (stage) {
    case ChangeStage::kNone: return "none";
    case ChangeStage::kJoint: return "joint";
    case ChangeStage::kStreaming: return "streaming";
    case ChangeStage::kReadsSwitched: return "reads_switched";
  }
  return "unknown";
}

std::vector<NodeId> ReplicaSets::members() const {
  std::vector<NodeId> all = old_set;
  for (const NodeId& id : new_set) {
    if (std::find(all.begin(), all.end(), id) == all.end()) all.push_back(id);
  }
  return all;
}

bool ReplicaSets::includes(const NodeId& id) const {
  return std::find(old_set.begin(), old_set.end(), id) != old_set.end() ||
         std::find(new_set.begin(), new_set.end(), id) != new_set.end();
}

bool ReplicaSets::quorum_met(const std::set<NodeId>& acked, size_t required) const {
  auto enough = [&](const std::vector<NodeId>& set) {
    size_t count = 0;
    for (const NodeId& id : set) count += acked.count(id);
    return count >= std::min(required, set.size());
  };
  return enough(old_set) && enough(new_set);
}

RingConfig::RingConfig(uint64_t epoch, ChangeStage stage, NodeId owner,
                       std::vector<RingMember> members, uint32_t vnodes_per_node)
    : epoch_(epoch), stage_(stage), owner_(std::move(owner)), members_(std::move(members)),
      vnodes_per_node_(vnodes_per_node),
      old_ring_(ids_where(members_, owns_before), vnodes_per_node),
      new_ring_(ids_where(members_, owns_after), vnodes_per_node) {}

Result<RingConfig> RingConfig::make(uint64_t epoch, ChangeStage stage, NodeId owner,
                                    std::vector<RingMember> members, uint32_t vnodes_per_node,
                                    size_t max_members) {
  auto invalid = [](const std::string& why) {
    return Status::invalid_argument("ring configuration: " + why);
  };
  if (epoch > kMaxEpoch) return invalid("epoch above 2^62");
  if (vnodes_per_node == 0 || vnodes_per_node > 1024) return invalid("vnodes not in 1..1024");
  if (static_cast<uint8_t>(stage) > static_cast<uint8_t>(ChangeStage::kReadsSwitched)) {
    return invalid("unknown stage");
  }
  if (epoch == 0) {
    if (!members.empty() || stage != ChangeStage::kNone || !owner.empty()) {
      return invalid("epoch 0 is the unformed cluster: no members, no change");
    }
    return RingConfig();
  }
  if (members.empty()) return invalid("no members");
  if (members.size() > max_members) {
    return invalid(std::to_string(members.size()) + " members, at most " +
                   std::to_string(max_members));
  }
  std::sort(members.begin(), members.end(),
            [](const RingMember& a, const RingMember& b) { return a.id < b.id; });
  size_t subjects = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const RingMember& member = members[i];
    if (!valid_node_id(member.id)) return invalid("bad member id '" + member.id + "'");
    if (i > 0 && members[i - 1].id == member.id) return invalid("member " + member.id + " twice");
    if (member.address.empty() || member.address.size() > kMaxAddressBytes) {
      return invalid("member " + member.id + " has no usable address");
    }
    if (static_cast<uint8_t>(member.state) > static_cast<uint8_t>(MemberState::kLeft)) {
      return invalid("member " + member.id + " has an unknown state");
    }
    if (member.state != MemberState::kNormal && member.state != MemberState::kLeft) subjects++;
  }
  if (stage == ChangeStage::kNone) {
    if (subjects != 0 || !owner.empty()) return invalid("no change in progress, yet one is named");
  } else {
    if (subjects != 1) return invalid("a change moves exactly one member");
    auto found = std::find_if(members.begin(), members.end(),
                              [&](const RingMember& m) { return m.id == owner; });
    if (found == members.end() || !votes(found->state)) {
      return invalid("the change's owner '" + owner + "' is not a voting member");
    }
  }
  RingConfig config(epoch, stage, std::move(owner), std::move(members), vnodes_per_node);
  if (config.old_ring_.empty() || config.new_ring_.empty()) {
    return invalid("a ring without owners");
  }
  return config;
}

Result<RingConfig> RingConfig::initial(std::vector<RingMember> members,
                                       uint32_t vnodes_per_node, size_t max_members) {
  for (RingMember& member : members) member.state = MemberState::kNormal;
  return make(1, ChangeStage::kNone, "", std::move(members), vnodes_per_node, max_members);
}

const RingMember* RingConfig::find(std::string_view id) const {
  auto found = std::lower_bound(members_.begin(), members_.end(), id,
                                [](const RingMember& m, std::string_view v) { return m.id < v; });
  return found != members_.end() && found->id == id ? &*found : nullptr;
}

const RingMember* RingConfig::subject() const {
  for (const RingMember& member : members_) {
    if (member.state != MemberState::kNormal && member.state != MemberState::kLeft) {
      return &member;
    }
  }
  return nullptr;
}

std::vector<NodeId> RingConfig::voters() const { return ids_where(members_, votes); }

ReplicaSets RingConfig::sets(std::string_view key, size_t n) const {
  return sets_at(hash64(key), n);
}

ReplicaSets RingConfig::sets_at(uint64_t position, size_t n) const {
  return ReplicaSets{old_ring_.preference_list_at(position, n),
                     new_ring_.preference_list_at(position, n)};
}

ReplicaSets RingConfig::write_sets(std::string_view key, size_t n) const {
  ReplicaSets sets = this->sets(key, n);
  if (stage_ == ChangeStage::kNone) sets.new_set = sets.old_set;  // the same ring anyway
  return sets;
}

std::vector<NodeId> RingConfig::read_set(std::string_view key, size_t n) const {
  return stage_ == ChangeStage::kReadsSwitched ? new_ring_.preference_list(key, n)
                                               : old_ring_.preference_list(key, n);
}

Status RingConfig::can_begin() const {
  if (!formed()) return Status::unavailable("the cluster is not formed yet");
  if (changing()) {
    return Status::conflict("a membership change is in progress: " + describe());
  }
  return Status::ok_status();
}

size_t RingConfig::owners_after_change() const { return new_ring_.nodes().size(); }

Result<RingConfig> RingConfig::begin_change(const NodeId& id, MemberState state,
                                            const NodeId& owner, size_t min_members) const {
  RINGKV_RETURN_IF_ERROR(can_begin());
  std::vector<RingMember> members;
  for (const RingMember& member : members_) {
    if (member.state != MemberState::kLeft) members.push_back(member);  // gone for good
  }
  auto found = std::find_if(members.begin(), members.end(),
                            [&](const RingMember& m) { return m.id == id; });
  if (found == members.end()) return Status::not_found("no member " + id);
  if (members.size() - 1 < min_members) {
    return Status::invalid_argument(
        "the cluster would keep " + std::to_string(members.size() - 1) +
        " members, fewer than the replication factor " + std::to_string(min_members));
  }
  found->state = state;
  auto next = make(epoch_ + 1, ChangeStage::kJoint, owner, std::move(members), vnodes_per_node_,
                   members_.size());
  RINGKV_ASSERT(!next.ok() || next->owners_after_change() >= min_members);
  return next;
}

Result<RingConfig> RingConfig::begin_join(const NodeId& id, const std::string& address,
                                          const NodeId& owner, size_t max_members) const {
  RINGKV_RETURN_IF_ERROR(can_begin());
  if (!valid_node_id(id)) return Status::invalid_argument("bad node id '" + id + "'");
  std::vector<RingMember> members;
  for (const RingMember& member : members_) {
    if (member.id == id && member.state != MemberState::kLeft) {
      return Status::invalid_argument(id + " is already a member (" +
                                      member_state_name(member.state) + ")");
    }
    if (member.state != MemberState::kLeft) members.push_back(member);
  }
  if (members.size() + 1 > max_members) {
    return Status::invalid_argument("the cluster has " + std::to_string(members.size()) +
                                    " members, the most it may have");
  }
  members.push_back(RingMember{id, address, MemberState::kJoining});
  return make(epoch_ + 1, ChangeStage::kJoint, owner, std::move(members), vnodes_per_node_,
              max_members);
}

Result<RingConfig> RingConfig::begin_decommission(const NodeId& id, const NodeId& owner,
                                                  size_t min_members) const {
  return begin_change(id, MemberState::kLeaving, owner, min_members);
}

Result<RingConfig> RingConfig::begin_remove(const NodeId& id, const NodeId& owner,
                                            size_t min_members) const {
  if (id == owner) return Status::invalid_argument("a node cannot remove itself");
  return begin_change(id, MemberState::kRemoved, owner, min_members);
}

Result<RingConfig> RingConfig::next_stage() const {
  switch (stage_) {
    case ChangeStage::kNone:
      return Status::invalid_argument("no membership change is in progress");
    case ChangeStage::kJoint:
      return make(epoch_ + 1, ChangeStage::kStreaming, owner_, members_, vnodes_per_node_,
                  members_.size());
    case ChangeStage::kStreaming:
      return make(epoch_ + 1, ChangeStage::kReadsSwitched, owner_, members_, vnodes_per_node_,
                  members_.size());
    case ChangeStage::kReadsSwitched: break;
  }
  std::vector<RingMember> members;
  for (RingMember member : members_) {
    if (member.state == MemberState::kRemoved) continue;
    if (member.state == MemberState::kJoining) member.state = MemberState::kNormal;
    if (member.state == MemberState::kLeaving) member.state = MemberState::kLeft;
    members.push_back(std::move(member));
  }
  return make(epoch_ + 1, ChangeStage::kNone, "", std::move(members), vnodes_per_node_,
              members_.size());
}

uint64_t RingConfig::digest() const {
  std::string text = std::to_string(epoch_) + '|' + std::to_string(static_cast<int>(stage_)) +
                     '|' + owner_ + '|' + std::to_string(vnodes_per_node_);
  for (const RingMember& member : members_) {
    text += '|' + member.id + '=' + member.address + '/' +
            std::to_string(static_cast<int>(member.state));
  }
  return hash64(text);
}

std::string RingConfig::describe() const {
  if (!formed()) return "epoch 0 (not formed)";
  std::string text = "epoch " + std::to_string(epoch_);
  if (!subject()) return text + ", " + std::to_string(members_.size()) + " members";
  return text + ", " + describe_change() + " (owner " + owner_ + ")";
}

std::string RingConfig::describe_change() const {
  const RingMember* changed = subject();
  if (!changed) return "";
  const char* kind = changed->state == MemberState::kJoining   ? "join"
                     : changed->state == MemberState::kLeaving ? "decommission"
                                                               : "removal";
  return std::string(kind) + " of " + changed->id + " at stage " + change_stage_name(stage_);
}

namespace {

constexpr std::string_view kRingRecordHeader = "ringkv-ring 1";

// Splits `text` at single spaces.
std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t space = text.find(' ');
    out.push_back(text.substr(0, space));
    if (space == std::string_view::npos) return out;
    text.remove_prefix(space + 1);
  }
}

// A decimal u64, all of `text` (no sign, no overflow).
std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

template <typename Enum, size_t Count>
std::optional<Enum> enum_named(std::string_view name, const Enum (&values)[Count],
                               const char* (*name_of)(Enum)) {
  for (Enum value : values) {
    if (name == name_of(value)) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string encode_ring_record(const RingDescription& ring) {
  std::string text(kRingRecordHeader);
  text += '\n' + std::to_string(ring.epoch) + ' ' + change_stage_name(ring.stage) + ' ' +
          (ring.owner.empty() ? "-" : ring.owner) + ' ' + std::to_string(ring.vnodes_per_node) +
          '\n';
  for (const RingMember& member : ring.members) {
    text += member.id + ' ' + member.address + ' ' + member_state_name(member.state) + '\n';
  }
  return text;
}

Result<RingDescription> decode_ring_record(std::string_view record) {
  auto bad = [](const std::string& why) {
    return Status::corruption("ring configuration record: " + why);
  };
  std::vector<std::string_view> lines;
  while (!record.empty()) {
    const size_t newline = record.find('\n');
    if (newline == std::string_view::npos) return bad("the last line is not terminated");
    lines.push_back(record.substr(0, newline));
    record.remove_prefix(newline + 1);
  }
  if (lines.size() < 2 || lines[0] != kRingRecordHeader) return bad("not a ring record");
  const std::vector<std::string_view> head = words(lines[1]);
  if (head.size() != 4) return bad("the header line needs 4 fields");
  RingDescription ring;
  const std::optional<uint64_t> epoch = parse_u64(head[0]);
  const std::optional<ChangeStage> stage = enum_named(head[1], kChangeStages, &change_stage_name);
  const std::optional<uint64_t> vnodes = parse_u64(head[3]);
  if (!epoch || !stage || !vnodes || *vnodes > UINT32_MAX) return bad("bad header line");
  ring.epoch = *epoch;
  ring.stage = *stage;
  ring.owner = head[2] == "-" ? "" : std::string(head[2]);
  ring.vnodes_per_node = static_cast<uint32_t>(*vnodes);
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::vector<std::string_view> fields = words(lines[i]);
    std::optional<MemberState> state;
    if (fields.size() == 3) state = enum_named(fields[2], kMemberStates, &member_state_name);
    if (!state) return bad("bad member line " + std::to_string(i - 1));
    ring.members.push_back(RingMember{std::string(fields[0]), std::string(fields[1]), *state});
  }
  return ring;
}

}  // namespace ringkv
