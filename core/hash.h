// hash64: XXH64 with seed 0. Part of the on-disk and on-wire contract (ring positions,
// key placement): DO NOT CHANGE the algorithm or the seed. Pinned by known vectors in tests.
#pragma once

#include <cstdint>
#include <string_view>

namespace ringkv {

inline constexpr uint64_t kHashSeed = 0;  // frozen

uint64_t hash64(std::string_view bytes);

}  // namespace ringkv
