#include "core/hash.h"

#include <xxhash.h>

namespace ringkv {

uint64_t hash64(std::string_view bytes) { return XXH64(bytes.data(), bytes.size(), kHashSeed); }

}  // namespace ringkv
