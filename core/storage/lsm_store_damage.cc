// Damage at rest (docs/lost-data.md): confirming that a checksum failure repeats, recording
// it durably, and setting a damaged store aside at the next open.
#include "core/storage/lsm_store.h"
#include "core/storage/sstable_reader.h"

namespace ringkv {

namespace {
// Records `damage` in the DAMAGED file of `dir`, for the set-aside that follows.
Status record_damage(Env& env, const std::string& dir, const std::string& damage) {
  auto file = env.create_file(join_path(dir, LsmStore::kDamagedFileName));
  if (!file.ok()) return file.status();
  RINGKV_RETURN_IF_ERROR((*file)->append(damage));
  RINGKV_RETURN_IF_ERROR((*file)->sync());
  return env.sync_dir(dir);
}
}  // namespace

Status LsmStore::confirm_damage(const Status& error,
                                const std::vector<std::shared_ptr<SstableReader>>& suspects) {
  if (!damage_.ok()) return damage_;
  if (error.code() != StatusCode::kCorruption) return error;
  auto record = [&](std::string what) {
    damage_ = Status::corruption(std::move(what));
    fatal_error_ = damage_;
    // Best effort: without the file, the next life meets the damage again and stops again.
    (void)record_damage(env_, dir_, damage_.message());
    return damage_;
  };
  // `read` fails with corruption on every one of kDamageReads tries.
  auto fails_every_read = [](auto&& read) {
    for (int attempt = 0; attempt < kDamageReads; ++attempt) {
      if (read().code() != StatusCode::kCorruption) return false;
    }
    return true;
  };
  for (const auto& table : suspects) {
    if (fails_every_read([&] { return table->check_metadata(); })) {
      return record(table->path() + ": index or filter fails its checksum on every read (data "
                    "lost; the node rebuilds from its replicas after a restart)");
    }
    for (size_t block = 0; block < table->data_block_count(); ++block) {
      BlockRecords records;
      if (!fails_every_read([&] { return table->read_data_block(block, records); })) continue;
      return record(table->path() + ": data block " + std::to_string(block) +
                    " fails its checksum on every read (data lost; the node rebuilds from its "
                    "replicas after a restart)");
    }
  }
  return error;  // transient: a re-read succeeded
}

Result<std::unique_ptr<LsmStore>> LsmStore::open_or_discard_damaged(Env& env, std::string dir,
                                                                    LsmOptions options,
                                                                    std::string* discarded) {
  RINGKV_RETURN_IF_ERROR(set_aside_if_damaged(env, dir, discarded));
  auto store = open(env, dir, options);
  // Recovery itself met damage (a record in the middle of the WAL, a table's index or
  // footer, the MANIFEST failing its checksum). A flip on the way from the disk does not
  // repeat: only the same failure on kDamageReads opens in a row is damage, and then the
  // store is set aside like a damaged block's.
  for (int attempt = 1; attempt < kDamageReads && !store.ok() &&
                        store.status().code() == StatusCode::kCorruption;
       ++attempt) {
    store = open(env, dir, options);
  }
  if (store.ok() || store.status().code() != StatusCode::kCorruption) return store;
  RINGKV_RETURN_IF_ERROR(record_damage(
      env, dir,
      "recovery failed on every open: " + store.status().message() +
          " (data lost; the node rebuilds from its replicas)"));
  RINGKV_RETURN_IF_ERROR(set_aside_if_damaged(env, dir, discarded));
  return open(env, std::move(dir), std::move(options));
}

Status LsmStore::set_aside_if_damaged(Env& env, const std::string& dir, std::string* discarded) {
  discarded->clear();
  auto report = read_whole_file_stable(env, join_path(dir, kDamagedFileName));
  if (!report.ok() && report.status().code() != StatusCode::kNotFound) return report.status();
  if (report.ok()) {
    const std::string aside = dir + ".damaged";
    RINGKV_RETURN_IF_ERROR(env.create_dir(aside));
    auto old = env.list(aside);
    if (!old.ok()) return old.status();
    for (const std::string& name : *old) RINGKV_RETURN_IF_ERROR(env.remove(join_path(aside, name)));
    auto names = env.list(dir);
    if (!names.ok()) return names.status();
    // The DAMAGED file goes last: a crash halfway leaves it, and the next open goes on.
    for (const std::string& name : *names) {
      if (name == kDamagedFileName) continue;
      RINGKV_RETURN_IF_ERROR(env.rename(join_path(dir, name), join_path(aside, name)));
    }
    RINGKV_RETURN_IF_ERROR(env.sync_dir(aside));
    RINGKV_RETURN_IF_ERROR(env.rename(join_path(dir, kDamagedFileName),
                                      join_path(aside, kDamagedFileName)));
    RINGKV_RETURN_IF_ERROR(env.sync_dir(aside));
    RINGKV_RETURN_IF_ERROR(env.sync_dir(dir));
    *discarded = report->empty() ? std::string("damaged") : *report;
  }
  return Status();
}

std::vector<std::pair<std::string, uint64_t>> LsmStore::table_data_extents() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& table : tables_) out.emplace_back(table->path(), table->data_end_offset());
  return out;
}

}  // namespace ringkv
