// Basic vocabulary: keys, values and node ids are byte strings. Keys and values may hold
// any bytes (a client key may not start with NUL: those are the node's own records);
// node ids are short printable names (see valid_node_id).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ringkv {

using Key = std::string;
using Value = std::string;
using NodeId = std::string;

// Limits on names that reach the wire and the disk.
inline constexpr size_t kMaxNodeIdBytes = 64;

// A node id is 1..kMaxNodeIdBytes of [A-Za-z0-9_-]. It never contains '.', so the
// version text form "17.n1" splits unambiguously at the first '.'.
bool valid_node_id(std::string_view id);

}  // namespace ringkv
