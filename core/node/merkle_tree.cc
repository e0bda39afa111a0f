#include "core/node/merkle_tree.h"

#include <charconv>
#include <string>
#include <system_error>

#include "core/assert.h"
#include "core/hash.h"

namespace ringkv {

MerkleTree::MerkleTree() { clear(); }

uint32_t MerkleTree::leaf_of(std::string_view key) {
  return leaf_at(hash64(key));  // top 12 bits: 4096 leaves
}

uint64_t MerkleTree::digest(std::string_view key, const Entry& entry) {
  // Built in a reused buffer: a load or a ring change digests every key it scans.
  thread_local std::string bytes;
  bytes.assign(key);
  bytes += '\0';
  char counter[20];
  const auto [end, error] = std::to_chars(counter, counter + sizeof counter, entry.version.counter);
  RINGKV_ASSERT(error == std::errc());
  bytes.append(counter, end);
  bytes += '.';  // the version text: counter "." node_id
  bytes += entry.version.node_id;
  bytes += entry.tombstone ? 'T' : 'V';
  return hash64(bytes);
}

uint32_t MerkleTree::width(uint32_t level) {
  RINGKV_ASSERT(level <= kDepth);
  uint32_t w = 1;
  for (uint32_t i = 0; i < level; ++i) w *= kFanout;
  return w;
}

uint32_t MerkleTree::first_leaf(uint32_t level, uint32_t index) {
  return index * (kLeaves / width(level));
}

uint32_t MerkleTree::end_leaf(uint32_t level, uint32_t index) {
  return (index + 1) * (kLeaves / width(level));
}

void MerkleTree::toggle(uint32_t leaf, uint64_t digest) {
  RINGKV_ASSERT(leaf < kLeaves);
  uint32_t index = leaf;
  for (int level = kDepth; level >= 0; --level) {
    levels_[level][index] ^= digest;
    index /= kFanout;
  }
}

uint64_t MerkleTree::hash(uint32_t level, uint32_t index) const {
  RINGKV_ASSERT(level <= kDepth && index < levels_[level].size());
  return levels_[level][index];
}

void MerkleTree::clear() {
  for (uint32_t level = 0; level <= kDepth; ++level) levels_[level].assign(width(level), 0);
}

}  // namespace ringkv
