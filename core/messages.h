// Messages between nodes. Every message carries the sender's id and Lamport counter;
// the receiver observes the counter before anything else. All messages are one-way:
// an answer is a message of its own. The wire form (POST /internal/<kind>, JSON) lives
// in core/wire/codec.h and is documented in docs/formats.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/entry.h"
#include "core/types.h"
#include "core/version.h"

namespace ringkv {

// Wire names: "alive", "suspect", "down". DO NOT CHANGE the numeric values (frozen).
enum class MemberStatus : uint8_t { kAlive = 0, kSuspect = 1, kDown = 2 };
const char* member_status_name(MemberStatus status);

struct MemberRow {
  NodeId node_id;
  std::string address;  // "host:port" the node advertises
  uint64_t incarnation = 0;  // bumped by the node itself at every restart
  uint64_t heartbeat = 0;    // bumped by the node itself every gossip round
  MemberStatus status = MemberStatus::kAlive;
  friend bool operator==(const MemberRow&, const MemberRow&) = default;
};

// Coordinator -> replica: apply this entry (LWW). `fresh` marks a new client write
// (a replica holding a higher version answers stale); repairs, hints and anti-entropy
// send fresh=false. POST /internal/kv.
struct ReplicaWrite {
  uint64_t op = 0;
  Key key;
  Entry entry;
  bool fresh = false;
  friend bool operator==(const ReplicaWrite&, const ReplicaWrite&) = default;
};

// Replica -> coordinator, sent only after the replica's WAL sync (commit()).
// accepted=false means stale: the replica holds `current` > the written version.
struct ReplicaWriteAck {
  uint64_t op = 0;
  bool accepted = false;
  Version current;
  friend bool operator==(const ReplicaWriteAck&, const ReplicaWriteAck&) = default;
};

struct ReplicaRead {
  uint64_t op = 0;
  Key key;
  friend bool operator==(const ReplicaRead&, const ReplicaRead&) = default;
};

// ok=false: the replica could not read (storage error); the coordinator ignores it.
struct ReplicaReadReply {
  uint64_t op = 0;
  bool ok = true;
  std::optional<Entry> entry;
  friend bool operator==(const ReplicaReadReply&, const ReplicaReadReply&) = default;
};

// Push-pull membership exchange. A receiver merges `rows` and, when `reply` is set,
// answers with its own table (reply=false).
struct Gossip {
  std::vector<MemberRow> rows;
  bool reply = false;
  friend bool operator==(const Gossip&, const Gossip&) = default;
};

// Anti-entropy (docs/anti-entropy.md). Initiator -> peer: "send me your hashes of these
// nodes (at `level`) of your Merkle tree over the keys we both replicate".
struct MerkleQuery {
  uint64_t session = 0;
  uint32_t level = 0;
  std::vector<uint32_t> indices;
  friend bool operator==(const MerkleQuery&, const MerkleQuery&) = default;
};

// Peer -> initiator: hashes[i] is the peer's hash of node indices[i] at `level`. Sent only
// after the peer's store sync, so it describes durable state.
struct MerkleHashes {
  uint64_t session = 0;
  uint32_t level = 0;
  std::vector<uint32_t> indices;
  std::vector<uint64_t> hashes;
  friend bool operator==(const MerkleHashes&, const MerkleHashes&) = default;
};

struct KeyedEntry {
  Key key;
  Entry entry;
  friend bool operator==(const KeyedEntry&, const KeyedEntry&) = default;
};

// The entries the sender holds in differing leaves (shared keys only, bounded count). The
// receiver merges them (LWW) and, when `reply` is set, answers with its own entries in the
// same leaves (reply=false).
struct SyncEntries {
  uint64_t session = 0;
  std::vector<uint32_t> leaves;
  std::vector<KeyedEntry> entries;
  bool reply = false;
  friend bool operator==(const SyncEntries&, const SyncEntries&) = default;
};

using MessageBody = std::variant<ReplicaWrite, ReplicaWriteAck, ReplicaRead, ReplicaReadReply,
                                 Gossip, MerkleQuery, MerkleHashes, SyncEntries>;

struct Message {
  NodeId from;
  uint64_t lamport = 0;
  MessageBody body;
  friend bool operator==(const Message&, const Message&) = default;
};

// The path segment after /internal/ for each kind: "kv", "kv-ack", "read", "read-reply",
// "gossip", "ae-query", "ae-hashes", "ae-entries". Frozen: part of the wire contract.
const char* message_kind_name(const MessageBody& body);

}  // namespace ringkv
