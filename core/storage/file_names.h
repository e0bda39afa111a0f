// Names of the files in a store directory: WAL segments "wal-000007.log", tables
// "000012.sst", "MANIFEST" and its temporary "MANIFEST.tmp". Numbers come from one counter
// (the manifest's next_file_number), so every name is used at most once per store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ringkv {

inline constexpr std::string_view kManifestFileName = "MANIFEST";
inline constexpr std::string_view kManifestTempFileName = "MANIFEST.tmp";

enum class StoreFileKind { kWal, kTable, kManifest, kManifestTemp, kOther };

struct StoreFileName {
  StoreFileKind kind = StoreFileKind::kOther;
  uint64_t number = 0;  // for kWal and kTable
};

std::string wal_file_name(uint64_t number);
std::string table_file_name(uint64_t number);
StoreFileName parse_store_file_name(std::string_view name);

}  // namespace ringkv
