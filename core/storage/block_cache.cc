#include "core/storage/block_cache.h"

#include <algorithm>

namespace ringkv {

namespace {

uint64_t mix(uint64_t table, uint64_t offset) {
  uint64_t x = table * 0x9E3779B97F4A7C15ull ^ offset;
  x ^= x >> 33;  // murmur3's finalizer: offsets are multiples of block sizes
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  return x;
}

}  // namespace

size_t BlockCache::slot_of(uint64_t table, uint64_t offset) const {
  const size_t mask = slots_.size() - 1;
  size_t at = mix(table, offset) & mask;
  while (slots_[at].item != kNil && (slots_[at].table != table || slots_[at].offset != offset)) {
    at = (at + 1) & mask;
  }
  return at;
}

std::shared_ptr<const void> BlockCache::lookup_value(uint64_t table, uint64_t offset) {
  if (find_value(table, offset) == nullptr) return nullptr;
  return items_[newest_].value;  // find_value made it the newest
}

const void* BlockCache::find_value(uint64_t table, uint64_t offset) {
  const uint32_t item = slots_.empty() ? kNil : slots_[slot_of(table, offset)].item;
  if (item == kNil) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  if (newest_ != item) {
    unlink(item);
    link_newest(item);
  }
  return items_[item].value.get();
}

void BlockCache::unlink(uint32_t item) {
  Item& it = items_[item];
  if (it.newer != kNil) items_[it.newer].older = it.older; else newest_ = it.older;
  if (it.older != kNil) items_[it.older].newer = it.newer; else oldest_ = it.newer;
  it.newer = it.older = kNil;
}

void BlockCache::link_newest(uint32_t item) {
  Item& it = items_[item];
  it.newer = kNil;
  it.older = newest_;
  if (newest_ != kNil) items_[newest_].newer = item;
  newest_ = item;
  if (oldest_ == kNil) oldest_ = item;
}

void BlockCache::grow_index() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  for (const Slot& slot : old) {
    if (slot.item != kNil) slots_[slot_of(slot.table, slot.offset)] = slot;
  }
}

bool BlockCache::admit_data(uint64_t table, uint64_t offset) {
  if (doorkeeper_.empty()) {
    constexpr uint64_t kTypicalBlockBytes = 4096;
    const uint64_t blocks = std::max<uint64_t>(capacity_bytes_ / kTypicalBlockBytes, 1);
    size_t size = 64;
    while (size < 4 * blocks && size < (size_t{1} << 24)) size *= 2;
    doorkeeper_.assign(size, 0);
  }
  const uint64_t fingerprint = mix(table, offset) | 1;  // never 0 (empty)
  uint64_t& slot = doorkeeper_[(fingerprint >> 32) & (doorkeeper_.size() - 1)];
  if (slot == fingerprint) {
    slot = 0;
    return true;
  }
  slot = fingerprint;
  return false;
}

void BlockCache::insert(uint64_t table, uint64_t offset, std::shared_ptr<const void> value,
                        size_t charge, Kind kind) {
  const uint32_t old = slots_.empty() ? kNil : slots_[slot_of(table, offset)].item;
  if (old == kNil && kind == Kind::kData && !admit_data(table, offset)) {
    ++not_admitted_;
    return;
  }
  if (old != kNil) evict(old);
  if (charge > capacity_bytes_) return;
  while (bytes_ + charge > capacity_bytes_ && oldest_ != kNil) evict(oldest_);
  if ((live_ + 1) * 2 > slots_.size()) grow_index();
  uint32_t item;
  if (!free_items_.empty()) {
    item = free_items_.back();
    free_items_.pop_back();
  } else {
    item = static_cast<uint32_t>(items_.size());
    items_.emplace_back();
  }
  Item& it = items_[item];
  it.table = table;
  it.offset = offset;
  it.value = std::move(value);
  it.charge = charge;
  it.kind = kind;
  link_newest(item);
  slots_[slot_of(table, offset)] = Slot{table, offset, item};
  ++live_;
  bytes_ += charge;
  if (kind == Kind::kMetadata) metadata_bytes_ += charge;
}

void BlockCache::erase_table(uint64_t table) {
  for (uint32_t item = oldest_; item != kNil;) {
    const uint32_t newer = items_[item].newer;
    if (items_[item].table == table) evict(item);
    item = newer;
  }
}

void BlockCache::evict(uint32_t item) {
  Item& it = items_[item];
  bytes_ -= it.charge;
  if (it.kind == Kind::kMetadata) metadata_bytes_ -= it.charge;
  // Backward-shift deletion: later slots of the probe run move up so lookups still find them.
  const size_t mask = slots_.size() - 1;
  size_t hole = slot_of(it.table, it.offset);
  for (size_t next = (hole + 1) & mask; slots_[next].item != kNil; next = (next + 1) & mask) {
    const size_t home = mix(slots_[next].table, slots_[next].offset) & mask;
    // Move it into the hole unless its home lies cyclically in (hole, next].
    const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    slots_[hole] = slots_[next];
    hole = next;
  }
  slots_[hole] = Slot{};
  unlink(item);
  it.value.reset();
  free_items_.push_back(item);
  --live_;
}

}  // namespace ringkv
