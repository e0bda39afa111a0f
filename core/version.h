// Version: a Lamport timestamp {counter, node_id}. Ordered by counter, then node_id
// (byte-wise), so every replica agrees on one total order: last writer wins.
// Text form (headers X-Version / X-Context, sstdump): "<counter>.<node_id>", e.g. "17.n1".
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace ringkv {

// The highest Lamport counter (and incarnation) a peer message may carry: 2^62. A message
// above it is dropped and counted (docs/wire.md), so no input can bring a clock near
// 2^64 and wrap it; a clock itself stays below 2^63 (LamportClock asserts it). 2^62
// stamps are ~146,000 years of writes at a million per second.
inline constexpr uint64_t kMaxVersionCounter = uint64_t{1} << 62;

struct Version {
  uint64_t counter = 0;
  NodeId node_id;

  friend std::strong_ordering operator<=>(const Version& a, const Version& b) {
    if (auto c = a.counter <=> b.counter; c != 0) return c;
    return a.node_id.compare(b.node_id) <=> 0;
  }
  friend bool operator==(const Version& a, const Version& b) = default;

  // The zero version {0, ""} is below every stamped version.
  bool is_zero() const { return counter == 0 && node_id.empty(); }
  std::string to_string() const;
};

// Parses "17.n1"; nullopt on anything malformed (no dot, bad digits, a counter above
// kMaxVersionCounter, bad id). `out_of_range`, when given, tells the last case apart.
std::optional<Version> parse_version(std::string_view text, bool* out_of_range = nullptr);

}  // namespace ringkv
