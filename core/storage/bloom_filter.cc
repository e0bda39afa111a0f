#include "core/storage/bloom_filter.h"

#include <algorithm>

#include "core/hash.h"

namespace ringkv {
namespace {

constexpr size_t kMinFilterBits = 64;
constexpr uint8_t kMaxProbes = 30;

void probe_positions(uint64_t hash, uint8_t probes, uint64_t bit_count, auto&& on_bit) {
  uint64_t h1 = hash;
  uint64_t h2 = (hash >> 33) | (hash << 31) | 1;  // odd, so probes spread over the bits
  for (uint8_t i = 0; i < probes; ++i) on_bit((h1 + i * h2) % bit_count);
}

}  // namespace

void BloomFilterBuilder::add_key(std::string_view key) { key_hashes_.push_back(hash64(key)); }

std::string BloomFilterBuilder::finish() const {
  size_t bit_count = std::max(kMinFilterBits, key_hashes_.size() * bits_per_key_);
  bit_count = (bit_count + 7) / 8 * 8;
  auto probes = static_cast<uint8_t>(std::clamp<size_t>(bits_per_key_ * 69 / 100, 1, kMaxProbes));
  std::string filter(bit_count / 8, '\0');
  for (uint64_t hash : key_hashes_) {
    probe_positions(hash, probes, bit_count, [&](uint64_t bit) {
      filter[bit / 8] = static_cast<char>(filter[bit / 8] | (1 << (bit % 8)));
    });
  }
  filter.push_back(static_cast<char>(probes));
  return filter;
}

bool bloom_may_contain(std::string_view filter, std::string_view key) {
  if (filter.size() < 2) return true;  // no usable filter: fall back to reading
  auto probes = static_cast<uint8_t>(filter.back());
  if (probes == 0 || probes > kMaxProbes) return true;
  uint64_t bit_count = (filter.size() - 1) * 8;
  bool present = true;
  probe_positions(hash64(key), probes, bit_count, [&](uint64_t bit) {
    if ((static_cast<uint8_t>(filter[bit / 8]) & (1 << (bit % 8))) == 0) present = false;
  });
  return present;
}

}  // namespace ringkv
