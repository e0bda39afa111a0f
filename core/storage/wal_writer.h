// WalWriter: appends CRC32C-framed records to one WAL segment. add_record() frames the
// record into an in-process buffer of at most `buffer_bytes`, written to the file when it
// would overflow (one write for many records) and by write_out(), sync() and
// begin_detached_sync(); sync() makes every record so far durable (group commit: many adds,
// one sync). Records still in the buffer are lost by a process crash, as unsynced bytes
// are by a power loss: nothing was acknowledged for them. Disk space for the buffer is
// claimed (WritableFile::reserve) before a record enters it, so a full disk refuses the
// record at add_record() and not a later write of records already accepted. A failed
// write is cut back off the file and keeps the buffer (the record that needed the room is
// refused; a failed write at a sync fails the sync and is retried by the next one); a
// failed sync or cut poisons the writer (every later call fails) because the file's state
// is then unknown.
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
  // buffer_bytes 0: every record is written through to the file at once.
  static Result<std::unique_ptr<WalWriter>> create(Env& env, const std::string& dir,
                                                   const std::string& name,
                                                   size_t buffer_bytes = 0);

  // Appends one frame holding `payload` (1..kMaxWalRecordBytes bytes).
  Status add_record(std::string_view payload);
  // Writes the buffered records to the file without syncing them.
  Status write_out();
  Status sync();

  // Detached sync (LsmStore::begin_sync): the job covers every record added so far; run
  // it on any thread, and once it succeeded mark its bytes synced on this one (a failure
  // is the store's to handle: LsmStore makes it fatal). Fails (without poisoning) when the
  // buffered records cannot be written out first.
  struct DetachedSync {
    std::function<Status()> run;  // empty: nothing to sync, or the file cannot (use sync())
    uint64_t covers_bytes = 0;
  };
  Result<DetachedSync> begin_detached_sync();
  Status finish_detached_sync(uint64_t covers_bytes);

  // The segment's size with the buffered records counted.
  uint64_t size_bytes() const { return file_->size_bytes() + buffer_.size(); }
  uint64_t buffered_bytes() const { return buffer_.size(); }
  bool has_unsynced_records() const { return synced_bytes_ != size_bytes(); }
  const std::string& path() const { return path_; }
  // Not ok once a failed sync or cut left the file in an unknown state: every later add
  // and sync fails with it.
  const Status& poisoned() const { return poisoned_; }

 private:
  WalWriter(std::unique_ptr<WritableFile> file, std::string path, size_t buffer_bytes);

  std::unique_ptr<WritableFile> file_;
  std::string path_;
  uint64_t synced_bytes_ = 0;
  Status poisoned_;  // ok until a failure left the file in an unknown state
  size_t buffer_bytes_ = 0;
  std::string buffer_;  // framed records not yet written to the file
  uint64_t reserved_end_bytes_ = 0;  // disk space claimed (WritableFile::reserve) up to here
};

// The frame bytes for `payload` (header + payload); exposed for tests and tools.
void append_wal_frame(std::string& out, std::string_view payload);
std::string encode_wal_frame(std::string_view payload);
std::string encode_wal_header();

}  // namespace ringkv
