// Private pieces of LsmStore shared by its .cc files (not part of the public API).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/storage/compaction.h"
#include "core/storage/lsm_store.h"

namespace ringkv {

struct LsmStore::ActiveCompaction {
  std::vector<uint64_t> input_numbers;  // oldest first, adjacent in the manifest
  uint64_t output_number = 0;
  bool full = false;  // every table was an input
  bool detached = false;  // its job runs off the store's thread (begin_compaction)
  std::shared_ptr<CompactionJob> job;  // shared with a detached run
};

}  // namespace ringkv
