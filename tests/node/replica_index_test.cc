// The ring-ordered view of a node's store and the anti-entropy index that relies on it:
// range scans by ring position, the one-time conversion of the old layout, and the
// incremental index update on a ring change (checked against a rebuild from scratch).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/memory_store.h"
#include "core/node/merkle_tree.h"
#include "core/node/replica_index.h"
#include "core/prng.h"
#include "core/ring_order_store.h"

namespace ringkv::testing {
namespace {

Entry value_entry(uint64_t counter, std::string value = "v") {
  return Entry{Version{counter, "n1"}, false, std::move(value)};
}

std::vector<std::string> visit_all(RingOrderedStore& store, std::string_view start = "") {
  std::vector<std::string> keys;
  EXPECT_TRUE(store.scan(start, [&](std::string_view key, const Entry&) {
                     keys.emplace_back(key);
                     return true;
                   }).ok());
  return keys;
}

TEST(RingOrderedStore, NodeRecordsFirstThenDataInRingOrder) {
  MemoryStore raw;
  RingOrderedStore store(raw);
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back("key-" + std::to_string(i));
  for (const std::string& key : keys) ASSERT_TRUE(store.apply(key, value_entry(1, key)).ok());
  const std::string record("\0ring", 5);
  ASSERT_TRUE(store.apply(record, value_entry(1)).ok());
  ASSERT_TRUE(store.apply("", value_entry(1)).ok());  // the lease record
  // Stored keys differ from the keys, and nothing is stored under a key as it is.
  EXPECT_FALSE(*raw.get("key-1"));
  EXPECT_EQ((*store.get("key-1"))->value, "key-1");

  std::vector<std::string> seen = visit_all(store);
  ASSERT_EQ(seen.size(), keys.size() + 2);
  EXPECT_EQ(seen[0], "");
  EXPECT_EQ(seen[1], record);
  std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    return std::pair(hash64(a), a) < std::pair(hash64(b), b);
  });
  EXPECT_EQ(std::vector<std::string>(seen.begin() + 2, seen.end()), keys);
  // A data key starts a scan at its own place in ring order (a stream cursor).
  EXPECT_EQ(visit_all(store, keys[50]), std::vector<std::string>(keys.begin() + 50, keys.end()));
}

TEST(RingOrderedStore, ScanPositionsVisitsExactlyTheArc) {
  MemoryStore raw;
  RingOrderedStore store(raw);
  std::vector<std::pair<uint64_t, std::string>> all;
  for (int i = 0; i < 500; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_TRUE(store.apply(key, value_entry(1)).ok());
    all.emplace_back(hash64(key), key);
  }
  std::sort(all.begin(), all.end());
  Prng prng(7);
  for (int round = 0; round < 50; ++round) {
    uint64_t first = prng.next_u64(), last = prng.next_u64();
    if (first > last) std::swap(first, last);
    if (round == 0) first = 0, last = UINT64_MAX;
    if (round == 1) first = last = all[10].first;
    std::vector<std::string> expected, seen;
    for (const auto& [position, key] : all) {
      if (position >= first && position <= last) expected.push_back(key);
    }
    ASSERT_TRUE(store.scan_positions(first, last, [&](uint64_t position, std::string_view key,
                                                      const Entry&) {
                      EXPECT_EQ(position, hash64(key));
                      seen.emplace_back(key);
                      return true;
                    }).ok());
    EXPECT_EQ(seen, expected) << first << ".." << last;
  }
  bool visited = false;
  ASSERT_TRUE(store.scan_positions(5, 4, [&](uint64_t, std::string_view, const Entry&) {
                     return visited = true;
                   }).ok());
  EXPECT_FALSE(visited);
}

// Passes every call through until `applies` applies were made, then fails every apply.
class FailingStore final : public ReplicaStore {
 public:
  FailingStore(ReplicaStore& inner, int applies) : inner_(inner), left_(applies) {}
  Result<ApplyResult> apply(std::string_view key, const Entry& entry) override {
    if (left_ == 0) return Status::io_error("injected");
    left_--;
    return inner_.apply(key, entry);
  }
  Result<std::optional<Entry>> get(std::string_view key) override { return inner_.get(key); }
  Status scan(std::string_view start, const Visitor& visit) override {
    return inner_.scan(start, visit);
  }
  Status sync() override { return inner_.sync(); }
  Status purge(std::string_view key, const Version& version) override {
    return inner_.purge(key, version);
  }

 private:
  ReplicaStore& inner_;
  int left_;
};

TEST(RingOrderedStore, ConversionMovesTheOldLayoutOnceAndResumes) {
  MemoryStore raw;
  std::map<std::string, Entry> old;
  for (int i = 0; i < 300; ++i) {
    const std::string key = "old-" + std::to_string(i);
    old[key] = i % 7 == 0 ? Entry{Version{10u + i, "n2"}, true, {}} : value_entry(10u + i, key);
    ASSERT_TRUE(raw.apply(key, old[key]).ok());  // as a store of the old layout holds it
  }
  const std::string record("\0ring", 5);
  ASSERT_TRUE(raw.apply(record, value_entry(3, "ring")).ok());
  RingOrderedStore store(raw);
  ASSERT_TRUE(store.apply("new-key", value_entry(1)).ok());  // already in ring order

  // Interrupted halfway (a disk error, a crash): what moved stays moved, and the next
  // conversion moves the rest.
  MemoryStore partial = raw;
  FailingStore failing(partial, 250);
  Result<uint64_t> interrupted = convert_to_ring_order(failing, 100);
  ASSERT_FALSE(interrupted.ok());
  Result<uint64_t> first = convert_to_ring_order(partial, 100);
  ASSERT_TRUE(first.ok());
  EXPECT_GT(*first, 0u);
  EXPECT_LT(*first, 300u);
  // Repeating on a converted store moves nothing.
  Result<uint64_t> again = convert_to_ring_order(partial, 100);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
  RingOrderedStore converted(partial);
  for (const auto& [key, entry] : old) EXPECT_EQ(*converted.get(key), entry) << key;
  EXPECT_EQ((*converted.get("new-key"))->value, "v");
  EXPECT_EQ((*converted.get(record))->value, "ring");
  EXPECT_EQ(visit_all(converted).size(), old.size() + 2);
  EXPECT_EQ(partial.size(), old.size() + 2);  // nothing left under the old keys
}

