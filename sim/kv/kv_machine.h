// KvMachine: one ringkv node inside the simulator: the production Node, a durable LsmStore
// and a durable hint store on the node's simulated disk (MemoryEnv), and the production
// HTTP + JSON codec for every message, as bytes. Satisfies sim::SimulatedMachine. The disk outlives the machine: a
// crash drops the machine, the harness crashes the MemoryEnv, a restart reopens the store.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/node/node.h"
#include "core/storage/lsm_store.h"
#include "core/storage/memory_env.h"
#include "core/wire/codec.h"
#include "sim/kit/simulator.h"

namespace ringkv::sim {

struct KvMachineSetup {
  std::vector<NodeId> names;  // index -> node id
  Config config;
  LsmOptions storage;
  uint32_t injected_bugs = 0;
  uint32_t compaction_step_entries = 64;
  std::vector<Key> watched_keys;  // versions recorded at every successful sync (checkers)
  uint32_t buggify_permille = 0;
};

class KvMachine {
 public:
  // Opens the store in `env` (recovering it). Fails when recovery fails.
  static Result<std::unique_ptr<KvMachine>> open(size_t index, const KvMachineSetup& setup,
                                                 MemoryEnv& env, uint64_t incarnation,
                                                 Prng prng, uint64_t local_now_ms);

  // SimulatedMachine.
  void on_packet(size_t from, const std::string& bytes, uint64_t now_ms);
  void on_tick(uint64_t now_ms);
  void commit(uint64_t now_ms);
  bool needs_commit() const { return node_->has_uncommitted(); }
  std::vector<Packet> take_packets();
  uint64_t next_tick_ms() const { return node_->next_tick_ms(); }

  // Workload side.
  void submit(uint64_t request_id, const ClientRequest& request, uint64_t now_ms);
  std::vector<Reply> take_replies() { return node_->take_replies(); }

  Node& node() { return *node_; }
  LsmStore& store() { return *store_; }
  LsmStore& hint_store() { return *hint_store_; }
  uint64_t codec_errors() const { return codec_errors_; }
  uint64_t commit_failures() const { return commit_failures_; }
  // Watched keys' versions as of the last commit that synced the store.
  const std::map<Key, Version>& synced_versions() const { return synced_versions_; }

 private:
  KvMachine(size_t index, const KvMachineSetup& setup, Prng prng);

  const KvMachineSetup& setup_;
  Prng prng_;
  std::unique_ptr<LsmStore> store_;
  std::unique_ptr<LsmStore> hint_store_;
  std::unique_ptr<Node> node_;
  wire::MessageDecoder decoder_;
  uint64_t codec_errors_ = 0;
  uint64_t commit_failures_ = 0;
  std::map<Key, Version> synced_versions_;
};

}  // namespace ringkv::sim
