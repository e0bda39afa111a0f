// BlockCache: checked data blocks kept in memory, least recently used out first, bounded by
// a byte capacity (each block charged Block::charge()). One per store, used only on the
// store's thread. Keyed by (table file number, block offset): table numbers are never
// reused within a store, so a deleted table's blocks can only age out, never be misread.
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

  // The cached block, or null (counted as a hit or a miss).
  std::shared_ptr<const Block> lookup(uint64_t table, uint64_t offset);
  // Keeps `block` (replacing an older copy), evicting from the cold end to fit. A block
  // larger than the whole capacity is not kept.
  void insert(uint64_t table, uint64_t offset, std::shared_ptr<const Block> block);
  // Drops every block of `table` (its file is gone).
  void erase_table(uint64_t table);

  uint64_t capacity_bytes() const { return capacity_bytes_; }
  uint64_t bytes() const { return bytes_; }
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
    std::shared_ptr<const Block> block;
    size_t charge = 0;
  };
  void evict(std::list<Item>::iterator it);

  uint64_t capacity_bytes_;
  uint64_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  std::list<Item> lru_;  // front: most recently used
  std::unordered_map<Key, std::list<Item>::iterator, KeyHash> items_;
};

}  // namespace ringkv
