// BlockCache: checked table blocks kept in memory, least recently used out first, bounded
// by a byte capacity (each value charged the bytes it holds). It keeps data blocks and the
// pieces of table metadata read on demand (index chunks, bloom filter pages), so one
// number bounds what a store caches. One per store, used only on the store's thread. Keyed
// by (table file number, file offset): table numbers are never reused within a store, so a
// deleted table's values can only age out, never be misread; within a table, an offset
// names one kind of value (data blocks, filter pages and index chunks lie in separate
// regions of the file).
//
// Admission: metadata is always kept; a data block only on its second read while a small
// "doorkeeper" still remembers the first (a direct-mapped array of fingerprints, four per
// block the cache can hold). Under reads spread wider than the cache most blocks are read
// once, and inserting each one would only evict another that is not read again either;
// a block read twice in a short while is kept. The cost: a block that would have been hit
// on its second read is read from the file once more.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

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
  uint64_t not_admitted() const { return not_admitted_; }  // data blocks read but not kept

 private:
  // Items live in a slab (freed ones reused), linked in LRU order by index; an
  // open-addressing index (linear probing, deletion by backward shift) maps keys to them. No
  // allocation per insert beyond what the slab and index grow to, and a lookup touches one
  // index slot and one item.
  static constexpr uint32_t kNil = UINT32_MAX;
  struct Item {
    uint64_t table = 0;
    uint64_t offset = 0;
    std::shared_ptr<const void> value;  // null: a free item
    size_t charge = 0;
    Kind kind = Kind::kData;
    uint32_t newer = kNil;
    uint32_t older = kNil;
  };
  struct Slot {
    uint64_t table = 0;
    uint64_t offset = 0;
    uint32_t item = kNil;  // kNil: empty
  };
  std::shared_ptr<const void> lookup_value(uint64_t table, uint64_t offset);
  const void* find_value(uint64_t table, uint64_t offset);  // counts and touches like lookup
  size_t slot_of(uint64_t table, uint64_t offset) const;  // the key's slot, or an empty one
  void unlink(uint32_t item);
  void link_newest(uint32_t item);
  void evict(uint32_t item);
  void grow_index();

  uint64_t capacity_bytes_;
  uint64_t bytes_ = 0;
  uint64_t metadata_bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  uint64_t not_admitted_ = 0;
  bool admit_data(uint64_t table, uint64_t offset);
  std::vector<uint64_t> doorkeeper_;  // fingerprints of data blocks read once; 0: empty
  std::vector<Item> items_;
  std::vector<uint32_t> free_items_;
  std::vector<Slot> slots_;  // power-of-two size, at most half full
  size_t live_ = 0;
  uint32_t newest_ = kNil;
  uint32_t oldest_ = kNil;
};

}  // namespace ringkv
