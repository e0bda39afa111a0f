// NodeDriver: what a node's host does after every batch of inputs, in the one pure place
// that both kvnode (libuv) and the simulator (virtual time) run, so that the simulator
// tests production's ordering of sends, syncs and replies. drive(now), in this order:
//   1. hands the host the fresh messages and the finished replies: none of them waits for
//      this node's sync (held replica answers are not released yet), so peers and clients
//      work while the sync runs;
//   2. syncs the store by the policy: kAlways seals the held answers and starts a detached
//      sync unless one runs (one at a time; the next covers everything applied meanwhile),
//      and sync_finished() releases them; kBatch commits in place at most every
//      sync_batch_interval_ms; kNever commits in place, the store deciding about fsync;
//      what an in-place commit releases goes to the host at once;
//   3. advances each store's compaction: with detached_compaction, hands the host a job
//      that runs the whole merge off its thread (compaction_finished() installs it);
//      otherwise one bounded step in place (backing off after a failure, either way);
//   4. returns the local time at which it must be driven again at the latest.
// The host owns the Node, the stores and the driver, all on one thread; only the detached
// sync and compaction jobs may run elsewhere (or later, in simulation).
#pragma once

#include <cstdint>
#include <functional>

#include "core/node/node.h"
#include "core/storage/lsm_store.h"

namespace ringkv {

// always: fsync before any answer it covers (group commit, detached); batch: at most one
// fsync per interval (answers wait for it); never: the store's policy (tests, benchmarks).
enum class SyncPolicy : uint8_t { kAlways, kBatch, kNever };
const char* sync_policy_name(SyncPolicy policy);

// What the driver asks of its host.
class DriverHost {
 public:
  virtual ~DriverHost() = default;
  virtual void send(Envelope envelope) = 0;
  virtual void reply(Reply reply) = 0;
  // The end of a burst of send()/reply(): write them out (one write per connection).
  virtual void flush() = 0;
  // Runs `run` off the host's thread (or after a simulated disk delay), then calls
  // NodeDriver::sync_finished() with its result on the host's thread. A host that stops
  // (crash, exit) before that simply never calls it.
  virtual void start_sync(std::function<Status()> run) = 0;
  // Runs `run`, a compaction of store `store` (0: data, 1: hints), off the host's thread (or
  // after a simulated disk delay), then calls NodeDriver::compaction_finished() with its
  // result on the host's thread. Called only with DriverOptions::detached_compaction; a
  // host that stops before the job ends never calls back (the output is an orphan file
  // that the next open removes).
  virtual void start_compaction(size_t store, std::function<Status()> run) {
    (void)store;
    (void)run;
    RINGKV_ASSERT_MSG(false, "this host does not run detached compactions");
  }
};

struct DriverOptions {
  SyncPolicy sync = SyncPolicy::kAlways;
  uint64_t sync_batch_interval_ms = 5;
  size_t compaction_step_entries = 64;  // keys per compaction step and store
  // Compactions run whole off the host's thread (DriverHost::start_compaction) instead of
  // in steps on it.
  bool detached_compaction = false;
};

class NodeDriver {
 public:
  // Every reference must outlive the driver.
  NodeDriver(Node& node, LsmStore& data, LsmStore& hints, DriverHost& host,
             DriverOptions options);

  uint64_t drive(uint64_t now_ms);
  void sync_finished(const Status& result, uint64_t now_ms);
  void compaction_finished(size_t store, const Status& result, uint64_t now_ms);
  bool sync_running() const { return sync_running_; }
  const DriverOptions& options() const { return options_; }

  // A store failed for good (a failed sync or manifest update): the node cannot make
  // anything durable any more. The host stops it (kvnode exits, the simulator restarts
  // it); a restart recovers from what the disk holds.
  Status fatal_error() const;
  uint64_t commit_failures() const { return commit_failures_; }
  uint64_t compaction_failures() const { return compaction_failures_; }
  static constexpr uint64_t kMinCompactionBackoffMs = 50;
  static constexpr uint64_t kMaxCompactionBackoffMs = 5000;
  const Status& last_commit_failure() const { return last_commit_failure_; }

 private:
  void hand_over();
  void sync_detached(uint64_t now_ms);
  void commit_in_place(uint64_t now_ms);
  bool commit_due(uint64_t now_ms) const;
  void record(const Status& committed);
  void compaction_step(uint64_t now_ms);
  void start_detached_compaction(size_t i, uint64_t now_ms);
  void record_compaction(size_t i, bool succeeded, uint64_t now_ms);
  static constexpr size_t kStores = 2;
  LsmStore& store(size_t i) { return i == 0 ? data_ : hints_; }

  Node& node_;
  LsmStore& data_;
  LsmStore& hints_;
  DriverHost& host_;
  DriverOptions options_;
  bool sync_running_ = false;
  uint64_t sync_batch_ = 0;
  LsmStore::SyncJob sync_job_;  // the running one (its run() is with the host)
  uint64_t last_commit_ms_ = 0;
  uint64_t commit_failures_ = 0;
  Status last_commit_failure_;
  struct CompactionRetry {
    uint64_t not_before_ms = 0;
    uint64_t backoff_ms = 0;
  };
  CompactionRetry compaction_retry_[kStores];  // data, hints
  bool compaction_running_[kStores] = {false, false};  // a detached job is with the host
  uint64_t compaction_failures_ = 0;
};

}  // namespace ringkv