// The trees of an index updated across ring changes equal those of an index built from
// scratch on the new ring: the incremental update moves exactly the digests it must.
RC_GTEST_PROP(ReplicaIndexProperty, FollowingARingChangeEqualsARebuild, ()) {
  const std::vector<NodeId> pool{"n1", "n2", "n3", "n4", "n5", "n6"};
  auto some_nodes = [&] {
    return *rc::gen::container<std::vector<NodeId>>(rc::gen::elementOf(pool));
  };
  const auto key_count = *rc::gen::inRange(0, 300);
  const uint32_t rf = *rc::gen::inRange(1, 4);
  const uint32_t vnodes = *rc::gen::inRange(1, 20);
  MemoryStore raw;
  RingOrderedStore store(raw);
  for (int i = 0; i < key_count; ++i) {
    const std::string key = "key-" + std::to_string(i);
    RC_ASSERT(store.apply(key, Entry{Version{uint64_t(i) + 1, "n1"}, i % 5 == 0, "v"}).ok());
  }
  // One index is filled key by key as applies do, the other by load(): the same trees.
  auto fill_by_applies = [&](ReplicaIndex& index, const Ring& ring) {
    index.reset(ring, "n1", rf);
    index.mark_complete();
    RC_ASSERT(store.scan("", [&](std::string_view key, const Entry& entry) {
                     index.on_change(key, std::nullopt, entry, 0);
                     return true;
                   }).ok());
  };
  auto rebuild = [&](ReplicaIndex& index, const Ring& ring) {
    index.reset(ring, "n1", rf);
    RC_ASSERT(index.load(store, 0).ok());
    RC_ASSERT(index.complete());
  };
  Ring ring(some_nodes(), vnodes);
  ReplicaIndex followed;
  fill_by_applies(followed, ring);
  const int changes = *rc::gen::inRange(1, 4);
  for (int change = 0; change < changes; ++change) {
    const Ring before = ring;
    ring = Ring(some_nodes(), vnodes);
    RC_ASSERT(followed.follow_ring(before, store).ok());
    Ring fresh_ring = ring;
    ReplicaIndex fresh;
    rebuild(fresh, fresh_ring);
    for (const NodeId& peer : pool) {
      for (uint32_t leaf = 0; leaf < MerkleTree::kLeaves; ++leaf) {
        RC_ASSERT(followed.tree_for(peer).hash(MerkleTree::kDepth, leaf) ==
                  fresh.tree_for(peer).hash(MerkleTree::kDepth, leaf));
      }
      RC_ASSERT(followed.tree_for(peer).root() == fresh.tree_for(peer).root());
    }
    RC_ASSERT(followed.key_count() == fresh.key_count());
    RC_ASSERT(followed.tombstones().size() == fresh.tombstones().size());
  }
}

// Applies made while a load is under way (the node serves between its steps) count once:
// where the scan has been through on_change(), the rest through the scan.
RC_GTEST_PROP(ReplicaIndexProperty, LoadingInStepsAmidAppliesEqualsALoadAfterwards, ()) {
  const Ring ring({"n1", "n2", "n3", "n4"}, *rc::gen::inRange(1, 10));
  MemoryStore raw;
  RingOrderedStore store(raw);
  const int key_space = *rc::gen::inRange(1, 400);
  uint64_t counter = 0;
  auto apply_some = [&](ReplicaIndex* index, int count) {
    for (int i = 0; i < count; ++i) {
      const std::string key = "key-" + std::to_string(*rc::gen::inRange(0, key_space));
      const Entry entry{Version{++counter, "n2"}, *rc::gen::inRange(0, 4) == 0, "v"};
      Result<ApplyResult> applied = store.apply(key, entry);
      RC_ASSERT(applied.ok());
      if (index && applied->applied) index->on_change(key, applied->replaced, entry, 0);
    }
  };
  apply_some(nullptr, *rc::gen::inRange(0, 300));
  ReplicaIndex stepped;
  stepped.reset(ring, "n1", 3);
  stepped.begin_load();
  for (int steps = 0; !stepped.complete(); ++steps) {
    RC_ASSERT(steps < 100000);
    RC_ASSERT(stepped.loading());
    RC_ASSERT(stepped.load_step(store, *rc::gen::inRange<size_t>(1, 50), 0).ok());
    apply_some(&stepped, *rc::gen::inRange(0, 5));
  }
  ReplicaIndex fresh;
  fresh.reset(ring, "n1", 3);
  RC_ASSERT(fresh.load(store, 0).ok());
  for (const NodeId& peer : ring.nodes()) {
    for (uint32_t leaf = 0; leaf < MerkleTree::kLeaves; ++leaf) {
      RC_ASSERT(stepped.tree_for(peer).hash(MerkleTree::kDepth, leaf) ==
                fresh.tree_for(peer).hash(MerkleTree::kDepth, leaf));
    }
  }
  RC_ASSERT(stepped.key_count() == fresh.key_count());
  RC_ASSERT(stepped.tombstones().size() == fresh.tombstones().size());
}

}  // namespace
}  // namespace ringkv::testing
