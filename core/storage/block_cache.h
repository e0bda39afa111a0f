// BlockCache: checked table blocks kept in memory, least recently used out first, bounded
// by a byte capacity (each value charged the bytes it holds). It keeps data blocks and the
// pieces of table metadata read on demand (index chunks, bloom filter pages), so one
// number bounds what a store caches. One per store, used only on the store's thread. Keyed
// by (table file number, file offset): table numbers are never reused within a store, so a
// deleted table's values can only age out, never be misread; within a table, an offset
// names one kind of value (data blocks, filter pages and index chunks lie in separate
// regions of the file).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>

#include "core/storage/block.h"

namespace ringkv {

class BlockCache {
 public:
  explicit BlockCache(uint64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // What kind of value an entry holds (counted apart in metadata_bytes()).
  enum class Kind : uint8_t { kData, kMetadata };

  // The cached value, or null (counted as a hit or a miss). T must be the type inserted at
  // that (table, offset).
  template <class T>
  std::shared_ptr<const T> lookup(uint64_t table, uint64_t offset) {
    return std::static_pointer_cast<const T>(lookup_value(table, offset));
  }
  // The same without sharing ownership (no reference count touched): the pointer is valid
  // until the cache is next changed (an insert or an erase), so use it before any read.
  template <class T>
  const T* peek(uint64_t table, uint64_t offset) {
    return static_cast<const T*>(find_value(table, offset));
  }
  // Keeps `value` (replacing an older copy), evicting from the cold end to fit. A value
  // larger than the whole capacity is not kept.
  void insert(uint64_t table, uint64_t offset, std::shared_ptr<const void> value, size_t charge,
              Kind kind);
  void insert(uint64_t table, uint64_t offset, std::shared_ptr<const Block> block) {
    const size_t charge = block->charge();
    insert(table, offset, std::move(block), charge, Kind::kData);
  }
  // Drops every value of `table` (its file is gone).
  void erase_table(uint64_t table);

  uint64_t capacity_bytes() const { return capacity_bytes_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t metadata_bytes() const { return metadata_bytes_; }  // of bytes()
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Key {
    uint64_t table = 0;
    uint64_t offset = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<uint64_t>()(key.table * 0x9E3779B97F4A7C15ull ^ key.offset);
    }
  };
  struct Item {
    Key key;
    std::shared_ptr<const void> value;
    size_t charge = 0;
    Kind kind = Kind::kData;
  };
  std::shared_ptr<const void> lookup_value(uint64_t table, uint64_t offset);
  const void* find_value(uint64_t table, uint64_t offset);  // counts and touches like lookup
  void evict(std::list<Item>::iterator it);

  uint64_t capacity_bytes_;
  uint64_t bytes_ = 0;
  uint64_t metadata_bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  std::list<Item> lru_;  // front: most recently used
  std::unordered_map<Key, std::list<Item>::iterator, KeyHash> items_;
};

}  // namespace ringkv
