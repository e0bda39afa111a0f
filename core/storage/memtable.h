// Memtable: the in-memory, sorted, newest layer of the store: one StoredRecord per key,
// overwritten by each accepted apply (the LWW check happens in LsmStore before put()).
// Its size estimate decides when LsmStore flushes it to an SSTable. Point lookups go through
// a hash index over the map's keys (a tree descent costs a cache miss per level).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/storage/stored_record.h"

namespace ringkv {

class Memtable {
 public:
  using RecordMap = std::map<std::string, StoredRecord, std::less<>>;

  // Fixed per-record overhead counted by approximate_bytes() (map node, version, lengths).
  static constexpr size_t kRecordOverheadBytes = 64;

  void put(std::string_view key, const StoredRecord& record);
  const StoredRecord* find(std::string_view key) const;

  size_t approximate_bytes() const { return approximate_bytes_; }
  size_t record_count() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  const RecordMap& records() const { return records_; }
  void clear();

 private:
  static size_t record_bytes(std::string_view key, const StoredRecord& record);

  RecordMap records_;
  std::unordered_map<std::string_view, StoredRecord*> index_;  // views of records_' keys
  size_t approximate_bytes_ = 0;
};

}  // namespace ringkv
