// KvMachine: one ringkv node inside the simulator: the production Node, driven by the
// production NodeDriver (the same order of sends, syncs and replies as kvnode, with
// detached syncs that take simulated disk time), a durable LsmStore and a durable hint
// store on the node's simulated disk (MemoryEnv), and the production HTTP + JSON codec for
// every message, in batches, as bytes. Satisfies sim::SimulatedMachine. The disk outlives
// the machine: a crash drops the machine, the harness crashes the MemoryEnv, a restart
// reopens the store.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/driver/node_driver.h"
#include "core/node/node.h"
#include "core/ring_order_store.h"
#include "core/storage/lsm_store.h"
#include "core/storage/memory_env.h"
#include "core/wire/codec.h"
#include "sim/kit/simulator.h"

namespace ringkv::sim {

struct KvMachineSetup {
  std::vector<NodeId> names;  // index -> node id
  size_t initial_count = 0;   // names[0..initial_count) form the cluster; the rest join it
  Config config;
  DriverOptions driver;
  LsmOptions storage;
  uint32_t injected_bugs = 0;
  std::vector<Key> watched_keys;  // versions recorded at every successful sync (checkers)
  uint32_t buggify_permille = 0;
  bool describe_messages = false;  // packets say what they carry (detailed traces only)
};

// The node's view of its data store: every call goes to the LsmStore; writes to watched
// keys are noted, so that the checkers re-read only those until the table set changes.
// The node stores keys in ring order (core/ring_order_store.h): the keys seen here are
// stored keys, and the checkers read the LsmStore with ring_stored_key().
class WatchingStore final : public ReplicaStore {
 public:
  WatchingStore(LsmStore& inner, const std::vector<Key>& watched);
  Result<ApplyResult> apply(std::string_view key, const Entry& entry) override;
  Result<std::optional<Entry>> get(std::string_view key) override { return inner_.get(key); }
  Status scan(std::string_view start_key, const Visitor& visit) override {
    return inner_.scan(start_key, visit);
  }
  Status sync() override { return inner_.sync(); }
  Status purge(std::string_view key, const Version& version) override;
  // Watched keys written since the last call.
  std::set<Key> take_written() { return std::exchange(written_, {}); }

 private:
  void note(std::string_view stored_key);
  LsmStore& inner_;
  std::map<std::string, Key, std::less<>> watched_;  // by stored key
  std::set<Key> written_;
};

class KvMachine final : private DriverHost {
 public:
  // Opens the store in `env` (recovering it). Fails when recovery fails.
  static Result<std::unique_ptr<KvMachine>> open(size_t index, const KvMachineSetup& setup,
                                                 MemoryEnv& env, uint64_t incarnation,
                                                 Prng prng, uint64_t local_now_ms);

  // SimulatedMachine.
  void on_packet(size_t from, const std::string& bytes, uint64_t now_ms);
  void on_tick(uint64_t now_ms);
  uint64_t drive(uint64_t now_ms);
  bool take_sync_started() { return std::exchange(sync_started_, false); }
  void finish_sync(uint64_t now_ms);
  std::vector<Packet> take_packets();

  // Workload side.
  void submit(uint64_t request_id, const ClientRequest& request, uint64_t now_ms);
  std::vector<Reply> take_replies() { return std::exchange(replies_, {}); }

  Node& node() { return *node_; }
  const Node& node() const { return *node_; }
  const NodeDriver& driver() const { return *driver_; }
  LsmStore& store() { return *store_; }
  LsmStore& hint_store() { return *hint_store_; }
  uint64_t codec_errors() const { return codec_errors_; }
  // The damage report when this open set a damaged data store aside (empty otherwise).
  const std::string& discarded() const { return discarded_; }
  uint64_t commit_failures() const { return driver_->commit_failures(); }
  // Watched keys' versions as of the last sync that completed (zero: nothing).
  const std::map<Key, Version>& synced_versions() const { return synced_versions_; }
  // What the store holds now for each watched key (zero: nothing, e.g. after a purge);
  // keys it cannot read now are left out. Read again only when the store changed, so the
  // sync bookkeeping and the checkers share one read per change.
  const std::map<Key, Version>& watched_versions();

 private:
  KvMachine(size_t index, const KvMachineSetup& setup, Prng prng);

  // DriverHost.
  void send(Envelope envelope) override { outgoing_.push_back(std::move(envelope)); }
  void reply(Reply reply) override { replies_.push_back(std::move(reply)); }
  void flush() override {}
  void start_sync(std::function<Status()> run) override;
  // Compactions take simulated disk time: the job runs (whole) at the first drive() at or
  // after its due time; a crash before that drops it.
  void start_compaction(size_t store, std::function<Status()> run) override;
  void finish_due_compactions(uint64_t now_ms);
  void record_synced(const std::map<Key, Version>& versions);

  const KvMachineSetup& setup_;
  Prng prng_;
  std::unique_ptr<LsmStore> store_;
  std::unique_ptr<WatchingStore> watching_;  // what the node uses: store_, observed
  std::unique_ptr<LsmStore> hint_store_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<NodeDriver> driver_;
  uint64_t codec_errors_ = 0;
  std::string discarded_;
  std::vector<Envelope> outgoing_;
  std::vector<Reply> replies_;
  std::function<Status()> sync_run_;  // the sync drive() started, run at finish_sync()
  std::map<Key, Version> sync_covers_;  // watched versions when it started
  std::map<Key, Version> watched_;        // watched_versions() as of watched_changes_
  uint64_t watched_changes_ = UINT64_MAX;  // store state_changes() when read
  uint64_t watched_tables_ = UINT64_MAX;   // store table_changes() when all were read
  bool sync_started_ = false;
  struct PendingCompaction {
    std::function<Status()> run;  // empty: none
    uint64_t due_ms = 0;
  };
  PendingCompaction compactions_[2];  // data, hints (the driver's store indexes)
  uint64_t driving_now_ms_ = 0;       // the time of the drive() under way
  static constexpr uint64_t kMaxCompactionDelayMs = 20;
  uint64_t commits_seen_ = 0;  // Node commits counted before the last drive()
  std::map<Key, Version> synced_versions_;
};

}  // namespace ringkv::sim
