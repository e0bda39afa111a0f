#include "core/storage/memtable.h"

#include <algorithm>
#include <cstring>

#include "core/assert.h"
#include "core/hash.h"

namespace ringkv {

namespace {

uint32_t tag_of(uint64_t key_hash) { return static_cast<uint32_t>(key_hash >> 32); }

}  // namespace

std::string_view Memtable::key_of(uint32_t entry) const { return entries_[entry].key; }

RecordView Memtable::record_at(uint32_t entry) const {
  Decoder decoder(entries_[entry].encoded);
  RecordView view;
  const bool decoded = decode_record_view(decoder, view);
  RINGKV_ASSERT(decoded);
  return view;
}

char* Memtable::allocate(size_t bytes) {
  arena_bytes_ += bytes;
  if (bytes > kMaxArenaBlockBytes / 4) {  // a large record gets a block of its own
    blocks_.push_back(std::make_unique<char[]>(bytes));
    return blocks_.back().get();
  }
  if (bytes > block_left_) {
    // Blocks double from small to kMaxArenaBlockBytes: a store that holds few records
    // (small memtable limits, quiet stores) does not pay for a large block.
    size_t block_bytes = std::clamp(arena_bytes_, kMinArenaBlockBytes, kMaxArenaBlockBytes);
    block_bytes = std::max(block_bytes, bytes);
    blocks_.push_back(std::make_unique<char[]>(block_bytes));
    block_cursor_ = blocks_.back().get();
    block_left_ = block_bytes;
  }
  char* out = block_cursor_;
  block_cursor_ += bytes;
  block_left_ -= bytes;
  return out;
}

void Memtable::grow_index() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.entry_plus_one == 0) continue;
    // The tag is the hash's high half; the slot comes from the low half, which the tag
    // cannot give back, so rehash the key.
    size_t at = hash64(key_of(slot.entry_plus_one - 1)) & mask;
    while (slots_[at].entry_plus_one != 0) at = (at + 1) & mask;
    slots_[at] = slot;
  }
}

void Memtable::put(std::string_view key, uint64_t key_hash, const StoredRecord& record) {
  scratch_.clear();
  encode_record(scratch_, key, record);
  put_encoded(key, key_hash, scratch_);
  release_if_large(scratch_);
}

void Memtable::put_encoded(std::string_view key, uint64_t key_hash, std::string_view encoded) {
  char* bytes = allocate(encoded.size());
  std::memcpy(bytes, encoded.data(), encoded.size());
  const std::string_view stored(bytes, encoded.size());
  if ((entries_.size() + 1) * 2 > slots_.size()) grow_index();
  const size_t mask = slots_.size() - 1;
  const uint32_t tag = tag_of(key_hash);
  size_t at = key_hash & mask;
  for (; slots_[at].entry_plus_one != 0; at = (at + 1) & mask) {
    const uint32_t entry = slots_[at].entry_plus_one - 1;
    if (slots_[at].hash_tag == tag && key_of(entry) == key) {
      entries_[entry].encoded = stored;  // replaced: the old bytes stay counted until the flush
      return;
    }
  }
  RINGKV_ASSERT(entries_.size() < UINT32_MAX);
  // The key's bytes inside the encoding: after the kind, length-prefixed.
  Decoder decoder(stored.substr(1));
  std::string_view stored_key;
  const bool decoded = decoder.get_length_prefixed(stored_key, storage_format::kMaxStoredKeyBytes);
  RINGKV_ASSERT(decoded && stored_key == key);
  entries_.push_back(Entry{stored_key, stored});
  slots_[at] = Slot{static_cast<uint32_t>(entries_.size()), tag};
}

bool Memtable::find(std::string_view key, uint64_t key_hash, RecordView& view) const {
  if (slots_.empty()) return false;
  const size_t mask = slots_.size() - 1;
  const uint32_t tag = tag_of(key_hash);
  for (size_t at = key_hash & mask; slots_[at].entry_plus_one != 0; at = (at + 1) & mask) {
    const uint32_t entry = slots_[at].entry_plus_one - 1;
    if (slots_[at].hash_tag != tag) continue;
    if (entries_[entry].key != key) continue;
    view = record_at(entry);
    return true;
  }
  return false;
}

namespace {

// The key's bytes [from, from + 8) as a big-endian number (zero-padded): comparing these
// orders keys like comparing their bytes, up to ties, which the whole keys break.
uint64_t prefix_of(std::string_view key, size_t from) {
  unsigned char bytes[8] = {};
  if (key.size() > from) std::memcpy(bytes, key.data() + from, std::min<size_t>(key.size() - from, 8));
  uint64_t prefix = 0;
  for (unsigned char byte : bytes) prefix = prefix << 8 | byte;
  return prefix;
}

struct SortItem {
  uint64_t first;   // key bytes [0, 8)
  uint64_t second;  // key bytes [8, 16): keys sharing a short prefix still rarely tie
  uint32_t entry;
};

}  // namespace

const std::vector<uint32_t>& Memtable::ordered() const {
  const size_t sorted = ordered_.size();
  if (sorted == entries_.size()) return ordered_;
  // Sort the new keys by (16-byte prefix, key): the prefixes sit in the array being sorted,
  // so most comparisons touch no key bytes (a cache miss each).
  std::vector<SortItem> added;
  added.reserve(entries_.size() - sorted);
  for (size_t entry = sorted; entry < entries_.size(); ++entry) {
    const std::string_view key = entries_[entry].key;
    added.push_back(SortItem{prefix_of(key, 0), prefix_of(key, 8), static_cast<uint32_t>(entry)});
  }
  std::sort(added.begin(), added.end(), [this](const SortItem& a, const SortItem& b) {
    if (a.first != b.first) return a.first < b.first;
    if (a.second != b.second) return a.second < b.second;
    return key_of(a.entry) < key_of(b.entry);
  });
  for (const SortItem& item : added) ordered_.push_back(item.entry);
  auto by_key = [this](uint32_t a, uint32_t b) { return key_of(a) < key_of(b); };
  const auto middle = ordered_.begin() + static_cast<std::ptrdiff_t>(sorted);
  std::inplace_merge(ordered_.begin(), middle, ordered_.end(), by_key);
  return ordered_;
}

size_t Memtable::lower_bound(std::string_view start_key) const {
  const auto& order = ordered();
  auto it = std::partition_point(order.begin(), order.end(),
                                 [&](uint32_t entry) { return key_of(entry) < start_key; });
  return static_cast<size_t>(it - order.begin());
}

void Memtable::clear() {
  blocks_.clear();
  block_cursor_ = nullptr;
  block_left_ = 0;
  arena_bytes_ = 0;
  entries_.clear();
  slots_.clear();
  ordered_.clear();
}

}  // namespace ringkv
