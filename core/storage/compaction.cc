#include "core/storage/compaction.h"

#include <algorithm>

namespace ringkv {
namespace {

int size_tier(uint64_t size_bytes, uint64_t base_bytes) {
  int tier = 0;
  for (uint64_t bound = base_bytes; size_bytes >= bound && tier < 32; bound *= 4) ++tier;
  return tier;
}

std::optional<CompactionPick> smallest_window(const std::vector<uint64_t>& sizes, size_t width) {
  std::optional<CompactionPick> best;
  uint64_t best_bytes = UINT64_MAX;
  for (size_t first = 0; first + width <= sizes.size(); ++first) {
    uint64_t bytes = 0;
    for (size_t i = first; i < first + width; ++i) bytes += sizes[i];
    if (bytes < best_bytes) {
      best_bytes = bytes;
      best = CompactionPick{first, width};
    }
  }
  return best;
}

}  // namespace

std::optional<CompactionPick> pick_compaction(const std::vector<uint64_t>& table_sizes_bytes,
                                              const CompactionPolicy& policy) {
  RINGKV_ASSERT(policy.min_merge_tables >= 2 && policy.max_merge_tables >= policy.min_merge_tables);
  const auto& sizes = table_sizes_bytes;
  size_t run_start = 0;
  for (size_t index = 1; index <= sizes.size(); ++index) {
    bool run_continues =
        index < sizes.size() && size_tier(sizes[index], policy.tier_base_bytes) ==
                                    size_tier(sizes[run_start], policy.tier_base_bytes);
    if (run_continues) continue;
    size_t run_length = index - run_start;
    if (run_length >= policy.min_merge_tables) {
      return CompactionPick{run_start, std::min(run_length, policy.max_merge_tables)};
    }
    run_start = index;
  }
  if (sizes.size() > policy.max_tables) {
    return smallest_window(sizes, std::min(sizes.size(), policy.max_merge_tables));
  }
  return std::nullopt;
}

Result<std::unique_ptr<CompactionJob>> CompactionJob::start(
    std::vector<std::shared_ptr<SstableReader>> inputs, bool bottommost,
    const TombstonePurgeRule& purge_rule, std::unique_ptr<SstableBuilder> output) {
  std::vector<std::unique_ptr<RecordIterator>> sources;
  for (auto it = inputs.rbegin(); it != inputs.rend(); ++it) {  // newest first
    auto source = (*it)->seek("", CacheUse::kBypass);  // the cache is the store thread's
    if (!source.ok()) return source.status();
    sources.push_back(std::move(*source));
  }
  std::unique_ptr<CompactionJob> job(new CompactionJob());
  job->merged_ = std::make_unique<MergingIterator>(std::move(sources));
  job->output_ = std::move(output);
  job->purge_rule_ = purge_rule;
  job->bottommost_ = bottommost;
  return job;
}

bool CompactionJob::should_drop(std::string_view key, const RecordView& record) const {
  if (!bottommost_) return false;
  if (is_purge(record)) return true;  // nothing older is left below to mask
  if (is_put(record) || !purge_rule_) return false;
  StoredRecord tombstone;
  materialize_record(record, tombstone);
  return purge_rule_(key, tombstone.entry);
}

Result<bool> CompactionJob::step(size_t max_entries) {
  for (size_t done = 0; done < max_entries && merged_->valid(); ++done) {
    std::string_view key = merged_->key();
    const RecordView& record = merged_->view();
    if (should_drop(key, record)) {
      ++dropped_tombstones_;
    } else {
      RINGKV_RETURN_IF_ERROR(output_->add(key, record));
    }
    ++merged_entries_;
    RINGKV_RETURN_IF_ERROR(merged_->next());
  }
  return !merged_->valid();
}

}  // namespace ringkv
