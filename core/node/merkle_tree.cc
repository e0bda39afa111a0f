#include "core/node/merkle_tree.h"

#include <string>

#include "core/assert.h"
#include "core/hash.h"

namespace ringkv {

MerkleTree::MerkleTree() { clear(); }

uint32_t MerkleTree::leaf_of(std::string_view key) {
  return static_cast<uint32_t>(hash64(key) >> 52);  // top 12 bits: 4096 leaves
}

uint64_t MerkleTree::digest(std::string_view key, const Entry& entry) {
  std::string bytes(key);
  bytes += '\0';
  bytes += entry.version.to_string();
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
