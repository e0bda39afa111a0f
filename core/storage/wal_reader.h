// WAL segment parsing for recovery and sstdump. Replays frames in order up to the first bad
// one. A bad frame with no valid frame anywhere after it is a torn tail (a crash during an
// append): the caller truncates it. A bad frame followed by a valid one is corruption in
// the middle of the log: never skipped silently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/storage/stored_record.h"

namespace ringkv {

enum class WalTail {
  kClean,    // every byte parsed
  kTorn,     // the bytes after valid_bytes are a torn tail (safe to truncate)
  kCorrupt,  // a bad frame at valid_bytes is followed by valid frames
};

struct WalParseResult {
  uint64_t valid_bytes = 0;  // end of the last good frame (0 if even the header is torn)
  uint64_t records = 0;
  WalTail tail = WalTail::kClean;
  std::string problem;  // e.g. "bad checksum in frame at offset 4096"
};

using WalRecordVisitor = std::function<void(std::string_view key, const StoredRecord& record)>;

// Parses a whole segment, calling `visit` for every record before the first bad frame.
WalParseResult parse_wal_segment(std::string_view contents, const WalRecordVisitor& visit);

}  // namespace ringkv
