// LsmStore compaction: picking, stepping, installing (manifest switch) and abandoning.
#include <algorithm>

#include "core/storage/file_names.h"
#include "core/storage/lsm_store.h"
#include "core/storage/lsm_store_internal.h"

namespace ringkv {

bool LsmStore::compaction_pending() const {
  if (compaction_) return true;
  if (full_compaction_requested_ && !tables_.empty()) return true;
  std::vector<uint64_t> sizes;
  for (const auto& table : tables_) sizes.push_back(table->file_size_bytes());
  return pick_compaction(sizes, options_.compaction).has_value();
}

Status LsmStore::start_compaction() {
  std::optional<CompactionPick> pick;
  bool full = full_compaction_requested_ && !tables_.empty();
  if (full) {
    pick = CompactionPick{0, tables_.size()};
  } else {
    std::vector<uint64_t> sizes;
    for (const auto& table : tables_) sizes.push_back(table->file_size_bytes());
    pick = pick_compaction(sizes, options_.compaction);
  }
  if (!pick) return Status();
  auto active = std::make_unique<ActiveCompaction>();
  active->full = full;
  active->output_number = manifest_.next_file_number++;
  std::vector<std::shared_ptr<SstableReader>> inputs;
  for (size_t index = pick->first_index; index < pick->first_index + pick->count; ++index) {
    inputs.push_back(tables_[index]);
    active->input_numbers.push_back(manifest_.table_numbers[index]);
  }
  std::string output_name = table_file_name(active->output_number);
  auto file = env_.create_file(join_path(dir_, output_name));
  if (!file.ok()) return file.status();
  auto builder = std::make_unique<SstableBuilder>(std::move(*file), options_.bloom_bits_per_key);
  auto job = CompactionJob::start(std::move(inputs), pick->first_index == 0,
                                  options_.tombstone_purgeable, std::move(builder));
  if (!job.ok()) {
    remove_quietly(output_name);
    return job.status();
  }
  active->job = std::shared_ptr<CompactionJob>(std::move(*job));
  compaction_ = std::move(active);
  if (full) full_compaction_requested_ = false;
  return Status();
}

void LsmStore::abandon_compaction() {
  if (!compaction_) return;
  remove_quietly(table_file_name(compaction_->output_number));
  if (compaction_->full) full_compaction_requested_ = true;
  compaction_.reset();
}

// The job is finished (its output synced): open the output and switch the manifest.
Status LsmStore::install_compaction() {
  ActiveCompaction& active = *compaction_;
  std::string output_name = table_file_name(active.output_number);
  std::shared_ptr<SstableReader> output;
  if (active.job->output_entries() > 0) {
    auto opened = SstableReader::open(env_, join_path(dir_, output_name), table_options(active.output_number));
    if (!opened.ok()) return opened.status();
    output = std::move(*opened);
  }
  ManifestState next = manifest_;
  auto& numbers = next.table_numbers;
  auto first = std::find(numbers.begin(), numbers.end(), active.input_numbers.front());
  auto position = static_cast<size_t>(first - numbers.begin());
  RINGKV_ASSERT(first != numbers.end() && position + active.input_numbers.size() <= numbers.size());
  RINGKV_ASSERT(std::equal(active.input_numbers.begin(), active.input_numbers.end(), first));
  numbers.erase(first, first + static_cast<std::ptrdiff_t>(active.input_numbers.size()));
  if (output)
    numbers.insert(numbers.begin() + static_cast<std::ptrdiff_t>(position), active.output_number);
  RINGKV_RETURN_IF_ERROR(install_manifest(next));
  auto table_first = tables_.begin() + static_cast<std::ptrdiff_t>(position);
  tables_.erase(table_first,
                table_first + static_cast<std::ptrdiff_t>(active.input_numbers.size()));
  if (output) tables_.insert(tables_.begin() + static_cast<std::ptrdiff_t>(position), output);
  if (!output) remove_quietly(output_name);
  for (uint64_t number : active.input_numbers) {
    remove_quietly(table_file_name(number));
    if (cache_) cache_->erase_table(number);
  }
  ++counters_.compactions;
  counters_.compacted_entries += active.job->merged_entries();
  counters_.tombstones_dropped += active.job->dropped_tombstones();
  compaction_.reset();
  return Status();
}

Status LsmStore::compact_step(size_t max_entries) {
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  if (compaction_ && compaction_->detached) return Status();
  if (!compaction_) {
    RINGKV_RETURN_IF_ERROR(start_compaction());
    if (!compaction_) return Status();
  }
  auto done = compaction_->job->step(std::max<size_t>(max_entries, 1));
  Status status = done.ok() ? Status() : confirm_damage(done.status(), tables_);
  if (status.ok() && *done) status = compaction_->job->finish();
  if (status.ok() && *done) status = install_compaction();
  if (!status.ok() && fatal_error_.ok()) abandon_compaction();
  return status;
}

void LsmStore::cancel_detached_compaction() {
  compaction_cancelled_->store(true, std::memory_order_relaxed);
}

bool LsmStore::compaction_running_detached() const {
  return compaction_ && compaction_->detached;
}

Result<LsmStore::CompactionRun> LsmStore::begin_compaction() {
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  if (compaction_running_detached()) return CompactionRun{};
  if (!compaction_) {
    RINGKV_RETURN_IF_ERROR(start_compaction());
    if (!compaction_) return CompactionRun{};
  }
  compaction_->detached = true;
  return CompactionRun{[job = compaction_->job, cancelled = compaction_cancelled_]() -> Status {
    while (true) {
      if (cancelled->load(std::memory_order_relaxed)) {
        return Status::unavailable("compaction cancelled: the store is closing");
      }
      auto done = job->step(kDetachedStepEntries);
      if (!done.ok()) return done.status();
      if (*done) return job->finish();
    }
  }};
}

Status LsmStore::finish_compaction(const Status& result) {
  RINGKV_ASSERT_MSG(compaction_running_detached(), "finish_compaction without a detached run");
  if (!fatal_error_.ok()) {
    abandon_compaction();  // nothing may be installed any more
    return fatal_error_;
  }
  Status status = result.ok() ? install_compaction() : confirm_damage(result, tables_);
  if (!status.ok() && fatal_error_.ok()) abandon_compaction();
  return status;
}

}  // namespace ringkv
