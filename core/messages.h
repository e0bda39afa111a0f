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
#include "core/ring_config.h"
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

// Coordinator -> replica: apply this entry (LWW). `fresh` marks a new client write;
// read write-backs, hints and anti-entropy send fresh=false. Replicas treat both alike
// (an older entry is superseded, never refused). POST /internal/kv.
struct ReplicaWrite {
  uint64_t op = 0;
  Key key;
  Entry entry;
  bool fresh = false;
  friend bool operator==(const ReplicaWrite&, const ReplicaWrite&) = default;
};

// Replica -> coordinator, sent only after the replica's WAL sync (commit()) covered what
// it holds for the key: the written entry (`superseded` false) or a newer one it already
// held (`superseded` true, `current` > the written version; the write is ordered just
// before it). Both vouch that the replica durably holds the written version or a newer
// one. `current` is what the replica holds (or its purge floor, if higher).
// `accepted` is always true since wire protocol 2 (docs/wire.md); a false one is ignored.
// `held`: for a superseded write-back (fresh=false), the newer entry itself, so that a
// strong read can take it as its winner without reading again; otherwise empty.
struct ReplicaWriteAck {
  uint64_t op = 0;
  bool accepted = false;
  Version current;
  bool superseded = false;
  std::optional<Entry> held;
  friend bool operator==(const ReplicaWriteAck&, const ReplicaWriteAck&) = default;
};

// Coordinator -> replica, the first phase of a strong write: "which version of this key
// do you hold?" Answered at once, without a sync (the answer can only raise the stamp).
struct VersionQuery {
  uint64_t op = 0;
  Key key;
  friend bool operator==(const VersionQuery&, const VersionQuery&) = default;
};

// Replica -> coordinator: the highest version the replica holds for the key, or its purge
// floor if that is higher (zero: nothing). ok=false: the store could not be read.
struct VersionQueryReply {
  uint64_t op = 0;
  bool ok = true;
  Version version;
  friend bool operator==(const VersionQueryReply&, const VersionQueryReply&) = default;
};

struct ReplicaRead {
  uint64_t op = 0;
  Key key;
  friend bool operator==(const ReplicaRead&, const ReplicaRead&) = default;
};

// ok=false: the replica could not read (storage error); the coordinator ignores it. A
// replica that purged a tombstone of the key and holds nothing newer answers with that
// tombstone (its purge floor), so no read returns an older version than the delete.
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

// Membership changes (docs/membership.md). A node's ring configuration; `request`: the
// receiver answers with its own (request=false). Sent by a change's owner to every member
// at each stage, in answer to a node that asks (a new node, a node behind), and before an
// EpochRefusal.
struct RingState {
  RingDescription ring;
  bool request = false;
  friend bool operator==(const RingState&, const RingState&) = default;
};

// Member -> the change's owner: "I hold the configuration of `epoch` (its digest)";
// `streamed`: and I copied every key I gain in it (durably: sent after a sync).
struct RingAck {
  uint64_t epoch = 0;
  uint64_t digest = 0;
  bool streamed = false;
  friend bool operator==(const RingAck&, const RingAck&) = default;
};

// Replica -> coordinator: the quorum-counted request `op` (version query, replica write,
// replica read) carried an older epoch than this replica's, so it was not served. A
// RingState with the replica's configuration precedes it on the same connection.
struct EpochRefusal {
  uint64_t op = 0;
  uint64_t epoch = 0;  // the replica's
  friend bool operator==(const EpochRefusal&, const EpochRefusal&) = default;
};

// A gaining member -> a source: the next entries, in key order after `cursor` (from the
// first key when `from_start`), of the keys that move to the sender in `epoch` and that
// the source owned before it; at most `max_bytes` of them (at least one entry).
struct StreamRequest {
  uint64_t epoch = 0;
  Key cursor;
  bool from_start = true;
  uint32_t max_bytes = 0;
  friend bool operator==(const StreamRequest&, const StreamRequest&) = default;
};

// Source -> gaining member: the entries asked for; `next_cursor` resumes after them;
// `done`: there are no more. `scanned`: the keys the source visited for this batch, of the
// `source_keys` it holds (the gainer's estimate of the bytes still to come).
struct StreamBatch {
  uint64_t epoch = 0;
  std::vector<KeyedEntry> entries;
  Key next_cursor;
  bool done = false;
  uint32_t scanned = 0;
  uint64_t source_keys = 0;
  friend bool operator==(const StreamBatch&, const StreamBatch&) = default;
};

// Wire names "join", "decommission", "remove": DO NOT CHANGE the numeric values.
enum class ChangeKind : uint8_t { kJoin = 0, kDecommission = 1, kRemove = 2 };
const char* change_kind_name(ChangeKind kind);
inline constexpr ChangeKind kChangeKinds[] = {ChangeKind::kJoin, ChangeKind::kDecommission,
                                              ChangeKind::kRemove};

// A node -> a member: begin this membership change (a new node asks to join; an operator's
// decommission or removenode reaches the change's owner this way).
struct ChangeRequest {
  ChangeKind kind = ChangeKind::kJoin;
  NodeId node_id;
  std::string address;  // the joining node's
  friend bool operator==(const ChangeRequest&, const ChangeRequest&) = default;
};

// Add new kinds at the end: the alternative index selects the codec's row.
using MessageBody = std::variant<ReplicaWrite, ReplicaWriteAck, ReplicaRead, ReplicaReadReply,
                                 Gossip, MerkleQuery, MerkleHashes, SyncEntries, VersionQuery,
                                 VersionQueryReply, RingState, RingAck, EpochRefusal,
                                 StreamRequest, StreamBatch, ChangeRequest>;

// `epoch`: the sender's ring configuration epoch (0: none yet). A replica refuses a
// quorum-counted request from an older epoch (EpochRefusal); a receiver that sees a newer
// one asks the sender for its configuration.
struct Message {
  NodeId from;
  uint64_t lamport = 0;
  MessageBody body;
  uint64_t epoch = 0;
  friend bool operator==(const Message&, const Message&) = default;
};

// The path segment after /internal/ for each kind: "kv", "kv-ack", "read", "read-reply",
// "gossip", "ae-query", "ae-hashes", "ae-entries", "version-query", "version-reply",
// "ring", "ring-ack", "epoch-refusal", "stream", "stream-batch", "change".
// Frozen: part of the wire contract.
const char* message_kind_name(const MessageBody& body);

}  // namespace ringkv
