// LsmStore: reads, writes, sync and flush. Recovery is in lsm_store_recovery.cc and
// compaction in lsm_store_compaction.cc.
#include "core/storage/lsm_store.h"

#include <algorithm>

#include "core/hash.h"
#include "core/storage/coding.h"
#include "core/storage/file_names.h"
#include "core/storage/lsm_store_internal.h"
#include "core/storage/merging_iterator.h"
#include "core/storage/sstable_builder.h"

namespace ringkv {

LsmStore::LsmStore(Env& env, std::string dir, LsmOptions options)
    : env_(env), dir_(std::move(dir)), options_(std::move(options)) {
  if (options_.block_cache_bytes > 0) cache_ = std::make_unique<BlockCache>(options_.block_cache_bytes);
  // A buffer is cheap next to the memtable it feeds, and claims little of a small disk.
  wal_buffer_bytes_ = static_cast<size_t>(
      std::min(options_.wal_buffer_bytes, options_.memtable_max_bytes / 4));
}

TableReadOptions LsmStore::table_options(uint64_t table_number) const {
  return TableReadOptions{cache_.get(), table_number};
}

LsmStore::~LsmStore() { cancel_detached_compaction(); }

Result<std::optional<StoredRecord>> LsmStore::lookup(std::string_view key, uint64_t key_hash) {
  if (RecordView view; memtable_.find(key, key_hash, view)) {
    StoredRecord record;
    materialize_record(view, record);
    return std::optional<StoredRecord>(std::move(record));
  }
  for (auto it = tables_.rbegin(); it != tables_.rend(); ++it) {  // newest first
    auto found = (*it)->find(key, key_hash);
    if (!found.ok()) return confirm_damage(found.status(), {*it});
    if (found->has_value()) return found;
  }
  return std::optional<StoredRecord>();
}

Result<std::optional<Entry>> LsmStore::get(std::string_view key) {
  auto record = lookup(key, hash64(key));
  if (!record.ok()) return record.status();
  if (!record->has_value() || (*record)->purged) return std::optional<Entry>();
  return std::optional<Entry>(std::move((*record)->entry));
}

static Status check_entry_limits(std::string_view key, const Entry& entry) {
  if (key.size() > storage_format::kMaxStoredKeyBytes ||
      entry.value.size() > storage_format::kMaxStoredValueBytes ||
      entry.version.node_id.size() > storage_format::kMaxStoredNodeIdBytes) {
    return Status::invalid_argument("key, value or node id exceeds the storage limits");
  }
  return Status();
}

Result<ApplyResult> LsmStore::apply(std::string_view key, const Entry& entry) {
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  RINGKV_RETURN_IF_ERROR(check_entry_limits(key, entry));
  StoredRecord record{entry, false};
  if (record.entry.tombstone) record.entry.value.clear();  // tombstones carry no value
  const uint64_t key_hash = hash64(key);
  auto current = lookup(key, key_hash);
  if (!current.ok()) return current.status();
  const bool held = current->has_value() && !(*current)->purged;
  if (held && !lww_wins(record.entry, (*current)->entry)) {
    return ApplyResult{false, (*current)->entry.version, std::nullopt};
  }
  RINGKV_RETURN_IF_ERROR(make_room());
  RINGKV_RETURN_IF_ERROR(write_record(key, key_hash, record));
  if (memtable_.approximate_bytes() >= options_.memtable_max_bytes) {
    Status flushed = flush();
    if (!flushed.ok()) ++counters_.background_errors;  // retried on the next apply
  }
  ApplyResult result{true, record.entry.version, std::nullopt};
  if (held) result.replaced = std::move((*current)->entry);
  return result;
}

Status LsmStore::purge(std::string_view key, const Version& version) {
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  const uint64_t key_hash = hash64(key);
  auto current = lookup(key, key_hash);
  if (!current.ok()) return current.status();
  const auto& record = *current;
  if (!record || record->purged || record->entry.version != version) {
    return Status();
  }
  RINGKV_RETURN_IF_ERROR(make_room());
  return write_record(key, key_hash, StoredRecord::purge_marker(version));
}

Status LsmStore::write_record(std::string_view key, uint64_t key_hash,
                              const StoredRecord& record) {
  record_scratch_.clear();
  encode_record(record_scratch_, key, record);
  Status appended = wal_->add_record(record_scratch_);
  if (!appended.ok()) {
    // Nothing reached the memtable: the apply did not happen. A cut-off partial frame is
    // harmless; a WAL that could not be cut back is unusable, as after a failed sync.
    return poison_if_unusable(appended);
  }
  memtable_.put_encoded(key, key_hash, record_scratch_);
  release_if_large(record_scratch_);
  state_changes_++;
  return Status();
}

Status LsmStore::make_room() {
  if (memtable_.approximate_bytes() < options_.memtable_max_bytes * kMemtableHardLimitFactor) {
    return Status();
  }
  return flush();
}

Status LsmStore::scan(std::string_view start_key, const Visitor& visit) {
  std::vector<std::unique_ptr<RecordIterator>> sources;
  sources.push_back(memtable_iterator(memtable_, start_key));
  for (auto it = tables_.rbegin(); it != tables_.rend(); ++it) {
    auto source = (*it)->seek(start_key);
    if (!source.ok()) return confirm_damage(source.status(), tables_);
    sources.push_back(std::move(*source));
  }
  MergingIterator merged(std::move(sources));
  StoredRecord record;  // reused: its strings keep their capacity
  while (merged.valid()) {
    if (!is_purge(merged.view())) {
      materialize_record(merged.view(), record);
      if (!visit(merged.key(), record.entry)) break;
    }
    Status moved = merged.next();
    if (!moved.ok()) return confirm_damage(moved, tables_);
  }
  return Status();
}

Status LsmStore::sync() {
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  if (!wal_->has_unsynced_records()) return Status();
  // A failed write of the buffered records leaves them buffered (not fatal; the next sync
  // retries); a failed fsync poisons the WAL, and the store with it.
  RINGKV_RETURN_IF_ERROR(poison_if_unusable(wal_->sync()));
  ++counters_.wal_syncs;
  return Status();
}

Status LsmStore::write_out_wal() {
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  return poison_if_unusable(wal_->write_out());
}

Status LsmStore::poison_if_unusable(const Status& wal_error) {
  if (!wal_->poisoned().ok() && fatal_error_.ok()) fatal_error_ = wal_->poisoned();
  return wal_error;
}

Result<LsmStore::SyncJob> LsmStore::begin_sync() {
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  if (!wal_->has_unsynced_records()) return SyncJob{};
  // A failed write-out is not fatal: the records stay buffered and the next sync retries.
  auto began = wal_->begin_detached_sync();
  if (!began.ok()) return poison_if_unusable(began.status());
  WalWriter::DetachedSync& detached = *began;
  if (!detached.run) {
    RINGKV_RETURN_IF_ERROR(sync());
    return SyncJob{};
  }
  return SyncJob{std::move(detached.run), wal_numbers_.back(), detached.covers_bytes};
}

Status LsmStore::finish_sync(const SyncJob& job, const Status& result) {
  if (!result.ok()) {
    if (fatal_error_.ok()) fatal_error_ = result;
    return result;
  }
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  ++counters_.wal_syncs;
  // After a flush the segment is gone and its records live in a synced SSTable.
  if (wal_numbers_.empty() || wal_numbers_.back() != job.wal_number) return Status();
  Status marked = wal_->finish_detached_sync(job.covers_bytes);
  if (!marked.ok()) fatal_error_ = marked;
  return marked;
}

void LsmStore::remove_quietly(const std::string& name) {
  (void)env_.remove(join_path(dir_, name));  // a leftover is removed at the next open
}

Result<std::shared_ptr<SstableReader>> LsmStore::write_memtable_table(uint64_t number) {
  std::string path = join_path(dir_, table_file_name(number));
  auto file = env_.create_file(path);
  if (!file.ok()) return file.status();
  SstableBuilder builder(std::move(*file), options_.bloom_bits_per_key);
  Status status;
  for (uint32_t entry : memtable_.ordered()) {
    const RecordView view = memtable_.record_at(entry);
    status = builder.add(view.key, view);
    if (!status.ok()) break;
  }
  if (status.ok()) status = builder.finish();
  if (!status.ok()) return status;
  return SstableReader::open(env_, path, table_options(number));
}

Status LsmStore::install_manifest(const ManifestState& next) {
  Status written = write_manifest_temp(env_, dir_, next);
  if (!written.ok()) {
    remove_quietly(std::string(kManifestTempFileName));  // MANIFEST itself is untouched
    return written;
  }
  Status committed = commit_manifest_temp(env_, dir_);
  if (!committed.ok()) {
    // The rename may or may not be durable: the on-disk state is unknown, so stop writing
    // until a reopen recovers from whatever the disk holds.
    fatal_error_ = Status(committed.code(), "manifest update failed: " + committed.message());
    return fatal_error_;
  }
  manifest_ = next;
  state_changes_++;
  table_changes_++;
  return Status();
}

Status LsmStore::flush() {
  RINGKV_RETURN_IF_ERROR(fatal_error_);
  if (memtable_.empty()) return Status();
  uint64_t table_number = manifest_.next_file_number++;
  uint64_t wal_number = manifest_.next_file_number++;
  auto table = write_memtable_table(table_number);
  if (!table.ok()) {
    remove_quietly(table_file_name(table_number));
    return table.status();
  }
  auto wal = WalWriter::create(env_, dir_, wal_file_name(wal_number), wal_buffer_bytes_);
  if (!wal.ok()) {
    remove_quietly(table_file_name(table_number));
    remove_quietly(wal_file_name(wal_number));
    return wal.status();
  }
  ManifestState next = manifest_;
  next.log_number = wal_number;
  next.table_numbers.push_back(table_number);
  Status installed = install_manifest(next);
  if (!installed.ok()) {
    if (!fatal_error_.ok()) return installed;  // the new MANIFEST may be live: keep its files
    remove_quietly(table_file_name(table_number));
    remove_quietly(wal_file_name(wal_number));
    return installed;
  }
  tables_.push_back(std::move(*table));
  memtable_.clear();
  wal_ = std::move(*wal);
  for (uint64_t old_number : wal_numbers_) remove_quietly(wal_file_name(old_number));
  wal_numbers_ = {wal_number};
  ++counters_.flushes;
  return Status();
}

LsmStats LsmStore::stats() const {
  LsmStats stats = counters_;
  stats.table_count = tables_.size();
  stats.table_bytes = 0;
  for (const auto& table : tables_) {
    stats.table_bytes += table->file_size_bytes();
    stats.table_memory_bytes += table->memory_bytes();
  }
  stats.memtable_bytes = memtable_.approximate_bytes();
  stats.wal_bytes = wal_ ? wal_->size_bytes() : 0;
  if (cache_) {
    stats.block_cache_bytes = cache_->bytes();
    stats.block_cache_metadata_bytes = cache_->metadata_bytes();
    stats.block_cache_hits = cache_->hits();
    stats.block_cache_misses = cache_->misses();
    stats.block_cache_not_admitted = cache_->not_admitted();
  }
  return stats;
}

}  // namespace ringkv
