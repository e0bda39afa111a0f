// Prng: the only source of randomness in ringkv. xoshiro256** (Blackman & Vigna), its
// 256-bit state seeded from one 64-bit seed through splitmix64. Integer-only helpers,
// so the same seed gives the same stream on every compiler and standard library.
// fork() derives an independent child stream (one per simulated component).
#pragma once

#include <cstdint>

namespace ringkv {

class Prng {
 public:
  explicit Prng(uint64_t seed);
  // A generator with an exact xoshiro256** state (reference vectors in tests).
  static Prng from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3);

  uint64_t next_u64();
  // Uniform in [0, n), n > 0, without modulo bias.
  uint64_t uniform(uint64_t n);
  // Uniform in [low, high], low <= high.
  uint64_t range(uint64_t low, uint64_t high);
  // True with probability 1/n (n > 0; one_in(1) is always true).
  bool one_in(uint64_t n) { return uniform(n) == 0; }
  // True with probability permille/1000 (0 never, >=1000 always).
  bool chance(uint32_t permille) { return permille >= 1000 || uniform(1000) < permille; }
  // A child stream, seeded from this one; the parent advances by one draw.
  Prng fork();

 private:
  uint64_t state_[4];
};

// splitmix64 step, exposed for seeding and tests.
uint64_t splitmix64(uint64_t& state);

}  // namespace ringkv
