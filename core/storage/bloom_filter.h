// Bloom filter for SSTables: bits_per_key bits per key, k = round(bits_per_key * ln 2)
// probes by double hashing of hash64(key). Serialized as the bit array followed by one byte
// holding k. A may_contain() false is certain; true may be a false positive. Two layouts
// (docs/storage.md), by table format: 1 spreads a key's probes over the whole array; 2
// keeps them in one 64-byte line chosen by the hash (one cache miss per table and key).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"

namespace ringkv {

class BloomFilterBuilder {
 public:
  explicit BloomFilterBuilder(size_t bits_per_key, uint32_t format_version = 2)
      : bits_per_key_(bits_per_key), format_version_(format_version) {}
  void add_key(std::string_view key);
  std::string finish() const;

 private:
  size_t bits_per_key_;
  uint32_t format_version_;
  std::vector<uint64_t> key_hashes_;
};

// `key_hash` is hash64(key): a lookup through many tables hashes the key once.
bool bloom_may_contain(std::string_view filter, uint64_t key_hash, uint32_t format_version);
inline bool bloom_may_contain(std::string_view filter, std::string_view key,
                              uint32_t format_version = 2) {
  return bloom_may_contain(filter, hash64(key), format_version);
}

// Format 2 read a line at a time (a reader that pages its filter): the line of `key_hash`
// among `line_count` lines, and whether that 64-byte line may hold the key.
uint64_t bloom_line_of(uint64_t key_hash, uint64_t line_count);
bool bloom_line_may_contain(const char* line, uint64_t key_hash, uint8_t probes);
inline constexpr uint8_t kMaxBloomProbes = 30;

}  // namespace ringkv
