#include "core/storage/bloom_filter.h"

#include <algorithm>

#include "core/storage/storage_format.h"

namespace ringkv {
namespace {

constexpr size_t kMinFilterBits = 64;
constexpr uint64_t kLineBits = storage_format::kBloomLineBytes * 8;

// Format 1: positions (h1 + i*h2) mod bits over the whole array. Stops when on_bit says so.
void probe_positions_v1(uint64_t hash, uint8_t probes, uint64_t bit_count, auto&& on_bit) {
  uint64_t h1 = hash;
  uint64_t h2 = (hash >> 33) | (hash << 31) | 1;  // odd, so probes spread over the bits
  for (uint8_t i = 0; i < probes; ++i) {
    if (!on_bit((h1 + i * h2) % bit_count)) return;
  }
}

// Format 2: inside a key's line, a = low 32 bits of the hash, stepping by rotr(a, 17) | 1,
// modulo the 512 bits of a line (bit numbers relative to the line).
void probe_line_bits(uint64_t hash, uint8_t probes, auto&& on_bit) {
  auto a = static_cast<uint32_t>(hash);
  const uint32_t delta = ((a >> 17) | (a << 15)) | 1;
  for (uint8_t i = 0; i < probes; ++i) {
    if (!on_bit(a % kLineBits)) return;
    a += delta;
  }
}

}  // namespace

void BloomFilterBuilder::add_key(std::string_view key) { key_hashes_.push_back(hash64(key)); }

std::string BloomFilterBuilder::finish() const {
  size_t bit_count = std::max(kMinFilterBits, key_hashes_.size() * bits_per_key_);
  auto probes = static_cast<uint8_t>(std::clamp<size_t>(bits_per_key_ * 69 / 100, 1, kMaxBloomProbes));
  auto set_bit = [](std::string& filter, uint64_t bit) {
    filter[bit / 8] = static_cast<char>(filter[bit / 8] | (1 << (bit % 8)));
    return true;
  };
  std::string filter;
  if (format_version_ == 1) {
    bit_count = (bit_count + 7) / 8 * 8;
    filter.assign(bit_count / 8, '\0');
    for (uint64_t hash : key_hashes_) {
      probe_positions_v1(hash, probes, bit_count, [&](uint64_t bit) { return set_bit(filter, bit); });
    }
  } else {
    const uint64_t lines = (bit_count + kLineBits - 1) / kLineBits;
    filter.assign(lines * storage_format::kBloomLineBytes, '\0');
    for (uint64_t hash : key_hashes_) {
      const uint64_t base = bloom_line_of(hash, lines) * kLineBits;
      probe_line_bits(hash, probes, [&](uint64_t bit) { return set_bit(filter, base + bit); });
    }
  }
  filter.push_back(static_cast<char>(probes));
  return filter;
}

bool bloom_may_contain(std::string_view filter, uint64_t key_hash, uint32_t format_version) {
  if (filter.size() < 2) return true;  // no usable filter: fall back to reading
  auto probes = static_cast<uint8_t>(filter.back());
  if (probes == 0 || probes > kMaxBloomProbes) return true;
  const uint64_t bytes = filter.size() - 1;
  bool present = true;
  auto test_bit = [&](uint64_t bit) {
    present = (static_cast<uint8_t>(filter[bit / 8]) & (1 << (bit % 8))) != 0;
    return present;
  };
  if (format_version == 1) {
    probe_positions_v1(key_hash, probes, bytes * 8, test_bit);
  } else {
    if (bytes % storage_format::kBloomLineBytes != 0) return true;  // not a format-2 filter
    const uint64_t line = bloom_line_of(key_hash, bytes / storage_format::kBloomLineBytes);
    return bloom_line_may_contain(filter.data() + line * storage_format::kBloomLineBytes,
                                  key_hash, probes);
  }
  return present;
}

uint64_t bloom_line_of(uint64_t key_hash, uint64_t line_count) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(key_hash) * line_count) >> 64);
}

bool bloom_line_may_contain(const char* line, uint64_t key_hash, uint8_t probes) {
  bool present = true;
  probe_line_bits(key_hash, probes, [&](uint64_t bit) {
    present = (static_cast<uint8_t>(line[bit / 8]) & (1 << (bit % 8))) != 0;
    return present;
  });
  return present;
}

}  // namespace ringkv
