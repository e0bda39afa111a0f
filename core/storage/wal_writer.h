// WalWriter: appends CRC32C-framed records to one WAL segment. add_record() writes through
// to the file without syncing; sync() makes every record so far durable (group commit: many
// adds, one sync). A failed append is cut back off the file; a failed sync or cut poisons
// the writer (every later call fails) because the file's state is then unknown.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/storage/env.h"

namespace ringkv {

class WalWriter {
 public:
  // Creates the segment, writes its header and makes it durable (file sync + sync_dir).
  static Result<std::unique_ptr<WalWriter>> create(Env& env, const std::string& dir,
                                                   const std::string& name);

  // Appends one frame holding `payload` (1..kMaxWalRecordBytes bytes).
  Status add_record(std::string_view payload);
  Status sync();

  // Detached sync (LsmStore::begin_sync): the job covers every record added so far; run
  // it on any thread, and once it succeeded mark its bytes synced on this one (a failure
  // is the store's to handle: LsmStore makes it fatal).
  struct DetachedSync {
    std::function<Status()> run;  // empty: nothing to sync, or the file cannot (use sync())
    uint64_t covers_bytes = 0;
  };
  DetachedSync begin_detached_sync();
  Status finish_detached_sync(uint64_t covers_bytes);

  uint64_t size_bytes() const { return file_->size_bytes(); }
  bool has_unsynced_records() const { return synced_bytes_ != file_->size_bytes(); }
  const std::string& path() const { return path_; }
  // Not ok once a failed sync or cut left the file in an unknown state: every later add
  // and sync fails with it.
  const Status& poisoned() const { return poisoned_; }

 private:
  WalWriter(std::unique_ptr<WritableFile> file, std::string path);

  std::unique_ptr<WritableFile> file_;
  std::string path_;
  uint64_t synced_bytes_ = 0;
  Status poisoned_;  // ok until a failure left the file in an unknown state
  std::string frame_;  // add_record()'s frame, reused
};

// The frame bytes for `payload` (header + payload); exposed for tests and tools.
void append_wal_frame(std::string& out, std::string_view payload);
std::string encode_wal_frame(std::string_view payload);
std::string encode_wal_header();

}  // namespace ringkv
