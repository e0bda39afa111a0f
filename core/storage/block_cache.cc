#include "core/storage/block_cache.h"

namespace ringkv {

std::shared_ptr<const void> BlockCache::lookup_value(uint64_t table, uint64_t offset) {
  if (find_value(table, offset) == nullptr) return nullptr;
  return lru_.front().value;  // find_value moved it to the front
}

const void* BlockCache::find_value(uint64_t table, uint64_t offset) {
  auto it = items_.find(Key{table, offset});
  if (it == items_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value.get();
}

void BlockCache::insert(uint64_t table, uint64_t offset, std::shared_ptr<const void> value,
                        size_t charge, Kind kind) {
  const Key key{table, offset};
  if (auto it = items_.find(key); it != items_.end()) evict(it->second);
  if (charge > capacity_bytes_) return;
  while (bytes_ + charge > capacity_bytes_ && !lru_.empty()) evict(std::prev(lru_.end()));
  lru_.push_front(Item{key, std::move(value), charge, kind});
  items_.emplace(key, lru_.begin());
  bytes_ += charge;
  if (kind == Kind::kMetadata) metadata_bytes_ += charge;
}

void BlockCache::erase_table(uint64_t table) {
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto current = it++;
    if (current->key.table == table) evict(current);
  }
}

void BlockCache::evict(std::list<Item>::iterator it) {
  bytes_ -= it->charge;
  if (it->kind == Kind::kMetadata) metadata_bytes_ -= it->charge;
  items_.erase(it->key);
  lru_.erase(it);
}

}  // namespace ringkv
