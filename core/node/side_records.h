// The node's side store (kvnode's DATA/hints; a second LsmStore) holds two kinds of
// records, keyed `target '\0' key` (docs/storage.md "Side store"):
//   hints (target = the node that missed the write): a live record at the hinted version;
//     value = marker ('V' a value, 'D' a delete) + created_ms (8 bytes, big-endian, the
//     coordinator's local clock) + the value. Records of earlier builds, without a time
//     ('v' / 'd'), read as created when they are loaded.
//   purge floors (target "", which no node id can be): value = 'F' + purged_ms (8 bytes);
//     the record's version is the purged tombstone's version.
// The store's own tombstones mean "delivered" or "expired" (then purged). FROZEN markers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/entry.h"

namespace ringkv {

struct SideKey {
  std::string_view target;  // "" for a purge floor
  std::string_view key;
};

std::string side_key(std::string_view target, std::string_view key);
std::optional<SideKey> parse_side_key(std::string_view stored_key);

struct HintRecord {
  Entry entry;  // what the target missed
  uint64_t created_ms = 0;
};

Entry encode_hint(const Entry& hinted, uint64_t created_ms);
// nullopt for a delivered hint (a tombstone) or a record that is not a hint;
// `loaded_ms` stands in for the creation time of records written without one.
std::optional<HintRecord> decode_hint(const Entry& record, uint64_t loaded_ms);

Entry encode_floor(const Version& version, uint64_t purged_ms);
// The purge time of a floor record; nullopt when it is not one.
std::optional<uint64_t> decode_floor(const Entry& record);

}  // namespace ringkv
