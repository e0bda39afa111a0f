// NodeStorage: everything kvnode keeps in --data-dir. Locks the directory (one kvnode per
// directory), bumps and persists the incarnation (read, +1, write + fsync, rename), and
// opens two LsmStores over the POSIX Env: the data under DIR/store and the coordinator's
// durable hints (hinted handoff) under DIR/hints. Lives as long as the Node.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/replica_store.h"
#include "core/storage/lsm_store.h"
#include "runtime/logger.h"
#include "runtime/options.h"
#include "runtime/posix_env.h"

namespace ringkv::runtime {

inline constexpr const char* kIncarnationFileName = "incarnation";
inline constexpr const char* kLockFileName = "LOCK";
inline constexpr const char* kStoreDirectoryName = "store";
inline constexpr const char* kHintDirectoryName = "hints";
// The hint store holds little; a small memtable keeps its WAL short.
inline constexpr uint64_t kHintMemtableBytes = 1u << 20;
inline constexpr uint64_t kHintBlockCacheBytes = 1u << 20;

class NodeStorage {
 public:
  static Result<std::unique_ptr<NodeStorage>> open(const RuntimeOptions& options,
                                                   const Logger& logger);
  ~NodeStorage();

  // The store the Node uses: the LsmStore, or a wrapper without fsync for --sync never.
  ReplicaStore& replica_store() { return *replica_store_; }
  ReplicaStore& hint_store() { return *hint_store_; }
  LsmStore& lsm() { return *lsm_; }
  LsmStore& hint_lsm() { return *hint_lsm_; }
  uint64_t incarnation() const { return incarnation_; }

 private:
  NodeStorage() = default;

  PosixEnv env_;
  std::unique_ptr<LsmStore> lsm_;
  std::unique_ptr<LsmStore> hint_lsm_;
  std::unique_ptr<ReplicaStore> unsynced_;
  std::unique_ptr<ReplicaStore> unsynced_hints_;
  ReplicaStore* replica_store_ = nullptr;
  ReplicaStore* hint_store_ = nullptr;
  uint64_t incarnation_ = 0;
  int lock_fd_ = -1;
};

// Reads DIR/incarnation (0 when missing), writes previous + 1 durably and returns it.
Result<uint64_t> bump_incarnation(Env& env, const std::string& dir);

}  // namespace ringkv::runtime
