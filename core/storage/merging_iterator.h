// Iterators over the store's layers: one over a Memtable, and MergingIterator, which merges
// sources given newest first into one ascending stream with one record per key, taken from
// the newest source that holds the key (every accepted apply is newer than what it
// replaced, so the newest record is the store's current record for that key).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/memtable.h"
#include "core/storage/record_iterator.h"

namespace ringkv {

// Iterates `memtable` from the first key >= start_key. The memtable must not change.
std::unique_ptr<RecordIterator> memtable_iterator(const Memtable& memtable,
                                                  std::string_view start_key);

// Merges sources on a binary min-heap ordered by (key, source position): a step costs
// O(log sources) key comparisons for each source holding the key being left; on equal keys
// the newer source is the one seen, and the older ones are skipped. While the top source's
// keys stay below every other source's (runs from one table, the common case in a scan), a
// step is one comparison with the runner-up, which is kept until the heap changes.
class MergingIterator final : public RecordIterator {
 public:
  // `sources`: newest first, each already positioned.
  explicit MergingIterator(std::vector<std::unique_ptr<RecordIterator>> sources);

  bool valid() const override { return current_ != kNone; }
  std::string_view key() const override { return heap_.front().key; }
  const RecordView& view() const override { return sources_[current_]->view(); }
  Status next() override;

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  // A valid source and its current key (a view the source keeps until it moves), so that
  // the heap compares keys without calling into the sources.
  struct HeapEntry {
    std::string_view key;
    size_t source;
  };
  static bool before(const HeapEntry& a, const HeapEntry& b) {  // heap order
    const int order = a.key.compare(b.key);
    return order < 0 || (order == 0 && a.source < b.source);  // equal keys: newer first
  }
  void sift_down(size_t position);
  void pick_current() { current_ = heap_.empty() ? kNone : heap_.front().source; }
  // After the heap changed: finds the runner-up and whether the top's key is its own.
  void refresh_runner_up();
  Status skip_duplicates();  // next() when other sources may hold the key being left
  Result<bool> advance_top();
  void fail() {
    heap_.clear();
    current_ = kNone;
  }

  std::vector<std::unique_ptr<RecordIterator>> sources_;
  std::vector<HeapEntry> heap_;  // the valid sources; heap_[0] is the current one
  size_t current_ = kNone;
  size_t runner_up_ = kNone;  // heap position (1 or 2) of the second smallest source
  bool top_key_alone_ = false;  // no other source is at the current key
  std::string current_key_;  // next(): the key being left, in a buffer kept across calls
};

}  // namespace ringkv
