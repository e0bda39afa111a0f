// Size-tiered compaction (see docs/storage.md for why): pick_compaction() chooses a run of
// tables adjacent in age with similar sizes; CompactionJob merges that run into one table
// in bounded steps, so the event loop that drives it is never stalled. The store installs
// the output (manifest switch) only when the job is done; until then the inputs serve reads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/entry.h"
#include "core/storage/merging_iterator.h"
#include "core/storage/sstable_builder.h"
#include "core/storage/sstable_reader.h"

namespace ringkv {

struct CompactionPolicy {
  size_t min_merge_tables = 4;           // this many similar-sized adjacent tables trigger a merge
  size_t max_merge_tables = 8;           // widest merge of the size-tiered picker
  size_t max_tables = 16;                // above this, merge the smallest adjacent window anyway
  uint64_t tier_base_bytes = 64 * 1024;  // tiers: < base, < 4*base, < 16*base, ...
};

struct CompactionPick {
  size_t first_index = 0;  // into the tables, oldest first
  size_t count = 0;
};

std::optional<CompactionPick> pick_compaction(const std::vector<uint64_t>& table_sizes_bytes,
                                              const CompactionPolicy& policy);

// Decides whether a tombstone may be dropped for good (e.g. older than the grace period and
// seen by every replica). An empty function means never.
using TombstonePurgeRule = std::function<bool(std::string_view key, const Entry& tombstone)>;

class CompactionJob {
 public:
  // `inputs`: the run, oldest first. `bottommost`: no older table exists below the run, so
  // purge markers and purgeable tombstones can be dropped.
  static Result<std::unique_ptr<CompactionJob>> start(
      std::vector<std::shared_ptr<SstableReader>> inputs, bool bottommost,
      const TombstonePurgeRule& purge_rule, std::unique_ptr<SstableBuilder> output);

  // Merges up to max_entries input keys; true when every input is exhausted.
  Result<bool> step(size_t max_entries);
  // Writes the output's index and footer and syncs it. Call once step() returned true.
  Status finish() { return output_->finish(); }

  uint64_t output_entries() const { return output_->entry_count(); }
  uint64_t dropped_tombstones() const { return dropped_tombstones_; }
  uint64_t merged_entries() const { return merged_entries_; }

 private:
  CompactionJob() = default;
  bool should_drop(std::string_view key, const RecordView& record) const;

  std::unique_ptr<MergingIterator> merged_;
  std::unique_ptr<SstableBuilder> output_;
  TombstonePurgeRule purge_rule_;
  bool bottommost_ = false;
  uint64_t dropped_tombstones_ = 0;
  uint64_t merged_entries_ = 0;
};

}  // namespace ringkv
