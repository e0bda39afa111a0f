// On-disk constants of the storage engine: WAL segments, SSTables and the manifest.
// The grammar is in docs/storage.md. Every value here reaches disk: DO NOT CHANGE them
// (a change needs a new format version and a migration).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringkv::storage_format {

// Record kinds, shared by WAL frames and SSTable data blocks. DO NOT CHANGE.
enum class RecordKind : uint8_t {
  kPut = 1,        // a live value
  kTombstone = 2,  // a delete (an entry with tombstone=true)
  kPurge = 3,      // a purged entry: masks every version <= its version
};

// WAL segment: header = magic (fixed64) + format version (fixed32). DO NOT CHANGE.
inline constexpr uint64_t kWalMagic = 0x4c41572d564b4752ull;  // "RGKV-WAL" little-endian
inline constexpr uint32_t kWalFormatVersion = 1;
inline constexpr size_t kWalHeaderBytes = 12;
// WAL frame header: length (fixed32) + masked crc32c (fixed32) over length bytes + payload.
inline constexpr size_t kWalFrameHeaderBytes = 8;

// SSTable. DO NOT CHANGE.
inline constexpr uint64_t kTableMagic = 0x5453532d564b4752ull;  // "RGKV-SST" little-endian
// 1: data blocks of whole records; 2 (written since): prefix-compressed keys with restart
// points, and a cache-line-blocked bloom filter. Readers accept both.
inline constexpr uint32_t kTableFormatVersion = 2;
inline constexpr uint32_t kOldestTableFormatVersion = 1;
inline constexpr size_t kBloomLineBytes = 64;  // format 2: each key's probes hit one line
inline constexpr size_t kBlockTrailerBytes = 4;  // masked crc32c of the block contents
// Footer: filter offset, filter size, index offset, index size, entry count (fixed64 each),
// format version (fixed32), masked crc32c of the previous 44 bytes (fixed32), magic (fixed64).
inline constexpr size_t kTableFooterBytes = 56;

// Manifest. DO NOT CHANGE.
inline constexpr uint64_t kManifestMagic = 0x54464e4d2d4b4752ull;  // "RGK-MNFT" little-endian
inline constexpr uint32_t kManifestFormatVersion = 1;

// Writer-side tuning (not part of the format: readers accept any value).
inline constexpr size_t kTargetDataBlockBytes = 4096;
inline constexpr size_t kDefaultBloomBitsPerKey = 10;
inline constexpr size_t kRestartInterval = 16;  // entries between restart points (format 2)

// Hard limits that protect readers from absurd lengths in damaged files.
inline constexpr uint64_t kMaxStoredKeyBytes = 64 * 1024;
inline constexpr uint64_t kMaxStoredValueBytes = 64ull << 20;
inline constexpr uint64_t kMaxStoredNodeIdBytes = 256;
inline constexpr uint64_t kMaxWalRecordBytes = kMaxStoredKeyBytes + kMaxStoredValueBytes + 1024;
inline constexpr uint64_t kMaxBlockBytes = kMaxWalRecordBytes + 1024;
inline constexpr uint64_t kMaxManifestTables = 1 << 20;

}  // namespace ringkv::storage_format
