#include "runtime/node_storage.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "core/ring_order_store.h"

namespace ringkv::runtime {
namespace {

// --sync never: every call goes to the LsmStore except sync(), which only writes the WAL's
// buffered records to the file (no fsync): what a commit answered survives a crash of the
// process, not of the machine.
class UnsyncedStore final : public ReplicaStore {
 public:
  explicit UnsyncedStore(LsmStore& inner) : inner_(inner) {}
  Result<ApplyResult> apply(std::string_view key, const Entry& entry) override {
    return inner_.apply(key, entry);
  }
  Result<std::optional<Entry>> get(std::string_view key) override { return inner_.get(key); }
  Status scan(std::string_view start_key, const Visitor& visit) override {
    return inner_.scan(start_key, visit);
  }
  Status sync() override { return inner_.write_out_wal(); }
  Status purge(std::string_view key, const Version& version) override {
    return inner_.purge(key, version);
  }

 private:
  LsmStore& inner_;
};

Result<int> lock_directory(const std::string& dir) {
  std::string path = join_path(dir, kLockFileName);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io_error("open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd);
    return Status::io_error("data dir " + dir + " is in use by another kvnode (" +
                            std::strerror(error) + ")");
  }
  return fd;
}

Result<std::unique_ptr<LsmStore>> open_store(Env& env, const std::string& data_dir,
                                             const char* name, uint64_t memtable_max_bytes,
                                             uint64_t block_cache_bytes, const Logger& logger) {
  std::string dir = join_path(data_dir, name);
  RINGKV_RETURN_IF_ERROR(env.create_dir(dir));
  LsmOptions options;
  options.memtable_max_bytes = memtable_max_bytes;
  options.block_cache_bytes = block_cache_bytes;
  std::string discarded;
  const auto started = std::chrono::steady_clock::now();
  auto store = LsmStore::open_or_discard_damaged(env, dir, options, &discarded);
  if (!store.ok()) return store.status();
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
  if (!discarded.empty()) {
    logger.error(std::string(name) + " was damaged (" + discarded + "); its files are in " +
                 dir + ".damaged for inspection, and it starts blank");
  }
  const RecoveryReport& report = (*store)->recovery_report();
  const LsmStats stats = (*store)->stats();
  logger.info(std::string(name) + " replay: records=" + std::to_string(report.wal_records_replayed) +
              " wal_segments=" + std::to_string(report.wal_segments_replayed) +
              " torn_bytes=" + std::to_string(report.torn_bytes_truncated) +
              " tables=" + std::to_string(stats.table_count) +
              " table_bytes=" + std::to_string(stats.table_bytes) +
              " ms=" + std::to_string(elapsed_ms));
  for (const std::string& event : report.events) {
    logger.info(std::string(name) + " recovery: " + event);
  }
  return store;
}

}  // namespace

Result<uint64_t> bump_incarnation(Env& env, const std::string& dir) {
  std::string path = join_path(dir, kIncarnationFileName);
  uint64_t previous = 0;
  auto contents = read_whole_file(env, path);
  if (contents.ok()) {
    std::string_view text = *contents;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), previous);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
      return Status::corruption(path + " does not hold a number");
    }
  } else if (contents.status().code() != StatusCode::kNotFound) {
    return contents.status();
  }
  uint64_t next = previous + 1;
  std::string temporary = path + ".tmp";
  auto file = env.create_file(temporary);
  if (!file.ok()) return file.status();
  RINGKV_RETURN_IF_ERROR((*file)->append(std::to_string(next) + "\n"));
  RINGKV_RETURN_IF_ERROR((*file)->sync());
  file->reset();
  RINGKV_RETURN_IF_ERROR(env.rename(temporary, path));
  RINGKV_RETURN_IF_ERROR(env.sync_dir(dir));
  return next;
}

Result<std::unique_ptr<NodeStorage>> NodeStorage::open(const RuntimeOptions& options,
                                                       const Logger& logger) {
  std::unique_ptr<NodeStorage> storage(new NodeStorage());
  RINGKV_RETURN_IF_ERROR(storage->env_.create_dir(options.data_dir));
  auto lock = lock_directory(options.data_dir);
  if (!lock.ok()) return lock.status();
  storage->lock_fd_ = *lock;
  auto incarnation = bump_incarnation(storage->env_, options.data_dir);
  if (!incarnation.ok()) return incarnation.status();
  storage->incarnation_ = *incarnation;
  auto data = open_store(storage->env_, options.data_dir, kStoreDirectoryName,
                         options.config.memtable_max_bytes, options.block_cache_bytes, logger);
  if (!data.ok()) return data.status();
  storage->lsm_ = std::move(*data);
  // Data written before the ring-order layout moves once (docs/formats.md); a crash
  // halfway resumes here at the next start.
  const auto started = std::chrono::steady_clock::now();
  auto converted = convert_to_ring_order(*storage->lsm_);
  if (!converted.ok()) {
    return Status(converted.status().code(),
                  "converting the data store to ring order: " + converted.status().message());
  }
  if (*converted > 0) {
    const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
    logger.info("data store converted to ring order: keys=" + std::to_string(*converted) +
                " ms=" + std::to_string(elapsed_ms));
  }
  auto hints =
      open_store(storage->env_, options.data_dir, kHintDirectoryName, kHintMemtableBytes,
                   kHintBlockCacheBytes, logger);
  if (!hints.ok()) return hints.status();
  storage->hint_lsm_ = std::move(*hints);
  storage->replica_store_ = storage->lsm_.get();
  storage->hint_store_ = storage->hint_lsm_.get();
  if (options.sync == SyncPolicy::kNever) {
    storage->unsynced_ = std::make_unique<UnsyncedStore>(*storage->lsm_);
    storage->unsynced_hints_ = std::make_unique<UnsyncedStore>(*storage->hint_lsm_);
    storage->replica_store_ = storage->unsynced_.get();
    storage->hint_store_ = storage->unsynced_hints_.get();
  }
  return storage;
}

NodeStorage::~NodeStorage() {
  unsynced_.reset();
  unsynced_hints_.reset();
  lsm_.reset();
  hint_lsm_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

}  // namespace ringkv::runtime
