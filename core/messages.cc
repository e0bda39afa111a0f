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
};
}  // namespace

const char* message_kind_name(const MessageBody& body) { return std::visit(KindName{}, body); }

}  // namespace ringkv
