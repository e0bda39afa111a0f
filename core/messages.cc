#include "core/messages.h"

namespace ringkv {

const char* member_status_name(MemberStatus status) {
  switch (status) {
    case MemberStatus::kAlive: return "alive";
    case MemberStatus::kSuspect: return "suspect";
    case MemberStatus::kDown: return "down";
  }
  return "unknown";
}

const char* change_kind_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kJoin: return "join";
    case ChangeKind::kDecommission: return "decommission";
    case ChangeKind::kRemove: return "remove";
  }
  return "unknown";
}

namespace {
struct KindName {
  const char* operator()(const ReplicaWrite&) const { return "kv"; }
  const char* operator()(const ReplicaWriteAck&) const { return "kv-ack"; }
  const char* operator()(const ReplicaRead&) const { return "read"; }
  const char* operator()(const ReplicaReadReply&) const { return "read-reply"; }
  const char* operator()(const Gossip&) const { return "gossip"; }
  const char* operator()(const MerkleQuery&) const { return "ae-query"; }
  const char* operator()(const MerkleHashes&) const { return "ae-hashes"; }
  const char* operator()(const SyncEntries&) const { return "ae-entries"; }
  const char* operator()(const VersionQuery&) const { return "version-query"; }
  const char* operator()(const VersionQueryReply&) const { return "version-reply"; }
  const char* operator()(const RingState&) const { return "ring"; }
  const char* operator()(const RingAck&) const { return "ring-ack"; }
  const char* operator()(const EpochRefusal&) const { return "epoch-refusal"; }
  const char* operator()(const StreamRequest&) const { return "stream"; }
  const char* operator()(const StreamBatch&) const { return "stream-batch"; }
  const char* operator()(const ChangeRequest&) const { return "change"; }
};
}  // namespace

const char* message_kind_name(const MessageBody& body) { return std::visit(KindName{}, body); }

}  // namespace ringkv
