// LsmStore against a std::map model (RapidCheck): random applies, gets, scans, syncs,
// flushes, compaction steps, detached compactions (begun, then run and finished later),
// purges and crash + reopen over MemoryEnv. After a crash each
// key must hold one of the states it went through since its last sync (so synced writes
// survive, versions never go back, nothing is invented).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <functional>
#include <map>
#include <utility>
#include <tuple>
#include <vector>

#include "tests/storage/storage_test_util.h"

namespace ringkv {
namespace {

constexpr int kKeyCount = 12;

struct Model {
  std::map<std::string, std::optional<Entry>> current;
  // Per key, every state since the last sync point (the first is the synced one).
  std::map<std::string, std::vector<std::optional<Entry>>> since_sync;

  void record(const std::string& key, const std::optional<Entry>& state) {
    if (!since_sync.contains(key)) since_sync[key] = {current[key]};
    current[key] = state;
    since_sync[key].push_back(state);
  }
  void synced() {
    since_sync.clear();
    for (const auto& [key, state] : current) since_sync[key] = {state};
  }
};

std::string key_name(int index) { return "key-" + std::to_string(index); }

Entry make_entry(int counter, int node, bool tombstone, int salt) {
  Entry entry;
  entry.version = Version{static_cast<uint64_t>(counter), node == 0 ? "n1" : "n2"};
  entry.tombstone = tombstone;
  if (!tombstone)
    entry.value =
        "v" + std::to_string(counter) + "-" + std::to_string(salt) + std::string(salt % 40, 'x');
  return entry;
}

void check_matches_model(LsmStore& store, const Model& model) {
  for (int index = 0; index < kKeyCount; ++index) {
    auto key = key_name(index);
    auto got = store.get(key);
    RC_ASSERT(got.ok());
    auto it = model.current.find(key);
    std::optional<Entry> expected = it == model.current.end() ? std::nullopt : it->second;
    RC_ASSERT(*got == expected);
  }
  std::map<std::string, Entry> scanned;
  RC_ASSERT(store
                .scan("",
                      [&](std::string_view key, const Entry& entry) {
                        scanned.emplace(std::string(key), entry);
                        return true;
                      })
                .ok());
  std::map<std::string, Entry> expected;
  for (const auto& [key, state] : model.current) {
    if (state) expected.emplace(key, *state);
  }
  RC_ASSERT(scanned == expected);
}

void crash_and_reopen(MemoryEnv& env, std::unique_ptr<LsmStore>& store, Model& model, uint64_t seed,
                      const LsmOptions& options) {
  store.reset();
  Prng prng(seed);
  env.crash(prng);
  auto reopened = LsmStore::open(env, testing::kStoreDir, options);
  RC_ASSERT(reopened.ok());
  store = std::move(*reopened);
  for (int index = 0; index < kKeyCount; ++index) {
    auto key = key_name(index);
    auto got = store->get(key);
    RC_ASSERT(got.ok());
    auto history_it = model.since_sync.find(key);
    std::vector<std::optional<Entry>> allowed = {std::nullopt};
    if (history_it != model.since_sync.end()) allowed = history_it->second;
    bool found = std::find(allowed.begin(), allowed.end(), *got) != allowed.end();
    RC_ASSERT(found);
    model.current[key] = *got;
  }
  model.synced();  // what survived a crash is on disk now
}

// op: kind, key index, counter, flags (node bit, tombstone bit, salt)
using Op = std::tuple<uint8_t, uint8_t, uint8_t, uint8_t>;

uint64_t detached_compactions_finished = 0;  // across runs: the path must be reached

LsmStats run_model(const std::vector<Op>& ops) {
  MemoryEnv env(1);
  LsmOptions options = testing::small_options(600);
  options.compaction.min_merge_tables = 2;
  options.compaction.max_merge_tables = 3;
  options.compaction.max_tables = 5;
  options.block_cache_bytes = 10000;  // a few blocks: reads hit, miss and evict
  auto opened = LsmStore::open(env, testing::kStoreDir, options);
  RC_ASSERT(opened.ok());
  std::unique_ptr<LsmStore> store = std::move(*opened);
  Model model;
  std::function<Status()> detached;  // a detached compaction's job, begun and not yet run
  for (const auto& [kind, key_index, counter, flags] : ops) {
    std::string key = key_name(key_index % kKeyCount);
    switch (kind % 10) {
      case 0:
      case 1:
      case 2:
      case 3: {
        Entry entry = make_entry(counter % 60 + 1, flags & 1, (flags & 6) == 6, flags >> 3);
        auto result = store->apply(key, entry);
        RC_ASSERT(result.ok());
        auto& state = model.current[key];
        bool wins = !state || lww_wins(entry, *state);
        RC_ASSERT(result->applied == wins);
        if (wins) model.record(key, entry);
        break;
      }
      case 4:
        RC_ASSERT(store->sync().ok());
        model.synced();
        break;
      case 5:
        RC_ASSERT(store->flush().ok());
        break;
      case 6:
        if (flags % 4 == 0) store->request_full_compaction();
        if (flags & 8) {
          // Detached: begun now, run and finished at a later detached op (applies, flushes,
          // purges and crashes may come in between; a crash drops the job).
          if (detached) {
            RC_ASSERT(store->finish_compaction(std::exchange(detached, nullptr)()).ok());
            ++detached_compactions_finished;
          } else {
            auto job = store->begin_compaction();
            RC_ASSERT(job.ok());
            detached = std::move(job->run);
          }
        } else {
          RC_ASSERT(store->compact_step(1 + flags % 20).ok());
        }
        break;
      case 7: {
        auto state = model.current[key];
        if (state && state->tombstone) {
          RC_ASSERT(store->purge(key, state->version).ok());
          model.record(key, std::nullopt);
        }
        break;
      }
      case 8:
        detached = nullptr;  // the process that ran it is gone
        crash_and_reopen(env, store, model, counter * 256 + flags, options);
        break;
      default:
        check_matches_model(*store, model);
    }
  }
  if (detached) RC_ASSERT(store->finish_compaction(detached()).ok());
  check_matches_model(*store, model);
  LsmStats stats = store->stats();
  crash_and_reopen(env, store, model, 99, options);
  check_matches_model(*store, model);
  return stats;
}

RC_GTEST_PROP(LsmStoreModel, BehavesLikeAMapAndSurvivesCrashes, (std::vector<Op> ops)) {
  run_model(ops);
}

TEST(LsmStoreModel, LongRandomRunsMatchTheModel) {
  LsmStats total;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Prng prng(seed);
    std::vector<Op> ops;
    // Few crashes (1 op in 100), so that stores grow several tables between them.
    for (int i = 0; i < 1000; ++i) {
      uint8_t kind = static_cast<uint8_t>(prng.uniform(256));
      if (kind % 10 == 8 && !prng.one_in(10)) kind = 0;
      ops.emplace_back(kind, prng.uniform(256), prng.uniform(256), prng.uniform(256));
    }
    LsmStats stats = run_model(ops);
    total.flushes += stats.flushes;
    total.compactions += stats.compactions;
    total.tombstones_dropped += stats.tombstones_dropped;
  }
  // The runs must reach the interesting paths, or they prove little.
  EXPECT_GT(total.flushes, 100u);
  EXPECT_GT(total.compactions, 20u);
  EXPECT_GT(total.tombstones_dropped, 0u);
  EXPECT_GT(detached_compactions_finished, 20u);
}

}  // namespace
}  // namespace ringkv
