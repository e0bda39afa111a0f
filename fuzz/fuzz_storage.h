// Helpers shared by the storage fuzz targets: put bytes into a MemoryEnv file as durable
// data, and read a whole store back as (key, entry) lines (bounded). All asserts are on the
// fuzz harness itself: the Env here has no faults, so its calls must succeed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/lsm_store.h"
#include "core/storage/memory_env.h"
#include "fuzz/fuzz_input.h"

namespace ringkv::fuzz {

constexpr size_t kMaxScannedEntries = 100000;

// Creates (or replaces) `path` holding exactly `bytes`, synced and with its name synced.
inline void write_durable_file(MemoryEnv& env, const std::string& dir, const std::string& name,
                               std::string_view bytes) {
  auto file = env.create_file(join_path(dir, name));
  fuzz_expect(file.ok(), "harness: create_file", file.status().to_string());
  fuzz_expect((*file)->append(bytes).ok() && (*file)->sync().ok(), "harness: append + sync");
  fuzz_expect(env.sync_dir(dir).ok(), "harness: sync_dir");
}

// Every visible entry, in scan order, as one line per key; a scan error ends the list with
// a line naming the error.
inline std::vector<std::string> scan_all(LsmStore& store) {
  std::vector<std::string> lines;
  Status status = store.scan("", [&](std::string_view key, const Entry& entry) {
    lines.push_back(std::string(key) + " " + entry.version.to_string() +
                    (entry.tombstone ? " tombstone " : " put ") + entry.value);
    return lines.size() < kMaxScannedEntries;
  });
  if (!status.ok()) lines.push_back("scan error: " + status.to_string());
  return lines;
}

}  // namespace ringkv::fuzz
