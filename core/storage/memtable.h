// Memtable: the in-memory, newest layer of the store: one record per key, replaced by each
// accepted apply (the LWW check happens in LsmStore before put()).
//
// Records live in an arena, each encoded exactly as its WAL payload (encode_record), so a
// put is one copy into a large block and no per-record allocation. A point lookup goes
// through an open-addressing hash index (no tree descent, a cache miss or two); key order,
// needed only by flushes and scans, is built lazily: new keys are sorted and merged into
// the ordered list when an iterator or a flush first asks for it. A replaced record's old
// bytes stay in the arena until the memtable is flushed, and count in approximate_bytes()
// (what the memory holds), which decides when LsmStore flushes: a workload that rewrites a
// few hot keys flushes a small table every memtable_max_bytes of writes (which also bounds
// the WAL a restart replays). Single-threaded like the store: ordered() sorts in place
// behind a const interface, and the memtable must not change while an iterator is live.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/coding.h"
#include "core/storage/stored_record.h"

namespace ringkv {

class Memtable {
 public:
  // Bytes counted per distinct key for the index and the order (besides the arena).
  // An estimate: an entry is 32, its hash slots 16-32 (a quarter to half full), its
  // place in the order 4, plus vector slack, so 48 under-counts by up to a third. Raising
  // it changes when every simulated store flushes; see docs/storage.md.
  static constexpr size_t kIndexBytesPerKey = 48;

  Memtable() = default;
  Memtable(const Memtable&) = delete;
  Memtable& operator=(const Memtable&) = delete;

  // `key_hash` is hash64(key) (the store computes it once per lookup for every layer).
  void put(std::string_view key, uint64_t key_hash, const StoredRecord& record);
  // The same from the record's encoding (encode_record of key and record), e.g. the WAL
  // payload the store just appended.
  void put_encoded(std::string_view key, uint64_t key_hash, std::string_view encoded);
  // The record of `key`, viewing the arena (valid until the memtable changes).
  bool find(std::string_view key, uint64_t key_hash, RecordView& view) const;

  size_t approximate_bytes() const { return arena_bytes_ + entries_.size() * kIndexBytesPerKey; }
  size_t record_count() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear();

  // Key order: the records sorted by key, as positions for record_at(). Building it sorts
  // only the keys added since the last call.
  const std::vector<uint32_t>& ordered() const;
  // The first position in ordered() whose key is >= start_key.
  size_t lower_bound(std::string_view start_key) const;
  RecordView record_at(uint32_t entry) const;

 private:
  struct Slot {
    uint32_t entry_plus_one = 0;  // 0: empty
    uint32_t hash_tag = 0;        // the key hash's high bits (skips most key compares)
  };
  std::string_view key_of(uint32_t entry) const;
  char* allocate(size_t bytes);
  void grow_index();

  static constexpr size_t kMinArenaBlockBytes = 4 * 1024;
  static constexpr size_t kMaxArenaBlockBytes = 256 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* block_cursor_ = nullptr;
  size_t block_left_ = 0;
  size_t arena_bytes_ = 0;

  struct Entry {
    std::string_view key;      // in the arena (in the first record's encoding)
    std::string_view encoded;  // the key's current record
  };
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;                // power-of-two size, at most half full
  mutable std::vector<uint32_t> ordered_;  // entries [0, ordered_.size()) in key order
  std::string scratch_;                    // put()'s encoding
};

}  // namespace ringkv
