// Manifest: the one small file that says which SSTables make up the store (oldest first)
// and which WAL segments must still be replayed (number >= log_number). It is replaced
// atomically: write MANIFEST.tmp, sync it, rename over MANIFEST, sync the directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/storage/env.h"

namespace ringkv {

struct ManifestState {
  uint64_t next_file_number = 1;        // next number for a WAL segment or table
  uint64_t log_number = 0;              // WAL segments below this are obsolete
  std::vector<uint64_t> table_numbers;  // oldest first: reads go newest (back) first

  friend bool operator==(const ManifestState&, const ManifestState&) = default;
};

std::string encode_manifest(const ManifestState& state);
Result<ManifestState> decode_manifest(std::string_view bytes);

// Atomically replaces dir/MANIFEST with `state`: write_manifest_temp() then
// commit_manifest_temp(). A failure of the first leaves MANIFEST untouched; a failure of
// the second leaves it unknown whether the new state is (durably) in place.
Status write_manifest_temp(Env& env, const std::string& dir, const ManifestState& state);
Status commit_manifest_temp(Env& env, const std::string& dir);
Status write_manifest(Env& env, const std::string& dir, const ManifestState& state);
// nullopt when dir/MANIFEST does not exist.
Result<std::optional<ManifestState>> read_manifest(Env& env, const std::string& dir);

}  // namespace ringkv
