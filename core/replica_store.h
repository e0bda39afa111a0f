// ReplicaStore: the seam between the node and its storage. Every apply is a last-writer-
// wins merge, so the store holds at most one entry per key: the highest version seen.
// Applied entries are visible to get() at once and durable only after sync() returns ok.
// Implementations: MemoryStore (tests, simulator) and LsmStore (core/storage, durable).
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "core/entry.h"
#include "core/status.h"

namespace ringkv {

struct ApplyResult {
  // true: the entry is now the stored one. false: the store already holds `current`,
  // whose version is >= the entry's (equal means a duplicate of the same write).
  bool applied = false;
  Version current;
  // When applied: the entry it replaced (nullopt when the key held nothing). Saves the
  // caller a lookup of its own (the node's Merkle index needs the old entry).
  std::optional<Entry> replaced;
};

class ReplicaStore {
 public:
  using Visitor = std::function<bool(std::string_view key, const Entry& entry)>;

  virtual ~ReplicaStore() = default;

  virtual Result<ApplyResult> apply(std::string_view key, const Entry& entry) = 0;
  virtual Result<std::optional<Entry>> get(std::string_view key) = 0;
  // Visits entries with key >= start_key in ascending byte order (tombstones included)
  // until the visitor returns false.
  virtual Status scan(std::string_view start_key, const Visitor& visit) = 0;
  // Makes every entry applied so far durable (one WAL sync: group commit).
  virtual Status sync() = 0;
  // Drops `key` if its stored entry is at exactly `version` (a version names one write, so
  // an entry written since is never dropped); otherwise does nothing. Used for a tombstone
  // every replica holds (tombstone purge) and for an entry of a range the node gains back
  // (docs/membership.md). Durable after sync().
  virtual Status purge(std::string_view key, const Version& version) = 0;
};

}  // namespace ringkv
