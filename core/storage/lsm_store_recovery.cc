// LsmStore::open: manifest, tables, orphan removal and WAL replay.
#include <algorithm>

#include "core/hash.h"
#include "core/storage/file_names.h"
#include "core/storage/lsm_store.h"
#include "core/storage/lsm_store_internal.h"
#include "core/storage/wal_reader.h"

namespace ringkv {

Result<std::unique_ptr<LsmStore>> LsmStore::open(Env& env, std::string dir, LsmOptions options) {
  RINGKV_ASSERT(options.memtable_max_bytes > 0);
  if (options.wal_buffer_bytes > LsmOptions::kMaxWalBufferBytes) {
    return Status::invalid_argument("wal_buffer_bytes " + std::to_string(options.wal_buffer_bytes) +
                                    " is above the limit of " +
                                    std::to_string(LsmOptions::kMaxWalBufferBytes));
  }
  std::unique_ptr<LsmStore> store(new LsmStore(env, std::move(dir), std::move(options)));
  RINGKV_RETURN_IF_ERROR(store->recover());
  return store;
}

Status LsmStore::load_or_create_manifest(const std::vector<std::string>& names) {
  auto manifest = read_manifest(env_, dir_);
  if (!manifest.ok()) return manifest.status();
  if (manifest->has_value()) {
    manifest_ = std::move(**manifest);
    return Status();
  }
  bool has_store_files = std::any_of(names.begin(), names.end(), [](const std::string& name) {
    auto kind = parse_store_file_name(name).kind;
    return kind == StoreFileKind::kWal || kind == StoreFileKind::kTable;
  });
  if (has_store_files) {
    // Never guess: a lost MANIFEST with data files is for an operator, not for `repair`
    // (adopting or deleting tables blindly could resurrect or lose data).
    return Status::corruption("WAL or table files in " + dir_ + " but no MANIFEST");
  }
  manifest_ = ManifestState{};
  return write_manifest(env_, dir_, manifest_);
}

Status LsmStore::remove_orphans(const std::vector<std::string>& names) {
  const auto& live = manifest_.table_numbers;
  for (const auto& name : names) {
    StoreFileName parsed = parse_store_file_name(name);
    bool orphan = parsed.kind == StoreFileKind::kManifestTemp ||
                  (parsed.kind == StoreFileKind::kWal && parsed.number < manifest_.log_number) ||
                  (parsed.kind == StoreFileKind::kTable &&
                   std::find(live.begin(), live.end(), parsed.number) == live.end());
    if (parsed.kind == StoreFileKind::kWal || parsed.kind == StoreFileKind::kTable) {
      manifest_.next_file_number = std::max(manifest_.next_file_number, parsed.number + 1);
    }
    if (!orphan) continue;
    RINGKV_RETURN_IF_ERROR(env_.remove(join_path(dir_, name)));
    ++report_.orphan_files_removed;
    report_.events.push_back("removed orphan file " + name);
  }
  return Status();
}

Status LsmStore::replay_wal_segment(uint64_t number) {
  std::string name = wal_file_name(number);
  std::string path = join_path(dir_, name);
  auto contents = read_whole_file_stable(env_, path);
  if (!contents.ok()) return contents.status();
  WalParseResult parsed = parse_wal_segment(
      *contents,
      [&](std::string_view key, const StoredRecord& record) { memtable_.put(key, hash64(key), record); });
  ++report_.wal_segments_replayed;
  report_.wal_records_replayed += parsed.records;
  uint64_t dropped_bytes = contents->size() - parsed.valid_bytes;
  if (parsed.tail == WalTail::kCorrupt && !options_.repair) {
    return Status::corruption(name + ": " + parsed.problem + " (open with repair to keep the " +
                              std::to_string(parsed.records) + " records before it)");
  }
  if (parsed.tail == WalTail::kCorrupt) report_.corrupt_bytes_dropped += dropped_bytes;
  if (parsed.tail == WalTail::kTorn) report_.torn_bytes_truncated += dropped_bytes;
  if (parsed.tail != WalTail::kClean) {
    report_.events.push_back(name + ": " + parsed.problem + "; dropped " +
                             std::to_string(dropped_bytes) + " bytes");
  }
  // Sync even a clean segment: after a process crash (not a power loss) its tail may sit
  // unsynced in the page cache, and what recovery serves must not vanish later.
  auto file = env_.open_for_append(path);
  if (!file.ok()) return file.status();
  if (dropped_bytes > 0) RINGKV_RETURN_IF_ERROR((*file)->truncate(parsed.valid_bytes));
  return (*file)->sync();
}

Status LsmStore::recover() {
  RINGKV_RETURN_IF_ERROR(env_.create_dir(dir_));
  auto names = env_.list(dir_);
  if (!names.ok()) return names.status();
  RINGKV_RETURN_IF_ERROR(load_or_create_manifest(*names));
  for (uint64_t number : manifest_.table_numbers) {
    auto table =
        SstableReader::open(env_, join_path(dir_, table_file_name(number)), table_options(number));
    if (!table.ok()) return table.status();
    tables_.push_back(std::move(*table));
  }
  RINGKV_RETURN_IF_ERROR(remove_orphans(*names));
  for (const auto& name : *names) {
    StoreFileName parsed = parse_store_file_name(name);
    if (parsed.kind == StoreFileKind::kWal && parsed.number >= manifest_.log_number) {
      wal_numbers_.push_back(parsed.number);
    }
  }
  std::sort(wal_numbers_.begin(), wal_numbers_.end());  // replay in write order
  for (uint64_t number : wal_numbers_) RINGKV_RETURN_IF_ERROR(replay_wal_segment(number));
  uint64_t wal_number = manifest_.next_file_number++;
  auto wal = WalWriter::create(env_, dir_, wal_file_name(wal_number), wal_buffer_bytes_);
  if (!wal.ok()) return wal.status();
  wal_ = std::move(*wal);
  wal_numbers_.push_back(wal_number);
  return Status();
}

}  // namespace ringkv
