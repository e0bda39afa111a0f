#include "core/prng.h"

#include "core/assert.h"

namespace ringkv {
namespace {
inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Prng::Prng(uint64_t seed) {
  uint64_t s = seed;
  for (auto& word : state_) word = splitmix64(s);
}

Prng Prng::from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
  Prng prng(0);
  prng.state_[0] = s0;
  prng.state_[1] = s1;
  prng.state_[2] = s2;
  prng.state_[3] = s3;
  return prng;
}

uint64_t Prng::next_u64() {
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

uint64_t Prng::uniform(uint64_t n) {
  RINGKV_ASSERT(n > 0);
  // Reject the top partial bucket so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x;
  do {
    x = next_u64();
  } while (x >= limit);
  return x % n;
}

uint64_t Prng::range(uint64_t low, uint64_t high) {
  RINGKV_ASSERT(low <= high);
  if (low == 0 && high == UINT64_MAX) return next_u64();
  return low + uniform(high - low + 1);
}

Prng Prng::fork() { return Prng(next_u64() ^ 0x6a09e667f3bcc909ULL); }

}  // namespace ringkv
