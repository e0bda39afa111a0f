// RingOrderedStore: a node's view of its data store in ring order. The store underneath
// orders keys by bytes; this view stores each data key behind its ring position,
//   stored key := "\0\xff" || big-endian hash64(key) || key
// so the keys of a Merkle leaf, of a vnode range or of any arc of the ring sit next to
// each other on disk and are found with one range scan instead of a scan of everything
// (or an in-memory index of every key). Node records (is_node_record_key) are stored as
// they are and come first. The layout is a disk
// contract (docs/formats.md); stores written before it are converted once by
// convert_to_ring_order().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/replica_store.h"

namespace ringkv {

// Keys the node keeps for itself in its store, never a client's, never replicated: the
// empty key (the Lamport lease) and every key that starts with a NUL byte (the ring
// configuration, stream cursors). Clients get 400 for them.
inline bool is_node_record_key(std::string_view key) { return key.empty() || key.front() == '\0'; }

// The stored form of `key` (node records unchanged).
std::string ring_stored_key(std::string_view key);

class RingOrderedStore final : public ReplicaStore {
 public:
  using PositionVisitor =
      std::function<bool(uint64_t position, std::string_view key, const Entry& entry)>;

  explicit RingOrderedStore(ReplicaStore& raw) : raw_(raw) {}

  Result<ApplyResult> apply(std::string_view key, const Entry& entry) override;
  Result<std::optional<Entry>> get(std::string_view key) override;
  // Node records at or after `start_key` in byte order, then every data entry in ring
  // order (hash64(key), then key); a data `start_key` starts at its own place in that order.
  Status scan(std::string_view start_key, const Visitor& visit) override;
  Status sync() override { return raw_.sync(); }
  Status purge(std::string_view key, const Version& version) override;

  // The data entries whose ring position lies in [first, last], in ring order.
  Status scan_positions(uint64_t first, uint64_t last, const PositionVisitor& visit);

 private:
  ReplicaStore& raw_;
};

// Stores written before the ring-order layout hold data keys as they are (they never
// start with '\0'). Moves each to its ring-order place (the entry as it is, then the old
// key is dropped), syncing every `batch` keys; safe to repeat after a crash halfway.
// Returns the number of keys moved (0 for a store already in ring order).
Result<uint64_t> convert_to_ring_order(ReplicaStore& raw, size_t batch = 1024);

}  // namespace ringkv
