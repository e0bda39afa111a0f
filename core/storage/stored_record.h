// StoredRecord: what the engine keeps for a key in the memtable, the WAL and SSTables: an
// Entry (put or tombstone), or a purge marker that hides every version <= entry.version.
// Reads turn a purge marker into "absent"; compaction drops it at the bottom level.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/entry.h"
#include "core/storage/storage_format.h"

namespace ringkv {

struct StoredRecord {
  Entry entry;          // for a purge marker: the purged entry's version, no value
  bool purged = false;  // true: a purge marker

  static StoredRecord purge_marker(const Version& version) {
    StoredRecord record;
    record.entry.version = version;
    record.entry.tombstone = true;
    record.purged = true;
    return record;
  }

  storage_format::RecordKind kind() const {
    if (purged) return storage_format::RecordKind::kPurge;
    return entry.tombstone ? storage_format::RecordKind::kTombstone
                           : storage_format::RecordKind::kPut;
  }
  // What readers see: nothing for a purge marker.
  std::optional<Entry> visible_entry() const {
    if (purged) return std::nullopt;
    return entry;
  }

  friend bool operator==(const StoredRecord&, const StoredRecord&) = default;
};

}  // namespace ringkv
