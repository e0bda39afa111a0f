// Env: the only way core/storage touches files (leveldb's idea). Production passes the POSIX
// Env (runtime/posix_env.h); tests and the simulator pass MemoryEnv, which models crashes.
// Paths are plain strings "dir/name"; every call returns a Status, disk full is no_space.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ringkv {

// A file open for appending. Appended bytes are durable only after sync() returns ok.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status append(std::string_view data) = 0;
  // Makes every byte appended so far durable (fdatasync).
  virtual Status sync() = 0;
  virtual uint64_t size_bytes() const = 0;
  // Cuts the file to `size_bytes` (<= current size); later appends continue from there.
  virtual Status truncate(uint64_t size_bytes) = 0;
  // Claims disk space for the next `bytes` bytes appended past the current end, so that a
  // full disk refuses them now (no_space) rather than at their append. The size does not
  // change. A file that cannot claim space (the default) does nothing and returns ok.
  virtual Status reserve(uint64_t bytes) {
    (void)bytes;
    return Status();
  }
  // For drivers that sync on another thread: a function that makes every byte appended
  // before this call durable, safe to run on any thread while this file keeps being
  // appended to, and even after it was closed or removed. Empty when the file cannot do
  // that; then call sync() on the owning thread.
  virtual std::function<Status()> detached_sync() { return {}; }
};

// A file open for positional reads.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to `length` bytes at `offset` into `out` (replacing its contents). Fewer bytes
  // than asked means the end of the file was reached.
  virtual Status read_at(uint64_t offset, size_t length, std::string* out) = 0;
  virtual Result<uint64_t> size_bytes() = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  // Creates the file (or truncates an existing one to zero bytes) and opens it for append.
  virtual Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) = 0;
  // Opens an existing file for append, positioned at its end (not_found if missing).
  virtual Result<std::unique_ptr<WritableFile>> open_for_append(const std::string& path) = 0;
  virtual Result<std::unique_ptr<ReadableFile>> open_for_read(const std::string& path) = 0;
  // Names (not paths) of the files in `dir`, sorted ascending.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Atomically replaces `to` with `from`. Durable after sync_dir of the directory.
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;
  // Makes the directory entries of `dir` (creates, renames, removes) durable.
  virtual Status sync_dir(const std::string& dir) = 0;
  // Creates `dir` if missing (ok if it exists).
  virtual Status create_dir(const std::string& dir) = 0;
};

// Reads a whole file (convenience over open_for_read + read_at).
Result<std::string> read_whole_file(Env& env, const std::string& path);

// Reads a whole file until two consecutive reads agree (at most kMaxStableReadAttempts), so
// that a transient read fault (a bit flip on the way from disk) is not taken for on-disk
// damage by recovery. io_error when the reads never agree.
Result<std::string> read_whole_file_stable(Env& env, const std::string& path);

inline constexpr int kMaxStableReadAttempts = 4;

std::string join_path(const std::string& dir, std::string_view name);

}  // namespace ringkv
