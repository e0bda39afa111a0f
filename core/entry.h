// Entry: what a replica stores for a key: a version, a tombstone flag and the value
// (empty for tombstones). lww_merge picks the winner of two entries; it is commutative,
// associative and idempotent, so replicas converge whatever order writes arrive in.
#pragma once

#include <optional>

#include "core/types.h"
#include "core/version.h"

namespace ringkv {

struct Entry {
  Version version;
  bool tombstone = false;
  Value value;

  friend bool operator==(const Entry&, const Entry&) = default;
};

// True when `a` wins over `b` under last-writer-wins. Versions decide; equal versions
// (which only a buggy or malicious writer produces) are broken by content (tombstone
// first, then bytes) so that the merge stays a deterministic join.
bool lww_wins(const Entry& a, const Entry& b);

// The winner of a and b (a copy).
Entry lww_merge(const Entry& a, const Entry& b);

// Merge with absence: a missing entry loses to any present one.
std::optional<Entry> lww_merge(const std::optional<Entry>& a, const std::optional<Entry>& b);

}  // namespace ringkv
