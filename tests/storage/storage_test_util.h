// Helpers shared by the storage tests: entry builders and a store opener over MemoryEnv.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/entry.h"
#include "core/storage/lsm_store.h"
#include "core/storage/memory_env.h"

namespace ringkv::testing {

inline Entry put_entry(uint64_t counter, std::string value, std::string node_id = "n1") {
  Entry entry;
  entry.version = Version{counter, std::move(node_id)};
  entry.value = std::move(value);
  return entry;
}

inline Entry tombstone_entry(uint64_t counter, std::string node_id = "n1") {
  Entry entry;
  entry.version = Version{counter, std::move(node_id)};
  entry.tombstone = true;
  return entry;
}

inline const std::string kStoreDir = "/store";

inline LsmOptions small_options(uint64_t memtable_max_bytes = 4096) {
  LsmOptions options;
  options.memtable_max_bytes = memtable_max_bytes;
  options.compaction.tier_base_bytes = 4096;
  return options;
}

inline std::unique_ptr<LsmStore> open_or_die(Env& env, const LsmOptions& options,
                                             const std::string& dir = kStoreDir) {
  auto store = LsmStore::open(env, dir, options);
  EXPECT_TRUE(store.ok()) << store.status().to_string();
  if (!store.ok()) return nullptr;
  return std::move(*store);
}

inline std::optional<Entry> get_or_die(ReplicaStore& store, std::string_view key) {
  auto entry = store.get(key);
  EXPECT_TRUE(entry.ok()) << entry.status().to_string();
  return entry.ok() ? *entry : std::nullopt;
}

}  // namespace ringkv::testing
