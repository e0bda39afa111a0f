// Bloom filter for SSTables: bits_per_key bits per key, k = round(bits_per_key * ln 2)
// probes by double hashing of hash64(key) (h1 + i*h2). Serialized as the bit array followed
// by one byte holding k. A may_contain() false is certain; true may be a false positive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv {

class BloomFilterBuilder {
 public:
  explicit BloomFilterBuilder(size_t bits_per_key) : bits_per_key_(bits_per_key) {}
  void add_key(std::string_view key);
  std::string finish() const;

 private:
  size_t bits_per_key_;
  std::vector<uint64_t> key_hashes_;
};

bool bloom_may_contain(std::string_view filter, std::string_view key);

}  // namespace ringkv
